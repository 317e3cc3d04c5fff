"""Waiting out an outage: background workers (relay, projector) retry a failed step after a growing pause."""

from __future__ import annotations

import asyncio
import contextlib
import random


class Backoff:
    """Pauses between retries of a failing step: `first` seconds, doubling up to `limit`, with jitter."""

    def __init__(self, first: float = 0.2, limit: float = 5.0) -> None:
        self._first = first
        self._limit = limit
        self._next = first
        self.failures = 0

    def next(self) -> float:
        """The pause before the next retry (each call lengthens the following one)."""
        delay = self._next
        self._next = min(self._next * 2, self._limit)
        self.failures += 1
        return delay * random.uniform(0.8, 1.2)  # jitter, so that restarted workers do not retry in step

    def reset(self) -> None:
        """The step succeeded: the next failure starts from the shortest pause again."""
        self._next = self._first
        self.failures = 0


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, but wake as soon as `stop` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
