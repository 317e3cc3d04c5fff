"""The reactor: reads other services' topics from Kafka and applies this service's reactions (domain/reactions.py).

Delivery is at least once: offsets are committed to Kafka after the batch's changes are saved, so a reactor killed at
any moment re-reads at most one batch, and the reactions' idempotence makes the repeat change nothing. While
PostgreSQL is away the batch is retried, not skipped; an event a reaction refuses (a domain error) is logged and
counted, and the reactor moves on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import KafkaError
from prometheus_client import Counter as Metric

from ybj_kernel.adapters.backoff import Backoff, sleep_or_stop
from ybj_kernel.adapters.consumer_lag import ConsumerLag
from ybj_kernel.adapters.kafka import client_options, ensure_topics
from ybj_kernel.application import CaseApplication
from ybj_kernel.envelope import topic_for
from ybj_kernel.errors import Unavailable, YbjError

log = logging.getLogger(__name__)
REACTED = Metric("ybj_reactions_total", "Events reacted to, by outcome", ["service", "outcome"])
POLL_MS = 500
MAX_RECORDS = 200
# Offsets of batches no reaction listened to are committed at most this often (and when the topic goes quiet): a
# reactor reads every event of the topics it follows, and most are not for it. Re-reading them after a restart
# changes nothing.
IGNORED_COMMIT_SECONDS = 1.0
# A fetch waits until this much is there or FETCH_WAIT_MS have passed: a busy topic then comes in batches of dozens of
# events instead of one or two a fetch (each fetch, commit and hop costs the same whatever it carries), and a quiet
# topic's event is fetched about FETCH_WAIT_MS after it was published at the latest.
FETCH_MIN_BYTES = 64 * 1024
FETCH_WAIT_MS = 200


def reaction_topics(app: CaseApplication, prefix: str) -> list[str]:
    """The topics this service's reactions read."""
    return sorted({topic_for(prefix, r.service) for r in app.reactions})


def listened_prefixes(app: CaseApplication) -> tuple[bytes, ...]:
    """What a record a reaction may listen to holds verbatim: a reaction's type prefix (a JSON string of plain ASCII).
    A record holding none is passed over unparsed (most of a topic's events, e.g. every case event)."""
    return tuple(r.type_prefix.encode() for r in app.reactions)


def listened_to(prefixes: tuple[bytes, ...], record: ConsumerRecord[bytes, bytes]) -> bool:
    """Whether a reaction may listen to this record (`listened_prefixes`)."""
    return bool(record.value) and any(prefix in record.value for prefix in prefixes)


def react_to(app: CaseApplication, records: list[ConsumerRecord[bytes, bytes]]) -> list[str]:
    """Apply the reactions to a batch of records, saved together; each record's outcome (changed, unchanged,
    refused, ignored). Unavailable (the event store is away) is raised: the batch is retried, not skipped."""
    envelopes: list[dict[str, Any]] = []
    outcomes: list[str] = []
    prefixes = listened_prefixes(app)
    for record in records:
        if not listened_to(prefixes, record):
            outcomes.append("ignored")
            continue
        try:
            envelope = orjson.loads(record.value or b"null")
        except orjson.JSONDecodeError:
            envelope = None
        if isinstance(envelope, dict) and "id" in envelope:
            envelopes.append(envelope)
            outcomes.append("")
        else:
            outcomes.append("ignored")
    results = iter(app.react_many(envelopes))
    for i, outcome in enumerate(outcomes):
        if outcome:
            continue
        result = next(results)
        if isinstance(result, YbjError):
            log.warning("reaction refused: %s", result.message_en)
            outcomes[i] = "refused"
        else:
            outcomes[i] = "changed" if result else "unchanged"
    return outcomes


def reactor_group(prefix: str, service: str) -> str:
    """The Kafka consumer group of a service's reactor (its KafkaUser may read in it; `ybj lag` reads its offsets)."""
    return f"{prefix}-{service}-reactions"


async def run_reactor(app: CaseApplication, bootstrap: str, prefix: str, stop: asyncio.Event) -> None:
    """Consume until `stop` is set (group `<prefix>-<service>-reactions`, from the earliest offset)."""
    topics = reaction_topics(app, prefix)
    if not topics:
        return
    await ensure_topics(bootstrap, topics)
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=reactor_group(prefix, app.service),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_min_bytes=FETCH_MIN_BYTES,
        fetch_max_wait_ms=FETCH_WAIT_MS,
        **client_options(),
    )
    await consumer.start()
    backoff = Backoff()
    lag = ConsumerLag(f"{app.service}-reactor")  # ybj_consumer_lag_messages{consumer}, the Deployment's name
    commits = _Commits(consumer)
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=POLL_MS, max_records=MAX_RECORDS)
            records: list[ConsumerRecord[bytes, bytes]] = [r for rs in batches.values() for r in rs]
            if not records:
                await commits.passed_over()  # the topics went quiet
                continue
            outcomes = await _reacted(app, records, stop, backoff)
            if outcomes is None:
                return  # stopping: the batch is not committed, and is read again next time
            for outcome, count in Counter(outcomes).items():
                REACTED.labels(app.service, outcome).inc(count)
            await commits.after(outcomes)
            await lag.report(consumer, batches)
        await commits.passed_over()  # stopping between batches: what was passed over is done
    finally:
        lag.forget()
        await consumer.stop()


async def _reacted(
    app: CaseApplication, records: list[ConsumerRecord[bytes, bytes]], stop: asyncio.Event, backoff: Backoff
) -> list[str] | None:
    """Each record's outcome (react_to), its changes saved; None when stopping before they could be (PostgreSQL away).
    A batch no reaction listens to stays on the event loop: no thread, no store."""
    prefixes = listened_prefixes(app)
    if not any(listened_to(prefixes, r) for r in records):
        return ["ignored"] * len(records)
    while not stop.is_set():
        try:
            outcomes = await asyncio.to_thread(react_to, app, records)
        except Unavailable as exc:
            log.warning("the event store is unavailable (%s); retrying the batch", exc.message_en)
            await sleep_or_stop(stop, backoff.next())
            continue
        backoff.reset()
        return outcomes
    return None


class _Commits:
    """When a reactor commits its offsets: at once after a batch a reaction listened to; batches passed over (every
    record ignored) at most every IGNORED_COMMIT_SECONDS, when the topics go quiet, or on a clean stop."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self._consumer = consumer
        self._since: float | None = None  # the first batch passed over and not committed yet

    async def after(self, outcomes: list[str]) -> None:
        """A batch is done (its changes saved)."""
        if set(outcomes) != {"ignored"}:
            await self._consumer.commit()
            self._since = None
        elif self._since is None:
            self._since = time.monotonic()
        elif time.monotonic() - self._since >= IGNORED_COMMIT_SECONDS:
            await self.passed_over()

    async def passed_over(self) -> None:
        """Commit the batches passed over, if any. A failure (a rebalance under way) is left for a later commit: the
        records are read again at worst, and passed over again."""
        if self._since is None:
            return
        try:
            await self._consumer.commit()
        except KafkaError as exc:
            log.debug("commit of passed-over records deferred: %s: %s", type(exc).__name__, exc)
            return
        self._since = None
