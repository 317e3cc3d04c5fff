"""Consumes the domain topics into the read models; each batch and its offsets commit in one transaction.

Positions live in PostgreSQL beside the read models, not in Kafka's group offsets: a redelivered
message is recognised by its offset and changes nothing. A rebuild resets positions to the start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ybj_kernel.adapters.kafka import ensure_topics, idempotent_producer, partitions_of, stop_consumer
from ybj_kernel.metrics import CONSUMER_LAG, PROJECTED, PROJECTION_ERRORS
from ybj_query.models import READ_MODELS, SCHEMA, metadata, positions
from ybj_query.projection import PoisonMessage, check_envelope, project

log = logging.getLogger(__name__)


def dead_letter_topic(prefix: str) -> str:
    """Where messages that cannot be projected go, with the reason in a header."""
    return f"{prefix}.query.dead-letter"


class Positions:
    """Reads and advances the next offset to apply, per topic partition."""

    @staticmethod
    def load(conn: Connection, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        """Stored next offsets (0 for a partition never consumed), locked for this transaction."""
        wanted = list(tps)
        rows = conn.execute(
            select(positions).where(positions.c.topic.in_({tp.topic for tp in wanted})).with_for_update()
        ).all()
        stored = {TopicPartition(r.topic, r.partition): int(r.next_offset) for r in rows}
        return {tp: stored.get(tp, 0) for tp in wanted}

    @staticmethod
    def save(conn: Connection, tp: TopicPartition, next_offset: int) -> None:
        """Record that every message before `next_offset` is applied."""
        stmt = pg_insert(positions).values(topic=tp.topic, partition=tp.partition, next_offset=next_offset)
        conn.execute(
            stmt.on_conflict_do_update(index_elements=["topic", "partition"], set_={"next_offset": next_offset})
        )


class _SeekToStored(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, projector: Projector) -> None:
        self._projector = projector

    async def on_partitions_revoked(self, revoked: Any) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Any) -> None:
        await self._projector.seek_to_stored(list(assigned))


class Projector:
    """Applies batches from Kafka to the read models, exactly once per message."""

    def __init__(self, engine: Engine, bootstrap: str, topics: list[str], dead_letter: str, group_id: str) -> None:
        self.engine = engine
        self.group_id = group_id
        self.bootstrap = bootstrap
        self.topics = topics
        self.dead_letter = dead_letter
        self.consumer: AIOKafkaConsumer | None = None
        self._producer: Any = None

    async def seek_to_stored(self, tps: list[TopicPartition]) -> None:
        """Position the consumer at the stored offsets (from PostgreSQL, not from Kafka's group offsets)."""
        assert self.consumer is not None
        stored = await asyncio.to_thread(self._stored, tps)
        for tp, offset in stored.items():
            self.consumer.seek(tp, offset)

    def _stored(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        with self.engine.begin() as conn:
            return Positions.load(conn, tps)

    async def start(self, *, group: bool = True) -> None:
        """Connect; with `group` join the consumer group, else read every partition alone (rebuild)."""
        await ensure_topics(self.bootstrap, [*self.topics, self.dead_letter])
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id if group else None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=500,
            fetch_max_wait_ms=20,
        )
        await self.consumer.start()
        if group:
            self.consumer.subscribe(self.topics, listener=_SeekToStored(self))
        else:
            tps = await partitions_of(self.bootstrap, self.topics)
            self.consumer.assign(tps)
            await self.seek_to_stored(tps)
        self._producer = idempotent_producer(self.bootstrap)
        await self._producer.start()

    async def stop(self) -> None:
        """Disconnect."""
        if self.consumer is not None:
            await stop_consumer(self.consumer)
        if self._producer is not None:
            await self._producer.stop()

    async def poll_once(self, timeout_ms: int = 200) -> int:
        """Fetch one batch and apply it; return how many messages were applied."""
        assert self.consumer is not None
        batches = await self.consumer.getmany(timeout_ms=timeout_ms, max_records=500)
        if not batches:
            return 0
        applied, poison, behind = await asyncio.to_thread(self._apply, batches)
        for record, reason in poison:
            await self._dead_letter(record, reason)
        for tp, offset in behind.items():
            self.consumer.seek(tp, offset)
        for tp in batches:
            end = self.consumer.highwater(tp)
            position = await self.consumer.position(tp)
            if end is not None:
                CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(0, end - position))
        return applied

    def _apply(
        self, batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    ) -> tuple[int, list[tuple[ConsumerRecord[bytes, bytes], str]], dict[TopicPartition, int]]:
        applied = 0
        poison: list[tuple[ConsumerRecord[bytes, bytes], str]] = []
        behind: dict[TopicPartition, int] = {}
        with self.engine.begin() as conn:
            stored = Positions.load(conn, batches.keys())
            for tp, records in batches.items():
                expected = stored[tp]
                for record in records:
                    if record.offset < expected:
                        continue  # already applied: a redelivery
                    if record.offset > expected:
                        behind[tp] = expected  # positions were reset (rebuild): go back
                        break
                    try:
                        if project(conn, check_envelope(orjson.loads(record.value or b""))):
                            applied += 1
                            PROJECTED.labels(tp.topic).inc()
                    except (PoisonMessage, orjson.JSONDecodeError, KeyError, ValueError, TypeError) as exc:
                        PROJECTION_ERRORS.labels(type(exc).__name__).inc()
                        poison.append((record, f"{type(exc).__name__}: {exc}"))
                    expected = record.offset + 1
                Positions.save(conn, tp, expected)
        return applied, poison, behind

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], reason: str) -> None:
        log.warning("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, reason)
        headers = [
            ("reason", reason.encode()),
            ("topic", record.topic.encode()),
            ("partition", str(record.partition).encode()),
            ("offset", str(record.offset).encode()),
        ]
        await self._producer.send_and_wait(self.dead_letter, record.value, key=record.key, headers=headers)

    async def run(self, stop: asyncio.Event) -> None:
        """Apply batches until `stop` is set."""
        while not stop.is_set():
            await self.poll_once()

    async def catch_up(self) -> int:
        """Apply everything up to the current end of every partition (used by rebuild)."""
        assert self.consumer is not None
        tps = list(self.consumer.assignment())
        ends = await self.consumer.end_offsets(tps)
        total = 0
        while True:
            done = True
            for tp in tps:
                if await self.consumer.position(tp) < ends[tp]:
                    done = False
            if done:
                return total
            total += await self.poll_once()


def create_schema(engine: Engine) -> None:
    """Create the read-model schema and tables if they do not exist."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('ybj-query-schema'))"))
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
        metadata.create_all(conn)


def reset(engine: Engine, topics: list[str]) -> None:
    """Empty the read models and rewind positions to the start of the topics, in one transaction."""
    with engine.begin() as conn:
        conn.execute(positions.delete().where(positions.c.topic.in_(topics)))
        for table in READ_MODELS:
            conn.execute(table.delete())
