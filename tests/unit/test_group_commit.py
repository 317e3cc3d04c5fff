"""Group commit: concurrent commands share transactions, and each is told its own fate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

from tests.unit.conftest import Desk, retiree_filing, staff
from ybj_kernel.adapters.group_commit import GroupCommit
from ybj_kernel.domain.engine import Command
from ybj_kernel.errors import Conflict


class Conflicted(Exception):
    """Stands for eventsourcing's IntegrityError."""


class Store:
    """Stores events in transactions of its own: a transaction with a taken (case, version) stores nothing."""

    def __init__(self, seconds_per_write: float = 0.005) -> None:
        self.rows: set[tuple[str, int]] = set()
        self.transactions: list[list[tuple[str, int]]] = []
        self.down = False
        self._delay = seconds_per_write
        self._lock = threading.Lock()

    def write(self, *events: tuple[str, int]) -> None:
        time.sleep(self._delay)  # the round trips, while others queue up
        with self._lock:
            if self.down:
                raise ConnectionError("server closed the connection")
            if len(set(events)) < len(events) or self.rows.intersection(events):
                raise Conflicted(events)
            self.rows.update(events)
            self.transactions.append(list(events))


def run_concurrently(n: int, call: Callable[[int], Any]) -> list[BaseException | None]:
    """Call `call(i)` for i < n from n threads at once; return what each raised."""
    start = threading.Barrier(n)

    def one(i: int) -> BaseException | None:
        start.wait()
        try:
            call(i)
        except BaseException as exc:
            return exc
        return None

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_concurrent_saves_share_transactions_and_all_are_stored() -> None:
    store = Store()
    group = GroupCommit(store.write, Conflicted)
    errors = run_concurrently(32, lambda i: group.save([(f"case-{i}", 1), (f"claim-{i}", 1)]))
    assert errors == [None] * 32
    assert len(store.rows) == 64
    assert len(store.transactions) < 32  # fewer commits than commands
    for tx in store.transactions:  # a command's events stay together, in order
        for (case, _), (claim, _) in zip(tx[::2], tx[1::2], strict=True):
            assert claim == case.replace("case-", "claim-")


def test_a_lone_save_is_written_at_once_in_its_own_transaction() -> None:
    store = Store(seconds_per_write=0)
    group = GroupCommit(store.write, Conflicted)
    group.save([("case-1", 1)])
    group.save([("case-1", 2)])
    assert store.transactions == [[("case-1", 1)], [("case-1", 2)]]


def test_a_conflict_fails_only_its_own_command() -> None:
    store = Store()
    store.rows.add(("case-7", 1))  # someone else stored version 1 of case 7 first
    group = GroupCommit(store.write, Conflicted)
    errors = run_concurrently(16, lambda i: group.save([(f"case-{i}", 1)]))
    assert isinstance(errors[7], Conflicted)
    assert [e for i, e in enumerate(errors) if i != 7] == [None] * 15
    assert {f"case-{i}" for i in range(16)} == {c for c, _ in store.rows}


def test_two_commands_on_one_version_in_one_batch_one_wins() -> None:
    store = Store()
    group = GroupCommit(store.write, Conflicted)
    errors = run_concurrently(10, lambda i: group.save([("case-x", 2)]))
    assert sum(e is None for e in errors) == 1
    assert all(isinstance(e, Conflicted) for e in errors if e is not None)


def test_a_store_outage_fails_every_command_of_the_batch_and_stores_nothing() -> None:
    store = Store()
    store.down = True
    group = GroupCommit(store.write, Conflicted)
    errors = run_concurrently(8, lambda i: group.save([(f"case-{i}", 1)]))
    assert all(isinstance(e, ConnectionError) for e in errors)
    assert store.rows == set()
    store.down = False
    group.save([("case-0", 1)])  # and it recovers with the store
    assert store.rows == {("case-0", 1)}


def test_concurrent_approvals_of_one_case_through_the_application(desk_for: Callable[[str], Desk]) -> None:
    desk = desk_for("P044")
    ack = desk.create("P044", retiree_filing(), staff("reg", "registrar"))
    reviewers = [staff(f"fr-{i}", "first_reviewer") for i in range(12)]
    approve = Command("approve", ack.version, None, {})
    errors = run_concurrently(12, lambda i: desk.app.act(UUID(ack.case_id), reviewers[i], approve))
    assert sum(e is None for e in errors) == 1
    # Lost the race in the store, loaded the case after it, or read the filing the winner had just registered.
    conflicts = {"CONCURRENT_UPDATE", "STALE_VERSION", "FILING_IN_EFFECT"}
    assert all(isinstance(e, Conflict) and e.code in conflicts for e in errors if e is not None), errors
    assert desk.app.get_case(UUID(ack.case_id)).version == 2


def test_application_creates_from_many_threads_all_land(desk_for: Callable[[str], Desk]) -> None:
    desk = desk_for("P019")
    community = {"emp_no": "52011500001", "emp_name": "观山湖区金华园社区", "admdvs": "520115"}

    def create(i: int) -> None:
        desk.create("P019", community, staff(f"reg-{i}", "registrar"))

    assert run_concurrently(8, create) == [None] * 8
    stored = {str(n.originator_id) for n in desk.app.recorder.select_notifications(1, 100)}
    assert len(stored) == 8
