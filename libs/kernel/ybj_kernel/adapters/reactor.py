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


def listened_to(app: CaseApplication, record: ConsumerRecord[bytes, bytes]) -> bool:
    """Whether a reaction may listen to this record. One none listens to is passed over unparsed: its type, a JSON
    string of plain ASCII, holds a reaction's prefix verbatim or does not match it (most of a topic's events, e.g. every
    case event)."""
    return bool(record.value) and any(r.type_prefix.encode() in record.value for r in app.reactions)


def react_to(app: CaseApplication, records: list[ConsumerRecord[bytes, bytes]]) -> list[str]:
    """Apply the reactions to a batch of records, saved together; each record's outcome (changed, unchanged,
    refused, ignored). Unavailable (the event store is away) is raised: the batch is retried, not skipped."""
    envelopes: list[dict[str, Any]] = []
    outcomes: list[str] = []
    for record in records:
        if not listened_to(app, record):
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
    uncommitted_since: float | None = None  # batches read but not committed yet (none listened to)
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=POLL_MS, max_records=MAX_RECORDS)
            records: list[ConsumerRecord[bytes, bytes]] = [r for rs in batches.values() for r in rs]
            if not records:
                if uncommitted_since is not None and await _committed_quietly(consumer):
                    uncommitted_since = None
                continue
            if not any(listened_to(app, r) for r in records):  # nothing for this service: no thread, no store
                outcomes = ["ignored"] * len(records)
            else:
                while not stop.is_set():
                    try:
                        outcomes = await asyncio.to_thread(react_to, app, records)
                        break
                    except Unavailable as exc:
                        log.warning("the event store is unavailable (%s); retrying the batch", exc.message_en)
                        await sleep_or_stop(stop, backoff.next())
                else:
                    return  # stopping: the batch is not committed, and is read again next time
                backoff.reset()
            for outcome, count in Counter(outcomes).items():
                REACTED.labels(app.service, outcome).inc(count)
            now = time.monotonic()
            if set(outcomes) != {"ignored"}:
                await consumer.commit()
                uncommitted_since = None
            elif uncommitted_since is None:
                uncommitted_since = now
            elif now - uncommitted_since >= IGNORED_COMMIT_SECONDS and await _committed_quietly(consumer):
                uncommitted_since = None
            await lag.report(consumer, batches)
        if uncommitted_since is not None:  # stopping between batches: what was passed over is done
            await _committed_quietly(consumer)
    finally:
        lag.forget()
        await consumer.stop()


async def _committed_quietly(consumer: AIOKafkaConsumer) -> bool:
    """Commit what was passed over; whether it worked. A failure (a rebalance under way) is left for a later commit:
    the records are read again at worst, and passed over again."""
    try:
        await consumer.commit()
    except KafkaError as exc:
        log.debug("commit of passed-over records deferred: %s: %s", type(exc).__name__, exc)
        return False
    return True
