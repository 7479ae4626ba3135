"""The dialog engine's plumbing: one update in, replies out, the conversation in the database.

It knows nothing of aiogram, python-telegram-bot or the flows' contents. A turn: skip an update
already processed, load the `Conversation` row and the resident behind the chat, apply the
per-chat rate limit, hand the update to the flows (`bot.flows.dispatch`, which routes it by the
flow map), then write the conversation back with `UPDATE … WHERE version = ?`. If another
process wrote first, the turn is rolled back and re-run from the fresh state, so two bot
processes (or a restarted one) continue one conversation without losing or doubling a step;
`ProcessedUpdate`, inserted in the same transaction, makes a retried update a no-op.

Usage:
    dialog = Dialog()
    outcome = dialog.handle(Incoming(channel="telegram", chat_id="42", user_id="42",
                                     update_key="tg:1001", text="楼道灯坏了"))
    for reply in outcome.replies: ...
"""

from __future__ import annotations

import logging
import random
import time

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot import flows, webchat
from bot.turn import Turn
from bot.types import Incoming, Outcome, Reply
from core import notify
from core.db import row_id
from core.models import Conversation, ProcessedUpdate, Resident, ResidentIdentity, utcnow

log = logging.getLogger(__name__)


class _Stale(Exception):
    """Another process wrote this conversation first: reload and try again."""


class Dialog:
    """Runs residents' updates through the conversation flows; create one per process and share it."""

    def __init__(self, engine: Engine | None = None, rate_limit: int = 20, rate_window: float = 60.0,
                 max_retries: int = 20):
        self._engine = engine
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.max_retries = max_retries

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from core.db import get_engine

            self._engine = get_engine()
        return self._engine

    def handle(self, inc: Incoming) -> Outcome:
        """Process one update exactly once and return what to send back."""
        for attempt in range(self.max_retries):
            with Session(self.engine) as session:
                try:
                    return self._turn(session, inc)
                except _Stale:
                    session.rollback()
                    log.info("conversation %s/%s changed underneath, retrying", inc.channel, inc.chat_id)
            # a little random backoff so two processes racing on one chat stop colliding
            time.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # noqa: S311
        raise RuntimeError(f"conversation {inc.channel}/{inc.chat_id} kept changing; gave up")

    def _turn(self, session: Session, inc: Incoming) -> Outcome:
        if inc.update_key and session.exec(select(ProcessedUpdate.id).where(
                ProcessedUpdate.channel == inc.channel, ProcessedUpdate.update_key == inc.update_key)).first():
            return Outcome(duplicate=True)
        conv = _conversation(session, inc)
        version = conv.version
        turn = Turn(session, inc, conv.state, dict(conv.data or {}), _resident(session, inc))
        if not self._rate_limited(turn):
            flows.dispatch(turn)
        return _save(turn, conv.id, version)

    def _rate_limited(self, turn: Turn) -> bool:
        """A sliding window of recent updates kept in the conversation row (no extra query)."""
        now = time.time()
        window = [ts for ts in turn.data.get("rl", []) if now - ts < self.rate_window]
        if len(window) >= self.rate_limit:
            # answer once per window, then stay silent so a flood gets no flood back
            if now - turn.data.get("rl_warned", 0) >= self.rate_window:
                turn.data["rl_warned"] = now
                turn.say(turn.tr("bot_rate_limited", numbers=notify.EMERGENCY_NUMBERS))
            if turn.inc.callback is not None:
                turn.notice(turn.tr("bot_rate_limited", numbers=notify.EMERGENCY_NUMBERS)[:180])
            turn.data["rl"] = window
            return True
        window.append(now)
        turn.data["rl"] = window
        return False


def _conversation(session: Session, inc: Incoming) -> Conversation:
    q = select(Conversation).where(Conversation.channel == inc.channel, Conversation.chat_id == inc.chat_id)
    conv = session.exec(q).first()
    if conv is None:
        session.add(Conversation(channel=inc.channel, chat_id=inc.chat_id))
        try:
            session.commit()
        except IntegrityError:  # another process created it a moment ago
            session.rollback()
        conv = session.exec(q).one()
    return conv


def _resident(session: Session, inc: Incoming) -> Resident:
    """The resident behind this chat, created on first contact (and again after /delete)."""
    ident = session.exec(select(ResidentIdentity).where(ResidentIdentity.channel == inc.channel,
                                                        ResidentIdentity.external_user_id == inc.user_id)).first()
    if ident is not None:
        if ident.chat_id != inc.chat_id:
            ident.chat_id = inc.chat_id
            session.add(ident)
        return session.get_one(Resident, ident.resident_id)
    resident = Resident(language=inc.language if inc.language in ("zh", "en") else "zh")
    session.add(resident)
    session.flush()
    session.add(ResidentIdentity(resident_id=row_id(resident), channel=inc.channel, external_user_id=inc.user_id,
                                 chat_id=inc.chat_id))
    try:
        session.flush()
    except IntegrityError as exc:  # the same user's first two messages in two processes
        raise _Stale() from exc
    return resident


def _save(turn: Turn, conv_id: int | None, version: int) -> Outcome:
    """Write the conversation back if nobody else did meanwhile, with the update marked processed."""
    s, inc = turn.session, turn.inc
    if inc.channel == webchat.CHANNEL:
        replies = list(turn.out.replies)
        if turn.out.callback_answer:  # a browser has no pop-up notice: show it in the transcript
            replies.append(Reply(text=turn.out.callback_answer))
        turn.data["log"] = webchat.append(turn.data.get("log", []), inc, replies)
    if inc.update_key:
        s.add(ProcessedUpdate(channel=inc.channel, update_key=inc.update_key))
    s.flush()
    result = s.exec(
        update(Conversation)
        .where(col(Conversation.id) == conv_id, col(Conversation.version) == version)
        .values(state=str(turn.state), data=turn.data, resident_id=None if turn.forgotten else turn.resident.id,
                version=version + 1, updated_at=utcnow())
    )
    if result.rowcount != 1:
        raise _Stale()
    try:
        s.commit()
    except IntegrityError:  # the same update was processed meanwhile by another process
        s.rollback()
        return Outcome(duplicate=True)
    return turn.out
