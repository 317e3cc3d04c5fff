"""The metrics the dashboard and the alerts read move when the thing they count happens (deploy/k8s/monitoring).

Each test reads the process's Prometheus registry as a scrape would see it, before and after: a command per process and
action, a dead letter, the lag of the partitions a consumer holds (and none left behind for those it gave up), and the
time of the last signed checkpoint.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from prometheus_client import REGISTRY

from tests.unit.conftest import Desk, staff
from ybj_kernel.adapters.consumer_lag import ConsumerLag
from ybj_kernel.audit.checkpoint import take_checkpoint
from ybj_kernel.domain.engine import Command
from ybj_kernel.entrypoints import measured
from ybj_kernel.errors import YbjError
from ybj_kernel.sm2 import generate_key
from ybj_query.consumer import CONSUMER, Projector, _Outcome
from ybj_query.dead_letters_waiting import report_waiting

SUSPICION = {
    "task_type": "事后审核",
    "task_name": "x",
    "mdtrt_id": "MD-1",
    "fixmedins_code": "H52010000001",
    "rule_code": "R1",
    "admdvs": "520102",
    "suspect_amount": "10.00",
}


def sample(name: str, **labels: str) -> float:
    """A sample's value as a scrape would read it (0 when the series does not exist)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def label_values(sample_name: str, label: str) -> set[str]:
    """Every value `label` takes in the samples named `sample_name` (e.g. ybj_commands_total)."""
    return {
        s.labels[label] for m in REGISTRY.collect() for s in m.samples if s.name == sample_name and label in s.labels
    }


# --------------------------------------------------------------------------------------------- commands


def test_command_count_and_latency_are_per_process_and_action(desk_for: Callable[[str], Desk]) -> None:
    app = desk_for("P072").app
    created = {"service": "supervision", "process": "P072", "action": "create"}
    approved = {**created, "action": "approve"}
    before = (sample("ybj_command_seconds_count", **created), sample("ybj_command_seconds_count", **approved))
    ack = measured.create_case(
        app, "P072", SUSPICION, staff("sys", "system"), idempotency_key=None, correlation_id=None
    )
    assert sample("ybj_command_seconds_count", **created) == before[0] + 1
    ok_before = sample("ybj_commands_total", **approved, outcome="ok")
    cmd = Command("approve", ack.version, None, {"is_violation": False})
    measured.act(app, UUID(ack.case_id), staff("fr-1", "first_reviewer"), cmd, correlation_id=None)
    assert sample("ybj_command_seconds_count", **approved) == before[1] + 1
    assert sample("ybj_commands_total", **approved, outcome="ok") == ok_before + 1
    # A refused action is counted under its outcome, the error code (its case's process is not known then).
    refused = {**approved, "process": "unknown", "outcome": "STALE_VERSION"}
    refusals = sample("ybj_commands_total", **refused)
    stale = Command("approve", ack.version, None, {"is_violation": False})
    with pytest.raises(YbjError, match="changed"):
        measured.act(app, UUID(ack.case_id), staff("fr-2", "first_reviewer"), stale, correlation_id=None)
    assert sample("ybj_commands_total", **refused) == refusals + 1


def test_names_a_caller_invents_are_counted_as_unknown(desk_for: Callable[[str], Desk]) -> None:
    app = desk_for("P072").app
    invented = {"service": "supervision", "process": "unknown", "action": "create"}
    before = sample("ybj_commands_total", **invented, outcome="UNKNOWN_PROCESS")
    with pytest.raises(YbjError):
        measured.create_case(app, "P072-made-up", {}, staff("sys", "system"), idempotency_key=None, correlation_id=None)
    assert sample("ybj_commands_total", **invented, outcome="UNKNOWN_PROCESS") == before + 1
    ack = measured.create_case(
        app, "P072", SUSPICION, staff("sys", "system"), idempotency_key=None, correlation_id=None
    )
    with pytest.raises(YbjError):
        measured.act(
            app,
            UUID(ack.case_id),
            staff("x", "first_reviewer"),
            Command("frobnicate", ack.version),
            correlation_id=None,
        )
    assert "P072-made-up" not in label_values("ybj_command_seconds_bucket", "process")
    assert "frobnicate" not in label_values("ybj_commands_total", "action")
    assert "unknown" in label_values("ybj_commands_total", "action")


def test_action_names_are_the_processes_actions() -> None:
    from ybj_treatment.application import TreatmentApplication

    names = measured.action_names(TreatmentApplication.default_definitions())
    assert {"create", "approve", "reject", "step_back", "cancel", "amend", "revoke"} <= names
    definitions = TreatmentApplication.default_definitions()
    assert measured.metric_labels(definitions, names, "P044", "amend") == ("P044", "amend")
    assert measured.metric_labels(definitions, names, "P999", "drop table") == ("unknown", "unknown")


# ----------------------------------------------------------------------------------------- consumer lag


class FakeConsumer:
    """What ConsumerLag and the projector's poll read of an AIOKafkaConsumer: a fetch, what is held, ends, positions."""

    def __init__(
        self, fetch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]], ends: dict[TopicPartition, int]
    ):
        self.fetch = fetch
        self.held = set(ends)
        self.ends = ends
        self.positions = {tp: (records[-1].offset + 1 if records else 0) for tp, records in fetch.items()}

    async def getmany(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[Any, Any]:
        fetched, self.fetch = self.fetch, {}
        return fetched

    def assignment(self) -> set[TopicPartition]:
        return set(self.held)

    def highwater(self, tp: TopicPartition) -> int | None:
        return self.ends.get(tp)

    async def position(self, tp: TopicPartition) -> int:
        return self.positions.get(tp, 0)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.positions[tp] = offset

    async def stop(self) -> None:
        self.held = set()


def records(tp: TopicPartition, offsets: Iterable[int]) -> list[ConsumerRecord[bytes, bytes]]:
    return [ConsumerRecord(tp.topic, tp.partition, o, 0, 0, b"k", b"v", None, 1, 1, ()) for o in offsets]


def lag(consumer: str, tp: TopicPartition) -> float | None:
    labels = {"consumer": consumer, "topic": tp.topic, "partition": str(tp.partition)}
    return REGISTRY.get_sample_value("ybj_consumer_lag_messages", labels)


def test_consumer_lag_follows_the_partitions_held_and_leaves_nothing_behind() -> None:
    first, second = TopicPartition("t.lag", 0), TopicPartition("t.lag", 1)
    consumer = FakeConsumer(
        {first: records(first, range(10)), second: records(second, range(5))}, {first: 25, second: 5}
    )
    reporter = ConsumerLag("test-reactor")
    asyncio.run(reporter.report(consumer, [first, second]))
    assert (lag("test-reactor", first), lag("test-reactor", second)) == (15.0, 0.0)
    consumer.held = {first}  # a rebalance gave the second partition to another replica
    asyncio.run(reporter.report(consumer, [first]))
    assert (lag("test-reactor", first), lag("test-reactor", second)) == (15.0, None)
    reporter.forget()  # the consumer stops
    assert lag("test-reactor", first) is None


def test_the_projector_counts_dead_letters_and_reports_its_lag(monkeypatch: pytest.MonkeyPatch) -> None:
    tp = TopicPartition("t.projected", 2)
    batch = records(tp, range(3))
    projector = Projector(None, "", [tp.topic], "t.query.dead-letter", "g")  # type: ignore[arg-type]
    consumer = FakeConsumer({tp: batch}, {tp: 10})
    projector.consumer = consumer

    async def one_poisoned(lane: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> _Outcome:
        return _Outcome(applied=Counter({tp.topic: 2}), poison=[(batch[1], "ValueError: no", "ValueError")])

    monkeypatch.setattr(projector, "_commit_lane", one_poisoned)
    dead, errors = (
        sample("ybj_dead_letters_total", topic=tp.topic),
        sample("ybj_projection_errors_total", reason="ValueError"),
    )
    projected = sample("ybj_projected_events_total", topic=tp.topic)
    assert asyncio.run(projector.poll_once()) == 2
    assert sample("ybj_dead_letters_total", topic=tp.topic) == dead + 1
    assert sample("ybj_projection_errors_total", reason="ValueError") == errors + 1
    assert sample("ybj_projected_events_total", topic=tp.topic) == projected + 2
    assert lag(CONSUMER, tp) == 7.0  # read up to offset 3 of 10
    asyncio.run(projector.stop())
    assert lag(CONSUMER, tp) is None


# ------------------------------------------------------------------------------------------ checkpoints


class FakeStore:
    """The statements take_checkpoint runs, answered as a service's store with one stream of two events would."""

    def __init__(self) -> None:
        self.inserted: list[tuple[Any, ...]] = []

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> FakeStore:
        self.sql = sql
        if sql.startswith("INSERT"):
            self.inserted.append(params)
        return self

    def fetchone(self) -> tuple[Any, ...]:
        return (2,)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [("0b5e4c9e-0000-0000-0000-000000000001", 2, b"\x01" * 32)]


def test_signing_a_checkpoint_sets_its_time() -> None:
    store = FakeStore()
    cp = take_checkpoint(store, "settlement", "stored_events", generate_key())  # type: ignore[arg-type]
    assert store.inserted, "the checkpoint is stored"
    signed = sample("ybj_checkpoint_last_signed_timestamp_seconds", service="settlement")
    assert signed == datetime.fromisoformat(cp.time).timestamp()
    assert abs(signed - datetime.now(UTC).timestamp()) < 60


# ----------------------------------------------------------------------------------------- dead letters


def test_waiting_dead_letters_follow_kafka_until_a_retry_handles_them() -> None:
    def measured(*answers: int | Exception) -> float:
        """Run the reporter over these answers of Kafka (then stop); what the gauge shows after."""
        left = list(answers)
        stop = asyncio.Event()

        async def count() -> int:
            answer = left.pop(0)
            if not left:
                stop.set()
            if isinstance(answer, Exception):
                raise answer
            return answer

        asyncio.run(report_waiting(count, stop, interval=0))
        return sample("ybj_dead_letters_waiting")

    assert measured(3) == 3
    assert measured(KafkaUnreachable("no broker")) == 3  # Kafka away: the last value stays, the alert goes on
    assert measured(0) == 0  # `ybj deadletters retry` handled them


class KafkaUnreachable(Exception):
    """Kafka does not answer."""
