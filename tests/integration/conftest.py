"""Integration fixtures: one real platform (Kafka, PostgreSQL, every service process) per test session.

The platform uses its own database, topic prefix and ports, so it runs beside `make run` without touching it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from ybj_dev import infra, processes
from ybj_dev.platform import DOMAIN_SERVICES, ONE_OFF_WORKER, Platform
from ybj_kernel.auth import ensure_dev_keys, issue_token
from ybj_kernel.domain.identity import certno_check_digit

# The checkpointer of the test platform signs only on demand (`ybj audit checkpoint`): a periodic checkpoint taken
# while a test has a stored event removed by hand would seal that removal (tests/integration/test_audit.py).
os.environ.setdefault("YBJ_CHECKPOINT_INTERVAL", "3600")


def valid_certno(first17: str) -> str:
    """Complete 17 digits with their GB 11643 check character."""
    return first17 + certno_check_digit(first17)


@dataclass
class Api:
    """A client of the public entry point, acting as named staff of 贵阳 (520100) unless told otherwise."""

    platform: Platform
    client: httpx.Client
    key_dir: Path
    _tokens: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def token(self, user: str, role: str, admdvs: str = "520100") -> str:
        """A bearer token signed with the development key the services trust."""
        if (user, role, admdvs) not in self._tokens:
            private = (self.key_dir / "jwt-private.pem").read_bytes()
            self._tokens[(user, role, admdvs)] = issue_token(private, user, [role], admdvs)
        return self._tokens[(user, role, admdvs)]

    def headers(self, who: tuple[str, str] | tuple[str, str, str], **extra: str) -> dict[str, str]:
        """Authorization (and any extra) headers for one staff member."""
        return {"Authorization": f"Bearer {self.token(*who)}", **extra}

    def create(
        self, process: str, data: dict[str, Any], who: tuple[str, str] | tuple[str, str, str], key: str | None = None
    ) -> httpx.Response:
        """POST /api/v1/cases."""
        extra = {"Idempotency-Key": key} if key else {}
        return self.client.post(
            "/api/v1/cases", json={"process": process, "data": data}, headers=self.headers(who, **extra)
        )

    def act(
        self,
        case: dict[str, Any],
        who: tuple[str, str] | tuple[str, str, str],
        action: str,
        data: dict[str, Any] | None = None,
        comment: str | None = None,
        version: int | None = None,
    ) -> httpx.Response:
        """POST /api/v1/cases/{id}/actions at the version last seen (or an explicit one)."""
        body = {
            "action": action,
            "expected_version": version or case["version"],
            "data": data or {},
            "comment": comment,
        }
        return self.client.post(f"/api/v1/cases/{case['case_id']}/actions", json=body, headers=self.headers(who))

    def step(
        self,
        case: dict[str, Any],
        who: tuple[str, str] | tuple[str, str, str],
        action: str,
        data: dict[str, Any] | None = None,
        comment: str | None = None,
    ) -> dict[str, Any]:
        """Act and insist on success; return the new acknowledgement."""
        response = self.act(case, who, action, data, comment)
        assert response.status_code == 200, response.text
        ack: dict[str, Any] = response.json()
        return ack

    def wait_visible(self, case_id: str, version: int, timeout: float = 15.0) -> dict[str, Any]:
        """Poll the query API until the read model shows the case at `version` (eventual consistency)."""
        deadline = time.monotonic() + timeout
        reader = ("auditor-q", "auditor", "520000")
        while True:
            response = self.client.get(f"/api/v1/cases/{case_id}", headers=self.headers(reader))
            if response.status_code == 200 and response.json()["version"] >= version:
                view: dict[str, Any] = response.json()
                return view
            if time.monotonic() > deadline:
                raise AssertionError(f"case {case_id} not at version {version} in time: {response.text}")
            time.sleep(0.05)

    def wait_read(
        self,
        path: str,
        who: tuple[str, str] | tuple[str, str, str],
        until: Callable[[httpx.Response], bool] = lambda r: r.status_code == 200,
        timeout: float = 15.0,
        **params: str,
    ) -> httpx.Response:
        """Poll a read (a registry read model, say) until its answer satisfies `until` (eventual consistency)."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.client.get(path, params=params, headers=self.headers(who))
            if until(response):
                return response
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} {params} not as expected in time: {response.status_code} {response.text}")
            time.sleep(0.05)

    def history(self, case_id: str) -> list[dict[str, Any]]:
        """GET /api/v1/cases/{id}/history as a provincial auditor."""
        response = self.client.get(
            f"/api/v1/cases/{case_id}/history", headers=self.headers(("auditor-q", "auditor", "520000"))
        )
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()
        return entries


@pytest.fixture(scope="session", autouse=True)
def infrastructure() -> Iterator[dict[str, str]]:
    """Kafka and PostgreSQL for the whole session; stopped at the end only if this session started them."""
    with infra.running() as env:
        yield env


@pytest.fixture(scope="session")
def platform(infrastructure: dict[str, str]) -> Iterator[Platform]:
    """A whole platform (every service process) on a fresh database and topic prefix."""
    run_dir = infra.default_run_dir()
    suffix = uuid.uuid4().hex[:8]
    database = f"ybj_test_{suffix}"
    dsn = infra.create_database(infrastructure["YBJ_PG_DSN"], database)
    ensure_dev_keys(run_dir / "keys" / "jwt-private.pem", run_dir / "keys" / "jwt-public.pem")
    # Two test sessions on one machine (a developer's and a helper's) each set their own offset to keep apart.
    offset = int(os.environ.get("YBJ_TEST_PORT_OFFSET", "0"))
    p = Platform(
        run_dir,
        dsn,
        infrastructure["YBJ_KAFKA_BOOTSTRAP"],
        topic_prefix=f"ybjtest{suffix}",
        base_port=18080 + offset,
        grpc_base_port=17051 + offset,  # below the ephemeral range (32768-60999): no outgoing connection holds it
        metrics_base_port=19101 + offset,
        name_prefix=f"test{offset or ''}-",
    )
    try:
        p.start(timeout=90)
        yield p
    finally:
        p.stop()
        infra.drop_database(infrastructure["YBJ_PG_DSN"], database)


@pytest.fixture(scope="session")
def api(platform: Platform) -> Iterator[Api]:
    """A client of the platform's public entry point."""
    with httpx.Client(base_url=platform.url(), timeout=30) as client:
        yield Api(platform, client, platform.run_dir / "keys")


def log_tail(platform: Platform, process: str) -> str:
    """The end of one process's log, for assertion messages."""
    return processes.tail(processes.log_file(platform.name(process), platform.run_dir), 40)


def wait_until(condition: Callable[[], object], timeout: float, message: str | Callable[[], str]) -> None:
    """Poll `condition` until it is true; on timeout fail with `message` (or what it returns)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(0.2)


def stored_versions(platform: Platform, service: str) -> dict[str, list[int]]:
    """The versions of every case in a service's event store (the ground truth), in order."""
    with psycopg.connect(platform.pg_dsn) as conn:
        rows = conn.execute(
            f"SELECT originator_id::text, originator_version FROM {service}.{service}_events "
            "WHERE topic LIKE %s ORDER BY 1, 2",
            ("%:Case.%",),
        ).fetchall()
    versions: dict[str, list[int]] = {}
    for case_id, version in rows:
        versions.setdefault(str(case_id), []).append(int(version))
    return versions


def read_model_versions(platform: Platform) -> dict[str, list[int]]:
    """The versions of every case in the read model's audit trail, in order."""
    with psycopg.connect(platform.pg_dsn) as conn:
        rows = conn.execute("SELECT case_id, version FROM query.rm_case_history ORDER BY case_id, version").fetchall()
    versions: dict[str, list[int]] = {}
    for case_id, version in rows:
        versions.setdefault(case_id, []).append(int(version))
    return versions


def read_model_checksum(platform: Platform) -> str:
    """A checksum over every read-model row (cases and history)."""
    with psycopg.connect(platform.pg_dsn) as conn:
        cases = conn.execute(
            "SELECT case_id, stage, version, data::text, admdvs, acceptance_no FROM query.rm_cases ORDER BY case_id"
        ).fetchall()
        history = conn.execute(
            "SELECT case_id, version, event_id, stage_from, stage_to, actor, data::text "
            "FROM query.rm_case_history ORDER BY case_id, version"
        ).fetchall()
    return hashlib.sha256(json.dumps([cases, history], default=str).encode()).hexdigest()


def rebuild_read_models(platform: Platform) -> str:
    """Stop the projector, rebuild the read models from the topics, restart it; return the rebuilt checksum."""
    processes.stop_process(platform.name("query-projector"), platform.run_dir)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ybj_query", "rebuild"],
            env={**os.environ, **platform.env("query", ONE_OFF_WORKER)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert "rebuilt read models from" in result.stdout
        return read_model_checksum(platform)
    finally:
        platform.start_one("query-projector")
        wait_projector(platform)


def projector_metrics_url(platform: Platform) -> str:
    """The projector's Prometheus endpoint (its worker port comes after the relays')."""
    return f"http://127.0.0.1:{platform.env('query', len(DOMAIN_SERVICES))['YBJ_METRICS_PORT']}/metrics"


def wait_projector(platform: Platform, timeout: float = 30) -> None:
    """Wait until a (re)started projector is up: it serves metrics once its schema and database are ready."""
    log = processes.log_file(platform.name("query-projector"), platform.run_dir)
    processes.wait_http(projector_metrics_url(platform), timeout, log=log)
