"""`ybj readmodels verify`: equal after the relay and the projector were killed under load, different after a
read-model row was changed by hand."""

from __future__ import annotations

import time

import psycopg
import pytest

from tests.integration.conftest import Api, wait_projector
from tests.integration.test_audit import ybj
from tests.integration.test_faults import Writer, _wait_read_model_matches_store
from ybj_dev.platform import Platform

pytestmark = pytest.mark.integration


def test_read_models_equal_a_rebuild_after_kills_under_load(api: Api, platform: Platform) -> None:
    writer = Writer(api, platform, fallback=True)
    writer.start()
    try:
        writer.wait_done(3)
        assert platform.kill_one("supervision-relay")
        assert platform.kill_one("query-projector")
        time.sleep(0.5)
        platform.start_one("supervision-relay")
        platform.start_one("query-projector")
        wait_projector(platform)
        writer.wait_done(5)
    finally:
        writer.finish()
    _wait_read_model_matches_store(platform)
    result = ybj(platform, "readmodels", "verify")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "rm_cases: live" in result.stdout
    assert "read models equal a rebuild" in result.stdout
    assert "%" in result.stderr  # the progress bar


def test_a_read_model_row_changed_by_hand_fails_the_verification(api: Api, platform: Platform) -> None:
    with psycopg.connect(platform.pg_dsn, autocommit=True) as conn:
        row = conn.execute("SELECT case_id, stage FROM query.rm_cases ORDER BY updated_at DESC LIMIT 1").fetchone()
        assert row is not None
        case_id, stage = row
        conn.execute("UPDATE query.rm_cases SET stage = 'completed' WHERE case_id = %s", (case_id,))
        try:
            result = ybj(platform, "readmodels", "verify")
        finally:
            conn.execute("UPDATE query.rm_cases SET stage = %s WHERE case_id = %s", (stage, case_id))
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert "rm_cases: live" in result.stdout
    assert "DIFFERENT" in result.stdout
    assert f"rm_cases {case_id}: differs" in result.stdout
