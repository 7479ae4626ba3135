"""The conversation flows, and the one place that routes an update to them.

Each flow is a module with its named states (an Enum whose values are what the `Conversation`
row stores, unchanged since the first version so stored conversations continue across upgrades)
and a table `TRANSITIONS: (state, input) -> handler`, which is that flow's map:

    commands.py  /start /help /cancel /status /lang, "我的需求", unknown commands, stickers
    intake.py    a need written → category → compound → consent → phone → filed
    rating.py    a score pressed on a follow-up → an optional comment
    privacy.py   /privacy, /delete → confirm → personal data erased
    survey.py    /survey → pick one → a question at a time → submitted

An input is routed by the keys `classify` gives it, most specific first: a button by its
bot.callbacks type, a command by its name ("/status") and then `Kind.COMMAND`, a message by its
`Kind`. `dispatch` tries (current state, key) for each key, then (ANY, key) for each key, and runs
the first handler found; a handler returning `PASS` hands the input on to the next one found.
A button that no entry takes (or data we never sent) is answered "this button has expired".
"""

from __future__ import annotations

from bot import callbacks
from bot.flows import commands, intake, privacy, rating, survey
from bot.turn import ANY, IDLE, PASS, Kind, Transitions, Turn
from bot.types import Incoming

FLOWS = (commands, intake, rating, privacy, survey)


def _merge() -> Transitions:
    table: Transitions = {}
    for flow in FLOWS:
        for key, handler in flow.TRANSITIONS.items():
            if key in table:
                raise RuntimeError(f"{flow.__name__} and another flow both handle {key}")
            table[key] = handler
    return table


TRANSITIONS = _merge()
STATES = frozenset({IDLE} | {s.value for flow in FLOWS for s in getattr(flow, "State", ())})  # as stored


def classify(inc: Incoming) -> tuple[list[object], object]:
    """The keys an update is routed by (most specific first) and the value its handler receives."""
    if inc.callback is not None:
        press = callbacks.parse(inc.callback)
        return ([type(press)] if press is not None else []), press
    words = inc.text.strip() if inc.text is not None else None
    if words is not None and words.startswith("/"):
        command, _, arg = words.partition(" ")
        return [f"/{command[1:].split('@', 1)[0].lower()}", Kind.COMMAND], arg.strip()
    if words is not None and commands.asks_for_help(words):
        return ["/help", Kind.COMMAND], ""
    if words is not None:
        return [Kind.MY_REQUESTS if commands.asks_for_status(words) else Kind.TEXT], words
    if inc.photo or inc.location:
        return [Kind.ATTACHMENT], None
    return [Kind.UNREADABLE], None


def dispatch(turn: Turn) -> None:
    """Run the handler the flow map gives for this update in the conversation's state."""
    keys, value = classify(turn.inc)
    for state in (turn.state, ANY):
        for key in keys:
            handler = TRANSITIONS.get((state, key))
            if handler is not None and handler(turn, value) is not PASS:
                return
    if turn.inc.callback is not None:
        turn.stale()
