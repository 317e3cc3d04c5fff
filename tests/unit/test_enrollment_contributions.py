"""P007-P011, P014, P015 as a clerk meets them: bases declared and assessed, a lump sum billed, a deferral approved
by both leaders, arrears paid back with the late fee the trial shows, and queries that record who looked whom up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.unit.gwt import TODAY, Scenario, given, staff
from ybj_enrollment.processes.p001_employer_registration import EXAMPLE as UNIT_REGISTRATION
from ybj_enrollment.registries import REGISTRIES
from ybj_enrollment.registries.codes import emp_no_for, psn_no_for
from ybj_enrollment.rules import RULES
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.identity import uscc_check_char
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.domain.rules import evaluate, refusal, run

CERTNO = "520102199003070022"  # P002's example employee, enrolled in 310 under P001's example unit
PSN_NO = psn_no_for(CERTNO)
EMP_NO, EMP_NAME = "52010213594430", "贵阳云岩数智科技有限公司"  # P001's example unit
CLERK, OTHER_CLERK = staff("clerk-7", "registrar"), staff("clerk-8", "registrar")
UNIT = {"emp_no": EMP_NO, "emp_name": EMP_NAME}


def person(app: CaseApplication) -> dict[str, Any]:
    state: dict[str, Any] = app.get_entry("person", PSN_NO).state
    return state


def history(app: CaseApplication, registry: str, key: str) -> list[str]:
    entry_id = REGISTRIES[registry].entry_id(key)
    return [getattr(e, "event_name", type(e).__name__) for e in app.events.get(entry_id)]


def another_unit(app: CaseApplication) -> str:
    """A second unit registered through P001, which P002's employee does not work for."""
    body = "91520102MA6DKQ124"
    uscc = body + uscc_check_char(body)
    Scenario(app, app.definition("P001")).when(
        CLERK, "create", {**UNIT_REGISTRATION, "uscc": uscc, "emp_name": "贵阳南明示例商贸有限公司"}
    ).then(events=["Registered"], stage=COMPLETED)
    return emp_no_for(uscc, "520102")


# ---- P007 单位征缴基数申报 -------------------------------------------------------------------------------------


def declaration(**changes: Any) -> dict[str, Any]:
    return {**UNIT, "certno": CERTNO, "insutype": "310", "ym": "202612", "decl_wage": "6800.00", **changes}


def test_a_declared_wage_replaces_the_assessed_base_and_a_step_back_restores_it() -> None:
    s = given("P007")
    Scenario(s.app, s.app.definition("P009")).walk_to(COMPLETED)  # 6,500.00 assessed for 202612-202711
    assert person(s.app)["bases"]["310:202612"] == 650000

    s.when(CLERK, "create", declaration()).then(events=["ContributionBaseDeclared"], stage=COMPLETED)
    assert person(s.app)["bases"]["310:202612"] == 680000

    s.when(OTHER_CLERK, "step_back", comment="工资填错").then(events=["SteppedBack"], stage="declare_base")
    assert person(s.app)["bases"]["310:202612"] == 650000
    assert history(s.app, "person", PSN_NO) == [
        "Enrolled",
        "ContributionBaseAssessed",
        "ContributionBaseSet",
        "ChangeReverted",
    ]


def test_a_unit_cannot_declare_for_someone_insured_under_another_unit() -> None:
    s = given("P007")
    other = another_unit(s.app)
    s.when(CLERK, "create", declaration(emp_no=other, emp_name="贵阳南明示例商贸有限公司")).then_refused(
        "NOT_IN_UNIT", "emp_no"
    )
    assert person(s.app)["bases"] == {}


def test_a_batch_declares_each_good_row_and_reports_the_others_by_row_and_field() -> None:
    s = given("P007")
    other = another_unit(s.app)
    rows = [
        (2, declaration()),
        (3, declaration(ym="202611", emp_no=other)),  # not this unit's employee
        (4, declaration(decl_wage="7000.00")),  # the same person and month as row 2
        (5, declaration(ym="202613")),
    ]
    outcome = s.app.import_batch("P007", None, rows, CLERK, mode="valid_rows", fingerprint="f-1", file_name="工资.xlsx")
    assert [(e["row"], e["code"], e["field"]) for e in outcome.batch.errors] == [
        (3, "NOT_IN_UNIT", "emp_no"),
        (4, "DUPLICATE_IN_FILE", "certno"),
        (5, "INVALID_FIELD", "ym"),
    ]
    assert len(outcome.batch.case_ids) == 1
    assert person(s.app)["bases"] == {"310:202612": 680000}


# ---- P008 个人一次性趸缴 ----------------------------------------------------------------------------------------


def test_a_lump_sum_is_calculated_by_the_system_and_its_bill_recorded_on_the_person() -> None:
    s = given("P008", events=["Registered"])  # 276 of 300 months (example policy), wage 6,500.00
    system = staff("platform", "system")
    s.when(system, "calculate_contribution").then(events=["ContributionCalculated"], stage="send_collection_bill")
    data = s.data()
    assert (data["short_months"], data["lump_sum_amt"]) == (24, "12480.00")  # 24 x 6,500.00 x 0.08
    assert "示例" in data["policy_basis"]  # the numbers are labelled as examples on the case itself

    s.when(system, "send_collection_bill").then(events=["CollectionBillSentToTaxBureau"], stage=COMPLETED)
    bill = person(s.app)["collection_bills"][s.data()["collection_bill_no"]]
    assert (bill["amount"], bill["months"], bill["status"]) == (1248000, 24, "sent")


def test_no_lump_sum_for_someone_who_has_paid_the_required_months() -> None:
    s = given("P008")
    data = {"certno": CERTNO, "wage": "6500.00", "retr_date": "2027-03-31", "pay_months": 300}
    s.when(CLERK, "create", data).then_refused("NO_SHORTFALL", "pay_months")


# ---- P009 个人应缴工资基数核定 ------------------------------------------------------------------------------------


def test_an_assessment_sets_the_base_for_every_month_of_its_period() -> None:
    s = given("P009")
    assessment = {"certno": CERTNO, "begn_ym": "202612", "end_ym": "202702", "decl_wage": "7123.45"}
    s.when(CLERK, "create", assessment).then(events=["ContributionBaseAssessed"], stage=COMPLETED)
    assert person(s.app)["bases"] == {"310:202612": 712345, "310:202701": 712345, "310:202702": 712345}


def test_an_assessment_is_refused_for_an_uninsured_type_or_a_reversed_period() -> None:
    s = given("P009")
    assessment = {"certno": CERTNO, "begn_ym": "202612", "end_ym": "202702", "decl_wage": "7000.00"}
    s.when(CLERK, "create", {**assessment, "insutype": "510"}).then_refused("RELATION_STATE", "insutype")
    s.when(CLERK, "create", {**assessment, "end_ym": "202611"}).then_refused("INVALID_FIELD", "end_ym")
    assert person(s.app)["bases"] == {}


# ---- P010 单位缓交认定 -----------------------------------------------------------------------------------------


def application_for(begn_ym: str, end_ym: str) -> dict[str, Any]:
    return {**UNIT, "insutype": "310", "begn_ym": begn_ym, "end_ym": end_ym, "appl_rea": "受灾停产"}


APPROVAL = {
    "center_leader": "王明",
    "center_approved_on": "2026-12-02",
    "bureau_leader": "赵刚",
    "bureau_approved_on": "2026-12-03",
}


def test_a_three_month_deferral_is_refused_as_the_trial_refuses_it() -> None:
    s = given("P010")
    applicant = staff("unit-1", "applicant")
    s.when(applicant, "create", application_for("202701", "202703")).then_refused("DEFERRAL_TOO_LONG", "end_ym")
    trial = refusal(evaluate(RULES.get("deferral_period"), {"start_ym": "202701", "end_ym": "202703"}, TODAY))
    assert trial is not None
    assert trial.code == "DEFERRAL_TOO_LONG"
    assert "deferrals" not in s.app.get_entry("employer", EMP_NO).state


def test_a_two_month_deferral_approved_by_both_leaders_is_recorded_on_the_unit() -> None:
    s = given("P010")
    s.when(staff("unit-1", "applicant"), "create", application_for("202701", "202702")).then(
        events=["DeferralApplied"], stage="leader_approval"
    )
    s.when(staff("leader-office", "approver"), "approve", APPROVAL).then(events=["DeferralApproved"], stage="register")
    s.when(CLERK, "register", {"defer_type": "1", "idet_type": "1"}).then(events=["Registered"], stage=COMPLETED)
    deferral = s.app.get_entry("employer", EMP_NO).state["deferrals"]["310:202701"]
    assert (deferral["begn_ym"], deferral["end_ym"], deferral["approved_by"]) == ("202701", "202702", ["王明", "赵刚"])

    s.when(OTHER_CLERK, "step_back", comment="认定类型有误").then(events=["SteppedBack"], stage="register")
    assert "deferrals" not in s.app.get_entry("employer", EMP_NO).state
    assert history(s.app, "employer", EMP_NO)[-2:] == ["ContributionDeferralGranted", "ChangeReverted"]


def test_the_approval_needs_two_different_leaders() -> None:
    s = given("P010", at="leader_approval")
    approver = staff("leader-office", "approver")
    s.when(approver, "approve", {**APPROVAL, "bureau_leader": "王明"}).then_refused("INVALID_FIELD", "bureau_leader")
    without_bureau = {k: v for k, v in APPROVAL.items() if not k.startswith("bureau")}
    s.when(approver, "approve", without_bureau).then_refused("MISSING_FIELD", "bureau_leader")


def test_an_overlapping_second_deferral_is_refused_when_it_would_be_registered() -> None:
    s = given("P010", at=COMPLETED)  # 202701-202702
    again = Scenario(s.app, s.process)
    again.when(staff("unit-1", "applicant"), "create", application_for("202702", "202703")).then(
        events=["DeferralApplied"], stage="leader_approval"
    )
    again.when(staff("leader-office", "approver"), "approve", APPROVAL).then(
        events=["DeferralApproved"], stage="register"
    )
    again.when(CLERK, "register", {"defer_type": "1", "idet_type": "1"}).then_refused("DEFERRAL_OVERLAPS", "begn_ym")


# ---- P011 单位欠费补缴 -----------------------------------------------------------------------------------------


def back_payment(**changes: Any) -> dict[str, Any]:
    return {**UNIT, "certno": CERTNO, "begn_ym": "202610", "end_ym": "202610", "due_amt": "1234.57", **changes}


def test_the_late_fee_to_the_fen_and_the_restoration_month_are_the_trials() -> None:
    s = given("P011")
    s.when(CLERK, "create", back_payment()).then(events=["BackPaymentRegistered"], stage=COMPLETED)
    data = s.data()
    # 202610 is in arrears from 2026-11-01 (example setting); paid today, 2026-12-05: 34 days.
    trial = run(
        RULES.get("late_fee"),
        {"arrears_amount": "1234.57", "arrears_date": "2026-11-01", "pay_date": "2026-12-05"},
        TODAY,
    )
    assert trial["late_fee"] == "83.95"  # 1,234.57 x 0.002 x 34 = 83.95076, half up to the fen
    assert (data["months"][0]["days"], data["months"][0]["late_fee"]) == (34, trial["late_fee"])
    assert data["late_fee_total"] == "83.95"
    restoration = run(RULES.get("benefit_restoration"), {"interrupted_from": "202610", "paid_on": "2026-12-05"}, TODAY)
    assert data["benefit_restoration"] == restoration
    assert restoration["restored_from"] == "2027-01"  # the month after the arrears were paid in full

    record = person(s.app)["contributions"]["310:202610"]
    assert (record["due"], record["paid"], record["late_fee"], record["emp_no"]) == (123457, 123457, 8395, EMP_NO)


def test_several_months_each_carry_their_own_late_fee() -> None:
    s = given("P011")
    s.when(CLERK, "create", back_payment(begn_ym="202608", end_ym="202610", paid_on="2026-12-01")).then(
        events=["BackPaymentRegistered"], stage=COMPLETED
    )
    fees = [
        run(
            RULES.get("late_fee"),
            {"arrears_amount": "1234.57", "arrears_date": since, "pay_date": "2026-12-01"},
            TODAY,
        )["late_fee"]
        for since in ("2026-09-01", "2026-10-01", "2026-11-01")
    ]
    data = s.data()
    assert [m["late_fee"] for m in data["months"]] == fees
    assert Decimal(data["late_fee_total"]) == sum(Decimal(f) for f in fees)
    assert (data["due_total"], data["benefit_restoration"]["restored_from"]) == ("3703.71", "2027-01")
    assert sorted(person(s.app)["contributions"]) == ["310:202608", "310:202609", "310:202610"]

    s.when(OTHER_CLERK, "step_back", comment="期号有误").then(events=["SteppedBack"], stage="register_back_payment")
    assert person(s.app)["contributions"] == {}


def test_without_the_late_fee_flag_no_late_fee_is_charged() -> None:
    s = given("P011")
    s.when(CLERK, "create", back_payment(late_fee_flag="0")).then(events=["BackPaymentRegistered"], stage=COMPLETED)
    assert s.data()["late_fee_total"] == "0.00"
    assert person(s.app)["contributions"]["310:202610"]["late_fee"] == 0


def test_a_month_paid_already_not_yet_in_arrears_or_with_interest_unconfigured_is_refused() -> None:
    s = given("P011", at=COMPLETED)  # the example: 202610 paid back
    again = Scenario(s.app, s.process)
    again.when(CLERK, "create", back_payment()).then_refused("ALREADY_PAID", "ym")
    again.when(CLERK, "create", back_payment(begn_ym="202612", end_ym="202612")).then_refused(
        "NOT_IN_ARREARS", "end_ym"
    )
    again.when(CLERK, "create", back_payment(begn_ym="202609", end_ym="202609", intr_flag="1")).then_refused(
        "INVALID_FIELD", "intr_flag"
    )
    again.when(CLERK, "create", back_payment(begn_ym="202609", end_ym="202609", paid_on="2026-12-06")).then_refused(
        "INVALID_FIELD", "paid_on"
    )


def test_a_back_payment_for_another_units_employee_is_refused() -> None:
    s = given("P011")
    other = another_unit(s.app)
    s.when(CLERK, "create", back_payment(emp_no=other)).then_refused("NOT_IN_UNIT", "emp_no")
    assert person(s.app)["contributions"] == {}


# ---- P014 / P015 查询 -----------------------------------------------------------------------------------------


def test_a_unit_query_records_who_looked_up_which_unit_and_changes_nothing() -> None:
    s = given("P014")
    before = history(s.app, "employer", EMP_NO)
    s.when(CLERK, "create", {"emp_no": EMP_NO, "agnter_name": "李娜"}).then(events=["UnitInfoQueried"], stage=COMPLETED)
    assert s.case_id is not None
    case = s.app.get_case(s.case_id)
    assert (case.created_by["user_id"], case.data["emp_no"]) == ("clerk-7", EMP_NO)
    assert case.data["qry_items"] == ["basic", "contributions", "employees", "changes", "collection_bills"]
    assert history(s.app, "employer", EMP_NO) == before


def test_a_query_for_an_unknown_unit_or_person_is_not_found_naming_the_field() -> None:
    unit = given("P014")
    unit.when(CLERK, "create", {"emp_no": "52010299999999"}).then_refused("EMPLOYER_NOT_FOUND", "emp_no")
    stranger = given("P015")
    refused = stranger.when(CLERK, "create", {"certno": "52010219910405001X"})
    refused.then_refused("PERSON_NOT_FOUND", "certno")
    assert refused.error is not None
    assert refused.error.status == 404


def test_a_person_query_records_who_looked_up_whom() -> None:
    s = given("P015")
    before = history(s.app, "person", PSN_NO)
    s.when(CLERK, "create", {"certno": CERTNO.lower()}).then(events=["PersonInfoQueried"], stage=COMPLETED)
    data = s.data()
    assert (data["psn_no"], data["certno"]) == (PSN_NO, CERTNO)
    assert history(s.app, "person", PSN_NO) == before
