"""The engine's rules, in events: given a case at a stage, when someone acts, then these events and this stage."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from tests.unit.gwt import application, given, staff
from ybj_enrollment.application import EnrollmentApplication
from ybj_enrollment.processes import PROCESSES as ENROLLMENT
from ybj_enrollment.processes.p019_resident_enrollment import ResidentEnrollment
from ybj_enrollment.processes.uniqueness import BASIC_MEDICAL_ENROLLMENT
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.errors import InvalidInput

NO_VIOLATION = {"is_violation": False}
VIOLATION = {"is_violation": True, "vola_amt": "840.00"}
SECOND = staff("sr-1", "second_reviewer")


def test_the_second_reviewer_records_that_no_appeal_came_and_then_reviews() -> None:
    case = given("P072", at="appeal")
    case.when(SECOND, "skip").then(events=["AppealSkipped"], stage="second_review")
    case.when(SECOND, "approve", VIOLATION).then(events=["SecondReviewCompleted"], stage="collegial_review")


def test_the_institution_appeals_and_the_collegial_panel_may_not_be_the_second_reviewer() -> None:
    case = given("P072", at="appeal")
    case.when(staff("H52010000001", "institution"), "appeal", {"appeal_reason": "非重复收费"}).then(
        events=["AppealSubmitted"], stage="second_review"
    )
    both = Actor("sr-2", ("second_reviewer", "panel"), "520000")
    case.when(both, "approve", VIOLATION).then(events=["SecondReviewCompleted"], stage="collegial_review")
    case.when(both, "approve", VIOLATION).then_refused("SEPARATION_OF_DUTIES")


def test_a_step_done_as_the_system_does_not_bar_a_review() -> None:
    operator = Actor("ops-1", ("system", "first_reviewer"), "520000")
    case = given("P072")
    case.when(operator, "create", dict(case.process.opening().example)).then(
        events=["Registered"], stage="first_review"
    )
    case.when(operator, "approve", NO_VIOLATION).then(events=["FirstReviewCompleted"], stage="appeal")


def test_whoever_did_a_staff_step_may_not_review_it() -> None:
    case = given("P079", at="first_review")
    # registrar-3 generated the settlement on the walk (see gwt.walk_to); given the first_reviewer role too:
    generated_it = Actor("registrar-3", ("registrar", "first_reviewer"), "520000")
    case.when(generated_it, "approve").then_refused("SEPARATION_OF_DUTIES")
    case.when(generated_it, "reject", comment="不符").then_refused("SEPARATION_OF_DUTIES")
    case.when(staff("fr-1", "first_reviewer"), "approve").then(events=["FirstReviewApproved"], stage="second_review")


def test_a_rejection_is_a_declared_event_and_steps_back_to_its_review() -> None:
    case = given("P079", at="second_review")
    reviewer = staff("sr-1", "second_reviewer")
    case.when(reviewer, "reject").then_refused("REASON_REQUIRED", "comment")
    case.when(reviewer, "reject", comment="汇总表不符").then(events=["SecondReviewRejected"], stage="rejected")
    case.when(staff("fr-9", "first_reviewer"), "step_back", comment="误操作").then_refused("WRONG_ROLE")
    case.when(reviewer, "step_back", comment="误操作").then(events=["SteppedBack"], stage="second_review")


def test_step_back_withdraws_the_last_stage_and_is_taken_by_its_roles() -> None:
    case = given("P079", at="generate")
    assert "deduction_total" in case.data()
    case.when(staff("fin-1", "finance"), "step_back", comment="重新扣款").then_refused("WRONG_ROLE")
    case.when(staff("aud-2", "auditor"), "step_back", comment="重新扣款").then(
        events=["SteppedBack"], stage="violation_deduction"
    )
    assert "deduction_total" not in case.data()


def test_cancel_is_final() -> None:
    case = given("P044", at="review")
    case.when(staff("reg-5", "registrar"), "cancel", comment="本人撤回").then(events=["Cancelled"], stage="cancelled")
    case.when(staff("reg-5", "registrar"), "step_back", comment="再试").then_refused("ACTION_NOT_ALLOWED")


def test_a_revoked_filing_steps_back_into_effect() -> None:
    case = given("P044", at="completed")
    registrar = staff("reg-7", "registrar")
    case.when(registrar, "revoke", comment="本人申请").then(events=["FilingRevoked"], stage="revoked")
    case.when(registrar, "step_back", comment="误取消").then(events=["SteppedBack"], stage="completed")


def test_the_clock_is_the_applications() -> None:
    september = given("P079", today=date(2026, 9, 15))
    example = dict(september.process.opening().example)  # setl_ym 202609
    september.when(staff("H52010000001", "institution"), "create", example).then_refused("INVALID_FIELD", "setl_ym")
    october = given("P079", today=date(2026, 10, 1))
    october.when(staff("H52010000001", "institution"), "create", example).then(
        events=["SettlementDeclared"], stage="receive"
    )


def _employee_enrollment() -> ProcessDefinition:
    """A second enrollment process sharing P019's uniqueness scope (as P002 城镇职工参保登记 will)."""
    return ProcessDefinition(
        id="P002",
        slug="employee_enrollment_registration",
        name_zh="城镇职工参保登记",
        service="enrollment",
        stages=(
            Stage(
                "register",
                "职工参保登记",
                ("registrar",),
                "Registered",
                input=ResidentEnrollment,
                unique=BASIC_MEDICAL_ENROLLMENT,
            ),
        ),
    )


def test_a_person_enrolled_through_one_process_is_caught_by_another() -> None:
    app = application(EnrollmentApplication)
    app.definitions["P002"] = _employee_enrollment()
    registrar = staff("reg-1", "registrar")
    p019 = ENROLLMENT["P019"]
    person = dict(p019.stages[1].example)
    resident = app.create_case("P019", dict(p019.opening().example), registrar)
    enrolled = app.act(_id(resident.case_id), registrar, Command("register", resident.version, None, person))
    assert enrolled.stage == "completed"
    with pytest.raises(InvalidInput) as err:
        app.create_case("P002", person, registrar)
    assert (err.value.code, err.value.field) == ("DUPLICATE", "certno")
    assert "基本医疗保险" in err.value.message_zh
    app.act(_id(enrolled.case_id), registrar, Command("cancel", enrolled.version, "改为职工参保", {}))
    assert app.create_case("P002", person, registrar).stage == "completed"


def _id(case_id: str) -> UUID:
    return UUID(case_id)
