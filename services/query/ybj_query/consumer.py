"""Consumes the domain topics into the read models; each batch and its offsets commit in one transaction.

Positions live in PostgreSQL beside the read models, not in Kafka's group offsets: a redelivered
message is recognised by its offset and changes nothing. A rebuild resets positions to the start. Case events and
registry entry events share the topics and the batches (projection.py hands the latter to registry_projection.py).
Messages that cannot be projected go to the dead-letter topic, with the reason in a header, before the
positions move past them.

Projectors of one deployment share a consumer group, each applying the partitions the group gives it (every read
model can be split so: services/query/README.md). When one dies, the group gives its partitions to the others once
its session times out (`SESSION_TIMEOUT_MS`), and they go on from the stored positions. Two projectors applying the
same partition for a while (a rebalance, a paused process that has not noticed it lost it) still apply each message
once: a batch locks its partitions' position rows (FOR UPDATE) and applies only the records from the stored position
on, then moves the position in the same transaction, so whichever commits second finds the position past its records
and applies none of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from sqlalchemy import Connection, Engine, exc, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ybj_kernel.adapters.backoff import Backoff, sleep_or_stop
from ybj_kernel.adapters.consumer_lag import ConsumerLag
from ybj_kernel.adapters.kafka import client_options, ensure_topics, idempotent_producer, partitions_of, stop_consumer
from ybj_kernel.metrics import DEAD_LETTERS, PROJECTED, PROJECTION_ERRORS
from ybj_query.bulk import schema_of
from ybj_query.models import ADDED_COLUMNS, READ_MODELS, metadata, positions, registry_entries
from ybj_query.projection import PoisonMessage, check_envelope, project, project_batch
from ybj_query.reads import STORE_UNAVAILABLE

log = logging.getLogger(__name__)
# Messages applied in one transaction at most. Larger batches spread each transaction's fixed cost (position
# lock, case read, commit, thread hops) over more events: catching up, 500 a batch applied ~6,500 events/s and
# 5,000 ~10,000-13,000/s. Batches are only this large when a backlog waits; live, a batch is what has arrived.
# A fetch brings up to 2 MiB (~2,500 envelopes) per partition, so that a busy partition or two fill a batch:
# 10 % faster than aiokafka's 1 MiB, for ~35 MB more peak RSS while catching up.
BATCH_RECORDS = 5000
# A fetch's partitions are split into this many lanes, each applied in its own transaction at the same time:
# catching up, 2 lanes applied 15-25 % more events/s than 1 (measured on 2 cores).
LANES = 2
LANE_MIN_RECORDS = 500
FETCH_BYTES_PER_PARTITION = 2 * 1024 * 1024
# A fetch waits for this much (or fetch_max_wait_ms): live, the projector applies a few fuller batches a second
# instead of one per relay produce request; events wait at most 20 ms more.
FETCH_MIN_BYTES = 64 * 1024
# The group's failure detection: a projector that stops heartbeating (killed, its node gone) loses its partitions to
# the others after SESSION_TIMEOUT_MS (6 s is the brokers' default minimum), and they learn of the rebalance at their
# next heartbeat: a takeover within about 8 s. One that heartbeats but stops polling (stuck) leaves the group after
# MAX_POLL_INTERVAL_MS; a rebalance waits REBALANCE_TIMEOUT_MS for the members to rejoin (a batch in flight commits
# first, `_SeekToStored`).
SESSION_TIMEOUT_MS = 6_000
HEARTBEAT_INTERVAL_MS = 1_000
MAX_POLL_INTERVAL_MS = 30_000
REBALANCE_TIMEOUT_MS = 20_000
# Not an envelope this projection understands: dead-lettered as soon as it is read.
UNDECODABLE = (PoisonMessage, orjson.JSONDecodeError, KeyError, ValueError, TypeError)
# An envelope the read models refuse (PostgreSQL rejects a value, or the step is impossible): dead-lettered too.
UNPROJECTABLE = (exc.IntegrityError, exc.DataError, KeyError, ValueError, TypeError)


# The projector's name in ybj_consumer_lag_messages{consumer} (its Deployment's).
CONSUMER = "query-projector"


def dead_letter_topic(prefix: str) -> str:
    """Where messages that cannot be projected go, with the reason in a header."""
    return f"{prefix}.query.dead-letter"


class Positions:
    """Reads and advances the next offset to apply, per topic partition."""

    @staticmethod
    def load(conn: Connection, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        """Stored next offsets (0 for a partition never consumed), locked for this transaction.

        Each partition's row is locked, in one order for every caller (two projectors locking overlapping partitions
        during a rebalance wait for each other rather than deadlock); a partition never consumed gets its row (at 0)
        first, so that it is locked like any other.
        """
        wanted = list(tps)
        stored = Positions._locked(conn, wanted)
        missing = [tp for tp in wanted if tp not in stored]
        if missing:
            rows = [{"topic": tp.topic, "partition": tp.partition, "next_offset": 0} for tp in sorted(missing)]
            conn.execute(pg_insert(positions).values(rows).on_conflict_do_nothing())
            stored = Positions._locked(conn, wanted)
        return {tp: stored.get(tp, 0) for tp in wanted}

    @staticmethod
    def _locked(conn: Connection, wanted: list[TopicPartition]) -> dict[TopicPartition, int]:
        # Only these partitions' rows: projectors reading other partitions of the same topic go on meanwhile.
        keys = tuple_(positions.c.topic, positions.c.partition).in_([(tp.topic, tp.partition) for tp in wanted])
        ordered = select(positions).where(keys).order_by(positions.c.topic, positions.c.partition)
        rows = conn.execute(ordered.with_for_update()).all()
        return {TopicPartition(r.topic, r.partition): int(r.next_offset) for r in rows}

    @staticmethod
    def save(conn: Connection, next_offsets: Mapping[TopicPartition, int]) -> None:
        """Record, per partition, that every message before its next offset is applied (one statement for all)."""
        if not next_offsets:
            return
        rows = [{"topic": tp.topic, "partition": tp.partition, "next_offset": n} for tp, n in next_offsets.items()]
        stmt = pg_insert(positions).values(rows)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["topic", "partition"], set_={"next_offset": stmt.excluded.next_offset}
            )
        )


class _SeekToStored(ConsumerRebalanceListener):  # type: ignore[misc]
    """Hands partitions over between the group's projectors: a revoked partition's batch in flight commits first; an
    assigned one is read from its stored position."""

    def __init__(self, projector: Projector) -> None:
        self._projector = projector

    async def on_partitions_revoked(self, revoked: Any) -> None:
        # Let the lanes in flight commit before this projector leaves the rebalance: the next owner of a revoked
        # partition then finds its position moved on instead of waiting for the row lock (correct either way).
        async with self._projector.applying:
            pass
        self._projector.forget_lag(revoked)  # the next owner reports it now
        if revoked:
            log.info("projector gives up %s", _names(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("projector holds %s", _names(assigned) or "no partition")
        try:
            await self._projector.seek_to_stored(list(assigned))
        except STORE_UNAVAILABLE as exc:
            # The first batch puts the consumer right: the stored positions decide what applies.
            log.warning("cannot read the stored positions now (%s); the first batch will seek", exc)


def _names(tps: Iterable[TopicPartition]) -> str:
    """Partitions for a log line, by topic: `ybj.enrollment.events[0,2], ybj.gateway.events[1]`."""
    by_topic: dict[str, list[int]] = {}
    for tp in sorted(tps):
        by_topic.setdefault(tp.topic, []).append(tp.partition)
    return ", ".join(f"{topic}[{','.join(map(str, partitions))}]" for topic, partitions in by_topic.items())


class _Unprojectable(Exception):
    """A message of a batch the read models refuse (carried out of the transaction to retry message by message)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Outcome:
    """What one batch did, known before it commits."""

    applied: Counter[str] = field(default_factory=Counter)  # per topic
    poison: list[tuple[ConsumerRecord[bytes, bytes], str, str]] = field(default_factory=list)  # record, reason, kind
    seek: dict[TopicPartition, int] = field(default_factory=dict)  # where the stored positions say to read on


class Projector:
    """Applies batches from Kafka to the read models, exactly once per message.

    A batch (of each lane: disjoint partitions), its dead letters and its positions commit together: a failure
    anywhere (PostgreSQL or Kafka away) rolls that batch back, and it is read again. `run` waits out such
    outages; it does not exit.
    """

    def __init__(self, engine: Engine, bootstrap: str, topics: list[str], dead_letter: str, group_id: str) -> None:
        self.engine = engine
        self.group_id = group_id
        self.bootstrap = bootstrap
        self.topics = topics
        self.dead_letter = dead_letter
        self.consumer: AIOKafkaConsumer | None = None
        self._producer: Any = None
        # Held while a fetch's lanes apply: a rebalance waits for it before giving partitions up.
        self.applying = asyncio.Lock()
        self._lag = ConsumerLag(CONSUMER)

    def forget_lag(self, partitions: Iterable[TopicPartition]) -> None:
        """Stop reporting the lag of partitions given up (a rebalance moved them to another projector)."""
        self._lag.forget(partitions)

    async def seek_to_stored(self, tps: list[TopicPartition]) -> None:
        """Position the consumer at the stored offsets (from PostgreSQL, not from Kafka's group offsets)."""
        assert self.consumer is not None
        stored = await asyncio.to_thread(self._stored, tps)
        for tp, offset in stored.items():
            self.consumer.seek(tp, offset)

    def _stored(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        with self.engine.begin() as conn:
            return Positions.load(conn, tps)

    async def start(self, *, group: bool = True, partitions: list[TopicPartition] | None = None) -> None:
        """Connect; with `group` join the consumer group, else read `partitions` (default all) alone (rebuild)."""
        await ensure_topics(self.bootstrap, [*self.topics, self.dead_letter])
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id if group else None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=BATCH_RECORDS,
            max_partition_fetch_bytes=FETCH_BYTES_PER_PARTITION,
            fetch_max_wait_ms=20,
            fetch_min_bytes=FETCH_MIN_BYTES,
            # A topic the group could not see at its join is picked up within this, not aiokafka's five minutes.
            metadata_max_age_ms=30_000,
            session_timeout_ms=SESSION_TIMEOUT_MS,
            heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
            max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
            rebalance_timeout_ms=REBALANCE_TIMEOUT_MS,
            **client_options(),
        )
        await self.consumer.start()
        if group:
            self.consumer.subscribe(self.topics, listener=_SeekToStored(self))
        else:
            tps = partitions if partitions is not None else await partitions_of(self.bootstrap, self.topics)
            self.consumer.assign(tps)
            await self.seek_to_stored(tps)

    async def stop(self) -> None:
        """Disconnect."""
        if self.consumer is not None:
            await stop_consumer(self.consumer)
        self._lag.forget()
        await self._drop_producer()

    async def poll_once(self, timeout_ms: int = 200) -> int:
        """Fetch one batch and apply it (in lanes); return how many messages were applied."""
        assert self.consumer is not None
        batches = await self.consumer.getmany(timeout_ms=timeout_ms, max_records=BATCH_RECORDS)
        if not batches:
            return 0
        # Lanes of disjoint partitions commit side by side: one's Python work overlaps the other's PostgreSQL
        # work. A case's events are all in one partition, so no two lanes write the same case.
        # Every lane ends before this returns or raises: none is left committing behind the next poll.
        # Live, a fetch holds a few events: one transaction then costs less than two.
        lanes = LANES if sum(len(records) for records in batches.values()) >= LANE_MIN_RECORDS else 1
        async with self.applying:
            results = await asyncio.gather(
                *(self._commit_lane(lane) for lane in _lanes(batches, lanes)), return_exceptions=True
            )
        applied = 0
        for outcome in results:
            if isinstance(outcome, BaseException):
                continue
            self._seek(outcome.seek)
            for topic, count in outcome.applied.items():
                PROJECTED.labels(topic).inc(count)
                applied += count
            for record, _, kind in outcome.poison:
                PROJECTION_ERRORS.labels(kind).inc()
                DEAD_LETTERS.labels(record.topic).inc()
        failed = [error for error in results if isinstance(error, BaseException)]
        if failed:
            raise failed[0]
        await self._lag.report(self.consumer, batches)
        return applied

    async def _commit_lane(self, batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> _Outcome:
        try:
            return await self._commit(batches)
        except BaseException:
            # Nothing of the lane was recorded: read it again; the stored positions decide what applies.
            self._seek({tp: records[0].offset for tp, records in batches.items()})
            raise

    def _seek(self, offsets: dict[TopicPartition, int]) -> None:
        assert self.consumer is not None
        assigned = self.consumer.assignment()
        for tp, offset in offsets.items():
            if tp not in assigned:
                continue  # taken away meanwhile: its next owner seeks
            end = self.consumer.highwater(tp)
            if end is not None and offset > end:
                log.error("%s: stored position %d is past the end %d; rebuild the read models", tp, offset, end)
                continue
            self.consumer.seek(tp, offset)

    async def _commit(self, batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> _Outcome:
        try:
            return await self._in_transaction(batches, isolate=False)
        except _Unprojectable as exc:
            # One message breaks the read models (a value PostgreSQL refuses, an impossible step): apply the
            # batch again one message at a time, so that only that one goes to the dead-letter topic.
            log.warning("a message cannot be projected (%s); applying its batch one by one", reason(exc.error))
            return await self._in_transaction(batches, isolate=True)

    async def _in_transaction(
        self, batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]], *, isolate: bool
    ) -> _Outcome:
        conn = await asyncio.to_thread(self.engine.connect)
        try:
            outcome = await asyncio.to_thread(self._apply, conn, batches, isolate)
            # Dead letters are out before the positions move past them: a crash re-sends, never loses, one.
            for record, reason, _ in outcome.poison:
                await self._dead_letter(record, reason)
            await asyncio.to_thread(conn.commit)
        finally:
            await asyncio.to_thread(conn.close)  # rolls back what was not committed
        return outcome

    def _apply(
        self, conn: Connection, batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]], isolate: bool
    ) -> _Outcome:
        outcome = _Outcome()
        stored = Positions.load(conn, batches.keys())
        decoded: list[tuple[str, ConsumerRecord[bytes, bytes], dict[str, Any]]] = []
        moved: dict[TopicPartition, int] = {}
        for tp, records in batches.items():
            expected = stored[tp]
            if records[-1].offset < expected:
                outcome.seek[tp] = expected  # all applied before (a redelivery): read on from the stored position
                continue
            for record in records:
                if record.offset < expected:
                    continue  # already applied: a redelivery
                if record.offset > expected:
                    outcome.seek[tp] = expected  # positions were reset (rebuild): go back
                    break
                expected = record.offset + 1
                try:
                    decoded.append((tp.topic, record, check_envelope(orjson.loads(record.value or b""))))
                except UNDECODABLE as exc:
                    outcome.poison.append((record, reason(exc), type(exc).__name__))
            moved[tp] = expected
        Positions.save(conn, moved)
        if isolate:
            self._apply_one_by_one(conn, decoded, outcome)
            return outcome
        try:
            # The whole batch in a few statements; a refusal sends us back to apply it message by message.
            results = project_batch(conn, [envelope for _, _, envelope in decoded])
        except UNPROJECTABLE as exc:
            raise _Unprojectable(exc) from exc
        for (topic, _, _), applied in zip(decoded, results, strict=True):
            outcome.applied[topic] += applied
        return outcome

    @staticmethod
    def _apply_one_by_one(
        conn: Connection, decoded: list[tuple[str, ConsumerRecord[bytes, bytes], dict[str, Any]]], outcome: _Outcome
    ) -> None:
        for topic, record, envelope in decoded:
            try:
                with conn.begin_nested():
                    if project(conn, envelope):
                        outcome.applied[topic] += 1
            except UNPROJECTABLE as exc:
                outcome.poison.append((record, reason(exc), type(exc).__name__))

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], reason: str) -> None:
        log.warning("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, reason)
        headers = [
            ("reason", reason.encode()),
            ("topic", record.topic.encode()),
            ("partition", str(record.partition).encode()),
            ("offset", str(record.offset).encode()),
        ]
        if self._producer is None:
            producer = idempotent_producer(self.bootstrap)
            await producer.start()
            self._producer = producer
        await self._producer.send_and_wait(self.dead_letter, record.value, key=record.key, headers=headers)

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), 30)
            except (KafkaError, TimeoutError) as exc:
                log.warning("dead-letter producer did not stop cleanly: %s: %s", type(exc).__name__, exc)

    async def run(self, stop: asyncio.Event) -> None:
        """Apply batches until `stop` is set, waiting out outages of PostgreSQL and Kafka."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                await self.poll_once()
            except (*STORE_UNAVAILABLE, KafkaError) as exc:
                delay = backoff.next()
                log.warning("projection paused: %s: %s; retrying in %.1fs", type(exc).__name__, str(exc).strip(), delay)
                if isinstance(exc, KafkaError):
                    await self._drop_producer()  # a new one for the next dead letter
                await sleep_or_stop(stop, delay)
                continue
            if backoff.failures:
                log.info("projection resumed")
            backoff.reset()

    async def backlog(self) -> int:
        """Messages between the consumer's positions and the current end of its partitions."""
        assert self.consumer is not None
        consumer = self.consumer
        tps = list(consumer.assignment())
        ends = await consumer.end_offsets(tps)
        return sum([max(0, ends[tp] - await consumer.position(tp)) for tp in tps])

    async def catch_up(self, report: Callable[[int, int], None] | None = None) -> int:
        """Apply everything up to the current end of every partition (used by rebuild); return how many applied.

        `report(read, applied)` hears after each batch how many more messages were read past and applied.
        """
        assert self.consumer is not None
        consumer = self.consumer
        tps = list(consumer.assignment())
        ends = await consumer.end_offsets(tps)

        async def passed() -> int:
            return sum([min(await consumer.position(tp), ends[tp]) for tp in tps])

        total, read = 0, await passed()
        while read < sum(ends.values()):
            applied = await self.poll_once()
            total += applied
            now = await passed()
            if report is not None:
                report(now - read, applied)
            read = now
        return total


def _lanes(
    batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]], count: int
) -> list[dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]]:
    """Split a fetch into at most `count` lanes of whole partitions, the largest partitions spread first."""
    lanes: list[dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]] = [{} for _ in range(count)]
    sizes = [0] * count
    for tp, records in sorted(batches.items(), key=lambda item: -len(item[1])):
        smallest = sizes.index(min(sizes))
        lanes[smallest][tp] = records
        sizes[smallest] += len(records)
    return [lane for lane in lanes if lane]


def reason(error: BaseException) -> str:
    """A dead letter's `reason` header: the error in one line (no SQL, no parameters: they may hold personal data)."""
    cause = error.orig if isinstance(error, exc.DBAPIError) and error.orig is not None else error
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line}"[:500]


def create_schema(engine: Engine) -> None:
    """Create the read-model schema and tables if they do not exist (in the engine's translated schema, if any)."""
    with engine.begin() as conn:
        schema = schema_of(conn)
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('ybj-query-schema'))"))
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        metadata.create_all(conn)
        for declared in metadata.sorted_tables:  # an index declared since the table was made (create_all skips them)
            for index in declared.indexes:
                index.create(conn, checkfirst=True)
        for table, columns in ADDED_COLUMNS.items():
            for column in columns:
                conn.execute(text(f"ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS {column}"))
        _name_search_index(conn, schema)


def _name_search_index(conn: Connection, schema: str) -> None:
    """A trigram index for `emp_name` searches by a part of the name (ILIKE '%…%'), where pg_trgm can be had.

    Without it (a server that does not offer the extension to this user) the search still works, by a scan.
    """
    savepoint = conn.begin_nested()
    try:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS rm_registry_emp_name_trgm ON {schema}.{registry_entries.name}"
                " USING gin (emp_name gin_trgm_ops)"
            )
        )
    except exc.DBAPIError as error:
        savepoint.rollback()
        log.warning("no trigram index for name searches (%s); they scan instead", reason(error))
    else:
        savepoint.commit()


def reset(engine: Engine, topics: list[str]) -> None:
    """Empty the read models and rewind positions to the start of the topics, in one transaction.

    TRUNCATE, not DELETE: deleted rows would stay in the indexes as dead entries until a vacuum, and every
    insert of the rebuild would step over them (a second rebuild ran at half the speed of the first).
    """
    with engine.begin() as conn:
        conn.execute(positions.delete().where(positions.c.topic.in_(topics)))
        tables = ", ".join(f"{schema_of(conn)}.{table.name}" for table in READ_MODELS)
        conn.execute(text(f"TRUNCATE {tables}"))
