"""`ybj deadletters retry`: after a fix, apply each waiting dead letter to the read models again, with the projection's
code and rules (ops/apply.py).

- A dead letter that applies now restores its case (or entry): while it waited, the projector passed over the case's
  later events (a version whose predecessor is missing changes nothing). So after it, the case's later messages in its
  partition, up to where the projector stands, are applied too, in order ("caught up"); all of it in one transaction
  holding the projector's position of that partition, so the projector's batches of it wait and then find the case
  whole.
- One the read model already holds (a rebuild or a replay applied it since) is handled: nothing to do.
- One that still fails, or still waits for an earlier version, goes back on the dead-letter topic with the new reason
  (its origin kept, `retries` counted, `first-reason` kept); so does a caught-up message that fails now (the projector
  never tried it). Nothing is lost.
- Then the retry group (deadletters.py `retry_group`) is committed past every dead letter read, so a second retry
  neither applies nor puts back any of them twice; those put back wait after it. Copies of one message (a rebuild
  dead-letters it again) are handled once.

`--dry-run` does all of it in transactions that are rolled back, and puts nothing back nor commits anything.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy import Connection, Engine

from ybj_kernel.adapters.kafka import client_options, idempotent_producer, stop_consumer
from ybj_kernel.ops import offsets
from ybj_kernel.ops.progress import Progress
from ybj_query.ops.apply import Applied, Result, apply_message, lock_position, stored_position
from ybj_query.ops.catch_up import Work, first_offsets, in_order, later_of, once_each
from ybj_query.ops.deadletters import DeadLetter, Waiting, headers_for

SHOWN = 20  # failing messages listed one by one


@dataclass(frozen=True)
class Resend:
    """A message to put (back) on the dead-letter topic."""

    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    origin: str
    outcome: Applied


@dataclass
class Tally:
    """What a retry did."""

    outcomes: Counter[Result] = field(default_factory=Counter)  # per dead letter handled
    caught_up: int = 0  # later messages of restored cases applied
    duplicates: int = 0  # copies of a dead letter already handled in this retry
    back: list[Resend] = field(default_factory=list)

    @property
    def applied(self) -> int:
        """Messages applied in all: dead letters and the later events caught up."""
        return self.outcomes[Result.APPLIED] + self.caught_up


def apply_in_order(conn: Connection, tp: TopicPartition | None, work: list[Work], tally: Tally) -> None:
    """Apply dead letters, and the later records of the cases they restore, in order; record what goes back."""
    restored: set[bytes] = set()
    for item in work:
        if isinstance(item, DeadLetter):
            outcome = apply_message(conn, item.value, item.key)
            tally.outcomes[outcome.result] += 1
            if outcome.result in (Result.APPLIED, Result.ALREADY):
                if item.key is not None:
                    restored.add(item.key)
            else:
                tally.back.append(Resend(item.key, item.value, item.again(_why(outcome)), item.origin, outcome))
            continue
        if item.key not in restored:
            continue
        outcome = apply_message(conn, item.value, item.key)
        if outcome.result is Result.APPLIED:
            tally.caught_up += 1
        elif outcome.result is Result.FAILED and tp is not None:  # never tried by the projector: keep it
            reason = _why(outcome)
            headers = headers_for(tp, item.offset, reason, 1, reason)
            origin = f"{tp.topic}[{tp.partition}]@{item.offset}"
            tally.back.append(Resend(item.key, item.value, headers, origin, outcome))


def _about(outcome: Applied) -> str:
    return outcome.subject if outcome.version is None else f"{outcome.subject} v{outcome.version}"


def _why(outcome: Applied) -> str:
    if outcome.result is Result.WAITING:
        return f"waiting for an earlier version of {outcome.subject}: {outcome.detail}"
    return outcome.detail


@dataclass
class Retry:
    """One retry run over the dead letters read (`Waiting`)."""

    engine: Engine
    bootstrap: str
    dry_run: bool
    progress: Progress
    tally: Tally = field(default_factory=Tally)

    async def partition(self, tp: TopicPartition, letters: list[DeadLetter]) -> None:
        """Retry the dead letters of one origin partition, catching their cases up, under its position lock."""
        firsts = first_offsets(letters)
        before = await asyncio.to_thread(self._stored, tp)
        if before is None:
            for letter in letters:
                outcome = Applied(Result.FAILED, letter.subject, letter.version, letter.reason)
                reason = f"not retried: the projector holds no position of {tp.topic}[{tp.partition}] (a rebuild?)"
                self.tally.back.append(Resend(letter.key, letter.value, letter.again(reason), letter.origin, outcome))
                self.tally.outcomes[Result.FAILED] += 1
            return
        start = min(firsts.values()) + 1 if firsts else before
        later = await self._later(tp, start, before, firsts, letters)
        applied_before = self.tally.applied
        conn = await asyncio.to_thread(self.engine.connect)
        try:
            await asyncio.to_thread(conn.begin)
            locked = await asyncio.to_thread(lock_position, conn, tp)
            now = before if locked is None else locked
            later += await self._later(tp, max(start, before), now, firsts, letters)  # read meanwhile by the projector
            await asyncio.to_thread(apply_in_order, conn, tp, in_order(letters, later), self.tally)
            await asyncio.to_thread(conn.rollback if self.dry_run else conn.commit)
        finally:
            await asyncio.to_thread(conn.close)
        self.progress.advance(len(letters), self.tally.applied - applied_before)

    async def unplaced(self, letters: list[DeadLetter]) -> None:
        """Dead letters without their origin headers: applied on their own (nothing to catch up)."""
        applied_before = self.tally.applied
        conn = await asyncio.to_thread(self.engine.connect)
        try:
            await asyncio.to_thread(conn.begin)
            await asyncio.to_thread(apply_in_order, conn, None, list(letters), self.tally)
            await asyncio.to_thread(conn.rollback if self.dry_run else conn.commit)
        finally:
            await asyncio.to_thread(conn.close)
        self.progress.advance(len(letters), self.tally.applied - applied_before)

    def _stored(self, tp: TopicPartition) -> int | None:
        with self.engine.connect() as conn:
            return stored_position(conn, tp)

    async def _later(
        self, tp: TopicPartition, start: int, stop: int, firsts: dict[bytes, int], letters: list[DeadLetter]
    ) -> list[ConsumerRecord[bytes, bytes]]:
        """The later records of the dead letters' keys among offsets start..stop-1 (the projector has read them)."""
        if not firsts or start >= stop:
            return []
        found: list[ConsumerRecord[bytes, bytes]] = []
        async for records in offsets.read_range(self.bootstrap, offsets.OffsetRange(tp, start, stop - 1)):
            found += later_of(records, firsts, letters)
            self.progress.advance(len(records))
        return found


async def scan_size(engine: Engine, letters: list[DeadLetter]) -> int:
    """How many messages the catch-up reads (for the progress bar): from each partition's first dead letter on."""

    def size() -> int:
        total = 0
        with engine.connect() as conn:
            for tp, group in _by_origin(letters).items():
                firsts = first_offsets(group)
                if tp is not None and firsts:
                    total += max(0, (stored_position(conn, tp) or 0) - (min(firsts.values()) + 1))
        return total

    return await asyncio.to_thread(size)


def _by_origin(letters: list[DeadLetter]) -> dict[TopicPartition | None, list[DeadLetter]]:
    def origin(letter: DeadLetter) -> tuple[str, int]:
        return (letter.source.topic, letter.source.partition) if letter.source else ("", -1)

    grouped: dict[TopicPartition | None, list[DeadLetter]] = {}
    for _, group in itertools.groupby(sorted(letters, key=origin), key=origin):
        members = list(group)
        grouped[members[0].source] = members
    return grouped


async def retry(
    engine: Engine,
    bootstrap: str,
    topic: str,
    group: str,
    waiting: Waiting,
    err: TextIO,
    dry_run: bool,
) -> Tally:
    """Retry every waiting dead letter; unless `dry_run`, put back what still fails and commit the retry group."""
    letters, copies = once_each(waiting.letters)
    total = len(letters) + await scan_size(engine, letters)
    progress = Progress(total, err, label="retry", unit="messages", counted="applied")
    run = Retry(engine, bootstrap, dry_run, progress)
    run.tally.duplicates = copies
    try:
        for tp, group_letters in _by_origin(letters).items():
            if tp is None:
                await run.unplaced(group_letters)
            else:
                await run.partition(tp, group_letters)
    finally:
        progress.close()
    if not dry_run:
        await _put_back(bootstrap, topic, run.tally.back)
        await _commit(bootstrap, group, waiting.ends)
    return run.tally


async def _put_back(bootstrap: str, topic: str, back: list[Resend]) -> None:
    if not back:
        return
    producer = idempotent_producer(bootstrap)
    await producer.start()
    try:
        sent = [await producer.send(topic, r.value, key=r.key, headers=r.headers) for r in back]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def _commit(bootstrap: str, group: str, ends: dict[TopicPartition, int]) -> None:
    """Record that every dead letter before `ends` is handled (the group's own offsets; it never subscribes)."""
    if not ends:
        return
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, **client_options()
    )
    await consumer.start()
    try:
        consumer.assign(list(ends))
        await consumer.commit(dict(ends))
    finally:
        await stop_consumer(consumer)


def summary(tally: Tally, topic: str, dry_run: bool, shown: int = SHOWN) -> list[str]:
    """What the retry did, in lines for people."""
    handled = sum(tally.outcomes.values())
    back = len(tally.back)
    verb = "would go" if dry_run else "went"
    lines = [
        f"retried {handled:,} dead letters from {topic}" + (" (dry run: nothing written)" if dry_run else ""),
        f"  applied now:        {tally.outcomes[Result.APPLIED]:,} (and {tally.caught_up:,} later events of their"
        " cases caught up)",
        f"  already applied:    {tally.outcomes[Result.ALREADY]:,}",
        f"  still failing:      {tally.outcomes[Result.FAILED]:,}",
        f"  still waiting:      {tally.outcomes[Result.WAITING]:,} (an earlier version of the case is missing)",
    ]
    if tally.duplicates:
        lines.append(f"  copies handled once: {tally.duplicates:,}")
    if back:
        lines.append(f"{back:,} {verb} back to {topic} with the new reason:")
        lines += [f"  {r.origin}  {_about(r.outcome)}  {_why(r.outcome)}" for r in tally.back[:shown]]
        if back > shown:
            lines.append(f"  … {back - shown:,} more (`ybj deadletters list`)")
    return lines
