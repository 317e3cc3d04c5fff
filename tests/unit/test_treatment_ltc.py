"""长护险 in events: S078 失能评定 (失能申请 by a channel or at the counter → 评定 by an assessor → 结论 by an approver)
and the `ltc_eligibility` entry it keeps; the example 失能等级 table, 照护计划 and 照护机构 directory it decides by,
checked as they load; the directory as treatment serves it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.unit.gwt import Scenario, application, given, staff
from tests.unit.registry_gwt import given as given_entry
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.process import COMPLETED, REJECTED
from ybj_kernel.entrypoints.http_common import current_actor, install_error_handlers
from ybj_treatment.application import TreatmentApplication
from ybj_treatment.ltc_http import ltc_router
from ybj_treatment.policy.cost_share import PolicyFileError
from ybj_treatment.policy.ltc import INSTITUTIONS, POLICY, add_months, parse_institutions, parse_policy
from ybj_treatment.processes.s078_disability_assessment import EXAMPLE_APPLICATION, EXAMPLE_ASSESSMENT
from ybj_treatment.registries.ltc import LTC_ELIGIBILITY

CHEN_JING, WANG_FANG, NOBODY = "520102199003070022", "52011519850312002X", "520102197001010035"
CHANNEL = Actor("channel:ch_app", ("channel",), "520100")
REG = staff("reg-1", "registrar")
ASSESSOR, APPROVER = staff("pg-1", "auditor"), staff("sp-1", "approver")
TODAY = "2026-12-05"


def applied(**changes: Any) -> Scenario:
    """A 失能申请 for 陈静 taken at the counter (the example's data, with some values changed; None: left out)."""
    data = {k: v for k, v in {**EXAMPLE_APPLICATION, **changes}.items() if v is not None}
    scenario = given("S078")
    scenario.when(REG, "create", data).then(events=["DisabilityAssessmentApplied"], stage="assess")
    return scenario


def assessed(score: int, **changes: Any) -> Scenario:
    """The application above, assessed with this Barthel score."""
    scenario = applied(**changes)
    scenario.when(ASSESSOR, "assess", {**EXAMPLE_ASSESSMENT, "adl_score": score}).then(
        events=["DisabilityAssessed"], stage="conclude"
    )
    return scenario


def entry(scenario: Scenario) -> dict[str, Any] | None:
    """The person's 长护险待遇资格 as it stands (None: none in effect)."""
    return scenario.app.look("ltc_eligibility", str(scenario.data()["psn_no"]))


# ---- the example tables -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "level", "eligible"),
    [(100, "基本正常", False), (61, "轻度失能", False), (41, "中度失能", False), (40, "重度失能一级", True),
     (21, "重度失能一级", True), (20, "重度失能二级", True), (10, "重度失能三级", True), (0, "重度失能三级", True)],
)  # fmt: skip
def test_each_barthel_score_falls_in_exactly_one_level(score: int, level: str, eligible: bool) -> None:
    band = POLICY.level_for(score)
    assert (band.name_zh, band.eligible) == (level, eligible)
    assert (POLICY.plan_for(band.level) is not None) == eligible


def test_the_tables_say_they_are_examples_and_plans_grow_with_the_level() -> None:
    assert POLICY.example
    assert INSTITUTIONS.example
    assert "示例" in POLICY.note_zh
    assert "示例" in INSTITUTIONS.note_zh
    hours = [POLICY.plan_for(level).hours_per_month for level in ("3", "4", "5")]  # type: ignore[union-attr]
    assert hours == sorted(hours)
    assert len(set(hours)) == 3


def test_validity_counts_calendar_months_and_ends_the_day_before() -> None:
    assert POLICY.valid_until(date(2026, 12, 5)) == date(2028, 12, 4)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


POLICY_FILE = """
example: true
note_zh: 示例
note_en: example
insutypes: ["310"]
validity_months: 12
levels:
  - {level: "0", name_zh: 基本正常, min_score: 61, max_score: 100, eligible: false}
  - {level: "3", name_zh: 重度失能一级, min_score: 0, max_score: 60, eligible: true}
care_plans:
  - {level: "3", plan_code: P3, hours_per_month: 30, items: [{code: SH01, name_zh: 清洁照料, times_per_month: 8}]}
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("min_score: 61", "min_score: 55"), "level 0 (55-100): overlaps"),
        (("min_score: 61", "min_score: 70"), "level 0 (70-100): leaves 61-69 out"),
        (("max_score: 100", "max_score: 90"), "leave the scores 91-100 out"),
        (("eligible: false", "eligible: true"), "every eligible level needs exactly one care plan"),
        (("hours_per_month: 30", "hours_per_month: 0"), "care plan 1 (3): hours_per_month"),
        (("validity_months: 12", "validity_months: twelve"), "validity_months"),
    ],
)
def test_a_broken_level_table_stops_the_service_naming_the_row(change: tuple[str, str], message: str) -> None:
    parse_policy(POLICY_FILE, "ltc.yaml")  # the file as it is loads
    with pytest.raises(PolicyFileError, match=r"ltc\.yaml") as refused:
        parse_policy(POLICY_FILE.replace(*change), "ltc.yaml")
    assert message in str(refused.value)


INSTITUTION = (
    "{care_inst_code: L52010200001, care_inst_name: 示例护理院, admdvs: '520102', addr: 示例路1号, "
    "tel: '0851-80000001', care_modes: [home], status: active}"
)


def test_a_broken_directory_stops_the_service_naming_the_row() -> None:
    head = "example: true\nnote_zh: 示例\nnote_en: example\ninstitutions:\n"
    assert len(parse_institutions(head + f"  - {INSTITUTION}\n", "inst.yaml").items) == 1
    with pytest.raises(PolicyFileError, match=r"inst.yaml: institution codes listed twice: L52010200001"):
        parse_institutions(head + f"  - {INSTITUTION}\n  - {INSTITUTION}\n", "inst.yaml")
    with pytest.raises(PolicyFileError, match=r"inst.yaml, institution 1 \(H52010200001\): care_inst_code"):
        parse_institutions(head + f"  - {INSTITUTION.replace('L5201', 'H5201')}\n", "inst.yaml")


def test_treatment_serves_the_directory_narrowed_by_area_and_kind_of_care() -> None:
    api = FastAPI()
    install_error_handlers(api)
    api.include_router(ltc_router(application(TreatmentApplication)))
    api.dependency_overrides[current_actor] = lambda: CHANNEL
    client = TestClient(api)
    guiyang = client.get("/api/v1/ltc/institutions", params={"admdvs": "520100"}).json()
    assert {i["admdvs"][:4] for i in guiyang["items"]} == {"5201"}
    assert guiyang["example"] is True
    assert guiyang["total"] == len(guiyang["items"])
    home = client.get("/api/v1/ltc/institutions", params={"care_mode": "home"}).json()
    assert all("home" in i["care_modes"] and "居家上门照护" in i["care_modes_zh"] for i in home["items"])
    assert client.get("/api/v1/ltc/institutions", params={"admdvs": "52"}).status_code == 422
    assert client.get("/api/v1/ltc/policy").json()["validity_months"] == POLICY.validity_months


# ---- S078: 失能申请 → 评定 → 结论 ---------------------------------------------------------------------------------


def test_a_channels_application_lands_at_the_assessment_with_nothing_granted_yet() -> None:
    app = application(TreatmentApplication)
    ack = app.create_case("S078", dict(EXAMPLE_APPLICATION), CHANNEL, advance=True, idempotency_key="n-1")
    assert (ack.stage, ack.process_id) == ("assess", "S078")
    case = app.get_case(UUID(ack.case_id))
    assert (case.data["psn_name"], case.data["care_inst_name"]) == ("陈静", "云岩区康宁护理院（示例）")
    assert case.data["applied_on"] == TODAY
    assert app.look("ltc_eligibility", str(case.data["psn_no"])) is None


def test_the_assessment_derives_the_level_from_the_example_table_and_the_case_keeps_which() -> None:
    scenario = assessed(15)
    data = scenario.data()
    assert (data["disability_level"], data["disability_level_name"], data["level_eligible"]) == (
        "4",
        "重度失能二级",
        True,
    )
    assert data["levels_source"] == "ybj_treatment/policy/ltc_example.yaml（示例）"
    assert entry(scenario) is None  # assessed, not concluded


def test_an_approved_conclusion_grants_the_level_its_plan_and_the_chosen_institution() -> None:
    scenario = assessed(15)
    scenario.when(APPROVER, "approve", {}, comment="评定属实").then(events=["ConclusionApproved"], stage=COMPLETED)
    held = entry(scenario)
    assert held is not None
    assert {k: held[k] for k in ("disability_level_name", "adl_score", "begndate", "enddate", "status")} == {
        "disability_level_name": "重度失能二级",
        "adl_score": 15,
        "begndate": TODAY,
        "enddate": "2028-12-04",
        "status": "active",
    }
    assert (held["care_plan"]["plan_code"], held["care_plan"]["hours_per_month"]) == ("LTC-P4", 38)
    assert held["care_institution"] == {"care_inst_code": "L52010200001", "care_inst_name": "云岩区康宁护理院（示例）"}
    assert held["subscription"] == {
        "plan_code": "LTC-P4",
        "care_inst_code": "L52010200001",
        "ordered_on": TODAY,
        "status": "subscribed",
    }


def test_the_approver_may_confirm_another_institution_and_the_subscription_follows() -> None:
    scenario = assessed(30)
    scenario.when(APPROVER, "approve", {"care_inst_code": "L52010300001"}).then(
        events=["ConclusionApproved"], stage=COMPLETED
    )
    held = entry(scenario)
    assert held is not None
    assert held["care_institution"]["care_inst_name"] == "南明区颐和居家护理服务中心（示例）"
    assert (held["subscription"]["care_inst_code"], held["subscription"]["plan_code"]) == ("L52010300001", "LTC-P3")


def test_without_an_institution_the_plan_is_granted_and_nothing_is_subscribed() -> None:
    scenario = assessed(5, care_inst_code=None)
    scenario.when(APPROVER, "approve").then(events=["ConclusionApproved"], stage=COMPLETED)
    held = entry(scenario)
    assert held is not None
    assert held["care_plan"]["plan_code"] == "LTC-P5"
    assert "care_institution" not in held
    assert "subscription" not in held


def test_a_level_that_does_not_qualify_cannot_be_approved_and_is_concluded_by_a_rejection() -> None:
    scenario = assessed(70)
    scenario.when(APPROVER, "approve").then_refused("LTC_LEVEL_NOT_ELIGIBLE", "disability_level")
    scenario.when(APPROVER, "reject", comment="评定为轻度失能，未达到重度失能标准").then(
        events=["ConclusionRejected"], stage=REJECTED
    )
    assert entry(scenario) is None


def test_stepping_the_approval_back_reverts_the_grant_and_the_history_keeps_both() -> None:
    scenario = assessed(15)
    scenario.when(APPROVER, "approve").then(events=["ConclusionApproved"], stage=COMPLETED)
    scenario.when(APPROVER, "step_back", comment="评分录入有误").then(events=["SteppedBack"], stage="conclude")
    assert entry(scenario) is None
    events = scenario.app.get_entry("ltc_eligibility", str(scenario.data()["psn_no"])).version
    assert events == 2  # granted, then reverted: both stand in the entry's history


def test_a_reassessment_replaces_the_conclusion_and_the_first_can_no_longer_be_stepped_back() -> None:
    first = assessed(30)
    first.when(APPROVER, "approve").then(events=["ConclusionApproved"], stage=COMPLETED)
    again = Scenario(first.app, first.process)
    again.when(REG, "create", dict(EXAMPLE_APPLICATION)).then(events=["DisabilityAssessmentApplied"], stage="assess")
    again.when(ASSESSOR, "assess", {**EXAMPLE_ASSESSMENT, "adl_score": 8}).then(
        events=["DisabilityAssessed"], stage="conclude"
    )
    again.when(APPROVER, "approve").then(events=["ConclusionApproved"], stage=COMPLETED)
    held = entry(first)
    assert held is not None
    assert held["disability_level_name"] == "重度失能三级"
    first.when(APPROVER, "step_back", comment="复核").then_refused("CHANGED_SINCE")


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"certno": WANG_FANG, "psn_name": "王芳"}, "NOT_INSURED", "certno"),  # 城乡居民: the example covers 职工 only
        ({"certno": NOBODY, "psn_name": "张三"}, "NOT_INSURED", "certno"),
        ({"psn_name": "陈晶"}, "NAME_MISMATCH", "psn_name"),
        ({"care_inst_code": "L52019900001"}, "LTC_INSTITUTION_UNKNOWN", "care_inst_code"),
        ({"care_inst_code": "L52010200002"}, "LTC_INSTITUTION_SUSPENDED", "care_inst_code"),
        ({"care_inst_code": "L52011500001"}, "LTC_INSTITUTION_MODE", "care_inst_code"),  # 机构住养 only
        ({"agent_rlts": None}, "INVALID_FIELD", None),
        ({"care_mode": "hospital"}, "INVALID_FIELD", "care_mode"),
        ({"applied_on": "2026-12-06"}, "INVALID_FIELD", None),
    ],
)
def test_an_application_the_counter_would_refuse_is_refused_naming_the_field(
    changes: dict[str, Any], code: str, field: str | None
) -> None:
    data = {k: v for k, v in {**EXAMPLE_APPLICATION, **changes}.items() if v is not None}
    given("S078").when(REG, "create", data).then_refused(code, field)


def test_an_assessment_dated_before_the_application_is_refused() -> None:
    scenario = applied(applied_on="2026-12-04")
    scenario.when(ASSESSOR, "assess", {**EXAMPLE_ASSESSMENT, "assessed_on": "2026-12-03"}).then_refused(
        "ASSESSED_BEFORE_APPLIED", "assessed_on"
    )
    scenario.when(ASSESSOR, "assess", {**EXAMPLE_ASSESSMENT, "adl_score": 101}).then_refused(
        "INVALID_FIELD", "adl_score"
    )


def test_only_the_assessor_assesses_and_only_the_approver_concludes() -> None:
    scenario = applied()
    channel = Actor("channel:ch_app", ("channel",), "520000")
    scenario.when(channel, "assess", dict(EXAMPLE_ASSESSMENT)).then_refused("WRONG_ROLE")
    scenario.when(ASSESSOR, "assess", dict(EXAMPLE_ASSESSMENT)).then(events=["DisabilityAssessed"], stage="conclude")
    scenario.when(ASSESSOR, "approve").then_refused("WRONG_ROLE")


# ---- the registry's operation, on its own ------------------------------------------------------------------------

GRANT: dict[str, Any] = {
    "psn_no": "5254229680329901",
    "certno": CHEN_JING,
    "psn_name": "陈静",
    "disability_level": "3",
    "disability_level_name": "重度失能一级",
    "adl_score": 30,
    "assessed_on": TODAY,
    "assessor_name": "李评定",
    "begndate": TODAY,
    "enddate": "2028-12-04",
    "care_mode": "home",
    "care_plan": POLICY.plan_for("3").model_dump(mode="json"),  # type: ignore[union-attr]
    "levels_source": "ltc_example.yaml",
    "process_id": "S078",
}


def test_the_grant_refuses_a_period_that_ends_before_it_begins_or_a_plan_of_another_level() -> None:
    fresh = given_entry(LTC_ELIGIBILITY, "5254229680329901")
    fresh.when("grant", {**GRANT, "enddate": "2026-12-04"}).then_refused("END_BEFORE_BEGIN", "begndate")
    fresh.when("grant", {**GRANT, "disability_level": "5"}).then_refused("PLAN_LEVEL_MISMATCH", "disability_level")
    fresh.when("grant", GRANT).then(["LtcEligibilityGranted"])
    fresh.when_reverted("case-3").then(["ChangeReverted"])
