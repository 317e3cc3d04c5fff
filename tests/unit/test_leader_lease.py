"""The leader lease's logic on a scripted connection: the key every replica derives, the timing that makes a holder cut
off from the server stop before the server frees its lock, waiting, taking over, confirming and losing the lease.

The lease on a real PostgreSQL, killed under load, is tests/integration/test_leader_failover.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import psycopg
import pytest
from prometheus_client import REGISTRY

from ybj_kernel.adapters import leader_lease
from ybj_kernel.adapters.leader_lease import (
    CHECK_SECONDS,
    CLIENT_USER_TIMEOUT_MS,
    RETRIES_SKIPPED_AFTER_LOSS,
    SERVER_KEEPALIVE,
    LeaderLease,
    LeaseLost,
    application_name,
    connection_options,
    lease_key,
    lock_ids,
    session_settings,
)
from ybj_kernel.audit import checkpointer


def test_the_key_is_fixed_per_service_and_role() -> None:
    # Pinned: replicas of two releases side by side (a rolling update) must want the same lock, or both would lead.
    assert lease_key("enrollment", "relay") == -8158163901389699106
    assert lease_key("audit", "checkpointer") == 3909941021435067998
    keys = {lease_key(s, r) for s in ("enrollment", "treatment", "settlement") for r in ("relay", "checkpointer")}
    assert len(keys) == 6
    assert all(-(2**63) <= k < 2**63 for k in keys)


@pytest.mark.parametrize("key", [lease_key("enrollment", "relay"), lease_key("audit", "checkpointer"), -1, 0, 2**40])
def test_pg_locks_ids_are_the_keys_two_halves(key: int) -> None:
    classid, objid = lock_ids(key)
    assert 0 <= classid < 2**32
    assert 0 <= objid < 2**32
    joined = (classid << 32) | objid
    assert joined - 2**64 * (joined >= 2**63) == key


def test_a_holder_cut_off_stops_before_the_server_frees_its_lock() -> None:
    idle, interval, count = SERVER_KEEPALIVE
    server_drops_after = idle + interval * count  # seconds of silence before the server ends the holder's session
    holder_notices_within = CHECK_SECONDS + CLIENT_USER_TIMEOUT_MS / 1000  # its next check, unacknowledged
    assert holder_notices_within < server_drops_after <= 10  # and a dead node's lock is free within seconds


def test_the_lock_session_is_named_and_kept_alive() -> None:
    name = application_name("enrollment", "relay", "enrollment-relay-7d9f8c6b5-x2x4z" * 3, 12345)
    assert name.startswith("ybj enrollment relay enrollment-relay-")
    assert len(name) == 63
    options = connection_options(name)
    assert options["autocommit"] is True
    assert options["keepalives"] == 1
    assert options["tcp_user_timeout"] == CLIENT_USER_TIMEOUT_MS
    assert dict(session_settings())["tcp_keepalives_idle"] == SERVER_KEEPALIVE[0]


@dataclass
class FakeConnection:
    """A lock connection whose answers to pg_try_advisory_lock are scripted; `fail` makes the next statement fail."""

    grants: list[bool]
    executed: list[str] = field(default_factory=list)
    closed: bool = False
    broken: bool = False
    fail: Exception | None = None

    def execute(self, query: str, params: Any = None) -> FakeConnection:
        self.executed.append(query)
        if self.fail is not None:
            error, self.fail = self.fail, None
            raise error
        self._row: tuple[Any, ...] | None = None
        if "pg_try_advisory_lock" in query:
            self._row = (self.grants.pop(0),)
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._row

    def close(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _lease(conns: list[FakeConnection], clock: Callable[[], float] | None = None, role: str = "relay") -> LeaderLease:
    made = iter(conns)
    return LeaderLease(
        "postgresql://unused",
        "testsvc",
        role,
        retry_seconds=0.001,
        check_seconds=1.0,
        connect=lambda: cast(Any, next(made)),
        clock=clock or Clock(),
    )


def _leader(role: str = "relay") -> float | None:
    return REGISTRY.get_sample_value("ybj_leader", {"service": "testsvc", "role": role})


async def test_a_standby_waits_then_takes_over_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    conn = FakeConnection(grants=[False, False, True])
    waited: list[object] = []
    lease = _lease([conn])
    assert _leader() == 0
    with caplog.at_level(logging.INFO, logger=leader_lease.__name__):
        assert await lease.acquire(asyncio.Event(), while_waiting=waited.append)
    assert lease.held
    assert _leader() == 1
    assert waited == [conn, conn]  # the standby's side work ran on its waiting connection, after each refusal
    assert sum("pg_try_advisory_lock" in q for q in conn.executed) == 3
    assert any(q.startswith("SET tcp_keepalives_idle") for q in conn.executed)
    assert "TOOK OVER the lease" in caplog.text
    assert "waiting for the lease" in caplog.text


async def test_the_first_holder_does_not_report_a_takeover(caplog: pytest.LogCaptureFixture) -> None:
    lease = _lease([FakeConnection(grants=[True])])
    with caplog.at_level(logging.INFO, logger=leader_lease.__name__):
        assert await lease.acquire(asyncio.Event())
    assert "holds the lease" in caplog.text
    assert "TOOK OVER" not in caplog.text


async def test_waiting_ends_when_stopped_and_survives_an_unreachable_server() -> None:
    stop = asyncio.Event()
    attempts = 0

    def unreachable() -> Any:
        nonlocal attempts
        attempts += 1
        if attempts == 3:
            stop.set()
        raise psycopg.OperationalError("connection refused")

    lease = LeaderLease("postgresql://unused", "testsvc", "relay", retry_seconds=0.001, connect=unreachable)
    assert not await lease.acquire(stop)
    assert attempts == 3
    assert not lease.held
    assert _leader() == 0


async def test_work_runs_on_the_lock_connection_and_a_broken_one_is_a_lost_lease() -> None:
    conn = FakeConnection(grants=[True])
    lease = _lease([conn])
    await lease.acquire(asyncio.Event())
    assert await lease.run(lambda c: c is cast(Any, conn))
    conn.fail, conn.broken = psycopg.OperationalError("server closed the connection unexpectedly"), True
    with pytest.raises(LeaseLost):
        await lease.run(lambda c: c.execute("UPDATE x"))
    assert not lease.held
    assert conn.closed
    assert _leader() == 0
    with pytest.raises(LeaseLost):  # nothing more runs until the lease is taken again
        await lease.confirm()


async def test_a_statement_refused_on_a_live_connection_keeps_the_lease() -> None:
    conn = FakeConnection(grants=[True])
    lease = _lease([conn])
    await lease.acquire(asyncio.Event())
    conn.fail = psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
    with pytest.raises(psycopg.errors.QueryCanceled):
        await lease.run(lambda c: c.execute("UPDATE x"))
    assert lease.held
    assert _leader() == 1


async def test_an_idle_holder_checks_once_per_interval() -> None:
    clock = Clock()
    conn = FakeConnection(grants=[True])
    lease = _lease([conn], clock)
    await lease.acquire(asyncio.Event())

    def pings() -> int:
        return conn.executed.count("SELECT 1")

    await lease.heartbeat()
    assert pings() == 0  # it has just taken the lease
    clock.now += 0.5
    await lease.heartbeat()
    assert pings() == 0
    clock.now += 0.6
    await lease.heartbeat()
    assert pings() == 1
    await lease.confirm()  # before a batch: always
    assert pings() == 2


async def test_holding_for_a_while_notices_a_loss() -> None:
    conn = FakeConnection(grants=[True])
    lease = _lease([conn], role="checkpointer")
    await lease.acquire(asyncio.Event())
    lease.check_seconds = 0.0
    conn.fail, conn.broken = psycopg.OperationalError("terminating connection"), True
    with pytest.raises(LeaseLost):
        await lease.hold_for(asyncio.Event(), 5.0)
    assert _leader("checkpointer") == 0


async def test_release_unlocks_and_a_lost_lease_can_be_taken_again() -> None:
    first, second = FakeConnection(grants=[True]), FakeConnection(grants=[True])
    lease = _lease([first, second])
    await lease.acquire(asyncio.Event())
    first.fail, first.broken = psycopg.OperationalError("gone"), True
    with pytest.raises(LeaseLost):
        await lease.confirm()
    assert await lease.acquire(asyncio.Event())  # on a new connection
    assert lease.held
    assert _leader() == 1
    lease.release()
    assert "SELECT pg_advisory_unlock(%s)" in second.executed
    assert second.closed
    assert not lease.held
    assert _leader() == 0


async def test_a_holder_asked_to_stop_stops_waiting_too() -> None:
    # The relay and the checkpointer loop `while await lease.acquire(stop)`: a held lease must not keep them going.
    lease = _lease([FakeConnection(grants=[True])])
    assert await lease.acquire(asyncio.Event())
    stop = asyncio.Event()
    stop.set()
    assert not await lease.acquire(stop)


async def test_after_a_loss_it_leaves_the_first_tries_to_a_standby() -> None:
    first, second = FakeConnection(grants=[True]), FakeConnection(grants=[True])
    lease = _lease([first, second])
    lease.retry_seconds = 0.05
    await lease.acquire(asyncio.Event())
    first.fail, first.broken = psycopg.OperationalError("terminating connection"), True
    with pytest.raises(LeaseLost):
        await lease.confirm()
    began = time.monotonic()
    assert await lease.acquire(asyncio.Event())
    assert time.monotonic() - began >= 0.05 * RETRIES_SKIPPED_AFTER_LOSS


async def test_the_checkpointer_stores_only_while_it_holds_the_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    signed: list[tuple[str, list[str]]] = []

    def on_lease_connection(conn: FakeConnection, services: list[str], key: object) -> list[object]:
        conn.execute("SELECT … FROM audit_checkpoints")  # as the real one reads before it signs
        signed.append(("lease", services))
        return []

    def on_own_connection(dsn: str, services: list[str], key: object) -> list[object]:
        signed.append((dsn, services))
        return []

    monkeypatch.setattr(checkpointer, "checkpoint_on", on_lease_connection)
    monkeypatch.setattr(checkpointer, "checkpoint_services", on_own_connection)
    dsns = {"enrollment": "db-a", "treatment": "db-b", "settlement": "db-a", "gateway": "db-c"}
    stores = checkpointer._Stores("db-a", list(dsns), cast(Any, None), dsns.__getitem__)
    conn = FakeConnection(grants=[True])
    lease = _lease([conn], role="checkpointer")
    await lease.acquire(asyncio.Event())
    await stores.sign(lease)
    assert signed == [("lease", ["enrollment", "settlement"]), ("db-b", ["treatment"]), ("db-c", ["gateway"])]
    signed.clear()
    conn.broken = True
    conn.fail = psycopg.OperationalError("gone")
    with pytest.raises(LeaseLost):
        await stores.sign(lease)
    assert signed == []  # nothing signed on any database once the lease is gone
