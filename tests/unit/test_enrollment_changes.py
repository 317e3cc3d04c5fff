"""P006 职工参保信息变更登记 as a clerk meets it: each kind of change lands on the person's record, a step back
restores it with a new event, and the registry refuses what the relation's status forbids."""

from __future__ import annotations

from tests.unit.gwt import Scenario, given, staff
from ybj_enrollment.registries import REGISTRIES
from ybj_enrollment.registries.codes import ACTIVE, RETIRED, STOPPED, SUSPENDED, psn_no_for
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.process import COMPLETED

CERTNO = "520102199003070022"  # P002's example employee
PSN_NO = psn_no_for(CERTNO)
CLERK, REVIEWER = staff("clerk-9", "registrar"), staff("reviewer-9", "registrar")


def _relation(app: CaseApplication) -> dict[str, object]:
    relation: dict[str, object] = app.get_entry("person", PSN_NO).state["relations"]["310"]
    return relation


def _history(app: CaseApplication) -> list[str]:
    entry_id = REGISTRIES["person"].entry_id(PSN_NO)
    return [getattr(e, "event_name", type(e).__name__) for e in app.events.get(entry_id)]


def test_suspending_contributions_and_stepping_back_restores_the_relation() -> None:
    s = given("P006", variant="suspend")
    assert _relation(s.app)["status"] == ACTIVE
    s.when(CLERK, "create", {"certno": CERTNO, "paus_date": "2026-12-01", "paus_rea": "单位停产"}).then(
        events=["ContributionSuspended"], stage=COMPLETED
    )
    assert (_relation(s.app)["status"], _relation(s.app)["paus_rea"]) == (SUSPENDED, "单位停产")

    s.when(REVIEWER, "step_back", comment="暂停日期填错").then(events=["SteppedBack"], stage="suspend_contribution")
    assert _relation(s.app)["status"] == ACTIVE
    assert _history(s.app) == ["Enrolled", "ContributionSuspended", "ChangeReverted"]


def test_a_stopped_employee_resumes_at_a_new_unit_with_a_new_wage() -> None:
    s = given("P006", variant="resume")
    assert _relation(s.app)["status"] == STOPPED
    resumed = {
        "certno": CERTNO,
        "emp_no": "52010213594430",
        "emp_name": "贵阳云岩数智科技有限公司",
        "wage": "7000.00",
        "resu_date": "2027-01-01",
        "resu_rea": "新单位录用",
    }
    s.when(CLERK, "create", resumed).then(events=["EnrollmentResumed"], stage=COMPLETED)
    assert (_relation(s.app)["status"], _relation(s.app)["clct_base"]) == (ACTIVE, 700000)


def test_resuming_someone_still_paying_is_refused_and_the_record_is_unchanged() -> None:
    s = given("P006", variant="resume")
    s.when(
        CLERK,
        "create",
        {
            "certno": CERTNO,
            "emp_no": "52010213594430",
            "emp_name": "x",
            "wage": "7000",
            "resu_date": "2027-01-01",
            "resu_rea": "新单位录用",
        },
    ).then(events=["EnrollmentResumed"], stage=COMPLETED)
    refused = Scenario(s.app, s.process, "resume").when(
        CLERK,
        "create",
        {
            "certno": CERTNO,
            "emp_no": "52010213594430",
            "emp_name": "x",
            "wage": "8000",
            "resu_date": "2027-02-01",
            "resu_rea": "重复",
        },
    )
    refused.then_refused("RELATION_STATE", "insutype")
    assert _relation(s.app)["clct_base"] == 700000


def test_retirement_and_a_key_information_change_are_recorded_on_the_person() -> None:
    s = given("P006", variant="retire")
    s.walk_to(COMPLETED)
    assert (_relation(s.app)["status"], _relation(s.app)["retr_wage"]) == (RETIRED, 520000)

    k = given("P006", variant="key_info")
    k.when(CLERK, "create", {"certno": CERTNO, "new_psn_name": "陈晶"}).then(
        events=["KeyPersonInfoChanged"], stage=COMPLETED
    )
    assert k.app.get_entry("person", PSN_NO).state["psn_name"] == "陈晶"
    refused = Scenario(k.app, k.process, "key_info").when(CLERK, "create", {"certno": CERTNO})
    refused.then_refused("NOTHING_CHANGES")
