"""Group commit: concurrent submits of one process written by one thread in one transaction.

When many residents report at once, each request's own commit, classifier call and look-ups cost
more than the request itself. Callers queue their item; the first to find no batch being written
takes everything queued so far and writes it (`write(items)` returns one outcome per item), the
others wait for their outcome. Nobody waits for a timer: a request that arrives alone is written
at once, and under load the batches grow by themselves to what arrived while the previous batch
was written. Every caller returns only once its item is committed (or raises its item's failure,
or the batch's), as if it had written it alone.
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
        self._writing = False  # one batch at a time
        self._changed = threading.Condition()

    def submit(self, item: Any) -> Any:
        """The outcome `write` gave for this item; an exception (its own, or the batch's) is raised."""
        slot = _Slot(item)
        with self._changed:
            self._queue.append(slot)
            while True:
                # Waiters sleep on the condition, not on a lock they would each have to take in turn:
                # a finished batch wakes its callers at once, and the next batch takes all who queued.
                while self._writing and not slot.done:
                    self._changed.wait()
                if slot.done:
                    break
                self._writing = True
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                self._changed.release()
                try:
                    outcomes = self._write([s.item for s in batch])
                    if len(outcomes) != len(batch):
                        raise RuntimeError(f"{len(outcomes)} outcomes for a batch of {len(batch)}")
                except BaseException as exc:  # the whole batch failed: every caller hears why
                    outcomes = [exc] * len(batch)
                finally:
                    self._changed.acquire()
                for s, outcome in zip(batch, outcomes, strict=True):
                    s.outcome, s.done = outcome, True
                self._writing = False
                self._changed.notify_all()
        if isinstance(slot.outcome, BaseException):
            raise slot.outcome
        return slot.outcome
