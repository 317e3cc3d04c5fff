"""The dead letters waiting in `<prefix>.query.dead-letter`: what `ybj deadletters list` shows and `retry` handles.

The projector sends a message it cannot project there with headers `reason`, `topic`, `partition` and `offset` (where it
came from). What has been handled is tracked by a consumer group of its own on that topic, `retry_group`: `retry`
commits it past every dead letter it read, after putting those that still fail back on the topic; so the letters after
the group's committed offsets (all of them before the first retry) are the ones waiting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import ConsumerRecord, TopicPartition

from ybj_kernel.ops import offsets
from ybj_kernel.ops.table import render
from ybj_query.registry_projection import MARK

# Headers of a dead letter the retry adds when it puts one back: how many retries failed, and the first reason.
RETRIES = "retries"
FIRST_REASON = "first-reason"


def retry_group(prefix: str) -> str:
    """The consumer group that records which dead letters `ybj deadletters retry` has handled."""
    return f"{prefix}.query.dead-letter-retry"


@dataclass(frozen=True)
class DeadLetter:
    """One waiting dead letter: where it is, where it came from, why, and the message itself."""

    partition: int  # of the dead-letter topic
    offset: int
    source: TopicPartition | None  # None: a message without the projector's headers
    source_offset: int | None
    reason: str
    key: bytes | None
    value: bytes | None
    timestamp_ms: int
    retries: int = 0
    first_reason: str = ""

    @classmethod
    def of(cls, record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
        """Read a dead-letter record's headers (missing or garbled ones read as unknown)."""
        headers = {name: value.decode("utf-8", "replace") for name, value in (record.headers or ())}
        topic, partition, offset = headers.get("topic"), _int(headers.get("partition")), _int(headers.get("offset"))
        source = TopicPartition(topic, partition) if topic and partition is not None else None
        reason = headers.get("reason", "")
        return cls(
            partition=record.partition,
            offset=record.offset,
            source=source,
            source_offset=offset if source is not None else None,
            reason=reason,
            key=record.key,
            value=record.value,
            timestamp_ms=int(record.timestamp or 0),
            retries=_int(headers.get(RETRIES)) or 0,
            first_reason=headers.get(FIRST_REASON, reason),
        )

    def envelope(self) -> dict[str, Any] | None:
        """The message as a JSON object, if it is one."""
        try:
            parsed = orjson.loads(self.value or b"")
        except orjson.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, dict) else None

    @property
    def subject(self) -> str:
        """The case id or `<registry> <key>` it is about, else its Kafka key, else `-`."""
        envelope = self.envelope() or {}
        if MARK in envelope:
            return f"{envelope.get('registry')} {envelope.get('subject')}"
        if isinstance(case_id := envelope.get("caseid"), str):
            return case_id
        return self.key.decode("utf-8", "replace") if self.key else "-"

    @property
    def version(self) -> int | None:
        """The case or entry version the message carries, if any."""
        envelope = self.envelope() or {}
        found = envelope.get("entryversion" if MARK in envelope else "caseversion")
        return found if isinstance(found, int) else None

    @property
    def origin(self) -> str:
        """Where it came from: `topic[partition]@offset`."""
        if self.source is None:
            return "?"
        return f"{self.source.topic}[{self.source.partition}]@{self.source_offset}"

    @property
    def dead_lettered_at(self) -> str:
        """When it was (last) put on the dead-letter topic, UTC."""
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC).isoformat(timespec="seconds")

    def again(self, reason: str) -> list[tuple[str, bytes]]:
        """The headers to put it back with after a failed retry: the origin kept, the new reason, one retry more."""
        return headers_for(self.source, self.source_offset, reason, self.retries + 1, self.first_reason or reason)

    def as_json(self) -> dict[str, Any]:
        """For `ybj deadletters list --json`."""
        return {
            "dead_letter_partition": self.partition,
            "dead_letter_offset": self.offset,
            "topic": self.source.topic if self.source else None,
            "partition": self.source.partition if self.source else None,
            "offset": self.source_offset,
            "reason": self.reason,
            "first_reason": self.first_reason,
            "retries": self.retries,
            "subject": self.subject,
            "version": self.version,
            "dead_lettered_at": self.dead_lettered_at,
        }


def headers_for(
    source: TopicPartition | None, offset: int | None, reason: str, retries: int, first_reason: str
) -> list[tuple[str, bytes]]:
    """A dead letter's headers: the projector's four, and the retry's two."""
    headers = [("reason", reason.encode())]
    if source is not None and offset is not None:
        headers += [
            ("topic", source.topic.encode()),
            ("partition", str(source.partition).encode()),
            ("offset", str(offset).encode()),
        ]
    return [*headers, (RETRIES, str(retries).encode()), (FIRST_REASON, first_reason.encode())]


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Waiting:
    """The dead letters after the retry group's offsets, and where the topic ended when they were read."""

    letters: list[DeadLetter]
    ends: dict[TopicPartition, int]


async def waiting_ranges(
    bootstrap: str, topic: str, group: str
) -> tuple[list[offsets.OffsetRange], dict[TopicPartition, int]]:
    """Per partition of the dead-letter topic, the range not yet handled, and the ends read."""
    tps = await offsets.partitions(bootstrap, [topic])
    known = await offsets.bounds(bootstrap, tps)
    done = await offsets.committed(bootstrap, group)
    ranges = []
    for tp in tps:
        start = max(done.get(tp, 0), known[tp].first)
        if start < known[tp].end:
            ranges.append(offsets.OffsetRange(tp, start, known[tp].end - 1))
    return ranges, {tp: b.end for tp, b in known.items()}


async def read_waiting(bootstrap: str, topic: str, group: str) -> Waiting:
    """Every waiting dead letter, in the topic's order per partition."""
    ranges, ends = await waiting_ranges(bootstrap, topic, group)
    letters = []
    for span in ranges:
        async for records in offsets.read_range(bootstrap, span):
            letters += [DeadLetter.of(r) for r in records]
    return Waiting(letters, ends)


async def count_waiting(bootstrap: str, topic: str, group: str) -> int:
    """How many dead letters wait."""
    ranges, _ = await waiting_ranges(bootstrap, topic, group)
    return sum(span.size for span in ranges)


def render_list(letters: Iterable[DeadLetter]) -> str:
    """The waiting dead letters as a table."""
    rows: list[list[str | int | None]] = [
        [d.origin, d.subject, d.version, d.retries, d.dead_lettered_at, d.reason] for d in letters
    ]
    return render(["from", "case or entry", "version", "retries", "dead-lettered at (UTC)", "reason"], rows)
