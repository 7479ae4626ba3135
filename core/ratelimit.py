"""Rate limits on public writes, counted in the database so that every web process shares them.

`hit(session, bucket, key, limit, window)` counts one hit and says how long to wait when the key is
over `limit` hits per `window` seconds. The count is a sliding-window estimate (the current fixed
window plus the previous one weighted by how much of it still overlaps), so a client cannot double
its allowance at a window boundary. Refused hits are counted too: a client that keeps hammering
stays refused. The counter is written in its own short transaction, apart from the caller's work.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from core.db import write_lock
from core.deps import SessionDep, client_ip
from core.models import RateCounter
from core.settings import get_settings

PUBLIC_WINDOW = 60  # PUBLIC_RATE_LIMIT counts writes per minute


@dataclass(frozen=True)
class RetryAfter:
    seconds: int


class RateLimited(Exception):
    """Raised by `public_write`; the application answers 429 with Retry-After in the client's language."""

    def __init__(self, retry: RetryAfter):
        self.retry_after = retry.seconds
        super().__init__(f"rate limited: retry after {retry.seconds} s")


def hit(session: Session, bucket: str, key: str, limit: int, window: int, now: float | None = None) -> RetryAfter | None:
    """Count a hit of `key` in `bucket`; None while under `limit` per `window` seconds (limit 0: no limit)."""
    if limit <= 0:
        return None
    now = time.time() if now is None else now
    start = int(now // window) * window
    key = key[:64]
    engine = session.get_bind()
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    upsert = insert(RateCounter).values(bucket=bucket, key=key, window_start=start, hits=1)
    stmt = upsert.on_conflict_do_update(index_elements=["bucket", "key", "window_start"],
                                      set_={"hits": col(RateCounter.hits) + 1}).returning(col(RateCounter.hits))
    with Session(engine) as own, write_lock(own):
        current = own.execute(stmt).scalar_one()
        previous = own.execute(select(col(RateCounter.hits)).where(
            col(RateCounter.bucket) == bucket, col(RateCounter.key) == key,
            col(RateCounter.window_start) == start - window)
        ).scalar() or 0
        if current == 1:  # a key's first hit in this window: forget the windows nothing reads any more
            own.execute(delete(RateCounter).where(col(RateCounter.bucket) == bucket,
                                                  col(RateCounter.window_start) < start - window))
        own.commit()
    elapsed = now - start
    if previous * (window - elapsed) / window + current <= limit:
        return None
    return RetryAfter(max(1, math.ceil(_wait(previous, current, elapsed, limit, window))))


def _wait(previous: int, current: int, elapsed: float, limit: int, window: int) -> float:
    """Seconds until one more hit would be under the limit."""
    room = limit - current - 1  # what the previous window's weight must fall to
    if room >= 0 and previous:
        return window - room * window / previous - elapsed
    # not before this window ends; then this window's hits weigh as the previous ones do now
    return (window - elapsed) + window * (1 - (limit - 1) / current)


def public_hit(request: Request, session: Session, bucket: str) -> RetryAfter | None:
    """Count one public write of this client address in `bucket` against PUBLIC_RATE_LIMIT per minute."""
    return hit(session, bucket, client_ip(request), get_settings().public_rate_limit, PUBLIC_WINDOW)


def public_write(bucket: str):
    """A route dependency: refuse (429) a client address past PUBLIC_RATE_LIMIT writes a minute in `bucket`."""

    async def dependency(request: Request, session: SessionDep) -> None:
        # async, so that a route pays no thread hop for it when limits are off; the count is I/O
        if get_settings().public_rate_limit <= 0:
            return
        retry = await run_in_threadpool(public_hit, request, session, bucket)
        if retry is not None:
            raise RateLimited(retry)

    return dependency
