"""Faults on real processes: crashes, a broker and a database restart under load, poison messages, races.

Each test ends with the platform healthy again: the session's other tests run on the same platform.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import psycopg
import pytest
from aiokafka import AIOKafkaProducer

from tests.integration.conftest import (
    Api,
    log_tail,
    projector_metrics_url,
    read_model_checksum,
    read_model_versions,
    rebuild_read_models,
    stored_versions,
    wait_projector,
    wait_until,
)
from tests.integration.kafka_reader import published, records
from ybj_dev import infra, processes
from ybj_dev.platform import Platform
from ybj_kernel.envelope import event_id, topic_for

pytestmark = pytest.mark.integration

SYSTEM, FIRST, SECOND = ("ybj-system", "system"), ("gy-fr-01", "first_reviewer"), ("gy-sr-01", "second_reviewer")
SERVICE = "supervision"
ERROR_KEYS = {"code", "message_zh", "message_en"}
# Longer than the relay's producer waits for an acknowledgement (request_timeout_ms=15000): its sends fail.
KAFKA_DOWN_SECONDS = 17.0
PAUSE_BETWEEN_CASES = 0.05  # a steady stream, not a benchmark: the faults are the point


def _suspicion(tag: str, n: int | str) -> dict[str, Any]:
    return {
        "task_type": "事后审核",
        "task_name": "故障测试",
        "mdtrt_id": f"{tag}-{n}",
        "fixmedins_code": "H52010000001",
        "rule_code": "R1",
        "admdvs": "520102",
        "suspect_amount": "10.00",
    }


@dataclass(frozen=True)
class Outcome:
    """One attempt of one command: its answer, or the transport error when there was none."""

    op: str
    n: int
    status: int | None
    body: Any = None
    retry_after: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Writer:
    """A stream of P072 cases, each created (with an Idempotency-Key) and approved, retried until answered 2xx.

    With `fallback`, a command the public entry point cannot take (connection refused while it is down) goes
    straight to the supervision service's API, which is public too.
    """

    api: Api
    platform: Platform
    fallback: bool
    tag: str = field(default_factory=lambda: f"FAULT-{uuid.uuid4().hex[:8]}")
    outcomes: list[Outcome] = field(default_factory=list)
    done: list[dict[str, Any]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    failure: BaseException | None = None
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"writer-{self.tag}", daemon=True)
        self._thread.start()

    def finish(self, timeout: float = 40) -> None:
        self.stop.set()
        assert self._thread is not None
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the writer did not stop"
        if self.failure is not None:
            raise self.failure

    def wait_done(self, more: int, timeout: float = 60) -> None:
        """Wait until `more` further cases went all the way through."""
        target = len(self.done) + more
        wait_until(
            lambda: len(self.done) >= target or self.failure is not None,
            timeout,
            lambda: f"the command stream stalled at {len(self.done)} cases; last: {self.outcomes[-3:]}",
        )
        if self.failure is not None:
            raise self.failure

    def _run(self) -> None:
        try:
            with (
                httpx.Client(base_url=self.platform.url(), timeout=20) as entry,
                httpx.Client(base_url=self.platform.url(SERVICE), timeout=20) as domain,
            ):
                n = 0
                while not self.stop.is_set():
                    key = f"{self.tag}-{n}"
                    create = {"process": "P072", "data": _suspicion(self.tag, n)}
                    headers = self.api.headers(SYSTEM, **{"Idempotency-Key": key})
                    case = self._until_ok("create", n, entry, domain, "/api/v1/cases", create, headers)
                    if case is None:
                        return
                    body = {"action": "approve", "expected_version": 1, "data": {"is_violation": False}}
                    path = f"/api/v1/cases/{case['case_id']}/actions"
                    approved = self._until_ok("approve", n, entry, domain, path, body, self.api.headers(FIRST))
                    if approved is None:
                        return
                    self.done.append(approved)
                    n += 1
                    self.stop.wait(PAUSE_BETWEEN_CASES)
        except BaseException as exc:
            self.failure = exc

    def _until_ok(
        self,
        op: str,
        n: int,
        entry: httpx.Client,
        domain: httpx.Client,
        path: str,
        body: dict[str, Any],
        headers: dict[str, str],
    ) -> dict[str, Any] | None:
        failed_before = False
        while not self.stop.is_set():
            outcome = self._post(op, n, entry, path, body, headers)
            if outcome.status is None and self.fallback:
                self.outcomes.append(outcome)  # it may have been forwarded before the entry point went away
                outcome = self._post(op, n, domain, path, body, headers)
            self.outcomes.append(outcome)
            if outcome.ok:
                result: dict[str, Any] = outcome.body
                return result
            if op == "approve" and outcome.status == 409 and failed_before:
                # An earlier attempt was stored although its answer was lost or late: the case moved on.
                return {**body, "case_id": path.split("/")[-2], "version": 2, "after_failure": True}
            failed_before = True
            time.sleep(0.2)
        return None

    @staticmethod
    def _post(
        op: str, n: int, client: httpx.Client, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> Outcome:
        try:
            response = client.post(path, json=body, headers=headers)
        except httpx.TransportError as exc:
            return Outcome(op, n, None, error=type(exc).__name__)
        try:
            decoded = response.json()
        except ValueError:
            decoded = response.text
        return Outcome(op, n, response.status_code, decoded, response.headers.get("retry-after"))


def _check_failures(outcomes: list[Outcome], *, transport_errors_allowed: bool) -> Counter[Any]:
    """Every answer that is not 2xx is a clean 503, or a 409 telling that an earlier failed attempt was stored."""
    seen: Counter[Any] = Counter()
    failed: set[tuple[str, int]] = set()
    for o in outcomes:
        if o.ok:
            continue
        seen[o.status or o.error] += 1
        if o.status is None:
            assert transport_errors_allowed, f"no answer at all: {o}"
        elif o.status == 409:
            assert o.op == "approve", f"unexpected 409: {o}"
            assert (o.op, o.n) in failed, f"409 on a first attempt: {o}"
        else:
            assert o.status == 503, f"a failure must be a clean 503: {o}"
            assert o.retry_after is not None, f"503 without Retry-After: {o}"
            assert isinstance(o.body, dict), f"503 without an error body: {o}"
            assert set(o.body) >= ERROR_KEYS, f"503 without an error body: {o}"
        failed.add((o.op, o.n))
    return seen


def _check_stored_exactly_once(platform: Platform, writer: Writer) -> dict[str, list[int]]:
    """Each command answered 2xx is stored exactly once, every case's versions run 1..n, nothing is half written."""
    stored = stored_versions(platform, SERVICE)
    for case_id, versions in stored.items():
        assert versions == list(range(1, len(versions) + 1)), f"case {case_id} has gaps or repeats: {versions}"
    created: dict[int, str] = {}
    for o in writer.outcomes:
        if not o.ok:
            continue
        assert o.body["version"] in stored.get(o.body["case_id"], []), f"acknowledged but not stored: {o}"
        if o.op == "create":
            # A retried create with its Idempotency-Key answers the same case: one case per key.
            assert created.setdefault(o.n, o.body["case_id"]) == o.body["case_id"], o
    ours = set(created.values())
    assert len(ours) == len(created)
    for ack in writer.done:
        assert stored[ack["case_id"]] == [1, 2], ack
    # Cases whose create never got an answer: stored whole (one event) or not at all.
    return {c: v for c, v in stored.items() if c in ours}


def _wait_read_model_matches_store(platform: Platform, timeout: float = 60) -> None:
    """Every stored event of the service is in the read model exactly once (versions 1..n, no gaps, no repeats)."""

    def matches() -> bool:
        stored = stored_versions(platform, SERVICE)
        projected = read_model_versions(platform)
        return all(projected.get(c) == v for c, v in stored.items())

    def why() -> str:
        stored = stored_versions(platform, SERVICE)
        projected = read_model_versions(platform)
        wrong = {c: (v, projected.get(c)) for c, v in stored.items() if projected.get(c) != v}
        return (
            f"{len(wrong)} cases differ (stored, projected): {list(wrong.items())[:5]}\n"
            f"{log_tail(platform, 'query-projector')}\n{log_tail(platform, 'supervision-relay')}"
        )

    wait_until(matches, timeout, why)


def _check_published_at_least_once(platform: Platform, ours: dict[str, list[int]]) -> None:
    topic = topic_for(platform.topic_prefix, SERVICE)
    on_kafka: Counter[tuple[str, int]] = Counter()
    for envelope in published(platform.kafka_bootstrap, topic):
        if envelope.get("caseid") in ours:
            key = (envelope["caseid"], envelope["caseversion"])
            assert envelope["id"] == event_id(*key)
            on_kafka[key] += 1
    expected = {(c, v) for c, versions in ours.items() for v in versions}
    assert set(on_kafka) == expected, f"missing on Kafka: {sorted(expected - set(on_kafka))[:5]}"


def _healthy(platform: Platform, timeout: float = 60) -> None:
    processes.wait_http(
        f"{platform.url()}/healthz", timeout, log=processes.log_file(platform.name("query"), platform.run_dir)
    )


def test_crashes_under_load_lose_nothing_and_duplicate_nothing(api: Api, platform: Platform) -> None:
    run_dir = platform.run_dir
    writer = Writer(api, platform, fallback=True)
    writer.start()
    try:
        writer.wait_done(3)
        # The relay: the events stored while it is down are published when it is back.
        assert platform.kill_one("supervision-relay")
        time.sleep(0.5)
        platform.start_one("supervision-relay")
        writer.wait_done(3)
        # The query service: the public entry point and the projector.
        assert platform.kill_one("query")
        assert platform.kill_one("query-projector")
        time.sleep(0.5)
        platform.start_one("query")
        platform.start_one("query-projector")
        _healthy(platform)
        wait_projector(platform)
        writer.wait_done(3)
        # The broker, keeping its data, down for longer than a producer waits for an acknowledgement.
        assert infra.kafka_kill(run_dir)
        killed = time.monotonic()
        writer.wait_done(2)  # commands do not need Kafka
        time.sleep(max(0.0, KAFKA_DOWN_SECONDS - (time.monotonic() - killed)))
        infra.kafka_up(run_dir)
        writer.wait_done(3)
    finally:
        writer.finish()
    _healthy(platform)
    failures = _check_failures(writer.outcomes, transport_errors_allowed=True)
    ours = _check_stored_exactly_once(platform, writer)
    _wait_read_model_matches_store(platform)
    _check_published_at_least_once(platform, ours)
    # What the live projector built equals what a rebuild from the topics builds.
    live = read_model_checksum(platform)
    assert rebuild_read_models(platform) == live
    print(f"{len(writer.done)} cases through; failed attempts: {dict(failures)}")


def _probe(platform: Platform, api: Api, case: dict[str, Any]) -> dict[str, httpx.Response]:
    """What the public APIs answer while PostgreSQL is down."""
    act = {"action": "approve", "expected_version": case["version"], "data": {"is_violation": False}}
    create = {"process": "P072", "data": _suspicion("PGDOWN", 0)}
    requests: dict[str, Callable[[httpx.Client], httpx.Response]] = {
        "create via entry point": lambda c: c.post(
            f"{platform.url()}/api/v1/cases", json=create, headers=api.headers(SYSTEM)
        ),
        "act via entry point": lambda c: c.post(
            f"{platform.url()}/api/v1/cases/{case['case_id']}/actions", json=act, headers=api.headers(FIRST)
        ),
        "create on the service": lambda c: c.post(
            f"{platform.url(SERVICE)}/api/v1/cases", json=create, headers=api.headers(SYSTEM)
        ),
        "act on the service": lambda c: c.post(
            f"{platform.url(SERVICE)}/api/v1/cases/{case['case_id']}/actions", json=act, headers=api.headers(FIRST)
        ),
        "read via entry point": lambda c: c.get(
            f"{platform.url()}/api/v1/cases/{case['case_id']}", headers=api.headers(FIRST)
        ),
    }
    with httpx.Client(timeout=40) as client, ThreadPoolExecutor(len(requests)) as pool:
        futures = {name: pool.submit(send, client) for name, send in requests.items()}
        return {name: f.result() for name, f in futures.items()}


def test_postgres_restart_under_load_fails_cleanly_and_recovers_by_itself(api: Api, platform: Platform) -> None:
    if os.environ.get(infra.ENV_PG_DSN):
        pytest.skip("PostgreSQL is external ($YBJ_PG_DSN): it is not ours to restart")
    run_dir = platform.run_dir
    names = [name.removeprefix(platform.name("")) for name, _, _ in platform.process_table()]
    pids = {name: platform.pid(name) for name in names}
    assert all(pids.values()), pids
    case = api.create("P072", _suspicion("PGCASE", 0), SYSTEM).json()
    writer = Writer(api, platform, fallback=False)
    writer.start()
    try:
        writer.wait_done(3)
        infra.postgres_down(run_dir)
        try:
            answers = _probe(platform, api, case)
            health = httpx.get(f"{platform.url()}/healthz", timeout=10)
        finally:
            infra.postgres_up(run_dir)
        for name, response in answers.items():
            assert response.status_code == 503, f"{name}: {response.status_code} {response.text}"
            assert response.headers.get("retry-after"), f"{name}: no Retry-After"
            assert set(response.json()) >= ERROR_KEYS, f"{name}: {response.text}"
        assert health.status_code == 503
        _healthy(platform)
        writer.wait_done(3)  # the stream flows again, without any restart
    finally:
        writer.finish()
    assert {name: platform.pid(name) for name in names} == pids, "a process died or was restarted"
    failures = _check_failures(writer.outcomes, transport_errors_allowed=False)
    _check_stored_exactly_once(platform, writer)
    # Relay and projector recovered too: a new command reaches the read model.
    after = api.step(case, FIRST, "approve", {"is_violation": False})
    assert api.wait_visible(case["case_id"], after["version"], timeout=30)["stage"] == "appeal"
    _wait_read_model_matches_store(platform)
    print(f"{len(writer.done)} cases through; failed attempts: {dict(failures)}")


def _metric_total(platform: Platform, name: str) -> float:
    text = httpx.get(projector_metrics_url(platform), timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(f"{name}{{") or line.startswith(f"{name} ")
    )


async def _produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


def test_poison_messages_go_to_the_dead_letter_topic_and_the_projection_goes_on(api: Api, platform: Platform) -> None:
    marker = uuid.uuid4().hex[:8]
    errors_before = _metric_total(platform, "ybj_projection_errors_total")
    # A well-formed envelope to spoil: if it were projected, its case would appear in the read model.
    sample = api.create("P072", _suspicion(f"POISON-{marker}", 0), SYSTEM).json()
    api.wait_visible(sample["case_id"], 1)
    template = next(
        e
        for e in published(platform.kafka_bootstrap, topic_for(platform.topic_prefix, SERVICE), sample["case_id"])
        if e["caseversion"] == 1
    )
    template = {k: v for k, v in template.items() if not k.startswith("_")}
    spoiled: dict[str, tuple[bytes, str]] = {}
    for kind, changes in {
        "unknown type": {"type": "cn.ybj.supervision.invoice.Paid.v1"},
        "unknown schema version": {"schemaversion": "9", "type": template["type"].replace(".v1", ".v9")},
        # Well-formed, but the read models refuse it (admdvs is six characters), whatever came before it.
        "refused": {"admdvs": "5201020000"},
    }.items():
        case_id = str(uuid.uuid4())
        envelope = {**template, "caseid": case_id, "subject": case_id, "id": event_id(case_id, 1)}
        envelope["acceptanceno"] = f"TEST{marker}{len(spoiled)}"
        spoiled[kind] = (orjson.dumps({**envelope, **changes}), case_id)
    poison = [
        (f"{marker}-bytes".encode(), b"\xff\xfe\x00 not JSON at all"),
        *((f"{marker}-{kind}".encode(), value) for kind, (value, _) in spoiled.items()),
    ]
    # A good event right behind the refused one (same key: same partition, most likely the same batch).
    good_id = str(uuid.uuid4())
    good = {**template, "caseid": good_id, "subject": good_id, "id": event_id(good_id, 1)}
    good["acceptanceno"] = f"TEST{marker}good"
    asyncio.run(
        _produce(
            platform.kafka_bootstrap,
            topic_for(platform.topic_prefix, SERVICE),
            [*poison, (f"{marker}-refused".encode(), orjson.dumps(good))],
        )
    )

    # The projection goes on: a command after the poison is visible.
    case = api.step(sample, FIRST, "approve", {"is_violation": False})
    api.wait_visible(case["case_id"], case["version"])

    dead_letter = f"{platform.topic_prefix}.query.dead-letter"

    def dead() -> dict[bytes, dict[str, bytes]]:
        return {
            r.key: r.headers
            for r in records(platform.kafka_bootstrap, dead_letter)
            if r.key is not None and r.key.startswith(marker.encode())
        }

    wait_until(
        lambda: len(dead()) == len(poison),
        30,
        lambda: f"dead letters: {dead()}\n{log_tail(platform, 'query-projector')}",
    )
    reasons = {key.decode().removeprefix(f"{marker}-"): headers["reason"].decode() for key, headers in dead().items()}
    assert "JSON" in reasons["bytes"], reasons
    assert "unknown event type" in reasons["unknown type"], reasons
    assert "schema version" in reasons["unknown schema version"], reasons
    assert "DataError" in reasons["refused"], reasons
    for headers in dead().values():
        assert headers["topic"].decode() == topic_for(platform.topic_prefix, SERVICE)
    wait_until(
        lambda: _metric_total(platform, "ybj_projection_errors_total") - errors_before == len(poison),
        15,
        lambda: (
            f"ybj_projection_errors_total went up by "
            f"{_metric_total(platform, 'ybj_projection_errors_total') - errors_before}, not {len(poison)}"
        ),
    )
    with psycopg.connect(platform.pg_dsn) as conn:
        leaked = conn.execute(
            "SELECT count(*) FROM query.rm_cases WHERE case_id = ANY(%s)", ([c for _, c in spoiled.values()],)
        ).fetchone()
    assert leaked == (0,), "a poison message reached the read model"
    api.wait_visible(good_id, 1)  # the batch of the refused message was applied all the same


def test_fifty_concurrent_actions_on_one_case_one_wins_per_version(api: Api, platform: Platform) -> None:
    case = api.create("P072", _suspicion("RACE", uuid.uuid4().hex[:8]), SYSTEM).json()
    api.wait_visible(case["case_id"], 1)
    rounds = [(FIRST, "approve", {"is_violation": False}, 1), (SECOND, "skip", {}, 2)]
    limits = httpx.Limits(max_connections=60, max_keepalive_connections=60)
    with httpx.Client(base_url=platform.url(), timeout=60, limits=limits) as client:
        for who, action, data, version in rounds:
            barrier = threading.Barrier(50)
            body = {"action": action, "expected_version": version, "data": data}

            def send(
                _: int, body: dict[str, Any] = body, who: tuple[str, str] = who, barrier: threading.Barrier = barrier
            ) -> httpx.Response:
                barrier.wait(timeout=30)
                return client.post(f"/api/v1/cases/{case['case_id']}/actions", json=body, headers=api.headers(who))

            with ThreadPoolExecutor(50) as pool:
                responses = list(pool.map(send, range(50)))
            statuses = Counter(r.status_code for r in responses)
            assert statuses == {200: 1, 409: 49}, dict(statuses)
            winner = next(r.json() for r in responses if r.status_code == 200)
            assert winner["version"] == version + 1
            assert all(set(r.json()) >= ERROR_KEYS for r in responses if r.status_code == 409)
    assert stored_versions(platform, SERVICE)[case["case_id"]] == [1, 2, 3]
    api.wait_visible(case["case_id"], 3)
    assert [h["version"] for h in api.history(case["case_id"])] == [1, 2, 3]
