"""P003, P004, P005 and P020 as a clerk meets them: each lands on the employer or person record, a step back
restores it with a new event in the entry's history, and what the registries or the rules forbid is refused with
its code and field."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tests.unit.gwt import Scenario, given, staff
from ybj_enrollment.processes.p003_flexible_worker_enrollment import BATCH_EXAMPLE, SINGLE_EXAMPLE
from ybj_enrollment.processes.p004_unemployed_enrollment import NEWLY_UNEMPLOYED
from ybj_enrollment.processes.p005_employer_change import SPLIT_OFF_EMP_NO
from ybj_enrollment.registries import REGISTRIES
from ybj_enrollment.registries.codes import ACTIVE, DEREGISTERED, MERGED, NORMAL, STOPPED, SUSPENDED, psn_no_for
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.engine import Command
from ybj_kernel.domain.process import COMPLETED

CLERK, OTHER_CLERK, HR = staff("clerk-7", "registrar"), staff("clerk-8", "registrar"), staff("hr-1", "hr_bureau")
SYSTEM = staff("platform", "system")
UNIT_A = {"emp_no": "52010213594430", "emp_name": "贵阳云岩数智科技有限公司"}  # P001's example unit
EMPLOYEE = "520102199003070022"  # P002's example employee
FLEX_UNIT, JOBLESS_UNIT = "52010099000001", "52010099000002"  # the example virtual units
UNIT_JOBLESS = {"emp_no": JOBLESS_UNIT, "emp_name": "贵阳市失业金代缴医疗虚拟单位（示例）"}
RESIDENT = "52011519850312002X"  # P019's example resident


def state(app: CaseApplication, registry: str, key: str) -> dict[str, Any]:
    found: dict[str, Any] = app.get_entry(registry, key).state
    return found


def relation(app: CaseApplication, certno: str, insutype: str = "310") -> dict[str, Any]:
    found: dict[str, Any] = state(app, "person", psn_no_for(certno))["relations"][insutype]
    return found


def history(app: CaseApplication, registry: str, key: str) -> list[str]:
    entry_id = REGISTRIES[registry].entry_id(key)
    return [getattr(e, "event_name", type(e).__name__) for e in app.events.get(entry_id)]


def then_refused(s: Scenario, action: str, data: dict[str, Any], code: str, field: str) -> None:
    s.when(CLERK, action, data).then_refused(code, field)


# ---- P003 灵活就业人员参保登记 --------------------------------------------------------------------------------------


def test_a_flexible_worker_is_enrolled_under_the_virtual_unit_in_its_insurance_types_with_its_defaults() -> None:
    s = given("P003", variant="single")
    s.when(SYSTEM, "create", {"certno": SINGLE_EXAMPLE["certno"]}).then(
        events=["CertificateValidated"], stage="register"
    )
    s.when(CLERK, "register", dict(SINGLE_EXAMPLE)).then(events=["Registered"], stage=COMPLETED)

    certno = str(SINGLE_EXAMPLE["certno"])
    basic, large = relation(s.app, certno, "310"), relation(s.app, certno, "330")
    assert (basic["emp_no"], basic["status"], large["emp_no"]) == (FLEX_UNIT, ACTIVE, FLEX_UNIT)
    assert (basic["fst_insu_ym"], basic["psn_type"], basic["clct_rule"], basic["clct_way"]) == (
        "202612",
        "11",
        "1",
        "2",
    )
    assert state(s.app, "certno", certno)["target"] == psn_no_for(certno)


def test_a_person_already_enrolled_as_an_employee_is_refused_as_a_flexible_worker() -> None:
    s = given("P002", at=COMPLETED)  # 陈静, enrolled in 310 for 2026 through 城镇职工参保登记
    p003 = Scenario(s.app, s.app.definition("P003"), "single")
    p003.when(SYSTEM, "create", {"certno": EMPLOYEE}).then(events=["CertificateValidated"], stage="register")
    person = {**SINGLE_EXAMPLE, "certno": EMPLOYEE, "psn_name": "陈静", "gend": "2", "brdy": "1990-03-07"}
    p003.when(CLERK, "register", person).then_refused("DUPLICATE", "certno")
    assert relation(s.app, EMPLOYEE)["emp_no"] == UNIT_A["emp_no"]  # still the employee of unit A


def test_the_unit_must_be_a_flexible_workers_virtual_unit_and_the_person_the_one_checked() -> None:
    s = given("P003", at="register", variant="single")
    then_refused(s, "register", {**SINGLE_EXAMPLE, "emp_no": JOBLESS_UNIT}, "INVALID_FIELD", "emp_no")
    then_refused(s, "register", {**SINGLE_EXAMPLE, "insutypes": ["330"]}, "INVALID_FIELD", "insutypes")
    then_refused(s, "register", {**BATCH_EXAMPLE, "insutypes": None}, "CERTNO_NOT_VALIDATED", "certno")
    assert s.stage == "register"


def test_a_batch_of_flexible_workers_is_checked_row_by_row_and_enrolled_when_confirmed() -> None:
    s = given("P002", at=COMPLETED)
    second = {
        **BATCH_EXAMPLE,
        "certno": "520102198501010052",
        "psn_name": "周鹏",
        "brdy": "1985-01-01",
        "insutypes": "310、330",  # as a template cell holds it
    }
    employee = {**BATCH_EXAMPLE, "certno": EMPLOYEE, "psn_name": "陈静", "gend": "2", "brdy": "1990-03-07"}
    rows = [(3, dict(BATCH_EXAMPLE)), (4, second), (5, dict(BATCH_EXAMPLE)), (6, employee)]
    outcome = s.app.import_batch(
        "P003", "batch", rows, CLERK, mode="valid_rows", fingerprint="f", file_name="灵活.xlsx"
    )
    described = outcome.batch.describe("enrollment")
    assert [(e["row"], e["code"], e["field"]) for e in described["errors"]] == [
        (5, "DUPLICATE_IN_FILE", "certno"),
        (6, "DUPLICATE", "certno"),
    ]
    for case_id in described["case_ids"]:  # 确认无误后保存提交
        case = s.app.get_case(UUID(case_id))
        assert case.stage == "batch_register"
        s.app.act(case.id, OTHER_CLERK, Command("batch_register", case.version))
    assert relation(s.app, "520102198501010052", "330")["emp_no"] == FLEX_UNIT
    assert "330" not in state(s.app, "person", psn_no_for(str(BATCH_EXAMPLE["certno"])))["relations"]


# ---- P004 失业人员参保登记 ------------------------------------------------------------------------------------------


def test_offline_the_unemployed_are_enrolled_and_resumed_under_the_virtual_unit_at_its_fixed_terms() -> None:
    s = given("P004", variant="offline").walk_to(COMPLETED)
    new, resumed = relation(s.app, str(NEWLY_UNEMPLOYED["certno"])), relation(s.app, EMPLOYEE)
    assert (new["emp_no"], new["status"], new["clct_base"], new["clct_rule"]) == (JOBLESS_UNIT, ACTIVE, 300000, "2")
    assert (resumed["emp_no"], resumed["status"], resumed["clct_base"]) == (JOBLESS_UNIT, ACTIVE, 300000)
    assert (s.data()["clct_way"], s.data()["late_fee_flag"]) == ("1", False)  # 经办机构自收, 默认不征收滞纳金


def test_offline_a_suspension_stops_contributions_and_the_fixed_terms_cannot_be_changed() -> None:
    s = given("P004", variant="offline")
    bad = {**UNIT_JOBLESS, "new_enrollments": [{**NEWLY_UNEMPLOYED, "begndate": "2026-12-01", "decl_wage": "5000"}]}
    s.when(CLERK, "create", bad).then_refused("INVALID_FIELD", "new_enrollments.0")
    s.walk_to(COMPLETED)

    later = Scenario(s.app, s.process, "offline")
    later.when(CLERK, "create", {**UNIT_JOBLESS}).then(events=["Registered"], stage="suspend_contribution")
    then_refused(later, "suspend_contribution", {"persons": [{"certno": EMPLOYEE}]}, "INVALID_FIELD", "persons")
    stop = {"paus_date": "2026-12-31", "paus_rea": "重新就业", "persons": [{"certno": EMPLOYEE}]}
    later.when(CLERK, "suspend_contribution", stop).then(
        events=["ContributionSuspended"], stage="contribution_assessment"
    )
    then_refused(later, "contribution_assessment", {"begn_ym": "202612", "end_ym": "202611"}, "INVALID_FIELD", "end_ym")
    later.walk_to(COMPLETED)
    assert (relation(s.app, EMPLOYEE)["status"], relation(s.app, EMPLOYEE)["paus_rea"]) == (SUSPENDED, "重新就业")


def test_online_the_hr_declaration_is_applied_leaving_out_whom_the_clerk_excludes() -> None:
    s = given("P004", variant="online")  # 张丽 and 陈静 are under the unit (the offline example)
    declared = {
        **UNIT_JOBLESS,
        "ym": "202612",
        "changes": [
            {**NEWLY_UNEMPLOYED, "chg_type": "2", "chg_date": "2026-12-31", "chg_rea": "失业保险金领取期满"},
            {"certno": EMPLOYEE, "chg_type": "2", "chg_date": "2026-12-31", "chg_rea": "失业保险金领取期满"},
        ],
    }
    s.when(HR, "create", declared).then(events=["UnemploymentDeclarationReceived"], stage="apply_person_changes")
    Scenario(s.app, s.process, "online").when(HR, "create", declared).then_refused("DUPLICATE", "ym")
    then_refused(s, "apply_person_changes", {"excluded": ["520102198501010052"]}, "NOT_DECLARED", "excluded")
    s.when(CLERK, "apply_person_changes", {"excluded": [EMPLOYEE]}).then(
        events=["PersonChangesApplied"], stage="contribution_assessment"
    )
    assert s.data()["hr_declared_current"] is True
    s.walk_to(COMPLETED)
    assert relation(s.app, str(NEWLY_UNEMPLOYED["certno"]))["status"] == SUSPENDED
    assert relation(s.app, EMPLOYEE)["status"] == ACTIVE  # left out: still paid for by the unit


def test_only_the_hr_bureau_declares_the_unemployed() -> None:
    s = given("P004", variant="online")
    declared = {**UNIT_JOBLESS, "ym": "202612", "changes": []}
    s.when(CLERK, "create", declared).then_refused("WRONG_ROLE")
    s.when(HR, "create", {**declared, "ym": "202701"}).then_refused("INVALID_FIELD", "ym")  # after the current period


# ---- P005 单位参保信息变更登记 -------------------------------------------------------------------------------------

NEW_USCC = "91520102MA6DKQ124X"


def test_a_credit_code_change_moves_the_index_and_a_step_back_restores_both() -> None:
    s = given("P005", variant="uscc")
    change = {**UNIT_A, "uscc": "91520102MA6DKQ123T", "new_uscc": NEW_USCC, "chg_date": "2026-11-20"}
    s.when(CLERK, "create", change).then(events=["UnitCreditCodeChanged"], stage=COMPLETED)
    assert state(s.app, "employer", UNIT_A["emp_no"])["uscc"] == NEW_USCC
    assert (state(s.app, "uscc", NEW_USCC)["target"], state(s.app, "uscc", "91520102MA6DKQ123T")["target"]) == (
        UNIT_A["emp_no"],
        None,
    )
    assert s.data()["filing_late"] is False

    s.when(OTHER_CLERK, "step_back", comment="新代码录错").then(events=["SteppedBack"], stage="change_credit_code")
    assert state(s.app, "employer", UNIT_A["emp_no"])["uscc"] == "91520102MA6DKQ123T"
    assert state(s.app, "uscc", "91520102MA6DKQ123T")["target"] == UNIT_A["emp_no"]
    assert not s.app.get_entry("uscc", NEW_USCC).in_effect
    assert history(s.app, "employer", UNIT_A["emp_no"]) == [
        "EmployerRegistered",
        "UnitCreditCodeChanged",
        "ChangeReverted",
    ]


def test_a_credit_code_held_by_another_unit_is_refused_and_a_late_filing_is_flagged() -> None:
    s = given("P005", variant="merge")  # unit A, and the unit split off it holding 91520102MA6DKQ4568
    uscc = Scenario(s.app, s.process, "uscc")
    held = {**UNIT_A, "uscc": "91520102MA6DKQ123T", "new_uscc": "91520102MA6DKQ4568", "chg_date": "2026-11-20"}
    uscc.when(CLERK, "create", held).then_refused("KEY_HELD", "uscc")
    assert state(s.app, "employer", UNIT_A["emp_no"])["uscc"] == "91520102MA6DKQ123T"

    late = {**held, "new_uscc": NEW_USCC, "chg_date": "2026-10-01"}  # 65 days before 2026-12-05
    uscc.when(CLERK, "create", late).then(events=["UnitCreditCodeChanged"], stage=COMPLETED)
    assert (uscc.data()["filing_due"], uscc.data()["filing_late"]) == ("2026-10-31", True)


def test_a_legal_representative_change_is_recorded_and_an_unchanged_one_refused() -> None:
    s = given("P005", variant="legal_representative")
    change = {**UNIT_A, "legrep_certno": "520102198501010052", "legrep_mob": "13900000001", "chg_date": "2026-11-25"}
    s.when(CLERK, "create", change).then(events=["LegalRepresentativeChanged"], stage=COMPLETED)
    assert state(s.app, "employer", UNIT_A["emp_no"])["legrep_mob"] == "13900000001"
    Scenario(s.app, s.process, "legal_representative").when(CLERK, "create", change).then_refused(
        "NOTHING_CHANGES", "legrep_certno"
    )


def test_a_split_registers_the_new_unit_and_moves_the_people_chosen() -> None:
    s = given("P005", variant="split").walk_to(COMPLETED)
    new = state(s.app, "employer", SPLIT_OFF_EMP_NO)
    assert (new["status"], new["split_from"], new["uscc"]) == (NORMAL, UNIT_A["emp_no"], "91520102MA6DKQ4568")
    assert state(s.app, "employer", UNIT_A["emp_no"])["split_into"] == [SPLIT_OFF_EMP_NO]
    assert relation(s.app, EMPLOYEE)["emp_no"] == SPLIT_OFF_EMP_NO


def test_a_merger_moves_the_absorbed_units_people_and_a_step_back_restores_both_units() -> None:
    s = given("P005", variant="merge")  # 陈静 works for the unit split off A
    merger = {
        **UNIT_A,
        "merged_emp_no": SPLIT_OFF_EMP_NO,
        "merged_emp_name": "贵阳云岩数智软件有限公司",
        "merge_date": "2026-12-01",
        "psn_nos": [psn_no_for(EMPLOYEE)],
    }
    then_refused(s, "create", {**merger, "merged_emp_no": UNIT_A["emp_no"]}, "INVALID_FIELD", "merged_emp_no")
    s.when(CLERK, "create", merger).then(events=["UnitsMerged"], stage=COMPLETED)
    absorbed = state(s.app, "employer", SPLIT_OFF_EMP_NO)
    assert (absorbed["status"], absorbed["merged_into"]) == (MERGED, UNIT_A["emp_no"])
    assert state(s.app, "employer", UNIT_A["emp_no"])["merged_from"] == [SPLIT_OFF_EMP_NO]
    assert relation(s.app, EMPLOYEE)["emp_no"] == UNIT_A["emp_no"]

    s.when(OTHER_CLERK, "step_back", comment="合并时间有误").then(events=["SteppedBack"], stage="merge_units")
    assert state(s.app, "employer", SPLIT_OFF_EMP_NO)["status"] == NORMAL
    assert state(s.app, "employer", UNIT_A["emp_no"])["merged_from"] == []
    assert relation(s.app, EMPLOYEE)["emp_no"] == SPLIT_OFF_EMP_NO
    assert history(s.app, "employer", SPLIT_OFF_EMP_NO)[-2:] == ["LineageRecorded", "ChangeReverted"]


def test_no_merger_into_a_deregistered_unit_and_nobody_moves() -> None:
    s = given("P005", variant="merge")
    closed = {**UNIT_A, "dereg_date": "2026-12-01", "dereg_rea": "依法破产"}  # its employee left with the split
    Scenario(s.app, s.process, "deregister").when(CLERK, "create", closed).then(
        events=["UnitDeregistered"], stage=COMPLETED
    )
    merger = {
        **UNIT_A,
        "merged_emp_no": SPLIT_OFF_EMP_NO,
        "merged_emp_name": "贵阳云岩数智软件有限公司",
        "merge_date": "2026-12-02",
        "psn_nos": [psn_no_for(EMPLOYEE)],
    }
    s.when(CLERK, "create", merger).then_refused("EMPLOYER_DEREGISTERED", "emp_no")
    assert state(s.app, "employer", SPLIT_OFF_EMP_NO)["status"] == NORMAL
    assert relation(s.app, EMPLOYEE)["emp_no"] == SPLIT_OFF_EMP_NO


def test_deregistration_closes_the_unit_for_good_and_stops_the_people_named() -> None:
    s = given("P005", variant="deregister").walk_to(COMPLETED)
    assert state(s.app, "employer", UNIT_A["emp_no"])["status"] == DEREGISTERED
    stopped = relation(s.app, EMPLOYEE)
    assert (stopped["status"], stopped["stop_date"], stopped["stop_rea"]) == (
        STOPPED,
        "2026-12-01",
        "单位注销：依法破产",
    )
    again = {**UNIT_A, "dereg_date": "2026-12-02", "dereg_rea": "重复", "psn_nos": []}
    Scenario(s.app, s.process, "deregister").when(CLERK, "create", again).then_refused(
        "EMPLOYER_DEREGISTERED", "emp_no"
    )


# ---- P020 参保信息变更登记（城乡居民） -----------------------------------------------------------------------------


def test_a_residents_information_and_enrollment_change_and_a_step_back_restores_them() -> None:
    s = given("P020", variant="single")
    change = {"certno": RESIDENT, "new_psn_name": "王芳芳", "tel": "13985001234", "clct_grade": "2"}
    s.when(CLERK, "create", change).then(events=["EnrollmentInfoChanged"], stage=COMPLETED)
    person = state(s.app, "person", psn_no_for(RESIDENT))
    assert (person["psn_name"], person["tel"], person["relations"]["390"]["clct_grade"]) == (
        "王芳芳",
        "13985001234",
        "2",
    )

    s.when(OTHER_CLERK, "step_back", comment="姓名录错").then(events=["SteppedBack"], stage="change")
    person = state(s.app, "person", psn_no_for(RESIDENT))
    assert (person["psn_name"], "clct_grade" in person["relations"]["390"]) == ("王芳", False)
    assert history(s.app, "person", psn_no_for(RESIDENT)) == [
        "Enrolled",
        "EnrollmentInfoChanged",
        "PersonInfoChanged",
        "ChangeReverted",
        "ChangeReverted",
    ]


def test_a_corrected_certno_moves_the_index_and_nothing_to_change_is_refused() -> None:
    s = given("P020", variant="single")
    then_refused(s, "create", {"certno": RESIDENT}, "NOTHING_CHANGES", "new_psn_name")
    then_refused(s, "create", {"certno": RESIDENT, "new_gend": "1"}, "INVALID_FIELD", "new_gend")
    corrected = "520115198503120046"
    s.when(CLERK, "create", {"certno": RESIDENT, "new_certno": corrected}).then(
        events=["EnrollmentInfoChanged"], stage=COMPLETED
    )
    assert state(s.app, "certno", corrected)["target"] == psn_no_for(RESIDENT)
    assert state(s.app, "certno", RESIDENT)["target"] is None


def test_a_batch_row_may_not_move_the_resident_to_another_unit_nor_name_someone_else() -> None:
    s = given("P020", variant="batch")
    row = {"psn_no": psn_no_for(RESIDENT), "emp_no": "52011500001", "certno": RESIDENT, "psn_type": "12"}
    rows = [
        (3, {**row, "emp_no": "52011500002"}),
        (4, {**row, "certno": EMPLOYEE}),
        (5, {**row, "emp_no": ""}),
        (6, row),
    ]
    outcome = s.app.import_batch(
        "P020", "batch", rows, CLERK, mode="valid_rows", fingerprint="f", file_name="变更.xlsx"
    )
    described = outcome.batch.describe("enrollment")
    assert [(e["row"], e["code"], e["field"]) for e in described["errors"]] == [
        (3, "NOT_IN_UNIT", "emp_no"),
        (4, "CERTNO_MISMATCH", "certno"),
        (5, "INVALID_FIELD", "emp_no"),
    ]
    assert relation(s.app, RESIDENT, "390")["psn_type"] == "12"


def test_a_declaration_for_an_earlier_period_is_applied_with_a_prompt_not_refused() -> None:
    s = given("P004", variant="online")
    s.when(HR, "create", {**UNIT_JOBLESS, "ym": "202611", "changes": []}).then(
        events=["UnemploymentDeclarationReceived"], stage="apply_person_changes"
    )
    s.when(CLERK, "apply_person_changes", {}).then(events=["PersonChangesApplied"], stage="contribution_assessment")
    assert (s.data()["ym"], s.data()["current_ym"], s.data()["hr_declared_current"]) == ("202611", "202612", False)
