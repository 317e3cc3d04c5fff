"""The checkpointer: signs a checkpoint of every domain service's store at a fixed interval and publishes it.

Run by `ybj audit checkpointer`; a service whose store has not moved since its last checkpoint is skipped.
Checkpoints go to `<prefix>.audit.checkpoints`, keyed by service; PostgreSQL or Kafka being away is waited out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import orjson
import psycopg
from aiokafka.errors import KafkaError

from ybj_kernel.adapters.backoff import Backoff, sleep_or_stop
from ybj_kernel.adapters.kafka import ensure_topics, idempotent_producer
from ybj_kernel.audit.checkpoint import Checkpoint, latest_checkpoint, take_checkpoint
from ybj_kernel.audit.store import events_table
from ybj_kernel.sm2 import SM2Key

log = logging.getLogger(__name__)
# An example interval, not a policy: how often the stores are sealed is the bureau's to set (--interval).
DEFAULT_INTERVAL_SECONDS = 60.0


def checkpoint_topic(prefix: str) -> str:
    """The topic checkpoints are published to."""
    return f"{prefix}.audit.checkpoints"


def checkpoint_services(dsn: str, services: Sequence[str], key: SM2Key, *, force: bool = False) -> list[Checkpoint]:
    """Sign and store a checkpoint for each service whose store moved since its last one (all with `force`)."""
    made = []
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        for schema in services:
            table = events_table(conn, schema)
            if table is None:
                continue
            if not force and not _moved(conn, schema, table):
                continue
            made.append(take_checkpoint(conn, schema, table, key))
    return made


def _moved(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    last = latest_checkpoint(conn, schema)
    row = conn.execute(f"SELECT COALESCE(MAX(notification_id), 0) FROM {schema}.{table}").fetchone()
    newest = int(row[0]) if row else 0
    return newest > 0 and (last is None or newest > last.notification_id)


async def publish(bootstrap: str, topic: str, checkpoints: Sequence[Checkpoint]) -> None:
    """Publish checkpoints (acks=all, idempotent)."""
    if not checkpoints:
        return
    producer = idempotent_producer(bootstrap)
    await producer.start()
    try:
        for cp in checkpoints:
            await producer.send_and_wait(topic, orjson.dumps(cp.to_json()), key=cp.service.encode())
    finally:
        await producer.stop()


async def run_checkpointer(
    dsn: str, bootstrap: str, prefix: str, services: Sequence[str], key: SM2Key, interval: float, stop: asyncio.Event
) -> None:
    """Checkpoint and publish every `interval` seconds until `stop` is set."""
    topic = checkpoint_topic(prefix)
    backoff = Backoff()
    pending: list[Checkpoint] = []
    while not stop.is_set():
        try:
            if not pending:
                pending = await asyncio.to_thread(checkpoint_services, dsn, services, key)
            if pending:
                await ensure_topics(bootstrap, [topic])
                await publish(bootstrap, topic, pending)
                log.info("checkpointed %s", ", ".join(f"{c.service}@{c.notification_id}" for c in pending))
                pending = []
        except (psycopg.Error, KafkaError, OSError) as exc:
            delay = backoff.next()
            log.warning("checkpointer: %s: %s; retrying in %.1fs", type(exc).__name__, exc, delay)
            await sleep_or_stop(stop, delay)
            continue
        backoff.reset()
        await sleep_or_stop(stop, interval)
