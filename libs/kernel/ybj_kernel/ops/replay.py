"""`ybj replay`: apply a range of one topic partition to a consumer again, after a fix, without moving the consumer.

- `query` (the projector): ybj_query/ops/replay.py says what it does. In short, per case versions apply in order and
  each once, so a replay fills in what the read models lack and changes nothing they hold.
- `<service>-reactor`: the reactions run again on the range, here, with the service's own application (its database:
  `Settings.pg_dsn_for(service)`), exactly as the reactor runs them (`adapters/reactor.py` `react_to`). Reactions are
  idempotent (each change is recorded under the causing event's id), so events already reacted to change nothing and
  those a reaction refused before the fix are applied now. The reactor's group offsets are not touched: it goes on
  where it was, and may run meanwhile.

Both read the range alone (no consumer group), in offset order, and refuse a range the partition does not hold.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import TextIO

from aiokafka import ConsumerRecord

from ybj_kernel.adapters.backoff import Backoff
from ybj_kernel.adapters.reactor import MAX_RECORDS, react_to
from ybj_kernel.application import CaseApplication
from ybj_kernel.errors import Unavailable
from ybj_kernel.ops import offsets
from ybj_kernel.ops.progress import Progress

# Tries of one chunk while the service's event store is away, before the replay gives up (it can simply be run again).
ATTEMPTS = 10


async def replay_reactions(
    app: CaseApplication, bootstrap: str, span: offsets.OffsetRange, err: TextIO
) -> Counter[str]:
    """Run the application's reactions on the range, a reactor's batch at a time; the outcomes counted (changed,
    unchanged, refused, ignored)."""
    outcomes: Counter[str] = Counter()
    progress = Progress(span.size, err, label="replay", unit="messages", counted="changed")
    try:
        async for records in offsets.read_range(bootstrap, span, chunk=MAX_RECORDS):
            done = await _react(app, records)
            outcomes.update(done)
            progress.advance(len(records), done.count("changed"))
    finally:
        progress.close()
    return outcomes


async def _react(app: CaseApplication, records: list[ConsumerRecord[bytes, bytes]]) -> list[str]:
    """One batch's outcomes; while the event store is away the batch is tried again, up to `ATTEMPTS` times."""
    backoff = Backoff()
    for _ in range(ATTEMPTS - 1):
        try:
            return await asyncio.to_thread(react_to, app, records)
        except Unavailable:
            await asyncio.sleep(backoff.next())
    return await asyncio.to_thread(react_to, app, records)


def summary(consumer: str, span: offsets.OffsetRange, outcomes: Counter[str]) -> list[str]:
    """What the replay did, in lines for people."""
    tp = span.tp
    return [
        f"replayed {tp.topic}[{tp.partition}] offsets {span.start} to {span.last} into {consumer}",
        f"  changed:    {outcomes['changed']:,}",
        f"  unchanged:  {outcomes['unchanged']:,} (reacted to before: nothing to do)",
        f"  refused:    {outcomes['refused']:,} (a reaction's domain error; see the log lines above)",
        f"  ignored:    {outcomes['ignored']:,} (no reaction listens to them)",
    ]
