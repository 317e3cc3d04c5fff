"""The outbox relay: follows the event store's notification log and publishes each case event to Kafka.

The position is recorded only after Kafka acknowledged the batch, so a relay killed at any moment
loses nothing and re-sends at most one batch; consumers drop the repeats by (case id, version).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import orjson
import psycopg
from eventsourcing.persistence import Notification

from ybj_kernel.adapters.kafka import ensure_topics, idempotent_producer
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.case import Case
from ybj_kernel.envelope import to_envelope, topic_for
from ybj_kernel.metrics import RELAY_LAG, RELAY_PUBLISHED

log = logging.getLogger(__name__)
_CASE_EVENT_PREFIX = f"{Case.__module__}:{Case.__qualname__}."


class RelayPosition:
    """The last notification id Kafka acknowledged, one row per service."""

    def __init__(self, dsn: str, service: str) -> None:
        self._dsn = dsn
        self._service = service
        with self._connect() as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {service}.relay_positions "
                "(service text PRIMARY KEY, notification_id bigint NOT NULL)"
            )
            conn.execute(
                f"INSERT INTO {service}.relay_positions VALUES (%s, 0) ON CONFLICT DO NOTHING",
                (service,),
            )

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self._dsn, autocommit=True)

    def load(self) -> int:
        """Read the recorded position."""
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT notification_id FROM {self._service}.relay_positions WHERE service = %s",
                (self._service,),
            ).fetchone()
        return int(row[0]) if row else 0

    def save(self, conn: psycopg.Connection[Any], notification_id: int) -> None:
        """Record a new position (called only after Kafka acknowledged up to it)."""
        conn.execute(
            f"UPDATE {self._service}.relay_positions SET notification_id = %s WHERE service = %s",
            (notification_id, self._service),
        )


def envelope_of(app: CaseApplication, notification: Notification) -> dict[str, Any] | None:
    """Map a notification to its published envelope; events of other aggregates are not published."""
    if not notification.topic.startswith(_CASE_EVENT_PREFIX):
        return None
    event = app.mapper.to_domain_event(notification)
    attrs = dict(event.__dict__)
    return to_envelope(app.service, attrs, attrs["process_id"])


async def run_relay(
    app: CaseApplication, dsn: str, bootstrap: str, topic_prefix: str, stop: asyncio.Event, batch_size: int = 200
) -> None:
    """Publish every stored case event, in order, until `stop` is set."""
    topic = topic_for(topic_prefix, app.service)
    await ensure_topics(bootstrap, [topic])
    position = RelayPosition(dsn, app.service)
    producer = idempotent_producer(bootstrap)
    await producer.start()
    conn: psycopg.Connection[Any] = await asyncio.to_thread(_connect, dsn)
    try:
        current = await asyncio.to_thread(position.load)
        log.info("relay %s starting after notification %d", app.service, current)
        idle = 0.0
        while not stop.is_set():
            notes = await asyncio.to_thread(
                app.recorder.select_notifications, current, batch_size, inclusive_of_start=False
            )
            if not notes:
                RELAY_LAG.labels(app.service).set(0)
                idle = min(idle + 0.005, 0.05)
                await _sleep_or_stop(stop, idle)
                continue
            idle = 0.0
            await _publish(app, producer, topic, notes)
            current = notes[-1].id
            await asyncio.to_thread(position.save, conn, current)
            RELAY_PUBLISHED.labels(app.service).inc(len(notes))
            max_id = await asyncio.to_thread(app.recorder.max_notification_id)
            RELAY_LAG.labels(app.service).set(max(0, (max_id or 0) - current))
    finally:
        await producer.stop()
        conn.close()


async def _publish(app: CaseApplication, producer: Any, topic: str, notes: Sequence[Notification]) -> None:
    futures = []
    for note in notes:
        envelope = envelope_of(app, note)
        if envelope is None:
            continue
        futures.append(await producer.send(topic, orjson.dumps(envelope), key=envelope["caseid"].encode()))
    # Wait for every acknowledgement before the position may move.
    await asyncio.gather(*futures)


def _connect(dsn: str) -> psycopg.Connection[Any]:
    return psycopg.connect(dsn, autocommit=True)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
