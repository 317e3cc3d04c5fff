"""The case as of any moment, diffs, audit packages over HTTP, the access log and the read-only oversight role."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from tests.integration.conftest import Api
from tests.integration.test_audit import ybj
from ybj_dev.platform import Platform
from ybj_kernel.audit.package import verify_package

pytestmark = pytest.mark.integration

SYSTEM = ("ybj-system", "system")
FIRST, SECOND = ("gy-fr-01", "first_reviewer"), ("gy-sr-01", "second_reviewer")
OVERSIGHT = ("sj-01", "oversight", "520000")
ELSEWHERE = ("sj-yn-01", "oversight", "530000")


@pytest.fixture(scope="module")
def walked(api: Api) -> tuple[str, dict[int, dict[str, Any]]]:
    """A P072 case through approve, skip, two step backs and cancel; the live view at every version."""
    suspicion = {
        "task_type": "事后审核",
        "task_name": "追溯测试",
        "mdtrt_id": "MD-ASOF-1",
        "fixmedins_code": "H52010000001",
        "rule_code": "R1",
        "admdvs": "520102",
        "suspect_amount": "100.00",
    }
    case = api.create("P072", suspicion, SYSTEM).json()
    views = {1: api.wait_visible(case["case_id"], 1)}
    for who, action, data, comment in (
        (FIRST, "approve", {"is_violation": False}, None),
        (SECOND, "skip", None, None),
        (SECOND, "step_back", None, "等待机构申诉"),
        (FIRST, "step_back", None, "初审重新认定"),
        (SYSTEM, "cancel", None, "疑点规则误报"),
    ):
        case = api.step(case, who, action, data, comment)
        views[case["version"]] = api.wait_visible(case["case_id"], case["version"])
    return case["case_id"], views


def _get(api: Api, path: str, who: tuple[str, ...] = OVERSIGHT, **params: str) -> Any:
    return api.client.get(path, params=params, headers=api.headers(who))  # type: ignore[arg-type]


def test_as_of_equals_the_case_at_each_version(api: Api, walked: tuple[str, dict[int, dict[str, Any]]]) -> None:
    case_id, views = walked
    history = api.history(case_id)
    assert len(history) == 6
    for event in history:
        response = _get(api, f"/api/v1/cases/{case_id}", as_of=event["time"])
        assert response.status_code == 200, response.text
        then, live = response.json(), views[event["version"]]
        assert then["version"] == event["version"]
        assert (then["stage"], then["data"]) == (live["stage"], live["data"])
        assert then["held_by"]["user_id"] == event["actor"]
        trail = _get(api, f"/api/v1/cases/{case_id}/history", as_of=event["time"]).json()
        assert [e["version"] for e in trail["events"]] == list(range(1, event["version"] + 1))
    before = datetime.fromisoformat(history[0]["time"]) - timedelta(seconds=1)
    assert _get(api, f"/api/v1/cases/{case_id}", as_of=before.isoformat()).json()["code"] == "NOT_YET"
    assert _get(api, f"/api/v1/cases/{case_id}", as_of="yesterday").status_code == 422


def test_diff_names_each_changed_field(api: Api, walked: tuple[str, dict[int, dict[str, Any]]]) -> None:
    case_id, _ = walked
    history = api.history(case_id)
    response = _get(api, f"/api/v1/cases/{case_id}/diff", **{"from": history[1]["time"], "to": history[4]["time"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"]["version"], body["to"]["version"]) == (2, 5)
    changes = {c["field"]: c for c in body["changes"]}
    assert changes["stage"]["before"] == "appeal"
    assert changes["stage"]["after"] == "first_review"
    assert changes["data.is_violation"]["change"] == "removed"


def test_an_audit_package_comes_over_http_and_verifies(api: Api, walked: tuple[str, dict[int, dict[str, Any]]]) -> None:
    case_id, _ = walked
    response = _get(api, f"/api/v1/cases/{case_id}/audit-package")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    checks = list(verify_package(response.content))
    assert [c.name for c in checks] == ["files", "chain", "signature", "merkle", "documents"]
    assert all(c.ok for c in checks), checks


def test_the_access_log_records_reads_for_oversight_only(
    api: Api, platform: Platform, walked: tuple[str, dict[int, dict[str, Any]]]
) -> None:
    case_id, _ = walked
    assert _get(api, f"/api/v1/cases/{case_id}", who=FIRST).status_code == 200
    log = _get(api, "/api/v1/audit/access-log", target=case_id)
    assert log.status_code == 200, log.text
    entries = log.json()["items"]
    kinds = {(e["user_id"], e["what"]) for e in entries}
    assert ("sj-01", "case-as-of") in kinds
    assert ("sj-01", "audit-package") in kinds
    assert all(e["source"] for e in entries)
    by_reviewer = _get(api, "/api/v1/audit/access-log", target=case_id, user="gy-fr-01").json()["items"]
    assert next((e["what"], e["admdvs"], e["roles"]) for e in by_reviewer) == ("case", "520100", ["first_reviewer"])
    for who in (FIRST, ("gy-aud-01", "auditor")):
        refused = _get(api, "/api/v1/audit/access-log", who=who)
        assert refused.status_code == 403
        assert refused.json()["code"] == "OVERSIGHT_ONLY"
    with psycopg.connect(platform.pg_dsn) as conn, pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        conn.execute("UPDATE audit.access_log SET user_id = 'someone-else'")
    verified = ybj(platform, "audit", "verify", "--service", "supervision")
    assert verified.returncode == 0, verified.stdout
    assert "access log:" in verified.stdout


def test_oversight_reads_its_division_and_acts_on_nothing(
    api: Api, walked: tuple[str, dict[int, dict[str, Any]]]
) -> None:
    case_id, views = walked
    assert _get(api, f"/api/v1/cases/{case_id}").status_code == 200
    assert _get(api, f"/api/v1/cases/{case_id}", who=ELSEWHERE).status_code == 403
    created = api.create("P072", {"admdvs": "520102"}, OVERSIGHT)
    assert created.status_code == 403
    assert created.json()["code"] == "READ_ONLY_ROLE"
    assert "oversight" in created.json()["message_en"]
    acted = api.act({"case_id": case_id, "version": len(views)}, OVERSIGHT, "approve")
    assert acted.status_code == 403
    assert acted.json()["message_zh"].startswith("审计监督")
