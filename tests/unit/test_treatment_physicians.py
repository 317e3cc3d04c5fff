"""The physicians area as a clerk meets it: who may enter the 特药 / 特门 pools (「二级及以上定点医疗机构」, 「主任或副主任
医师」), the expert pools' two-level 入库 and one-level 退出, and the 「五定」 of a 特殊药品用药资格 (P060)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from tests.unit.gwt import TODAY as APP_DATE
from tests.unit.gwt import Scenario, application, given, staff, walker
from tests.unit.registry_gwt import EntryScenario
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.identity import certno_check_digit, uscc_check_char
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.domain.rules import run
from ybj_kernel.errors import NotFound
from ybj_treatment.application import TreatmentApplication
from ybj_treatment.registries.physicians import (
    CERTIFICATION_EXPERT,
    EXAMPLE_DRUG,
    EXAMPLE_HOSPITAL,
    EXPERTS,
    INSURANCE_PHYSICIAN,
    ONSITE_REVIEW_EXPERT,
    PHYSICIANS,
    SPECIAL_DRUG_PHYSICIAN,
    SPECIAL_DRUG_PHYSICIAN_2,
    SPECIAL_OUTPATIENT_PHYSICIAN,
)
from ybj_treatment.registries.special_drug_eligibility import SPECIAL_DRUG_ELIGIBILITY
from ybj_treatment.rules.physicians import DESIGNATED_PHYSICIAN, FIVE_FIXES

TODAY = "2026-12-05"
WANG_FANG = "52011519850312002X"  # 城乡居民 (P019's example resident)
CLERK, INSTITUTION = staff("clerk-7", "registrar"), staff("hospital-7", "institution")
FIRST, SECOND = staff("first-7", "first_reviewer"), staff("second-7", "second_reviewer")
LEVEL_1 = "H52010200091"  # a 一级 hospital these tests admit (example)
LEVEL_2 = "H52010200092"  # a 二级 hospital these tests admit (example)
NOT_REGISTERED = "H52010299999"


def _certno(first17: str) -> str:
    return first17 + certno_check_digit(first17)


def admit_hospital(app: CaseApplication, code: str, hosp_lv: str, name: str, serial: int) -> None:
    """Another hospital admitted by P065: its example with another code, name, credit code and 医院等级."""
    from ybj_treatment.processes.p065_new_designated_medical_institution import EXAMPLES

    uscc17 = f"125201004295{serial:05d}"
    data = {
        "apply": {
            **EXAMPLES["apply"],
            "fixmedins_name": name,
            "acct_name": name,
            "hosp_lv": hosp_lv,
            "uscc": uscc17 + uscc_check_char(uscc17),
        },
        "register": {"fixmedins_code": code},
        "register_provincial": {**EXAMPLES["register_provincial"], "fixmedins_code": code, "fixmedins_name": name},
    }
    s = Scenario(app, app.definition("P065"), "single")
    for i, stage in enumerate(s.process.path("single")):
        action = "create" if i == 0 else stage.action
        after = s.process.next_stage(stage.key, "single")
        s.when(walker(stage.roles[0], i), action, data.get(stage.key, {})).then(events=[stage.event], stage=after)


def absent(app: CaseApplication, registry: str, key: str) -> bool:
    """No entry of `registry` under `key` was ever opened."""
    with pytest.raises(NotFound) as raised:
        app.get_entry(registry, key)
    return raised.value.code == "ENTRY_NOT_FOUND"


def physician(app: CaseApplication, certno: str) -> dict[str, Any]:
    state: dict[str, Any] = app.get_entry("physician", certno).state
    return state


DEFINITIONS = TreatmentApplication.default_definitions()


def declaration(process: str, **changes: Any) -> dict[str, Any]:
    """The P090 / P091 example declaration with some facts changed."""
    return {**dict(DEFINITIONS[process].opening("declare").example), **changes}


# ---- R27: 二级及以上定点医疗机构, 主任或副主任医师 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hosp_lv", "title", "allowed", "codes"),
    [
        ("01", "主任医师", True, []),
        ("02", "副主任医师", True, []),
        ("03", "主任医师", False, [("HOSPITAL_LEVEL_TOO_LOW", "fixmedins_code")]),
        ("09", "副主任医师", False, [("HOSPITAL_LEVEL_TOO_LOW", "fixmedins_code")]),
        ("01", "主治医师", False, [("TITLE_NOT_ELIGIBLE", "pro_tech_duty")]),
        ("03", "医师", False, [("HOSPITAL_LEVEL_TOO_LOW", "fixmedins_code"), ("TITLE_NOT_ELIGIBLE", "pro_tech_duty")]),
    ],
)
def test_designated_physician_rule(hosp_lv: str, title: str, allowed: bool, codes: list[tuple[str, str]]) -> None:
    out = run(
        DESIGNATED_PHYSICIAN, {"fixmedins_code": EXAMPLE_HOSPITAL, "hosp_lv": hosp_lv, "pro_tech_duty": title}, APP_DATE
    )
    assert out["allowed"] is allowed
    assert [(r["code"], r["field"]) for r in out["reasons"]] == codes


def test_a_pharmacy_is_no_place_for_a_designated_physician() -> None:
    raw = {"fixmedins_code": EXAMPLE_HOSPITAL, "fixmedins_type": "2", "hosp_lv": "01", "pro_tech_duty": "主任医师"}
    out = run(DESIGNATED_PHYSICIAN, raw, APP_DATE)
    assert (out["allowed"], out["hospital_eligible"], out["title_eligible"]) == (False, False, True)


# ---- R28: 五定 -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"special_drug_from": None}, "HOSPITAL_NOT_DESIGNATED", "fixmedins_code"),
        ({"special_drug_from": "2026-12-06"}, "HOSPITAL_NOT_DESIGNATED", "fixmedins_code"),
        ({"pool_status": None, "pro_tech_duty": None, "pool_drugs": []}, "PHYSICIAN_NOT_IN_POOL", "bilg_dr_certno"),
        ({"pool_status": "removed"}, "PHYSICIAN_NOT_IN_POOL", "bilg_dr_certno"),
        ({"pro_tech_duty": "主治医师"}, "TITLE_NOT_ELIGIBLE", "bilg_dr_certno"),
        ({"pool_fixmedins_code": "H52010300001"}, "PHYSICIAN_AT_ANOTHER_HOSPITAL", "bilg_dr_certno"),
        ({"hilist_code": "XL01XC021B001010100001"}, "DRUG_NOT_DESIGNATED", "hilist_code"),
    ],
)
def test_five_fixes_rule_refuses_naming_the_field(changes: dict[str, Any], code: str, field: str) -> None:
    out = run(FIVE_FIXES, {**FIVE_FIXES.example, **changes}, APP_DATE)
    assert out["allowed"] is False
    assert (out["reasons"][0]["code"], out["reasons"][0]["field"]) == (code, field)


def test_five_fixes_rule_allows_its_example_and_a_hospital_designated_that_day() -> None:
    assert run(FIVE_FIXES, dict(FIVE_FIXES.example), APP_DATE)["allowed"] is True
    assert run(FIVE_FIXES, {**FIVE_FIXES.example, "special_drug_from": "2026-12-05"}, APP_DATE)["allowed"] is True


# ---- The registries' invariants --------------------------------------------------------------------------------------

CERTIFIED_LI = {
    "pool": "special_drug",
    "certno": SPECIAL_DRUG_PHYSICIAN,
    "psn_name": "李明",
    "pro_tech_duty": "主任医师",
    "fixmedins_code": EXAMPLE_HOSPITAL,
    "dept": "肿瘤科",
    "drugs": [EXAMPLE_DRUG],
    "begndate": "2026-12-05",
}


def test_a_designated_physician_cannot_be_lowered_below_associate_chief() -> None:
    entry = EntryScenario(PHYSICIANS, SPECIAL_DRUG_PHYSICIAN)
    entry.when("certify", CERTIFIED_LI)
    refused = entry.when("maintain", {"pool": "special_drug", "pro_tech_duty": "主治医师"})
    assert refused.error is not None
    assert (refused.error.code, refused.error.field) == ("TITLE_NOT_ELIGIBLE", "pro_tech_duty")
    assert entry.state["pro_tech_duty"] == "主任医师"
    # Nor through another pool: a 医保医师 registration with a lower title is refused while he is a 特药 physician.
    lower = {**CERTIFIED_LI, "pool": "medical_insurance", "pro_tech_duty": "主治医师"}
    assert entry.when("certify", lower).error.code == "TITLE_NOT_ELIGIBLE"  # type: ignore[union-attr]


def test_a_physician_removed_from_a_pool_may_be_certified_again_and_a_revert_restores() -> None:
    entry = EntryScenario(PHYSICIANS, SPECIAL_DRUG_PHYSICIAN)
    entry.when("certify", CERTIFIED_LI)
    assert entry.when("certify", CERTIFIED_LI).error.code == "ALREADY_IN_POOL"  # type: ignore[union-attr]
    entry.when("remove", {"pool": "special_drug", "on": "2026-12-05", "reason": "调离"}, case="removal")
    assert entry.state["pools"]["special_drug"]["status"] == "removed"
    assert entry.when("remove", {"pool": "special_drug", "on": "2026-12-05", "reason": "x"}).error.code == "NOT_IN_POOL"  # type: ignore[union-attr]
    entry.when_reverted("removal")
    assert entry.state["pools"]["special_drug"]["status"] == "certified"


def test_an_expert_leaves_a_pool_once_and_may_be_readmitted() -> None:
    entry = EntryScenario(EXPERTS, CERTIFICATION_EXPERT)
    admitted = {
        "pool": "major_disease_certification",
        "certno": CERTIFICATION_EXPERT,
        "psn_name": "赵红",
        "fixmedins_code": EXAMPLE_HOSPITAL,
        "diseases": [{"dise_type": "恶性肿瘤", "dise_name": "乳腺癌", "trt_way": "手术治疗"}],
        "begndate": "2026-12-05",
    }
    entry.when("admit", admitted)
    leave = {"pool": "major_disease_certification", "exit_date": TODAY, "exit_rea": "调动", "hosp_insu_opinion": "同意"}
    entry.when("exit", leave)
    assert entry.state["pools"]["major_disease_certification"]["status"] == "exited"
    assert entry.when("exit", leave).error.code == "EXPERT_NOT_IN_POOL"  # type: ignore[union-attr]
    assert entry.when("admit", admitted).error is None


def test_an_eligibility_is_granted_once_per_drug() -> None:
    entry = EntryScenario(SPECIAL_DRUG_ELIGIBILITY, WANG_FANG)
    grant = {
        "certno": WANG_FANG,
        "psn_no": "52000000000001",
        "psn_name": "王芳",
        **EXAMPLE_DRUG,
        "fixmedins_code": EXAMPLE_HOSPITAL,
        "bilg_dr_certno": SPECIAL_DRUG_PHYSICIAN,
        "bilg_dr_name": "李明",
        "diag_name": "乳腺恶性肿瘤",
        "begndate": TODAY,
    }
    entry.when("grant", grant)
    again = entry.when("grant", grant)
    assert (again.error.code, again.error.field) == ("ELIGIBILITY_EXISTS", "hilist_code")  # type: ignore[union-attr]
    other = entry.when("check_held", {"hilist_code": "XL01XC021B001010100001"})
    assert (other.error.code, other.error.field) == ("ELIGIBILITY_NOT_FOUND", "hilist_code")  # type: ignore[union-attr]


# ---- P090 / P091 特药 and 特门 定岗医师库 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("process", "pool", "certno"),
    [("P090", "special_drug", SPECIAL_DRUG_PHYSICIAN), ("P091", "special_outpatient", SPECIAL_OUTPATIENT_PHYSICIAN)],
)
def test_a_declared_physician_is_certified_after_two_reviews_and_the_agency_s_certification(
    process: str, pool: str, certno: str
) -> None:
    s = given(process, variant="declare")
    s.when(INSTITUTION, "create", declaration(process)).then(events=["Declared"], stage="first_review")
    s.when(FIRST, "approve").then(events=["FirstReviewApproved"], stage="second_review")
    s.when(SECOND, "approve").then(events=["SecondReviewApproved"], stage="certify_and_notify")
    assert absent(s.app, "physician", certno)
    s.when(CLERK, "approve", {"begndate": "2026-12-05"}).then(events=["PhysicianCertified"], stage=COMPLETED)
    held = physician(s.app, certno)
    assert (held["pro_tech_duty"], held["fixmedins_name"], held["pools"][pool]["status"]) == (
        declaration(process)["pro_tech_duty"],
        "贵阳市第一人民医院",
        "certified",
    )
    assert held["pools"][pool]["fixmedins_code"] == EXAMPLE_HOSPITAL
    if pool == "special_drug":
        assert held["pools"][pool]["drugs"] == [EXAMPLE_DRUG]
    else:
        assert held["pools"][pool]["scope"] == "内科专业"
    assert s.data()["admdvs"] == "520102"  # the case belongs to the hospital's 医保区划


@pytest.mark.parametrize("process", ["P090", "P091"])
def test_a_declaration_is_refused_for_an_attending_physician_a_level_1_or_unknown_hospital(process: str) -> None:
    s = given(process, variant="declare")
    admit_hospital(s.app, LEVEL_1, "03", "贵阳市某一级医院（示例）", 91)
    admit_hospital(s.app, LEVEL_2, "02", "贵阳市某二级医院（示例）", 92)
    s.when(INSTITUTION, "create", declaration(process, pro_tech_duty="主治医师")).then_refused(
        "TITLE_NOT_ELIGIBLE", "pro_tech_duty"
    )
    s.when(INSTITUTION, "create", declaration(process, fixmedins_code=LEVEL_1)).then_refused(
        "HOSPITAL_LEVEL_TOO_LOW", "fixmedins_code"
    )
    s.when(INSTITUTION, "create", declaration(process, fixmedins_code=NOT_REGISTERED)).then_refused(
        "INSTITUTION_NOT_FOUND", "fixmedins_code"
    )
    s.when(INSTITUTION, "create", declaration(process, fixmedins_code=LEVEL_2, pro_tech_duty="副主任医师")).then(
        events=["Declared"], stage="first_review"
    )


def test_the_certification_reads_the_pool_again_and_returns_what_no_longer_fits() -> None:
    first = given("P090", at="certify_and_notify", variant="declare")
    second = Scenario(first.app, first.process, "declare").walk_to("certify_and_notify")  # the same physician, twice
    first.when(CLERK, "approve", {}).then(events=["PhysicianCertified"], stage=COMPLETED)
    second.when(CLERK, "approve", {}).then_refused("ALREADY_IN_POOL", "certno")
    second.when(CLERK, "reject").then_refused("REASON_REQUIRED", "comment")
    second.when(CLERK, "reject", comment="该医师已在库中").then(events=["DeclarationReturned"], stage="rejected")


def test_maintenance_changes_deletes_and_keeps_the_rules() -> None:
    s = given("P090", variant="maintain")
    admit_hospital(s.app, LEVEL_1, "03", "贵阳市某一级医院（示例）", 91)
    maintain = {"certno": SPECIAL_DRUG_PHYSICIAN}
    s.when(CLERK, "create", {**maintain, "maint_type": "modify", "pro_tech_duty": "主治医师"}).then_refused(
        "TITLE_NOT_ELIGIBLE", "pro_tech_duty"
    )
    s.when(CLERK, "create", {**maintain, "maint_type": "modify", "fixmedins_code": LEVEL_1}).then_refused(
        "HOSPITAL_LEVEL_TOO_LOW", "fixmedins_code"
    )
    s.when(CLERK, "create", {**maintain, "maint_type": "delete"}).then_refused("INVALID_FIELD", "maint_rea")
    s.when(CLERK, "create", {"certno": INSURANCE_PHYSICIAN, "maint_type": "modify", "dept": "x"}).then_refused(
        "NOT_IN_POOL", "certno"
    )
    assert physician(s.app, SPECIAL_DRUG_PHYSICIAN)["pro_tech_duty"] == "主任医师"
    drugs = [EXAMPLE_DRUG, {"hilist_code": "XL01XC021B001010100001", "hilist_name": "利妥昔单抗注射液"}]  # 示例
    s.when(CLERK, "create", {**maintain, "maint_type": "complete", "drugs": drugs}).then(
        events=["PoolMaintained"], stage=COMPLETED
    )
    assert physician(s.app, SPECIAL_DRUG_PHYSICIAN)["pools"]["special_drug"]["drugs"] == drugs
    deleted = Scenario(s.app, s.process, "maintain")
    deleted.when(CLERK, "create", {**maintain, "maint_type": "delete", "maint_rea": "调离本院"}).then(
        events=["PoolMaintained"], stage=COMPLETED
    )
    assert physician(s.app, SPECIAL_DRUG_PHYSICIAN)["pools"]["special_drug"]["status"] == "removed"


# ---- P089 医保医师库 -------------------------------------------------------------------------------------------------


def test_an_insurance_physician_needs_both_reviews_and_a_rejection_gives_its_reason() -> None:
    s = given("P089", at="first_review")
    s.when(FIRST, "reject").then_refused("REASON_REQUIRED", "comment")  # 「审核未通过须填写未通过原因」
    s.when(FIRST, "approve").then(events=["FirstReviewApproved"], stage="second_review")  # 「初审通过则进入复审」
    s.when(SECOND, "approve", {}).then(events=["SecondReviewApproved"], stage=COMPLETED)
    held = physician(s.app, INSURANCE_PHYSICIAN)
    assert (held["pro_tech_duty"], held["pools"]["medical_insurance"]["status"]) == ("主治医师", "certified")
    rejected = given("P089", at="second_review")
    rejected.when(SECOND, "reject", comment="执业证书编号有误").then(events=["SecondReviewRejected"], stage="rejected")
    assert absent(rejected.app, "physician", INSURANCE_PHYSICIAN)


def test_an_insurance_physician_of_an_unregistered_hospital_is_refused() -> None:
    s = given("P089")
    data = {**dict(s.process.opening().example), "fixmedins_code": NOT_REGISTERED}
    s.when(INSTITUTION, "create", data).then_refused("INSTITUTION_NOT_FOUND", "fixmedins_code")


# ---- P087 / P088 重大疾病 expert pools ---------------------------------------------------------------------------------


def test_admission_takes_two_reviews_and_exit_one() -> None:
    s = given("P087", at="admission_second_review", variant="admission")
    assert absent(s.app, "expert", CERTIFICATION_EXPERT)
    s.when(SECOND, "approve", {}).then(events=["SecondReviewApproved"], stage=COMPLETED)
    assert (
        s.app.get_entry("expert", CERTIFICATION_EXPERT).state["pools"]["major_disease_certification"]["status"]
        == "in_pool"
    )

    leaving = given("P087", variant="exit")
    leaving.when(CLERK, "create", {"certno": CERTIFICATION_EXPERT, "exit_rea": "调动"}).then_refused(
        "MISSING_FIELD", "hosp_insu_opinion"
    )  # 「退出申请书须有医院医保科意见」
    exit_data = {"certno": CERTIFICATION_EXPERT, "exit_rea": "调动", "hosp_insu_opinion": "同意"}
    leaving.when(CLERK, "create", exit_data).then(events=["ExitApplied"], stage="exit_review")
    leaving.when(FIRST, "approve").then(events=["ReviewApproved"], stage=COMPLETED)  # 「专家退出仅一级审核」
    assert leaving.history == ["ExitApplied", "ReviewApproved"]
    pool = leaving.app.get_entry("expert", CERTIFICATION_EXPERT).state["pools"]["major_disease_certification"]
    assert (pool["status"], pool["hosp_insu_opinion"]) == ("exited", "同意")
    Scenario(leaving.app, leaving.process, "exit").when(CLERK, "create", exit_data).then_refused(
        "EXPERT_NOT_IN_POOL", "certno"
    )


def test_an_expert_is_admitted_once_per_pool_and_the_two_pools_are_separate() -> None:
    s = given("P087", at=COMPLETED, variant="admission")
    again = Scenario(s.app, s.process, "admission")
    again.when(CLERK, "create", dict(s.process.opening("admission").example)).then_refused(
        "EXPERT_ALREADY_IN_POOL", "certno"
    )
    onsite = Scenario(s.app, s.app.definition("P088"), "admission")
    data = {**dict(onsite.process.opening("admission").example), "certno": CERTIFICATION_EXPERT, "psn_name": "赵红"}
    onsite.when(CLERK, "create", data).then(events=["AdmissionApplied"], stage="admission_first_review")
    onsite.when(FIRST, "approve").then(events=["FirstReviewApproved"], stage="admission_second_review")
    onsite.when(SECOND, "approve", {}).then(events=["SecondReviewApproved"], stage=COMPLETED)
    pools = s.app.get_entry("expert", CERTIFICATION_EXPERT).state["pools"]
    assert {k: v["status"] for k, v in pools.items()} == {
        "major_disease_certification": "in_pool",
        "major_disease_review": "in_pool",
    }


def test_an_update_needs_the_expert_in_the_pool_and_a_registered_hospital() -> None:
    s = given("P088", variant="update")
    s.when(CLERK, "create", {"certno": ONSITE_REVIEW_EXPERT, "fixmedins_code": NOT_REGISTERED}).then_refused(
        "INSTITUTION_NOT_FOUND", "fixmedins_code"
    )
    s.when(CLERK, "create", {"certno": CERTIFICATION_EXPERT, "tel": "13900000000"}).then_refused(
        "EXPERT_NOT_IN_POOL", "certno"
    )
    s.walk_to(COMPLETED)
    state = s.app.get_entry("expert", ONSITE_REVIEW_EXPERT).state
    assert (state["spec"], state["pools"]["major_disease_review"]["chg_date"]) == ("肾脏病与血液净化", TODAY)


# ---- P061 特药医师资格审核 -------------------------------------------------------------------------------------------


def test_a_qualification_review_certifies_into_the_special_drug_pool() -> None:
    s = given("P061", at=COMPLETED, variant="single")
    assert physician(s.app, SPECIAL_DRUG_PHYSICIAN_2)["pools"]["special_drug"]["status"] == "certified"
    again = given("P061", at="first_review", variant="single")
    again.when(FIRST, "reject", comment="上传内容不齐").then(events=["FirstReviewRejected"], stage="rejected")


def test_a_batch_of_hospital_entries_reports_the_attending_physician_and_the_others_wait_for_review() -> None:
    s = given("P061", variant="batch")
    good = dict(s.process.opening("batch").example)
    attending = {**good, "certno": _certno("52010219820202007"), "psn_name": "周斌", "pro_tech_duty": "主治医师"}
    hospital = Actor("hospital-8", ("institution",), "520000")
    rows = [(3, good), (4, attending)]
    outcome = s.app.import_batch("P061", "batch", rows, hospital, mode="valid_rows", fingerprint="p061", file_name="x")
    assert [(e["row"], e["code"], e["field"]) for e in outcome.batch.errors] == [
        (4, "TITLE_NOT_ELIGIBLE", "pro_tech_duty")
    ]
    (case_id,) = outcome.batch.case_ids
    entered = Scenario(s.app, s.process, "batch", UUID(case_id))
    assert entered.stage == "first_review"  # 审核标志「初审中」: the reviewers' to approve, not the uploader's
    entered.when(FIRST, "approve").then(events=["FirstReviewApproved"], stage="second_review")
    entered.when(SECOND, "approve", {}).then(events=["SecondReviewApproved"], stage=COMPLETED)
    assert physician(s.app, SPECIAL_DRUG_PHYSICIAN_2)["pools"]["special_drug"]["status"] == "certified"


# ---- P060 特殊药品用药资格 -------------------------------------------------------------------------------------------


def p060_data(**changes: Any) -> dict[str, Any]:
    """P060's example application (王芳, 李明 at 贵阳市第一人民医院, the example drug) with some fields changed."""
    return {**dict(DEFINITIONS["P060"].opening("apply").example), **changes}


def test_an_approved_application_grants_the_eligibility_and_a_step_back_withdraws_it() -> None:
    s = given("P060", variant="apply")
    s.when(CLERK, "create", p060_data()).then(events=["Applied"], stage="review")
    assert (s.data()["psn_name"], s.data()["bilg_dr_name"], s.data()["psn_no"]) == (
        "王芳",
        "李明",
        s.data()["insured"]["psn_no"],
    )
    s.when(FIRST, "approve", {}).then(events=["ReviewApproved"], stage=COMPLETED)
    granted = s.app.get_entry("special_drug_eligibility", WANG_FANG).state["drugs"][EXAMPLE_DRUG["hilist_code"]]
    assert (granted["status"], granted["fixmedins_code"], granted["bilg_dr_certno"], granted["begndate"]) == (
        "approved",
        EXAMPLE_HOSPITAL,
        SPECIAL_DRUG_PHYSICIAN,
        TODAY,
    )
    s.when(FIRST, "step_back", comment="审核有误").then(events=["SteppedBack"], stage="review")
    assert not s.app.get_entry("special_drug_eligibility", WANG_FANG).in_effect


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"bilg_dr_certno": INSURANCE_PHYSICIAN}, "TITLE_NOT_ELIGIBLE", "bilg_dr_certno"),  # a 主治医师 医保医师
        ({"bilg_dr_certno": SPECIAL_OUTPATIENT_PHYSICIAN}, "PHYSICIAN_NOT_IN_POOL", "bilg_dr_certno"),  # 特门, not 特药
        ({"bilg_dr_certno": _certno("52010219720707008")}, "PHYSICIAN_NOT_IN_POOL", "bilg_dr_certno"),  # in no pool
        ({"hilist_code": "XL01XC021B001010100001"}, "DRUG_NOT_DESIGNATED", "hilist_code"),
        ({"fixmedins_code": NOT_REGISTERED}, "INSTITUTION_NOT_FOUND", "fixmedins_code"),
        ({"certno": _certno("52010219950505009")}, "NOT_INSURED", "certno"),
        ({"dr_opinion": None}, "MISSING_FIELD", "dr_opinion"),  # 「申请表须有指定医师意见及医院医保部门意见」
        ({"hosp_insu_opinion": None}, "MISSING_FIELD", "hosp_insu_opinion"),
    ],
)
def test_an_application_outside_the_five_fixes_is_refused_naming_the_field(
    changes: dict[str, Any], code: str, field: str
) -> None:
    s = given("P060", variant="apply")
    for pre in ("P089", "P091"):  # 王强 (主治医师) and 张丽 (特门) in their pools
        Scenario(s.app, s.app.definition(pre), "declare" if pre == "P091" else None).walk_to(COMPLETED)
    data = {k: v for k, v in p060_data(**changes).items() if v is not None}
    s.when(CLERK, "create", data).then_refused(code, field)


def test_a_hospital_not_designated_for_special_drugs_is_refused() -> None:
    app = application(TreatmentApplication)
    for pre, variant in (("P065", "single"), ("P090", "declare")):  # admitted, and 李明 certified, but no P069
        Scenario(app, app.definition(pre), variant).walk_to(COMPLETED)
    Scenario(app, app.definition("P060"), "apply").when(CLERK, "create", p060_data()).then_refused(
        "HOSPITAL_NOT_DESIGNATED", "fixmedins_code"
    )


def test_the_review_reads_the_pool_again() -> None:
    s = given("P060", at="review", variant="apply")
    delete = {"certno": SPECIAL_DRUG_PHYSICIAN, "maint_type": "delete", "maint_rea": "调离本院"}
    Scenario(s.app, s.app.definition("P090"), "maintain").when(CLERK, "create", delete).then(
        events=["PoolMaintained"], stage=COMPLETED
    )
    s.when(FIRST, "approve", {}).then_refused("PHYSICIAN_NOT_IN_POOL", "bilg_dr_certno")
    s.when(FIRST, "reject", comment="开单医师已不在定岗医师库").then(events=["ReviewRejected"], stage="rejected")


def test_a_second_application_for_the_same_drug_is_refused_at_review() -> None:
    s = given("P060", at=COMPLETED, variant="apply")
    again = Scenario(s.app, s.process, "apply").walk_to("review")
    again.when(FIRST, "approve", {}).then_refused("ELIGIBILITY_EXISTS", "hilist_code")


def test_the_registration_query_completes_only_for_a_registered_eligibility_and_changes_nothing() -> None:
    s = given("P060", at=COMPLETED, variant="registration_query")
    entry = s.app.get_entry("special_drug_eligibility", WANG_FANG)
    assert (entry.version, s.history) == (1, ["Applied", "ReviewApproved"])
    history = given("P060", at="review", variant="history_query")  # its prerequisites granted the eligibility
    history.when(FIRST, "approve", {}).then(events=["ReviewApproved"], stage=COMPLETED)
    app = application(TreatmentApplication)
    for pre, variant in (("P065", "single"), ("P069", None), ("P090", "declare")):
        Scenario(app, app.definition(pre), variant or app.definition(pre).variant_key(None)).walk_to(COMPLETED)
    q = Scenario(app, app.definition("P060"), "registration_query").walk_to("review")
    q.when(FIRST, "approve", {}).then_refused("ELIGIBILITY_NOT_FOUND", "hilist_code")
