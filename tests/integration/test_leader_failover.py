"""No single relay or projector: two of each, the active relay and one projector killed (SIGKILL) under load.

Two `python -m ybj_enrollment relay` processes share the relay's leader lease (a PostgreSQL advisory lock): one
publishes, the other waits. Two `python -m ybj_query project` processes share the projector's consumer group. A steady
stream of P019 cases (opened, then registered: two case events and two registry entries each) goes through the public
API while the active relay is killed and the standby takes over (the time it took is printed); the killed one comes
back as the standby and the holder's lock session is then ended on the server while its process lives on (a network
cut), and it must stop publishing while the other takes over; then one projector is killed and the other takes its
partitions. Afterwards every case and every registry entry the cases made is in the read
model exactly once, at the version the event store holds, and nothing went to the dead-letter topic.
"""

from __future__ import annotations

import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import Api, valid_certno, wait_until
from tests.integration.enrollment_steps import COMMUNITY, REG
from tests.integration.kafka_reader import published, records
from ybj_dev import processes
from ybj_dev.platform import DOMAIN_SERVICES, ONE_OFF_WORKER, Platform
from ybj_enrollment.registries import CERTNO_INDEX
from ybj_enrollment.registries.codes import psn_no_for
from ybj_enrollment.registries.persons import PERSONS
from ybj_kernel.adapters.leader_lease import lease_key, lock_ids
from ybj_kernel.envelope import topic_for

pytestmark = pytest.mark.integration

SERVICE = "enrollment"
WRITERS = 3
PAUSE_BETWEEN_CASES = 0.05  # per writer: a steady stream, not a benchmark
CASES_PER_PHASE = 60
RELAY_TAKEOVER_LIMIT = 5.0  # seconds: a killed holder's lock is freed at once, the standby tries every second
PROJECTOR_TAKEOVER_LIMIT = 20.0  # seconds: the group's session timeout (6 s) and a rebalance
PARTITIONS_PER_TOPIC = 3


@dataclass
class Worker:
    """A relay or projector process: its supervisor name, metrics port, and where its log stood when the test began
    (logs are appended to across runs)."""

    name: str
    metrics_port: int
    started_here: bool
    log_from: int = 0

    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"


def _relays(platform: Platform) -> list[Worker]:
    own = DOMAIN_SERVICES.index(SERVICE)
    return [
        Worker(platform.name(f"{SERVICE}-relay"), int(platform.env(SERVICE, own)["YBJ_METRICS_PORT"]), False),
        Worker(
            platform.name(f"{SERVICE}-relay-b"),
            int(platform.env(SERVICE, ONE_OFF_WORKER + 1)["YBJ_METRICS_PORT"]),
            True,
        ),
    ]


def _projectors(platform: Platform) -> list[Worker]:
    own = len(DOMAIN_SERVICES)
    return [
        Worker(platform.name("query-projector"), int(platform.env("query", own)["YBJ_METRICS_PORT"]), False),
        Worker(
            platform.name("query-projector-b"), int(platform.env("query", ONE_OFF_WORKER + 2)["YBJ_METRICS_PORT"]), True
        ),
    ]


def _start_second(platform: Platform, worker: Worker, argv: list[str], service: str, index: int) -> None:
    log = processes.log_file(worker.name, platform.run_dir)
    processes.start_process(worker.name, argv, platform.env(service, index), platform.run_dir)
    processes.wait_http(worker.metrics_url(), 60, log=log)


def _leader(worker: Worker) -> float | None:
    """The relay's ybj_leader gauge, or None when its process does not answer."""
    try:
        text = httpx.get(worker.metrics_url(), timeout=2).text
    except httpx.HTTPError:
        return None
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "ybj_leader" and sample.labels == {"service": SERVICE, "role": "relay"}:
                return float(sample.value)
    return None


def _log(platform: Platform, worker: Worker) -> str:
    """What the process logged since the test began."""
    path = processes.log_file(worker.name, platform.run_dir)
    if not path.exists():
        return ""
    with path.open("rb") as log:
        log.seek(worker.log_from)
        return log.read().decode(errors="replace")


def _mark_logs(platform: Platform, workers: list[Worker]) -> None:
    for worker in workers:
        path = processes.log_file(worker.name, platform.run_dir)
        worker.log_from = path.stat().st_size if path.exists() else 0


def _held_partitions(line: str) -> int:
    """How many partitions a "projector holds …" log line names."""
    if "no partition" in line:
        return 0
    held = line.split("projector holds", 1)[1]  # topic[0,2], topic[1] …
    return sum(len(part.split(",")) for part in re.findall(r"\[([\d,]+)\]", held))


@dataclass
class Load:
    """Writers opening and registering P019 cases (城乡居民参保登记) through the public API until stopped."""

    api: Api
    platform: Platform
    done: list[dict[str, Any]] = field(default_factory=list)  # the register acks (version 2, completed)
    certnos: dict[str, str] = field(default_factory=dict)  # case id -> 证件号码
    failure: BaseException | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        used: set[str] = set()
        for n in range(WRITERS):
            self._threads.append(threading.Thread(target=self._run, args=(n, used), daemon=True, name=f"load-{n}"))
        for thread in self._threads:
            thread.start()

    def wait_done(self, more: int, timeout: float = 60) -> None:
        target = len(self.done) + more
        wait_until(lambda: len(self.done) >= target or self.failure is not None, timeout, "the load stalled")
        if self.failure is not None:
            raise self.failure

    def finish(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(30)
        if self.failure is not None:
            raise self.failure

    def _certno(self, used: set[str]) -> str:
        with self._lock:
            while True:  # born 1931-1949: far from the other tests' residents (1960-1999)
                born = f"19{random.randint(31, 49)}{random.randint(1, 12):02d}{random.randint(10, 28)}"
                certno = valid_certno(f"520115{born}{random.randint(0, 999):03d}")
                if certno not in used:
                    used.add(certno)
                    return certno

    def _run(self, n: int, used: set[str]) -> None:
        try:
            with httpx.Client(base_url=self.platform.url(), timeout=30) as client:
                headers = self.api.headers(REG)
                while not self.stop.is_set():
                    certno = self._certno(used)
                    opened = client.post("/api/v1/cases", json={"process": "P019", "data": COMMUNITY}, headers=headers)
                    assert opened.status_code == 201, opened.text
                    case = opened.json()
                    body = {"action": "register", "expected_version": case["version"], "data": _person(certno)}
                    done = client.post(f"/api/v1/cases/{case['case_id']}/actions", json=body, headers=headers)
                    assert done.status_code == 200, done.text
                    assert done.json()["stage"] == "completed", done.text
                    with self._lock:
                        self.certnos[case["case_id"]] = certno
                        self.done.append(done.json())
                    self.stop.wait(PAUSE_BETWEEN_CASES)
        except BaseException as exc:
            self.failure = exc


def _person(certno: str) -> dict[str, str]:
    return {
        "certno": certno,
        "psn_name": "失效测试",
        "naty": "01",
        "gend": "1" if int(certno[16]) % 2 else "2",
        "brdy": f"{certno[6:10]}-{certno[10:12]}-{certno[12:14]}",
        "begndate": "2026-01-01",
        "fst_insu_ym": "202601",
        "psn_type": "11",
        "clct_grade": "1",
        "clct_way": "1",
        "max_acct_prd": "202612",
    }


def _kill_active_relay(platform: Platform, relays: list[Worker]) -> tuple[Worker, float]:
    """Find the relay holding the lease, kill it (SIGKILL) and return the standby and the seconds it took to lead."""
    leaders = {w.name: _leader(w) for w in relays}
    assert sorted(v or 0.0 for v in leaders.values()) == [0.0, 1.0], f"not one active and one waiting relay: {leaders}"
    active = next(w for w in relays if leaders[w.name] == 1.0)
    standby = next(w for w in relays if w is not active)
    assert processes.kill_process(active.name, platform.run_dir)
    killed = time.monotonic()
    wait_until(
        lambda: _leader(standby) == 1.0,
        RELAY_TAKEOVER_LIMIT + 5,
        lambda: (
            f"the standby relay did not take over:\n{processes.tail(processes.log_file(standby.name, platform.run_dir))}"
        ),
    )
    return standby, time.monotonic() - killed


def _start_relay(platform: Platform, worker: Worker, python: str) -> None:
    if worker.started_here:
        _start_second(platform, worker, [python, "-m", f"ybj_{SERVICE}", "relay"], SERVICE, ONE_OFF_WORKER + 1)
        return
    platform.start_one(f"{SERVICE}-relay")
    processes.wait_http(worker.metrics_url(), 60, log=processes.log_file(worker.name, platform.run_dir))


def _cut_lease_session(platform: Platform, holder: Worker, standby: Worker) -> float:
    """End the relay lease holder's lock session on the server; return the seconds until the standby holds the lease
    and the old holder says it no longer does."""
    classid, objid = lock_ids(lease_key(SERVICE, "relay"))
    with psycopg.connect(platform.pg_dsn, autocommit=True) as conn:
        ended = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objid = %s AND objsubid = 1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (classid, objid),
        ).fetchall()
    assert ended == [(True,)], ended
    cut = time.monotonic()
    wait_until(
        lambda: _leader(standby) == 1.0 and _leader(holder) == 0.0,
        RELAY_TAKEOVER_LIMIT + 5,
        lambda: f"no clean takeover: {holder.name} {_leader(holder)}, {standby.name} {_leader(standby)}",
    )
    return time.monotonic() - cut


def _kill_a_projector(platform: Platform, projectors: list[Worker]) -> tuple[Worker, float]:
    """Kill the first projector (SIGKILL); return the other and the seconds until it holds every partition."""
    victim, survivor = projectors
    before = _log(platform, survivor).count("projector holds")
    all_partitions = len(DOMAIN_SERVICES) * PARTITIONS_PER_TOPIC
    assert processes.kill_process(victim.name, platform.run_dir)
    killed = time.monotonic()

    def holds_all() -> bool:
        lines = [line for line in _log(platform, survivor).splitlines() if "projector holds" in line]
        return len(lines) > before and _held_partitions(lines[-1]) == all_partitions

    wait_until(
        holds_all,
        PROJECTOR_TAKEOVER_LIMIT + 10,
        lambda: (
            f"the other projector did not take every partition:\n{processes.tail(processes.log_file(survivor.name, platform.run_dir))}"
        ),
    )
    return survivor, time.monotonic() - killed


def _store_versions(platform: Platform, ids: list[str]) -> dict[str, list[int]]:
    """The versions the event store holds of these aggregates (cases or registry entries), in order."""
    with psycopg.connect(platform.pg_dsn) as conn:
        rows = conn.execute(
            f"SELECT originator_id::text, originator_version FROM {SERVICE}.{SERVICE}_events"
            " WHERE originator_id::text = ANY(%s) ORDER BY 1, 2",
            (ids,),
        ).fetchall()
    out: dict[str, list[int]] = {}
    for aggregate, version in rows:
        out.setdefault(str(aggregate), []).append(int(version))
    return out


def _read_model(platform: Platform, case_ids: list[str], entry_ids: list[str]) -> dict[str, Any]:
    with psycopg.connect(platform.pg_dsn) as conn:
        cases = conn.execute(
            "SELECT case_id, version, stage FROM query.rm_cases WHERE case_id = ANY(%s)", (case_ids,)
        ).fetchall()
        history = conn.execute(
            "SELECT case_id, version FROM query.rm_case_history WHERE case_id = ANY(%s) ORDER BY 1, 2", (case_ids,)
        ).fetchall()
        entries = conn.execute(
            "SELECT entry_id, registry, key, version FROM query.rm_registry_entries WHERE entry_id = ANY(%s)",
            (entry_ids,),
        ).fetchall()
        entry_history = conn.execute(
            "SELECT e.entry_id, h.version FROM query.rm_registry_history h JOIN query.rm_registry_entries e"
            " USING (registry, key) WHERE e.entry_id = ANY(%s) ORDER BY 1, 2",
            (entry_ids,),
        ).fetchall()
    case_versions: dict[str, list[int]] = {}
    for case_id, version in history:
        case_versions.setdefault(case_id, []).append(version)
    entry_versions: dict[str, list[int]] = {}
    for entry_id, version in entry_history:
        entry_versions.setdefault(entry_id, []).append(version)
    return {
        "cases": {c: (v, s) for c, v, s in cases},
        "case_history": case_versions,
        "entries": {e: v for e, _, _, v in entries},
        "entry_history": entry_versions,
    }


def _restore(platform: Platform, relays: list[Worker], projectors: list[Worker]) -> None:
    """Leave the session's platform as it was: the second processes stopped, its own relay and projector running."""
    for worker in (*relays, *projectors):
        if worker.started_here:
            processes.stop_process(worker.name, platform.run_dir)
    for process in (f"{SERVICE}-relay", "query-projector"):
        if platform.pid(process) is None:
            platform.start_one(process)
    processes.wait_http(projectors[0].metrics_url(), 60, log=processes.log_file(projectors[0].name, platform.run_dir))
    wait_until(lambda: _leader(relays[0]) == 1.0, 30, "the platform's own relay did not take the lease back")


def test_killing_the_active_relay_and_a_projector_under_load_loses_and_doubles_nothing(
    api: Api, platform: Platform
) -> None:
    started = time.monotonic()
    relays, projectors = _relays(platform), _projectors(platform)
    _mark_logs(platform, [*relays, *projectors])
    dead_letter = f"{platform.topic_prefix}.query.dead-letter"
    dead_before = len(records(platform.kafka_bootstrap, dead_letter))
    load = Load(api, platform)
    try:
        try:
            _fail_over_under_load(platform, load, relays, projectors)
        finally:
            load.finish()
        _check_read_model(platform, load)
        assert len(records(platform.kafka_bootstrap, dead_letter)) == dead_before, "a message was dead-lettered"
        _report_repeats(platform, load)
        print(f"{len(load.done)} cases through in {time.monotonic() - started:.1f} s")
    finally:
        _restore(platform, relays, projectors)


def _fail_over_under_load(platform: Platform, load: Load, relays: list[Worker], projectors: list[Worker]) -> None:
    """Second relay and projector up, the load on, then the kills and the cut, each followed by more load."""
    python = sys.executable
    for worker in (relays[1], projectors[1]):  # one left by an interrupted run would serve another platform
        processes.stop_process(worker.name, platform.run_dir)
    _start_second(platform, relays[1], [python, "-m", f"ybj_{SERVICE}", "relay"], SERVICE, ONE_OFF_WORKER + 1)
    _start_second(platform, projectors[1], [python, "-m", "ybj_query", "project"], "query", ONE_OFF_WORKER + 2)
    wait_until(
        lambda: sorted(_leader(w) or 0.0 for w in relays) == [0.0, 1.0],
        15,
        lambda: f"expected one active relay and one waiting: {[_leader(w) for w in relays]}",
    )
    wait_until(
        lambda: any(
            _held_partitions(line) > 0
            for line in _log(platform, projectors[1]).splitlines()
            if "projector holds" in line
        ),
        30,
        "the second projector never got partitions of the group",
    )
    load.start()
    load.wait_done(CASES_PER_PHASE)
    standby, relay_takeover = _kill_active_relay(platform, relays)
    print(f"\nrelay takeover: {standby.name} held the lease {relay_takeover:.2f} s after the active one was killed")
    assert relay_takeover < RELAY_TAKEOVER_LIMIT
    assert "TOOK OVER the lease" in _log(platform, standby)
    load.wait_done(CASES_PER_PHASE)
    # The killed one back as the standby; then the holder cut off while its process lives on (the server ends its
    # lock session, as its keepalives would after a network cut): it must notice, stop, and wait.
    restarted = next(w for w in relays if w is not standby)
    _start_relay(platform, restarted, python)
    wait_until(lambda: _leader(restarted) == 0.0, 30, "the restarted relay does not wait for the lease")
    cut_takeover = _cut_lease_session(platform, holder=standby, standby=restarted)
    print(f"relay takeover: {restarted.name} held the lease {cut_takeover:.2f} s after the holder's session was cut")
    assert cut_takeover < RELAY_TAKEOVER_LIMIT
    assert "LOST the lease" in _log(platform, standby)
    load.wait_done(CASES_PER_PHASE)
    survivor, projector_takeover = _kill_a_projector(platform, projectors)
    print(f"projector takeover: {survivor.name} held every partition {projector_takeover:.2f} s after the kill")
    assert projector_takeover < PROJECTOR_TAKEOVER_LIMIT
    load.wait_done(CASES_PER_PHASE)


def _check_read_model(platform: Platform, load: Load) -> None:
    """Every case and registry entry the load made is in the read model exactly once, at the stored version."""
    case_ids = [ack["case_id"] for ack in load.done]
    assert len(set(case_ids)) == len(case_ids)
    entry_ids = [
        str(registry.entry_id(key))
        for certno in load.certnos.values()
        for registry, key in ((CERTNO_INDEX, certno), (PERSONS, psn_no_for(certno)))
    ]
    stored = _store_versions(platform, case_ids + entry_ids)
    for ack in load.done:  # what the API answered is what is stored
        assert stored[ack["case_id"]] == [1, 2], ack
    for entry_id in entry_ids:
        assert stored.get(entry_id), f"entry {entry_id} not stored"

    def caught_up() -> bool:
        model = _read_model(platform, case_ids, entry_ids)
        return (
            len(model["cases"]) == len(case_ids)
            and all(model["entries"].get(e) == stored[e][-1] for e in entry_ids)
            and all(v == 2 for v, _ in model["cases"].values())
        )

    wait_until(
        caught_up, 60, lambda: f"the read model did not catch up: {_summary(platform, case_ids, entry_ids, stored)}"
    )
    model = _read_model(platform, case_ids, entry_ids)
    for case_id in case_ids:
        assert model["cases"][case_id] == (2, "completed"), case_id
        assert model["case_history"][case_id] == stored[case_id], case_id  # each version once, none missing
    for entry_id in entry_ids:
        assert model["entry_history"][entry_id] == stored[entry_id], entry_id


def _summary(platform: Platform, case_ids: list[str], entry_ids: list[str], stored: dict[str, list[int]]) -> str:
    model = _read_model(platform, case_ids, entry_ids)
    missing = [c for c in case_ids if c not in model["cases"]]
    behind = [e for e in entry_ids if model["entries"].get(e) != stored[e][-1]]
    return f"{len(missing)} cases missing (e.g. {missing[:3]}), {len(behind)} entries behind (e.g. {behind[:3]})"


def _report_repeats(platform: Platform, load: Load) -> None:
    """How many of the load's events the takeover published twice (allowed: the consumers drop them)."""
    ours = set(load.certnos)
    seen: dict[tuple[str, int], int] = {}
    for envelope in published(platform.kafka_bootstrap, topic_for(platform.topic_prefix, SERVICE)):
        if envelope.get("caseid") in ours:
            key = (envelope["caseid"], envelope["caseversion"])
            seen[key] = seen.get(key, 0) + 1
    assert len(seen) == 2 * len(ours), "a case event was never published"
    print(f"case events published twice by the takeover: {sum(n - 1 for n in seen.values())}")
