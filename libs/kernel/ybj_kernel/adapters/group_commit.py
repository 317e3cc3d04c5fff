"""Group commit: the events of commands saved at the same time go to the event store in one transaction.

eventsourcing's PostgreSQL recorder takes `LOCK TABLE … IN EXCLUSIVE MODE` for every insert, so that the
notification log has no holes: one writer at a time, and each save pays for its own lock and commit. Here
the first command to arrive writes; commands that arrive while it writes wait, and the next of them writes
all that waited in one transaction (one lock, one commit). Alone, a command writes at once: no added latency.

A batch is all or nothing. When one command of a batch conflicts (another command changed its case first,
or two commands of the batch touch the same case), the batch is written again command by command, so that
only the conflicting command fails.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ybj_kernel.metrics import GROUP_COMMIT_SIZE

DEFAULT_MAX_BATCH = 100


@dataclass
class _Pending:
    events: Sequence[Any]
    settled: bool = False
    error: BaseException | None = None


@dataclass
class GroupCommit:
    """Writes the events of concurrent callers with as few calls to `write` as it can, each caller told its own fate.

    `write(*events)` stores events in one transaction (eventsourcing's `Application.save` does); `conflict` is
    the error it raises when a stored version is taken (eventsourcing's IntegrityError).
    """

    write: Callable[..., object]
    conflict: type[Exception]
    max_batch: int = DEFAULT_MAX_BATCH
    service: str = "case"
    _queue: list[_Pending] = field(default_factory=list, init=False)
    _writing: bool = field(default=False, init=False)
    _cond: threading.Condition = field(default_factory=threading.Condition, init=False)

    def save(self, events: Sequence[Any]) -> None:
        """Store `events` in one transaction, possibly with other callers' events; raise what storing them raised."""
        if not events:
            return
        me = _Pending(events)
        with self._cond:
            self._queue.append(me)
            while not me.settled:
                if self._writing:
                    self._cond.wait()
                    continue
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                self._writing = True
                self._cond.release()
                try:
                    self._write(batch)
                finally:
                    self._cond.acquire()
                    self._writing = False
                    self._cond.notify_all()
        if me.error is not None:
            raise me.error

    def _write(self, batch: list[_Pending]) -> None:
        GROUP_COMMIT_SIZE.labels(self.service).observe(len(batch))
        try:
            self.write(*(e for p in batch for e in p.events))
        except self.conflict as exc:
            if len(batch) == 1:
                _settle(batch, exc)
                return
            for pending in batch:  # find the one that conflicts; the others are stored as if alone
                try:
                    self.write(*pending.events)
                except BaseException as alone:
                    _settle([pending], alone)
                else:
                    _settle([pending], None)
            return
        except BaseException as exc:  # the store is away: every command of the batch failed and may be retried
            _settle(batch, exc)
            return
        _settle(batch, None)


def _settle(batch: list[_Pending], error: BaseException | None) -> None:
    for pending in batch:
        pending.error = error
        pending.settled = True
