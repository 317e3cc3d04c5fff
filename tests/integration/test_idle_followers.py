"""Followers that have caught up cost next to nothing and still answer at once: an idle relay waits for the NOTIFY
every append commits (adapters/store_wakeup.py) instead of reading its log twenty times a second, and a reactor does
not hand a batch none of its reactions listens to to a thread, and commits such batches' offsets once the topic is
quiet. On real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import orjson
import psycopg
import pytest
from aiokafka import AIOKafkaProducer

from tests.integration.enrollment_store import enrollment_app, fresh_database
from tests.integration.kafka_reader import published
from ybj_enrollment.application import EnrollmentApplication
from ybj_kernel.adapters import reactor
from ybj_kernel.adapters.kafka import ensure_topics
from ybj_kernel.adapters.leader_lease import LeaderLease
from ybj_kernel.adapters.relay import ROLE, run_relay
from ybj_kernel.adapters.store_wakeup import StoreWakeup
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.reactions import Reaction
from ybj_kernel.envelope import topic_for
from ybj_kernel.ops import offsets

pytestmark = pytest.mark.integration

REG = Actor(user_id="reg-1", roles=("registrar",), admdvs="520100")
UNIT = {"emp_no": "1", "emp_name": "社区", "admdvs": "520115"}
LONG = 60.0  # an idle wait this long: what wakes the follower sooner can only be the notification


@pytest.fixture
def dsn(infrastructure: dict[str, str]) -> Iterator[str]:
    with fresh_database(infrastructure["YBJ_PG_DSN"], "idle") as dsn:
        yield dsn


def _app(dsn: str) -> EnrollmentApplication:
    return enrollment_app(dsn)


def _channel(app: EnrollmentApplication) -> str:
    """The channel every append to the app's events table notifies (eventsourcing's recorder names it)."""
    return str(app.recorder.channel_name)  # type: ignore[attr-defined]


def _unit(n: int) -> dict[str, str]:
    return {**UNIT, "emp_no": f"idle-{n}", "emp_name": f"社区{n}"}


async def test_a_wait_ends_when_an_append_commits_not_before(dsn: str) -> None:
    app = _app(dsn)
    wakeup = StoreWakeup(dsn, _channel(app), idle_seconds=0.5)
    stop = asyncio.Event()
    try:
        await wakeup.start()
        assert wakeup.listening
        started = time.monotonic()
        await wakeup.wait(stop)
        assert time.monotonic() - started >= 0.45, "woke with nothing appended"

        wakeup.idle_seconds = LONG
        waiting = asyncio.ensure_future(wakeup.wait(stop))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        started = time.monotonic()
        await asyncio.to_thread(app.create_case, "P019", _unit(1), REG)
        await asyncio.wait_for(waiting, 5)
        assert time.monotonic() - started < 2, "the commit's notification did not wake the wait"

        for n in range(2, 6):  # a burst while nobody waits: one wake-up for all of them, not one each
            await asyncio.to_thread(app.create_case, "P019", _unit(n), REG)
        await asyncio.wait_for(wakeup.wait(stop), 5)
        wakeup.idle_seconds = 0.5
        started = time.monotonic()
        await wakeup.wait(stop)
        assert time.monotonic() - started >= 0.45, "a notification already seen woke the next wait"

        wakeup.idle_seconds = LONG
        asyncio.get_running_loop().call_later(0.2, stop.set)
        await asyncio.wait_for(wakeup.wait(stop), 5)  # stopping ends a wait at once
    finally:
        await wakeup.close()
        app.close()


async def test_without_a_listening_connection_it_polls_at_the_fallback_pace() -> None:
    wakeup = StoreWakeup("postgresql://ybj@127.0.0.1:1/none", "x_events", idle_seconds=LONG, fallback_seconds=0.05)
    started = time.monotonic()
    for _ in range(3):
        await asyncio.wait_for(wakeup.wait(asyncio.Event()), 10)
    assert not wakeup.listening
    assert time.monotonic() - started < 9  # the first try may take the refused connection's time; then it polls


async def test_a_listening_connection_cut_mid_wait_falls_back_to_polling_then_listens_again(dsn: str) -> None:
    app = _app(dsn)
    wakeup = StoreWakeup(dsn, _channel(app), idle_seconds=LONG, retry_seconds=0.5)
    stop = asyncio.Event()
    try:
        await wakeup.start()
        waiting = asyncio.ensure_future(wakeup.wait(stop))
        await asyncio.sleep(0.2)
        with psycopg.connect(dsn, autocommit=True) as conn:  # as a PostgreSQL restart would
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        await asyncio.wait_for(waiting, 10)  # ends, without raising
        assert not wakeup.listening
        await asyncio.wait_for(wakeup.wait(stop), 5)  # polls meanwhile
        await asyncio.sleep(0.6)
        await wakeup.start()
        assert wakeup.listening, "it did not listen again after retry_seconds"
        waiting = asyncio.ensure_future(wakeup.wait(stop))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(app.create_case, "P019", _unit(1), REG)
        await asyncio.wait_for(waiting, 5)
    finally:
        await wakeup.close()
        app.close()


async def test_an_idle_relay_publishes_an_append_as_soon_as_it_commits(
    dsn: str, infrastructure: dict[str, str]
) -> None:
    bootstrap = infrastructure["YBJ_KAFKA_BOOTSTRAP"]
    prefix = f"ybjidle{uuid.uuid4().hex[:8]}"
    topic = topic_for(prefix, "enrollment")
    app = _app(dsn)
    first = app.create_case("P019", _unit(1), REG)
    stop = asyncio.Event()
    wakeup = StoreWakeup(dsn, _channel(app), idle_seconds=LONG)
    lease = LeaderLease(dsn, "enrollment", ROLE)
    relay = asyncio.ensure_future(run_relay(app, dsn, bootstrap, prefix, stop, lease=lease, wakeup=wakeup))
    try:
        await _until(lambda: _cases_on(bootstrap, topic) >= {first.case_id}, 30, "the first case was not published")
        await asyncio.sleep(1)  # caught up: waiting for a notification now, for up to a minute
        started = time.monotonic()
        second = await asyncio.to_thread(app.create_case, "P019", _unit(2), REG)
        await _until(lambda: second.case_id in _cases_on(bootstrap, topic), 10, "the idle relay did not wake")
        assert time.monotonic() - started < 5
    finally:
        stop.set()
        await asyncio.wait_for(relay, 30)
        app.close()


async def test_a_reactor_passes_over_what_no_reaction_listens_to_and_commits_it_once_quiet(
    infrastructure: dict[str, str],
) -> None:
    bootstrap = infrastructure["YBJ_KAFKA_BOOTSTRAP"]
    prefix = f"ybjidle{uuid.uuid4().hex[:8]}"
    topic = topic_for(prefix, "treatment")
    await ensure_topics(bootstrap, [topic])
    handed: list[int] = []

    def react_many(envelopes: list[dict[str, Any]]) -> list[int]:
        handed.append(len(envelopes))
        return [1] * len(envelopes)

    listens = Reaction("payments", "treatment", "cn.ybj.treatment.benefit_payment.", lambda *_: ())
    app = SimpleNamespace(service="settlement", reactions=(listens,), react_many=react_many)
    stop = asyncio.Event()
    running = asyncio.ensure_future(reactor.run_reactor(app, bootstrap, prefix, stop))  # type: ignore[arg-type]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for n in range(300):  # case events: no reaction listens to them
            await producer.send(topic, orjson.dumps({"id": f"e{n}", "type": "cn.ybj.treatment.case.registered"}))
        await producer.flush()
        group = reactor.reactor_group(prefix, "settlement")

        async def all_committed() -> bool:
            committed = await offsets.committed(bootstrap, group)
            ends = await offsets.bounds(bootstrap, committed)
            return bool(committed) and sum(committed.values()) == sum(b.end for b in ends.values()) == 300

        await _until_async(all_committed, 20, "the passed-over events' offsets were not committed")
        assert handed == [], "a batch no reaction listens to went to the application"

        await producer.send(topic, orjson.dumps({"id": "p1", "type": "cn.ybj.treatment.benefit_payment.approved"}))
        await producer.flush()
        await _until(lambda: handed == [1], 20, "the event a reaction listens to was not handed over")
    finally:
        await producer.stop()
        stop.set()
        await asyncio.wait_for(running, 30)


def _cases_on(bootstrap: str, topic: str) -> set[str]:
    return {str(e.get("caseid")) for e in published(bootstrap, topic)}


async def _until(condition: Any, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not await asyncio.to_thread(condition):
        assert time.monotonic() < deadline, message
        await asyncio.sleep(0.2)


async def _until_async(condition: Any, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, message
        await asyncio.sleep(0.3)
