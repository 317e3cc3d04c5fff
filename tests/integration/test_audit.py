"""Auditors' tools on a real platform: a hand-edited event is found and named, packages verify offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.integration.conftest import Api
from tests.integration.kafka_reader import published
from ybj_dev.platform import ONE_OFF_WORKER, Platform
from ybj_kernel.audit.checkpoint import checkpoint_from, checkpoint_valid
from ybj_kernel.audit.checkpointer import checkpoint_topic
from ybj_kernel.envelope import topic_for

pytestmark = pytest.mark.integration

SYSTEM, FIRST = ("ybj-system", "system"), ("gy-fr-01", "first_reviewer")


def _suspicion(n: int) -> dict[str, Any]:
    return {
        "task_type": "事后审核",
        "task_name": "审计测试",
        "mdtrt_id": f"MD-AUDIT-{n}",
        "fixmedins_code": "H52010000001",
        "rule_code": "R1",
        "admdvs": "520102",
        "suspect_amount": "10.00",
    }


def ybj(platform: Platform, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `ybj` command line against the test platform."""
    return subprocess.run(
        [sys.executable, "-c", "from ybj_kernel.cli import main; main()", *args],
        env={**os.environ, **(env if env is not None else platform.env("query", ONE_OFF_WORKER))},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def case(api: Api) -> dict[str, Any]:
    created = api.create("P072", _suspicion(1), SYSTEM)
    assert created.status_code == 201, created.text
    ack = api.step(created.json(), FIRST, "approve", {"is_violation": False})
    assert ack["version"] >= 2
    return ack


def _row(platform: Platform, case_id: str, version: int) -> tuple[Any, ...]:
    with psycopg.connect(platform.pg_dsn) as conn:
        row = conn.execute(
            "SELECT state, digest, prev_digest, notification_id FROM supervision.supervision_events"
            " WHERE originator_id = %s AND originator_version = %s",
            (case_id, version),
        ).fetchone()
    assert row is not None
    return tuple(row)


def test_every_stored_event_is_chained_and_the_stores_verify(platform: Platform, case: dict[str, Any]) -> None:
    first, second = _row(platform, case["case_id"], 1), _row(platform, case["case_id"], 2)
    assert first[2] == bytes(32)
    assert second[2] == first[1]  # version 2 links to version 1
    result = ybj(platform, "audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "supervision:" in result.stdout


def test_a_hand_edited_event_is_detected_and_named(platform: Platform, case: dict[str, Any]) -> None:
    case_id = case["case_id"]
    state = bytes(_row(platform, case_id, 2)[0])
    edited = state.replace(b'"is_violation":false', b'"is_violation":true ')
    assert edited != state
    with psycopg.connect(platform.pg_dsn, autocommit=True) as conn:
        sql = "UPDATE supervision.supervision_events SET state = %s WHERE originator_id = %s AND originator_version = 2"
        conn.execute(sql, (edited, case_id))
        try:
            result = ybj(platform, "audit", "verify", "--service", "supervision")
            one = ybj(platform, "audit", "verify", "--case", case_id)
        finally:
            conn.execute(sql, (state, case_id))
    assert result.returncode == 1, result.stdout
    assert f"stream {case_id} version 2" in result.stdout
    assert "was changed" in result.stdout
    assert one.returncode == 1
    assert f"stream {case_id} version 2" in one.stdout
    assert ybj(platform, "audit", "verify", "--service", "supervision").returncode == 0


def test_a_deleted_last_event_is_caught_by_the_checkpoint(platform: Platform, case: dict[str, Any]) -> None:
    made = ybj(platform, "audit", "checkpoint", "--service", "supervision")
    assert made.returncode == 0, made.stderr
    case_id = case["case_id"]
    with psycopg.connect(platform.pg_dsn, autocommit=True) as conn:
        row = conn.execute(
            "DELETE FROM supervision.supervision_events WHERE originator_id = %s AND originator_version = 2"
            " RETURNING originator_id, originator_version, topic, state, notification_id, prev_digest, digest",
            (case_id,),
        ).fetchone()
        assert row is not None
        try:
            result = ybj(platform, "audit", "verify", "--service", "supervision")
        finally:
            conn.execute(
                "INSERT INTO supervision.supervision_events (originator_id, originator_version, topic, state,"
                " notification_id, prev_digest, digest) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                row,
            )
    assert result.returncode == 1, result.stdout
    assert "no longer matches the root" in result.stdout


def test_a_package_verifies_offline_and_a_changed_byte_does_not(
    platform: Platform, case: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "case.zip"
    built = ybj(platform, "audit", "package", case["case_id"], "-o", str(target))
    assert built.returncode == 0, built.stderr
    # No database, no Kafka, no platform: settings point nowhere.
    nowhere = {"YBJ_PG_DSN": "postgresql://nobody@127.0.0.1:1/none", "YBJ_KAFKA_BOOTSTRAP": "127.0.0.1:1"}
    ok = ybj(platform, "audit", "verify-package", str(target), env=nowhere)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    for check in ("files", "chain", "signature", "merkle", "documents"):
        assert f"ok   {check}:" in ok.stdout
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x20
    changed = tmp_path / "changed.zip"
    changed.write_bytes(bytes(data))
    bad = ybj(platform, "audit", "verify-package", str(changed), env=nowhere)
    assert bad.returncode == 1
    assert "FAIL" in bad.stdout


def test_checkpoints_and_digests_are_published(platform: Platform, case: dict[str, Any]) -> None:
    made = ybj(platform, "audit", "checkpoint", "--service", "supervision")
    assert made.returncode == 0, made.stderr
    checkpoints = published(platform.kafka_bootstrap, checkpoint_topic(platform.topic_prefix))
    last = [c for c in checkpoints if c["service"] == "supervision"][-1]
    assert checkpoint_valid(checkpoint_from(last))
    assert f"root {last['root']}" in made.stdout
    envelopes = [
        e
        for e in published(platform.kafka_bootstrap, topic_for(platform.topic_prefix, "supervision"))
        if e["caseid"] == case["case_id"]
    ]
    stored = {v: _row(platform, case["case_id"], v) for v in (1, 2)}
    assert {(e["caseversion"], e["prevdigest"], e["digest"]) for e in envelopes} >= {
        (v, bytes(row[2]).hex(), bytes(row[1]).hex()) for v, row in stored.items()
    }
