"""Deliver queued notifications (core/notify.py) of one channel: claim, send, mark.

Several bot processes may deliver at once. A row is claimed by moving it from "pending" to
"sending" in one conditional UPDATE, so only one process sends it; a claim older than
`LEASE_SECONDS` (a process died mid-send) is taken over. `sent_at` holds the claim time while
a row is "sending" and the delivery time once it is "sent".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.callbacks import Rate
from bot.types import Button, Reply
from core.db import row_id
from core.models import Outbox, OutboxStatus, utcnow

log = logging.getLogger(__name__)

SENDING = "sending"
LEASE_SECONDS = 60
MAX_ATTEMPTS = 5


@dataclass
class Delivery:
    row_id: int
    address: str
    reply: Reply
    purpose: str


def reply_for(row: Outbox) -> Reply:
    """How a queued row looks in a chat: a rating prompt carries 1–5 buttons."""
    buttons: list[list[Button]] = []
    request_id = (row.payload or {}).get("request_id")
    if row.purpose == "rating" and request_id:
        buttons = [[Button(f"{n}★", Rate(request_id, n).data) for n in range(1, 6)]]
    return Reply(text=row.text, buttons=buttons, photo=(row.payload or {}).get("photo"))


def claim(session: Session, channel: str, limit: int = 50, address: str | None = None) -> list[Delivery]:
    """Take up to `limit` rows of a channel for this process, oldest first."""
    now = utcnow()
    stale = now - dt.timedelta(seconds=LEASE_SECONDS)
    available = or_(col(Outbox.status) == OutboxStatus.pending,
                    and_(col(Outbox.status) == SENDING, col(Outbox.sent_at) < stale))
    q = select(Outbox).where(col(Outbox.channel) == channel, available)
    if address is not None:
        q = q.where(Outbox.address == address)
    candidates = session.exec(q.order_by(col(Outbox.id)).limit(limit)).all()
    taken = []
    for row in candidates:
        result = session.exec(
            update(Outbox).where(col(Outbox.id) == row.id, col(Outbox.status) == row.status, col(Outbox.attempts) == row.attempts)
            .values(status=SENDING, sent_at=now, attempts=row.attempts + 1)
        )
        if result.rowcount == 1:
            taken.append(Delivery(row_id(row), row.address, reply_for(row), row.purpose))
    session.commit()
    return taken


def mark(session: Session, row_id: int, ok: bool) -> None:
    row = session.get(Outbox, row_id)
    if row is None:
        return
    if ok:
        row.status, row.sent_at = OutboxStatus.sent, utcnow()
    else:
        row.status = OutboxStatus.failed if row.attempts >= MAX_ATTEMPTS else OutboxStatus.pending
        row.sent_at = None
    session.add(row)
    session.commit()


def claim_blocking(engine: Engine, channel: str, limit: int = 50) -> list[Delivery]:
    with Session(engine) as session:
        return claim(session, channel, limit)


def mark_blocking(engine: Engine, results: list[tuple[int, bool]]) -> None:
    with Session(engine) as session:
        for row_id, ok in results:
            mark(session, row_id, ok)


async def deliver(engine: Engine, channel: str, send: Callable[[str, Reply], Awaitable[None]],
                  limit: int = 50) -> int:
    """Send what is pending on `channel` with `send(address, reply)`; returns how many went out."""
    import asyncio

    deliveries = await asyncio.to_thread(claim_blocking, engine, channel, limit)
    results = []
    for d in deliveries:
        try:
            await send(d.address, d.reply)
            results.append((d.row_id, True))
        except Exception:  # a blocked bot or a network error: retried later, failed after MAX_ATTEMPTS
            log.warning("delivery of outbox row %s to %s failed", d.row_id, d.address, exc_info=True)
            results.append((d.row_id, False))
    if results:
        await asyncio.to_thread(mark_blocking, engine, results)
    return sum(ok for _, ok in results)
