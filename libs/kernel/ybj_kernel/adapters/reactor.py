"""The reactor: reads other services' topics from Kafka and applies this service's reactions (domain/reactions.py).

Delivery is at least once: offsets are committed to Kafka after the batch's changes are saved, so a reactor killed at
any moment re-reads at most one batch, and the reactions' idempotence makes the repeat change nothing. While
PostgreSQL is away the batch is retried, not skipped; an event a reaction refuses (a domain error) is logged and
counted, and the reactor moves on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from prometheus_client import Counter

from ybj_kernel.adapters.backoff import Backoff, sleep_or_stop
from ybj_kernel.adapters.consumer_lag import ConsumerLag
from ybj_kernel.adapters.kafka import client_options, ensure_topics
from ybj_kernel.application import CaseApplication
from ybj_kernel.envelope import topic_for
from ybj_kernel.errors import Unavailable, YbjError

log = logging.getLogger(__name__)
REACTED = Counter("ybj_reactions_total", "Events reacted to, by outcome", ["service", "outcome"])
POLL_MS = 500
MAX_RECORDS = 200


def reaction_topics(app: CaseApplication, prefix: str) -> list[str]:
    """The topics this service's reactions read."""
    return sorted({topic_for(prefix, r.service) for r in app.reactions})


def react_to(app: CaseApplication, records: list[ConsumerRecord[bytes, bytes]]) -> list[str]:
    """Apply the reactions to a batch of records, saved together; each record's outcome (changed, unchanged,
    refused, ignored). Unavailable (the event store is away) is raised: the batch is retried, not skipped."""
    envelopes: list[dict[str, Any]] = []
    outcomes: list[str] = []
    # A record none of the reactions listens to is passed over unparsed: its type, a JSON string of plain ASCII,
    # holds a reaction's prefix verbatim or does not match it (most of a topic's events, e.g. every case event).
    wanted = [r.type_prefix.encode() for r in app.reactions]
    for record in records:
        if not record.value or not any(prefix in record.value for prefix in wanted):
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
        **client_options(),
    )
    await consumer.start()
    backoff = Backoff()
    lag = ConsumerLag(f"{app.service}-reactor")  # ybj_consumer_lag_messages{consumer}, the Deployment's name
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=POLL_MS, max_records=MAX_RECORDS)
            records: list[ConsumerRecord[bytes, bytes]] = [r for rs in batches.values() for r in rs]
            if not records:
                continue
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
            for outcome in outcomes:
                REACTED.labels(app.service, outcome).inc()
            await consumer.commit()
            await lag.report(consumer, batches)
    finally:
        lag.forget()
        await consumer.stop()
