"""Reads a topic from the beginning to its current end, for tests that check what was published."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer

from ybj_kernel.adapters.kafka import partitions_of, stop_consumer


@dataclass(frozen=True)
class Record:
    """One message as stored on the topic, undecoded."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


async def _read_all(bootstrap: str, topic: str) -> list[Record]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        tps = await partitions_of(bootstrap, [topic])
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: list[Record] = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out.extend(Record(r.partition, r.offset, r.key, r.value, dict(r.headers)) for r in records)
        return out
    finally:
        await stop_consumer(consumer)


def records(bootstrap: str, topic: str) -> list[Record]:
    """Every message on a topic, undecoded, in partition order."""
    return asyncio.run(_read_all(bootstrap, topic))


def published(bootstrap: str, topic: str, case_id: str | None = None) -> list[dict[str, Any]]:
    """Every envelope on a topic (optionally of one case), in partition order; what is not JSON is left out."""
    envelopes = []
    for r in records(bootstrap, topic):
        try:
            decoded = orjson.loads(r.value or b"{}")
        except orjson.JSONDecodeError:
            continue  # a poison message (see test_faults)
        if isinstance(decoded, dict):
            envelopes.append({**decoded, "_partition": r.partition, "_offset": r.offset})
    return [e for e in envelopes if case_id is None or e.get("caseid") == case_id]
