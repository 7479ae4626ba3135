"""Group commit: concurrent submits of one process written by one thread in one transaction.

When many residents report at once, each request's own commit, classifier call and look-ups cost
more than the request itself. Callers queue their item; the first to find no batch being written
takes everything queued so far and writes it (`write(items)` returns one outcome per item), the
others wait for their outcome. Nobody waits for a timer: a request that arrives alone is written
at once, and under load the batches grow by themselves to what arrived while the previous batch
was written. Every caller returns only after its item is committed, as if it had written it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

MAX_BATCH = 64  # bounds the wait of the last caller in a batch


class _Slot:
    __slots__ = ("item", "outcome", "done")

    def __init__(self, item: Any):
        self.item, self.outcome, self.done = item, None, False


class GroupCommit:
    def __init__(self, write: Callable[[list], list]):
        self._write = write
        self._queue: list[_Slot] = []
        self._queue_lock = threading.Lock()
        self._writer = threading.Lock()  # one batch at a time

    def submit(self, item: Any) -> Any:
        """The outcome `write` gave for this item; an exception (its own, or the batch's) is raised."""
        slot = _Slot(item)
        with self._queue_lock:
            self._queue.append(slot)
        while not slot.done:
            with self._writer:
                if slot.done:
                    break
                with self._queue_lock:
                    batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                try:
                    outcomes = self._write([s.item for s in batch])
                except BaseException as exc:  # the whole batch failed: every caller hears why
                    outcomes = [exc] * len(batch)
                for s, outcome in zip(batch, outcomes, strict=True):
                    s.outcome, s.done = outcome, True
        if isinstance(slot.outcome, BaseException):
            raise slot.outcome
        return slot.outcome
