"""The Kafka offsets the operators' commands work with: where partitions begin and end, what a consumer group has
committed, and a range of one partition read in order. Every client takes the process's `client_options()`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from ybj_kernel.adapters.kafka import client_options, partitions_of, stop_consumer

CHUNK_RECORDS = 1000
# A range that stops arriving this long before its end is a broker problem, not a slow read.
READ_PATIENCE_SECONDS = 60.0


class RangeRefused(ValueError):
    """A range of offsets a command will not read (outside the partition, reversed, an unknown partition)."""


@dataclass(frozen=True)
class Bounds:
    """A partition's first offset still held and its end (the offset the next message will get)."""

    first: int
    end: int


@dataclass(frozen=True)
class OffsetRange:
    """Offsets `start` to `last` (both included) of one partition."""

    tp: TopicPartition
    start: int
    last: int

    @property
    def size(self) -> int:
        """How many offsets it spans."""
        return self.last - self.start + 1


async def partitions(bootstrap: str, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of the topics that exist, at once or an error (no waiting for Kafka)."""
    return await partitions_of(bootstrap, topics, wait=False)


async def bounds(bootstrap: str, tps: Iterable[TopicPartition]) -> dict[TopicPartition, Bounds]:
    """First and end offsets of each partition."""
    wanted = list(tps)
    if not wanted:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **client_options())
    await consumer.start()
    try:
        first = await consumer.beginning_offsets(wanted)
        end = await consumer.end_offsets(wanted)
    finally:
        await stop_consumer(consumer)
    return {tp: Bounds(int(first[tp]), int(end[tp])) for tp in wanted}


async def committed(bootstrap: str, group: str) -> dict[TopicPartition, int]:
    """The offsets a consumer group has committed (the next message it will read), by partition; none: empty."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options())
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp: int(meta.offset) for tp, meta in found.items() if meta is not None and meta.offset >= 0}


def checked_range(
    topic: str, partition: int, start: int, last: int | None, known: dict[TopicPartition, Bounds]
) -> OffsetRange:
    """The range `start`..`last` (default: the partition's last message) if the partition holds all of it; else
    RangeRefused saying what the partition holds."""
    tp = TopicPartition(topic, partition)
    if tp not in known:
        others = sorted(p.partition for p in known if p.topic == topic)
        where = f"partitions {', '.join(map(str, others))}" if others else "no partitions (is the topic name right?)"
        raise RangeRefused(f"{topic} has no partition {partition}; it has {where}")
    b = known[tp]
    if b.end <= b.first:
        raise RangeRefused(f"{topic}[{partition}] holds no messages (it ends at offset {b.end})")
    held = f"{topic}[{partition}] holds offsets {b.first} to {b.end - 1}"
    if not b.first <= start < b.end:
        raise RangeRefused(f"{held}; --from {start} is outside it")
    if last is None:
        return OffsetRange(tp, start, b.end - 1)
    if last < start:
        raise RangeRefused(f"--to {last} is before --from {start}")
    if last >= b.end:
        raise RangeRefused(f"{held}; --to {last} is outside it")
    return OffsetRange(tp, start, last)


async def read_range(
    bootstrap: str, offsets: OffsetRange, chunk: int = CHUNK_RECORDS
) -> AsyncIterator[list[ConsumerRecord[bytes, bytes]]]:
    """The messages of the range, in offset order, a chunk at a time (read alone: no consumer group)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
        max_poll_records=chunk,
        **client_options(),
    )
    await consumer.start()
    tp = offsets.tp
    try:
        consumer.assign([tp])
        consumer.seek(tp, offsets.start)
        waited = 0.0
        while await consumer.position(tp) <= offsets.last:
            fetched = await consumer.getmany(tp, timeout_ms=1000, max_records=chunk)
            records = [r for r in fetched.get(tp, []) if offsets.start <= r.offset <= offsets.last]
            if not fetched:
                waited += 1.0
                if waited > READ_PATIENCE_SECONDS:
                    raise TimeoutError(
                        f"{tp.topic}[{tp.partition}]: nothing read for {READ_PATIENCE_SECONDS:.0f} s at offset "
                        f"{await consumer.position(tp)} of {offsets.start} to {offsets.last}"
                    )
                continue
            waited = 0.0
            if records:
                yield records
    finally:
        await stop_consumer(consumer)
