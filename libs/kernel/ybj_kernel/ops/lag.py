"""`ybj lag`: how far behind each part of the pipeline is, measured from the stores and Kafka themselves.

- relay lag, per domain service: the event store's newest notification id minus the relay's recorded position (both in
  the service's own database, `Settings.pg_dsn_for`): events stored but not yet acknowledged by Kafka;
- consumer lag, per topic partition: the partition's end offset minus the projector's position (kept in the query
  database beside the read models) or a reactor's committed group offset: messages on Kafka not yet applied;
- dead letters waiting in the query service's dead-letter topic (after the last `ybj deadletters retry`).

A part that cannot be measured (a database or Kafka unreachable) is shown with its error, and the exit status is 1.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from aiokafka import TopicPartition

from ybj_kernel.adapters.reactor import reactor_group
from ybj_kernel.adapters.relay import RelayPosition
from ybj_kernel.audit.store import events_table
from ybj_kernel.envelope import topic_for
from ybj_kernel.ops import offsets, services
from ybj_kernel.ops.locate import masked
from ybj_kernel.ops.table import render
from ybj_kernel.settings import DOMAIN_SERVICES, Settings


@dataclass(frozen=True)
class RelayLag:
    """A relay: the newest stored notification id and the last one Kafka acknowledged."""

    service: str
    stored: int | None = None
    published: int | None = None
    error: str | None = None

    @property
    def lag(self) -> int | None:
        """Stored events not yet published."""
        return None if self.stored is None or self.published is None else max(0, self.stored - self.published)


@dataclass(frozen=True)
class PartitionLag:
    """A consumer on one partition: the partition's end and the consumer's position (the next offset it applies)."""

    consumer: str
    topic: str
    partition: int
    end: int
    position: int

    @property
    def lag(self) -> int:
        """Messages not yet applied."""
        return max(0, self.end - self.position)


@dataclass(frozen=True)
class DeadLetters:
    """Dead letters waiting (not yet handled by `ybj deadletters retry`)."""

    topic: str
    waiting: int | None = None
    error: str | None = None


@dataclass
class LagReport:
    """Everything `ybj lag` shows."""

    relays: list[RelayLag] = field(default_factory=list)
    consumers: list[PartitionLag] = field(default_factory=list)
    consumer_errors: dict[str, str] = field(default_factory=dict)  # consumer -> why it could not be measured
    dead_letters: DeadLetters | None = None

    @property
    def complete(self) -> bool:
        """Whether every part was measured."""
        return (
            all(r.error is None for r in self.relays)
            and not self.consumer_errors
            and (self.dead_letters is None or self.dead_letters.error is None)
        )

    def as_json(self) -> dict[str, Any]:
        """The report for machines (`--json`)."""
        return {
            "relays": [{**asdict(r), "lag": r.lag} for r in self.relays],
            "consumers": [{**asdict(c), "lag": c.lag} for c in self.consumers],
            "consumer_errors": self.consumer_errors,
            "dead_letters": asdict(self.dead_letters) if self.dead_letters else None,
            "complete": self.complete,
        }

    def as_text(self) -> str:
        """The report for people: two tables and a line."""
        errors = any(r.error for r in self.relays)  # the column only when there is something to say
        relays = render(
            ["service", "stored", "published", "lag", *(["error"] if errors else [])],
            [[r.service, r.stored, r.published, r.lag, *([r.error or ""] if errors else [])] for r in self.relays],
        )
        consumers = render(
            ["consumer", "topic", "partition", "end", "position", "lag"],
            [[c.consumer, c.topic, c.partition, c.end, c.position, c.lag] for c in self.consumers],
        )
        parts = [
            "RELAY LAG (events stored, not yet acknowledged by Kafka)",
            relays,
            "",
            "CONSUMER LAG (messages on Kafka, not yet applied)",
            consumers,
            *(f"{name}: cannot measure: {error}" for name, error in self.consumer_errors.items()),
        ]
        dl = self.dead_letters
        if dl is not None:
            waiting = f"cannot measure: {dl.error}" if dl.error else f"{dl.waiting:,} waiting"
            parts += ["", f"DEAD LETTERS in {dl.topic}: {waiting} (`ybj deadletters list`)"]
        return "\n".join(parts)


def relay_lag(settings: Settings, service: str) -> RelayLag:
    """One relay's lag, read from its service's database."""
    dsn = settings.pg_dsn_for(service)
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            table = events_table(conn, service)
            if table is None:
                return RelayLag(service, error=f"no event store in schema {service} of {masked(dsn)}")
            stored = conn.execute(f"SELECT coalesce(max(notification_id), 0) FROM {service}.{table}").fetchone()
            try:
                published = RelayPosition(service).load(conn)
            except psycopg.errors.UndefinedTable:
                published = 0  # no relay has started yet
    except psycopg.Error as exc:
        return RelayLag(service, error=f"cannot read {masked(dsn)}: {type(exc).__name__}: {_first_line(exc)}")
    # A relay that never ran has no position: nothing of the store is published.
    return RelayLag(service, stored=int(stored[0]) if stored else 0, published=published)


async def _partition_lags(
    settings: Settings, consumer: str, topics: list[str], positions: dict[TopicPartition, int]
) -> list[PartitionLag]:
    tps = await offsets.partitions(settings.kafka_bootstrap, topics)
    known = await offsets.bounds(settings.kafka_bootstrap, tps)
    return [
        # A partition never consumed starts at its first message.
        PartitionLag(consumer, tp.topic, tp.partition, known[tp].end, max(positions.get(tp, 0), known[tp].first))
        for tp in tps
    ]


async def consumer_lags(settings: Settings, report: LagReport) -> None:
    """The projector's lag (positions in the query database) and each reactor's (committed group offsets)."""
    domain_topics = [topic_for(settings.topic_prefix, s) for s in DOMAIN_SERVICES]
    try:
        stored = await asyncio.to_thread(services.query_ops().projector_positions, settings)
        report.consumers += await _partition_lags(settings, services.PROJECTOR, domain_topics, stored)
    except Exception as exc:  # shown beside the rest: one unreachable part does not hide the others
        report.consumer_errors[services.PROJECTOR] = f"{type(exc).__name__}: {_first_line(exc)}"
    for service in services.REACTING_SERVICES:
        name = services.reactor_name(service)
        try:
            group = reactor_group(settings.topic_prefix, service)
            done = await offsets.committed(settings.kafka_bootstrap, group)
            topics = services.reactor_topics(service, settings.topic_prefix)
            report.consumers += await _partition_lags(settings, name, topics, done)
        except Exception as exc:
            report.consumer_errors[name] = f"{type(exc).__name__}: {_first_line(exc)}"


async def dead_letters(settings: Settings) -> DeadLetters:
    """How many dead letters wait for `ybj deadletters retry`."""
    ops = services.query_ops()
    topic: str = ops.dead_letter_topic(settings.topic_prefix)
    try:
        waiting: int = await ops.waiting_dead_letters(settings)
    except Exception as exc:
        return DeadLetters(topic, error=f"{type(exc).__name__}: {_first_line(exc)}")
    return DeadLetters(topic, waiting)


def measure(settings: Settings) -> LagReport:
    """Everything `ybj lag` shows."""
    report = LagReport(relays=[relay_lag(settings, s) for s in DOMAIN_SERVICES])

    async def kafka_side() -> None:
        await consumer_lags(settings, report)
        report.dead_letters = await dead_letters(settings)

    asyncio.run(kafka_side())
    return report


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]
