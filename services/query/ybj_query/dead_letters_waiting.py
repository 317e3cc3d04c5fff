"""ybj_dead_letters_waiting: the dead letters `ybj deadletters retry` has not handled yet, measured by the projector.

Once a minute the projector counts them on Kafka: the dead-letter topic's end offsets past what the retry's consumer
group has committed (ybj_query.ops.deadletters). The gauge falls back to zero only when a retry has handled them, so the
dead-letter alert keeps firing until someone does (deploy/k8s/runbooks/YbjDeadLetters.md). While Kafka cannot answer,
the last value stays.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ybj_kernel.adapters.backoff import sleep_or_stop
from ybj_kernel.metrics import DEAD_LETTERS_WAITING

log = logging.getLogger(__name__)
# An example interval: three Kafka round trips a minute; the alert waits longer than this anyway.
INTERVAL_SECONDS = 60.0


async def report_waiting(
    count: Callable[[], Awaitable[int]], stop: asyncio.Event, interval: float = INTERVAL_SECONDS
) -> None:
    """Set ybj_dead_letters_waiting from `count()` every `interval` seconds until `stop` is set."""
    failing = False
    while not stop.is_set():
        try:
            DEAD_LETTERS_WAITING.set(await count())
            failing = False
        except Exception as exc:  # Kafka away: keep the last value, say so once, try again next time
            if not failing:
                log.warning("cannot count the waiting dead letters: %s: %s", type(exc).__name__, exc)
            failing = True
        await sleep_or_stop(stop, interval)
