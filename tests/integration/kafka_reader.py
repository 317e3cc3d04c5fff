"""Reads a topic from the beginning to its current end, for tests that check what was published."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer

from ybj_kernel.adapters.kafka import partitions_of, stop_consumer


async def _read_all(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        tps = await partitions_of(bootstrap, [topic])
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: list[dict[str, Any]] = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out.extend({**orjson.loads(r.value or b"{}"), "_partition": r.partition} for r in records)
        return out
    finally:
        await stop_consumer(consumer)


def published(bootstrap: str, topic: str, case_id: str | None = None) -> list[dict[str, Any]]:
    """Every envelope on a topic (optionally of one case), in partition order."""
    envelopes = asyncio.run(_read_all(bootstrap, topic))
    return [e for e in envelopes if case_id is None or e.get("caseid") == case_id]
