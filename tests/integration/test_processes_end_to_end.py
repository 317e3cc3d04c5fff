"""One process per domain, end to end on real Kafka and PostgreSQL:
HTTP command → event store → relay → Kafka → projector → read model → query API.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest

from tests.integration.conftest import Api, valid_certno
from tests.integration.enrollment_steps import new_resident
from tests.integration.kafka_reader import published
from ybj_dev.platform import Platform

pytestmark = pytest.mark.integration

REG, REG2 = ("gy-reg-01", "registrar"), ("gy-reg-02", "registrar")
FIRST, SECOND = ("gy-fr-01", "first_reviewer"), ("gy-sr-01", "second_reviewer")
AUDITOR, FINANCE = ("gy-aud-01", "auditor"), ("gy-fin-01", "finance")
HOSPITAL, SYSTEM, PANEL = ("H52010000001", "institution"), ("ybj-system", "system"), ("gy-panel-01", "panel")


def _topic(platform: Platform, service: str) -> str:
    return f"{platform.topic_prefix}.{service}.events"


def _last_month() -> str:
    today = date.today()
    return f"{today.year - 1}12" if today.month == 1 else f"{today.year}{today.month - 1:02d}"


def _person(first17: str, gend: str) -> dict[str, Any]:
    return {
        "certno": valid_certno(first17),
        "psn_name": "王芳",
        "naty": "01",
        "gend": gend,
        "brdy": f"{first17[6:10]}-{first17[10:12]}-{first17[12:14]}",
        "begndate": "2026-01-01",
        "fst_insu_ym": "202601",
        "psn_type": "11",
        "clct_grade": "1",
        "clct_way": "1",
        "max_acct_prd": "202612",
    }


UNIT = {"emp_no": "52011500001", "emp_name": "观山湖区金华园社区", "admdvs": "520115"}


def test_health_and_process_definitions(api: Api) -> None:
    health = api.client.get("/healthz")
    assert health.status_code == 200, health.text
    assert set(health.json()["checks"]) == {
        "postgresql",
        "kafka",
        "enrollment",
        "treatment",
        "settlement",
        "supervision",
        "gateway",
    }
    processes = {p["id"]: p for p in api.client.get("/api/v1/processes").json()}
    assert {"P019", "P044", "P072", "P079", "P092"} <= set(processes)
    p079 = processes["P079"]
    assert (p079["slug"], p079["service"]) == ("institution_monthly_settlement", "settlement")
    assert [s["key"] for s in p079["stages"]][:3] == ["declare", "receive", "violation_deduction"]
    assert "declared_amount" in p079["input_schema"]["properties"]
    approve = next(a for a in p079["actions"] if a["name"] == "approve" and a["from_stage"] == "first_review")
    assert approve["roles"] == ["first_reviewer"]


def test_p019_resident_enrollment(api: Api, platform: Platform) -> None:
    created = api.create("P019", UNIT, REG)
    assert created.status_code == 201, created.text
    case = created.json()
    assert (case["stage"], case["version"]) == ("register", 1)
    assert len(case["acceptance_no"]) == 24
    person = _person("52011519850312024", "2")  # not a person the demo data (test_demo_data) enrols
    done = api.step(case, REG, "register", person)
    assert done["stage"] == "completed"

    view = api.wait_visible(case["case_id"], 2)
    assert (view["stage"], view["status"], view["process_id"]) == ("completed", "已办结", "P019")
    assert view["data"]["certno"] == person["certno"]
    assert view["data"]["insutype"] == "390"  # 参保险种系统默认
    events = published(platform.kafka_bootstrap, _topic(platform, "enrollment"), case["case_id"])
    assert [e["eventname"] for e in events] == ["ResidenceUnitSelected", "Registered"]
    assert len({e["_partition"] for e in events}) == 1  # keyed by case id

    # The same person in the same period is refused, naming the field.
    again = api.create("P019", UNIT, REG2).json()
    duplicate = api.act(again, REG2, "register", person)
    assert duplicate.status_code == 422
    assert (duplicate.json()["code"], duplicate.json()["field"]) == ("DUPLICATE", "certno")
    # Once the first enrollment is cancelled, the person can be enrolled.
    api.step(done, REG, "cancel", comment="重复登记，撤消")
    assert api.step(again, REG2, "register", person)["stage"] == "completed"
    assert api.wait_visible(case["case_id"], 3)["status"] == "已撤消"


@pytest.mark.parametrize(
    ("certno", "reason"),
    [
        (valid_certno("52011519850312002")[:17] + "0", "check digit"),
        (valid_certno("52011519850230002"), "birth date"),
    ],
    ids=["check-digit", "impossible-date"],
)
def test_bad_certno_is_422_naming_the_field(api: Api, certno: str, reason: str) -> None:
    if certno.endswith("0") and valid_certno(certno[:17]).endswith("0"):
        certno = certno[:17] + "1"
    case = api.create("P019", UNIT, REG).json()
    response = api.act(case, REG, "register", {**_person("52011519850312002", "2"), "certno": certno})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "certno"
    assert reason in body["message_en"]
    assert body["message_zh"]


def test_p044_remote_care_filing(api: Api) -> None:
    certno, _ = new_resident(api, "赵秀兰")  # treatment files only for someone insured, as enrollment's events say
    filing = {
        "certno": certno,
        "psn_name": "赵秀兰",
        "admdvs": "520115",
        "resettle_admdvs": "440300",
        "begndate": "2026-12-01",
    }
    case = api.create("P044", filing, REG).json()
    assert case["stage"] == "review"
    case = api.step(case, FIRST, "approve", comment="材料齐全")
    assert case["stage"] == "completed"
    case = api.step(case, REG, "amend", {"resettle_admdvs": "330100"}, "安置地变更")
    case = api.step(case, REG, "revoke", comment="本人申请取消备案")
    view = api.wait_visible(case["case_id"], case["version"])
    assert (view["stage"], view["status"], view["data"]["resettle_admdvs"]) == ("revoked", "已取消备案", "330100")
    assert [h["event"] for h in api.history(case["case_id"])] == [
        "Registered",
        "ReviewApproved",
        "FilingAmended",
        "FilingRevoked",
    ]


def test_p079_monthly_settlement_to_write_back(api: Api, platform: Platform) -> None:
    declaration = {
        "fixmedins_code": "H52010000001",
        "fixmedins_name": "贵阳市第一人民医院",
        "admdvs": "520102",
        "setl_ym": _last_month(),
        "setl_cnt": 1832,
        "declared_amount": "1268450.36",
    }
    case = api.create("P079", declaration, HOSPITAL).json()
    deductions = {
        "deductions": [
            {"kind": "ordinary", "amount": "3250.00", "reason": "超限价收费"},
            {"kind": "penalty", "amount": "6500.00", "reason": "分解住院二倍处罚"},
        ]
    }
    steps: list[tuple[tuple[str, str], str, dict[str, Any]]] = [
        (REG, "receive", {}),
        (AUDITOR, "violation_deduction", deductions),
        (REG, "generate", {}),
        (FIRST, "approve", {}),
        (SECOND, "approve", {}),
        (REG2, "print_slips", {}),
        (REG2, "merge_and_print", {"merge_no": "HD202611001"}),
        (REG2, "push_to_fes", {"fes_serial_no": "FES1"}),
        (FINANCE, "disburse", {"disbursed_amount": "1258700.36", "bank_voucher_no": "BK1"}),
        (SYSTEM, "write_back", {"finance_flag": "1"}),
    ]
    for who, action, data in steps:
        case = api.step(case, who, action, data)
    assert (case["stage"], case["version"]) == ("completed", 11)

    view = api.wait_visible(case["case_id"], 11)
    assert (view["data"]["declared_amount"], view["data"]["deduction_total"], view["data"]["payable_amount"]) == (
        "1268450.36",
        "9750.00",
        "1258700.36",
    )
    history = api.history(case["case_id"])
    assert [h["event"] for h in history] == [
        "SettlementDeclared",
        "DeclarationReceived",
        "ViolationDeductionApplied",
        "SettlementGenerated",
        "FirstReviewApproved",
        "SecondReviewApproved",
        "DisbursementSlipsPrinted",
        "SummaryMerged",
        "DisbursementPushedToFes",
        "Disbursed",
        "DisbursementWrittenBack",
    ]
    assert [h["actor"] for h in history][:2] == ["H52010000001", "gy-reg-01"]
    events = published(platform.kafka_bootstrap, _topic(platform, "settlement"), case["case_id"])
    assert [e["caseversion"] for e in events] == list(range(1, 12))

    # 反向逐级回退: write-back, then disbursement, one stage at a time; the amounts stay consistent.
    case = api.step(case, SYSTEM, "step_back", comment="回写有误")
    case = api.step(case, FINANCE, "step_back", comment="撤回拨付")
    view = api.wait_visible(case["case_id"], case["version"])
    assert view["stage"] == "disburse"
    assert "disbursed_amount" not in view["data"]
    assert view["data"]["payable_amount"] == "1258700.36"
    last = api.history(case["case_id"])[-1]
    assert (last["event"], last["stage_from"], last["stage_to"], last["comment"]) == (
        "SteppedBack",
        "write_back",
        "disburse",
        "撤回拨付",
    )
    case = api.step(case, REG2, "cancel", comment="机构撤回申报")
    assert api.wait_visible(case["case_id"], case["version"])["status"] == "已撤消"


def test_p072_intelligent_monitoring_with_appeal(api: Api) -> None:
    suspicion = {
        "task_type": "事后审核",
        "task_name": "门诊智能审核",
        "mdtrt_id": "MD20261001001",
        "fixmedins_code": "H52010000001",
        "rule_code": "R-重复收费",
        "admdvs": "520102",
        "suspect_amount": "1840.00",
    }
    case = api.create("P072", suspicion, SYSTEM).json()
    monitoring: list[tuple[tuple[str, str], str, dict[str, Any]]] = [
        (FIRST, "approve", {"is_violation": True, "vola_amt": "1840.00"}),
        (HOSPITAL, "appeal", {"appeal_reason": "系不同日期两次检查，非重复收费"}),
        (SECOND, "approve", {"is_violation": True, "vola_amt": "600.00"}),
        (PANEL, "approve", {"is_violation": True, "vola_amt": "600.00", "fund_type": "310100", "deduct_ym": "202611"}),
        (SYSTEM, "compensation", {}),
        (AUDITOR, "close", {}),
    ]
    for who, action, data in monitoring:
        case = api.step(case, who, action, data)
    view = api.wait_visible(case["case_id"], case["version"])
    assert (view["stage"], view["data"]["compensation_amount"]) == ("completed", "1240.00")
    assert [h["stage_to"] for h in api.history(case["case_id"])] == [
        "first_review",
        "appeal",
        "second_review",
        "collegial_review",
        "compensation",
        "close",
        "completed",
    ]


def test_stale_version_is_409_and_own_approval_is_403(api: Api) -> None:
    certno, _ = new_resident(api, "孙建国")
    filing = {
        "certno": certno,
        "psn_name": "孙建国",
        "admdvs": "520115",
        "resettle_admdvs": "440300",
        "begndate": "2026-12-01",
    }
    both = ("gy-multi-01", "registrar")
    case = api.create("P044", filing, both).json()
    stale = api.act(case, FIRST, "approve", version=case["version"] + 1)
    assert (stale.status_code, stale.json()["code"]) == (409, "STALE_VERSION")
    # The registrar who created the case also holds the reviewer role, and still may not approve it.
    creator_as_reviewer = ("gy-multi-01", "first_reviewer")
    own = api.act(case, creator_as_reviewer, "approve")
    assert (own.status_code, own.json()["code"]) == (403, "SEPARATION_OF_DUTIES")
    other_division = api.act(case, ("zy-fr-01", "first_reviewer", "520300"), "approve")
    assert (other_division.status_code, other_division.json()["code"]) == (403, "OUT_OF_ADMDVS")
    wrong_role = api.act(case, AUDITOR, "approve")
    assert (wrong_role.status_code, wrong_role.json()["code"]) == (403, "WRONG_ROLE")
    not_here = api.act(case, FIRST, "print_slips")
    assert (not_here.status_code, not_here.json()["code"]) == (409, "ACTION_NOT_ALLOWED")
    no_token = api.client.post(
        f"/api/v1/cases/{case['case_id']}/actions", json={"action": "approve", "expected_version": 1}
    )
    assert no_token.status_code == 401


def test_step_back_and_cancel_in_state_and_history(api: Api) -> None:
    suspicion = {
        "task_type": "事后审核",
        "task_name": "回退测试",
        "mdtrt_id": "MD-SB-1",
        "fixmedins_code": "H52010000001",
        "rule_code": "R1",
        "admdvs": "520102",
        "suspect_amount": "100.00",
    }
    case = api.create("P072", suspicion, SYSTEM).json()
    case = api.step(case, FIRST, "approve", {"is_violation": False})
    case = api.step(case, SECOND, "skip")
    missing_reason = api.act(case, SECOND, "step_back")
    assert (missing_reason.status_code, missing_reason.json()["field"]) == (422, "comment")
    case = api.step(case, SECOND, "step_back", comment="等待机构申诉")
    case = api.step(case, FIRST, "step_back", comment="初审重新认定")
    view = api.wait_visible(case["case_id"], case["version"])
    assert view["stage"] == "first_review"
    assert "is_violation" not in view["data"]
    case = api.step(case, SYSTEM, "cancel", comment="疑点规则误报")
    assert api.wait_visible(case["case_id"], case["version"])["status"] == "已撤消"
    history = api.history(case["case_id"])
    assert [(h["event"], h["stage_to"]) for h in history] == [
        ("Registered", "first_review"),
        ("FirstReviewCompleted", "appeal"),
        ("AppealSkipped", "second_review"),
        ("SteppedBack", "appeal"),
        ("SteppedBack", "first_review"),
        ("Cancelled", "cancelled"),
    ]
    assert [h["version"] for h in history] == [1, 2, 3, 4, 5, 6]
    assert history[-1]["comment"] == "疑点规则误报"
    after = api.act(case, FIRST, "approve", {"is_violation": False})
    assert after.status_code == 409


def test_retried_create_with_the_same_key_is_the_same_case(api: Api) -> None:
    key = f"retry-{time.time_ns()}"
    first = api.create("P019", UNIT, REG, key=key)
    again = api.create("P019", UNIT, REG, key=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    view = api.wait_visible(first.json()["case_id"], 1)
    assert view["acceptance_no"] == first.json()["acceptance_no"]


def test_progress_by_acceptance_number_and_work_queue(api: Api) -> None:
    case = api.create("P019", {**UNIT, "admdvs": "520103"}, REG).json()
    api.wait_visible(case["case_id"], 1)
    progress = api.client.get(f"/api/v1/progress/{case['acceptance_no']}")
    assert progress.status_code == 200
    assert (progress.json()["stage"], progress.json()["status"]) == ("register", "办理中")
    assert "data" not in progress.json()  # no personal data without a login
    assert api.client.get("/api/v1/progress/000000").status_code == 404

    queue = api.client.get(
        "/api/v1/cases", params={"process": "P019", "stage": "register", "admdvs": "520103"}, headers=api.headers(REG)
    ).json()
    assert case["case_id"] in [c["case_id"] for c in queue["items"]]
    assert all(c["admdvs"].startswith("520103") for c in queue["items"])
    elsewhere = api.client.get(
        "/api/v1/cases", params={"process": "P019"}, headers=api.headers(("zy-reg", "registrar", "520300"))
    ).json()
    assert case["case_id"] not in [c["case_id"] for c in elsewhere["items"]]
    hidden = api.client.get(f"/api/v1/cases/{case['case_id']}", headers=api.headers(("zy-reg", "registrar", "520300")))
    assert hidden.status_code == 403
