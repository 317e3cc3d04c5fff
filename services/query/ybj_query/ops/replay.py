"""`ybj replay --consumer query`: apply a range of one partition to the read models again, message by message, with the
projection's code and rules (ops/apply.py), after a fix.

What it can do follows from how the projection dedups: per case (and registry entry), versions apply in order and each
once. So a replay fills in what the read model lacks (an event dead-lettered before the fix, and the later events of
its case the projector then passed over), in order, and changes nothing the read model already holds: it never
recomputes an applied event (for a projection whose output was wrong, rebuild: `ybj readmodels rebuild`). An event
whose case lacks an earlier version is left waiting (start the range earlier). The projector's stored position is not
moved: each chunk is applied in one transaction holding that partition's position, so the projector's batches of the
partition wait for it; messages past that position the projector will meet itself, and they change nothing then.
Messages that fail are listed (they stay on the topic; `ybj deadletters list` shows those the projector dead-lettered).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from aiokafka import ConsumerRecord, TopicPartition
from sqlalchemy import Engine

from ybj_kernel.ops import offsets
from ybj_kernel.ops.progress import Progress
from ybj_query.ops.apply import Applied, Result, apply_message, lock_position, stored_position

SHOWN = 20


class NotConsumed(Exception):
    """The projector holds no position of the partition: it has never read it (or a rebuild has just reset it)."""


@dataclass
class ReplayTally:
    """What a replay did: outcomes, and the messages that did not apply, with their offsets."""

    position: int = 0  # the projector's, when the replay started
    outcomes: Counter[Result] = field(default_factory=Counter)
    missed: list[tuple[int, Applied]] = field(default_factory=list)  # failed or waiting

    def add(self, records: list[ConsumerRecord[bytes, bytes]], results: list[Applied]) -> None:
        """Count a chunk's outcomes."""
        for record, outcome in zip(records, results, strict=True):
            self.outcomes[outcome.result] += 1
            if outcome.result in (Result.FAILED, Result.WAITING):
                self.missed.append((record.offset, outcome))


def apply_chunk(engine: Engine, tp: TopicPartition, records: list[ConsumerRecord[bytes, bytes]]) -> list[Applied]:
    """Apply a chunk of one partition's messages in one transaction holding the projector's position of it."""
    with engine.connect() as conn, conn.begin():
        lock_position(conn, tp)
        return [apply_message(conn, r.value, r.key) for r in records]


async def replay(engine: Engine, bootstrap: str, span: offsets.OffsetRange, err: TextIO) -> ReplayTally:
    """Apply the range's messages to the read models in order; NotConsumed when the projector never read it."""
    tp = span.tp

    def position() -> int | None:
        with engine.connect() as conn:
            return stored_position(conn, tp)

    stored = await asyncio.to_thread(position)
    if stored is None:
        raise NotConsumed(
            f"the projector holds no position of {tp.topic}[{tp.partition}]: it has not read it yet (or a rebuild "
            "is running); nothing to replay into"
        )
    tally = ReplayTally(position=stored)
    progress = Progress(span.size, err, label="replay", unit="messages", counted="applied")
    try:
        async for records in offsets.read_range(bootstrap, span):
            results = await asyncio.to_thread(apply_chunk, engine, tp, records)
            tally.add(records, results)
            progress.advance(len(records), sum(r.result is Result.APPLIED for r in results))
    finally:
        progress.close()
    return tally


def summary(tally: ReplayTally, span: offsets.OffsetRange, shown: int = SHOWN) -> list[str]:
    """What the replay did, in lines for people."""
    tp = span.tp
    lines = [
        f"replayed {tp.topic}[{tp.partition}] offsets {span.start} to {span.last} into the read models",
        f"  applied now:      {tally.outcomes[Result.APPLIED]:,}",
        f"  already applied:  {tally.outcomes[Result.ALREADY]:,}",
        f"  failed:           {tally.outcomes[Result.FAILED]:,}",
        f"  waiting:          {tally.outcomes[Result.WAITING]:,} (an earlier version of the case is not in the read"
        " model: start the range earlier, or retry its dead letter)",
    ]
    if span.last >= tally.position:
        lines.append(
            f"  (the projector stood at offset {tally.position:,}: it meets the later ones itself, and they change "
            "nothing then)"
        )
    for offset, outcome in tally.missed[:shown]:
        about = outcome.subject if outcome.version is None else f"{outcome.subject} v{outcome.version}"
        lines.append(f"  @{offset}  {outcome.result.value}  {about}  {outcome.detail}")
    if len(tally.missed) > shown:
        lines.append(f"  … {len(tally.missed) - shown:,} more")
    return lines
