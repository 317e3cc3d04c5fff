"""Nothing is lost: a relay killed mid-stream resumes, and read models rebuilt from Kafka equal the live ones."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import psycopg
import pytest

from tests.integration.conftest import Api, log_tail
from ybj_dev import processes
from ybj_dev.platform import ONE_OFF_WORKER, Platform

pytestmark = pytest.mark.integration

SYSTEM, FIRST = ("ybj-system", "system"), ("gy-fr-01", "first_reviewer")


def _suspicion(n: int) -> dict[str, Any]:
    return {
        "task_type": "事后审核",
        "task_name": "中断测试",
        "mdtrt_id": f"MD-KILL-{n}",
        "fixmedins_code": "H52010000001",
        "rule_code": "R1",
        "admdvs": "520102",
        "suspect_amount": "10.00",
    }


def _stream(api: Api, count: int, acks: list[dict[str, Any]]) -> None:
    for n in range(count):
        case = api.create("P072", _suspicion(n), SYSTEM)
        assert case.status_code == 201, case.text
        acks.append(api.step(case.json(), FIRST, "approve", {"is_violation": False}))


def _stored_events(platform: Platform, service: str) -> dict[str, int]:
    """The event store's count of case events per case (ground truth)."""
    with psycopg.connect(platform.pg_dsn) as conn:
        rows = conn.execute(
            f"SELECT originator_id::text, count(*) FROM {service}.{service}_events WHERE topic LIKE %s GROUP BY 1",
            ("%:Case.%",),
        ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def _read_model_versions(platform: Platform) -> dict[str, list[int]]:
    with psycopg.connect(platform.pg_dsn) as conn:
        rows = conn.execute("SELECT case_id, version FROM query.rm_case_history ORDER BY case_id, version").fetchall()
    versions: dict[str, list[int]] = {}
    for case_id, version in rows:
        versions.setdefault(case_id, []).append(version)
    return versions


def _checksum(platform: Platform) -> str:
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


def _wait_until(condition: Any, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.2)


def test_relay_killed_mid_stream_loses_nothing_and_duplicates_nothing(api: Api, platform: Platform) -> None:
    acks: list[dict[str, Any]] = []
    writer = threading.Thread(target=_stream, args=(api, 60, acks))
    writer.start()
    _wait_until(lambda: len(acks) >= 15, 60, "the command stream did not get going")
    pid = processes.read_pid(processes.pid_file(platform.name("supervision-relay"), platform.run_dir))
    assert pid is not None
    log = processes.log_file(platform.name("supervision-relay"), platform.run_dir)
    logged_before_kill = log.stat().st_size
    os.kill(pid, signal.SIGKILL)
    time.sleep(1.0)  # commands keep being accepted while the relay is down
    platform.start_one("supervision-relay")
    writer.join(timeout=120)
    assert len(acks) == 60

    def starts() -> list[int]:
        """Positions the relay logged when it started again after the kill."""
        with log.open("rb") as f:
            f.seek(logged_before_kill)
            lines = f.read().decode().splitlines()
        marker = "relay supervision starting after notification "
        return [int(line.rsplit(" ", 1)[-1]) for line in lines if marker in line]

    _wait_until(
        lambda: len(starts()) == 1, 30, "the relay did not restart:\n" + log_tail(platform, "supervision-relay")
    )
    assert starts()[0] > 0, "the restarted relay should resume from its recorded position"

    stored = _stored_events(platform, "supervision")
    ours = {a["case_id"] for a in acks}
    assert all(stored[c] == 2 for c in ours)

    def all_visible() -> bool:
        versions = _read_model_versions(platform)
        return all(versions.get(c) == [1, 2] for c in ours)

    try:
        _wait_until(all_visible, 60, "not every event reached the read model")
    except AssertionError:
        versions = _read_model_versions(platform)
        missing = {c: versions.get(c) for c in ours if versions.get(c) != [1, 2]}
        raise AssertionError(f"missing in the read model: {missing}\n{log_tail(platform, 'query-projector')}") from None
    versions = _read_model_versions(platform)
    # Exactly once: no case has a missing or repeated version, and nothing else was invented.
    assert {c: v for c, v in versions.items() if c in ours} == {c: [1, 2] for c in ours}
    for case_id, count in stored.items():
        assert versions.get(case_id) == list(range(1, count + 1))


def test_rebuild_from_the_topics_equals_the_live_read_model(api: Api, platform: Platform) -> None:
    case = api.create("P072", _suspicion(999), SYSTEM).json()
    case = api.step(case, FIRST, "approve", {"is_violation": False})
    api.wait_visible(case["case_id"], case["version"])
    platform_events = sum(_stored_events(platform, s).get(case["case_id"], 0) for s in ["supervision"])
    assert platform_events == 2
    before = _checksum(platform)
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
        assert _checksum(platform) == before
    finally:
        platform.start_one("query-projector")
    # The live projector resumes from the rebuilt positions: new events still arrive exactly once.
    after = api.step(case, ("gy-sr-01", "second_reviewer"), "skip")
    assert api.wait_visible(case["case_id"], after["version"])["stage"] == "second_review"
    assert _read_model_versions(platform)[case["case_id"]] == [1, 2, 3]
