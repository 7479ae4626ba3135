"""The context a flow receives: one update against one conversation, inside one database session.

A handler reads `turn.inc` (the update), `turn.state`, `turn.data` (the conversation's JSON),
`turn.resident` and `turn.lang`; it changes state and data, queues replies with `say` and
`edit`, and may write through `turn.session`. The engine loads all of it before and saves it
after (bot/engine.py); a handler never commits the conversation itself.

Also here, because every flow's table of transitions is written with them: the kinds of input
(`Kind`), the wildcard state `ANY` and `PASS`, which a handler returns to hand the input on to the
next matching entry after doing its own part (bot/flows/__init__.py says how entries match).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, auto
from typing import Any

from sqlmodel import Session

from bot.texts import MESSAGES
from bot.types import Button, Incoming, Outcome, Reply
from core.i18n import gettext
from core.models import Resident

IDLE = "idle"  # no flow under way: the state of every conversation at rest
ANY = "*"  # in a table key: every state without an entry of its own for that input


class Kind(Enum):
    """What a message is, for routing (a button is routed by its bot.callbacks type instead)."""

    COMMAND = "command"  # any /command: routed by its own name ("/status") first, then by this
    TEXT = "text"  # words: a text message, or a photo's caption
    MY_REQUESTS = "my_requests"  # the words 我的需求, "my requests", ... (bot/flows/commands.py)
    ATTACHMENT = "attachment"  # a photo or a location without words
    UNREADABLE = "unreadable"  # a sticker, a voice message, ...: nothing we can read


class Step(Enum):
    PASS = auto()


PASS = Step.PASS  # returned by a handler that did its part and hands the input on

Handler = Callable[["Turn", Any], Step | None]
Transitions = dict[tuple[str, object], Handler]  # (state or ANY, Kind | "/command" | callback type) -> handler


class Turn:
    """One update against one conversation: what the flows read and change."""

    def __init__(self, session: Session, inc: Incoming, state: str, data: dict, resident: Resident):
        self.session = session
        self.inc = inc
        self.state = state
        self.data = data
        self.resident = resident
        self.forgotten = False  # the resident erased their data: the conversation lets go of them
        self.lang = resident.language
        self.out = Outcome()

    def tr(self, name: str, **kw) -> str:
        """A bot message (bot/texts.py) in the resident's language."""
        return gettext(self.lang)(MESSAGES[name]).format(**kw)

    def say(self, text: str, buttons: list[list[Button]] | None = None) -> None:
        """Send a new message."""
        self.out.replies.append(Reply(text=text, buttons=buttons or []))

    def edit(self, text: str, buttons: list[list[Button]] | None = None) -> None:
        """Replace the pressed message's text (and its buttons: none unless given)."""
        if self.inc.message_id is not None:
            self.out.replies.append(Reply(text=text, buttons=buttons or [], edit=True))

    def notice(self, text: str) -> None:
        """A short notice on the pressed button (Telegram shows it as a pop-up)."""
        self.out.callback_answer = text

    def stale(self) -> None:
        """The pressed button belongs to a question no longer asked."""
        self.notice(self.tr("bot_stale_button"))

    def reset(self) -> None:
        """Back to idle, dropping whatever flow was under way."""
        self.state = IDLE
        for key in ("draft", "rating", "survey"):
            self.data.pop(key, None)
