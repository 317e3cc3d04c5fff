"""The eligibility area in events: remote-care filings (P044-P047) and benefit qualifications (P055-P059, P062), with
the registries they keep (`filing`, `qualification`) and the refusals a clerk meets at the counter."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.unit.gwt import TODAY, Scenario, application, given, staff
from tests.unit.insured_persons import published
from tests.unit.registry_gwt import given as given_entry
from ybj_kernel.domain.documents import document_content, document_named
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.rules import run
from ybj_kernel.entrypoints.documents_api import case_view
from ybj_treatment.application import TreatmentApplication
from ybj_treatment.areas.eligibility import EXAMPLE_PREREQUISITES
from ybj_treatment.processes.p044_relocated_retiree_filing import amended, revoked
from ybj_treatment.registries.eligibility import FILINGS, QUALIFICATIONS
from ybj_treatment.registries.physicians import CERTIFICATION_EXPERT
from ybj_treatment.rules.eligibility import RECENT_RECORDS, REMOTE_PLACE, SIGNER_TITLE

LIU_YANG, CHEN_JING, WANG_FANG = "520102198804150036", "520102199003070022", "52011519850312002X"
NOBODY = "520102197001010035"  # a valid 身份证号 enrollment never registered
REG, REG2 = staff("reg-1", "registrar"), staff("reg-2", "registrar")
FIRST, SECOND = staff("fr-1", "first_reviewer"), staff("sr-1", "second_reviewer")
HOSPITAL = "H52010200001"


def case(
    process_id: str,
    *,
    at: str | None = None,
    variant: str | None = None,
    before: tuple[str, ...] | None = None,
    app: Any = None,
) -> Scenario:
    """A case in the treatment application after the area's example prerequisites (or `before`), at stage `at`."""
    app = app or application(TreatmentApplication)
    needed = (
        before
        if before is not None
        else EXAMPLE_PREREQUISITES.get(f"{process_id}:{variant}", EXAMPLE_PREREQUISITES.get(process_id, ()))
    )
    for walked in needed:
        walked_id, _, walked_variant = walked.partition(":")
        Scenario(app, app.definition(walked_id), walked_variant or None).walk_to(COMPLETED)
    scenario = Scenario(app, app.definition(process_id), variant)
    return scenario.walk_to(at) if at is not None else scenario


def psn_no(app: Any, certno: str) -> str:
    """The 人员编号 treatment knows the person by."""
    return str(app.get_entry("insured", certno).state["psn_no"])


def example(process_id: str, stage: str | None = None, **changes: Any) -> dict[str, Any]:
    """A stage's example (the opening stage's by default), with some values changed (None: left out)."""
    p = TreatmentApplication.default_definitions()[process_id]
    data = dict(p.stage(stage).example if stage else p.opening().example)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# ---- 异地就医备案 (P044-P047) ---------------------------------------------------------------------------------


def test_an_approved_filing_is_in_effect_under_the_persons_number_and_not_before() -> None:
    filing = case("P044", at="review")
    number = psn_no(filing.app, LIU_YANG)
    assert filing.data()["psn_no"] == number
    assert filing.app.look("filing", number) is None  # registered, not yet approved
    filing.when(FIRST, "approve", comment="材料齐全").then(events=["ReviewApproved"], stage=COMPLETED)
    assert filing.app.get_entry("filing", number).state == {
        "psn_no": number,
        "certno": LIU_YANG,
        "psn_name": "刘洋",
        "filing_type": "异地安置",
        "admdvs": "520102",
        "mdtrtarea_admdvs": "440300",
        "begndate": "2026-12-01",
        "addr": "深圳市南山区示例路1号",
        "process_id": "P044",
        "status": "in_effect",
        "review_flags": [],
    }


@pytest.mark.parametrize(
    ("process_id", "certno", "kind", "place"),
    [
        ("P045", WANG_FANG, "异地长期居住", "510100"),
        ("P046", CHEN_JING, "常驻异地工作", "330100"),
        ("P047", CHEN_JING, "转诊转院", "310104"),
    ],
)
def test_each_kind_of_filing_records_its_type_and_place(process_id: str, certno: str, kind: str, place: str) -> None:
    filing = case(process_id, at=COMPLETED)
    state = filing.app.get_entry("filing", psn_no(filing.app, certno)).state
    assert (state["filing_type"], state["mdtrtarea_admdvs"], state["process_id"]) == (kind, place, process_id)


def test_a_referral_names_both_institutions_and_the_diagnosis() -> None:
    filing = case("P047", at=COMPLETED)
    state = filing.app.get_entry("filing", psn_no(filing.app, CHEN_JING)).state
    assert (state["fixmedins_code"], state["reflin_medins_no"], state["diag_code"]) == (
        HOSPITAL,
        "H31010400001",
        "C34.900",
    )


def test_a_referral_from_an_institution_that_is_not_a_designated_hospital_is_refused() -> None:
    unknown = case("P047")
    unknown.when(REG, "create", example("P047", fixmedins_code="H52019900001")).then_refused(
        "NOT_DESIGNATED_HOSPITAL", "fixmedins_code"
    )
    not_admitted = case("P047", before=())
    not_admitted.when(REG, "create", example("P047")).then_refused("NOT_DESIGNATED_HOSPITAL", "fixmedins_code")


def test_someone_not_insured_on_the_begndate_is_refused_naming_them() -> None:
    filing = case("P046")
    filing.when(REG, "create", example("P046", begndate="2026-11-30")).then_refused("NOT_INSURED", "certno")
    filing.when(REG, "create", example("P046", certno=NOBODY, psn_name="吴刚")).then_refused("NOT_INSURED", "certno")
    filing.when(REG, "create", example("P046", begndate="2026-12-01")).then(events=["Registered"], stage="review")


def test_an_insurance_ended_since_the_registration_is_refused_on_approval() -> None:
    filing = case("P046", at="review")
    for envelope in published(given("P017", at=COMPLETED).app, "person"):  # 陈静's 职工 relation ends 2026-11-30
        filing.app.react(envelope)
    filing.when(FIRST, "approve").then_refused("NOT_INSURED", "certno")
    assert filing.app.look("filing", psn_no(filing.app, CHEN_JING)) is None


def test_the_name_typed_from_the_form_must_be_the_persons() -> None:
    case("P044").when(REG, "create", example("P044", psn_name="刘阳")).then_refused("PSN_NAME_MISMATCH", "psn_name")


def test_the_place_of_treatment_must_lie_in_another_pooling_area() -> None:
    same_city = case("P044")
    same_city.when(REG, "create", example("P044", resettle_admdvs="520103")).then_refused(
        "NOT_REMOTE", "resettle_admdvs"
    )
    trial = run(REMOTE_PLACE, {"admdvs": "520102", "mdtrtarea_admdvs": "520103"}, TODAY)
    assert (trial["allowed"], trial["insured_pool"], trial["treatment_pool"]) == (False, "520100", "520100")
    other = run(REMOTE_PLACE, {"admdvs": "520102", "mdtrtarea_admdvs": "520301"}, TODAY)  # 遵义
    assert (other["allowed"], other["treatment_pool"]) == (True, "520300")
    referral = case("P047")
    referral.when(REG, "create", example("P047", mdtrtarea_admdvs="520111")).then_refused(
        "NOT_REMOTE", "mdtrtarea_admdvs"
    )


def test_a_person_has_at_most_one_filing_in_effect_across_the_four_kinds() -> None:
    first = case("P044", at=COMPLETED)
    number = psn_no(first.app, LIU_YANG)
    second = Scenario(first.app, first.app.definition("P045"))
    data = example("P045", certno=LIU_YANG, psn_name="刘洋", admdvs="520102", begndate="2026-12-03")
    second.when(REG, "create", data).then(events=["Registered"], stage="review")
    refused = second.when(FIRST, "approve", comment="材料齐全").then_refused("FILING_IN_EFFECT", "certno")
    assert "P044" in str(first.app.get_entry("filing", number).state["process_id"])
    assert refused.stage == "review"


def test_an_amendment_before_the_review_is_what_the_review_approves() -> None:
    filing = case("P044", at="review")
    filing.when(REG, "amend", {"resettle_admdvs": "330100"}, comment="安置地变更").then(
        events=["FilingAmended"], stage="review"
    )
    filing.when(FIRST, "approve").then(events=["ReviewApproved"], stage=COMPLETED)
    assert filing.app.get_entry("filing", psn_no(filing.app, LIU_YANG)).state["mdtrtarea_admdvs"] == "330100"


def test_what_amending_and_revoking_the_filing_in_effect_do_to_the_registry() -> None:
    data = {**example("P044"), "psn_no": "52000000000042", "psn_name": "刘洋", "revoke_date": "2026-12-20"}
    assert revoked(data, "single") == [Effect("filing", "52000000000042", "revoke", {"on": "2026-12-20"})]
    [change] = amended({**data, "resettle_admdvs": "330100", "tel": "13900000000"}, "single")
    assert (change.op, change.args["mdtrtarea_admdvs"], change.args["tel"]) == ("amend", "330100", "13900000000")
    assert change.args["begndate"] == "2026-12-01"


def test_a_revoked_filing_is_out_of_effect_and_another_may_follow() -> None:
    # Needs the kernel to apply an extra action's effects (ExtraAction.effects): see the area's report.
    filing = case("P044", at=COMPLETED)
    number = psn_no(filing.app, LIU_YANG)
    filing.when(REG, "revoke", {"revoke_date": "2026-12-10"}, comment="本人申请取消备案").then(
        events=["FilingRevoked"], stage="revoked"
    )
    state = filing.app.get_entry("filing", number).state
    assert (state["status"], state["revoked_on"], state["enddate"]) == ("revoked", "2026-12-10", "2026-12-10")
    again = Scenario(filing.app, filing.app.definition("P045"))
    data = example("P045", certno=LIU_YANG, psn_name="刘洋", admdvs="520102", begndate="2026-12-11")
    again.when(REG, "create", data).then(events=["Registered"], stage="review")
    again.when(FIRST, "approve").then(events=["ReviewApproved"], stage=COMPLETED)
    assert filing.app.get_entry("filing", number).state["process_id"] == "P045"


def test_an_amendment_changes_the_filing_in_effect_and_a_mistaken_revocation_steps_back() -> None:
    # Needs the kernel to apply an extra action's effects (ExtraAction.effects): see the area's report.
    filing = case("P044", at=COMPLETED)
    number = psn_no(filing.app, LIU_YANG)
    filing.when(REG, "amend", {"resettle_admdvs": "330100", "tel": "13900000000"}, comment="安置地变更").then(
        events=["FilingAmended"], stage=COMPLETED
    )
    state = filing.app.get_entry("filing", number).state
    assert (state["mdtrtarea_admdvs"], state["tel"], state["status"]) == ("330100", "13900000000", "in_effect")
    filing.when(REG, "revoke", comment="本人申请取消备案").then(events=["FilingRevoked"], stage="revoked")
    assert filing.app.get_entry("filing", number).state["status"] == "revoked"
    filing.when(REG2, "step_back", comment="误取消").then(events=["SteppedBack"], stage=COMPLETED)
    state = filing.app.get_entry("filing", number).state
    assert (state["status"], state["mdtrtarea_admdvs"]) == ("in_effect", "330100")


def test_a_revocation_cannot_be_dated_in_the_past() -> None:
    filing = case("P044", at=COMPLETED)
    filing.when(REG, "revoke", {"revoke_date": "2026-12-04"}, comment="取消").then_refused(
        "INVALID_FIELD", "revoke_date"
    )


FILING = {
    "psn_no": "52000000000042",
    "certno": LIU_YANG,
    "psn_name": "刘洋",
    "filing_type": "异地安置",
    "admdvs": "520102",
    "mdtrtarea_admdvs": "440300",
    "begndate": "2026-12-01",
    "process_id": "P044",
}
FLAG = {
    "cause_event_id": "evt-1",
    "cause_zh": "参保关系终止（310），待遇资格需复核",
    "insutype": "310",
    "on": "2026-12-31",
}


def test_the_filing_registry_keeps_one_in_effect_amends_and_revokes_it() -> None:
    entry = given_entry(FILINGS, "52000000000042", ("register", FILING))
    entry.when("register", {**FILING, "filing_type": "转诊转院", "process_id": "P047"}).then_refused(
        "FILING_IN_EFFECT", "certno"
    )
    entry.when("amend", {"mdtrtarea_admdvs": "520102"}).then_refused("SAME_ADMDVS", "mdtrtarea_admdvs")
    entry.when("amend", {"enddate": "2026-11-30"}).then_refused("END_BEFORE_BEGIN", "enddate")
    entry.when("amend", {"mdtrtarea_admdvs": "330100"}).then(["RemoteCareFilingAmended"])
    entry.when("revoke", {"on": "2026-12-20"}).then(["RemoteCareFilingRevoked"])
    assert (entry.state["status"], entry.state["enddate"]) == ("revoked", "2026-12-20")
    entry.when("revoke", {"on": "2026-12-21"}).then_refused("FILING_NOT_IN_EFFECT", "certno")
    entry.when("amend", {"tel": "13900000000"}).then_refused("FILING_NOT_IN_EFFECT", "certno")
    entry.when("register", {**FILING, "begndate": "2027-01-01", "process_id": "P045"}).then(
        ["RemoteCareFilingRegistered"]
    )
    assert entry.state["status"] == "in_effect"
    never = given_entry(FILINGS, "52000000000043")
    never.when("revoke", {"on": "2026-12-20"}).then_refused("FILING_NOT_IN_EFFECT", "certno")


@pytest.mark.parametrize("registry", [FILINGS, QUALIFICATIONS], ids=lambda r: r.name)
def test_flag_for_review_is_recorded_once_per_cause(registry: Any) -> None:
    opening = (
        ("register", FILING)
        if registry is FILINGS
        else (
            "register_chronic",
            {
                **{k: FILING[k] for k in ("psn_no", "certno", "psn_name")},
                "opsp_dise_code": "M00001",
                "opsp_dise_name": "支气管哮喘",
                "fixmedins_codes": [HOSPITAL],
                "begndate": "2026-12-05",
                "channel": "provincial",
                "process_id": "P055",
            },
        )
    )
    entry = given_entry(registry, "52000000000042", opening)
    entry.when("flag_for_review", FLAG).then(["FlaggedForReview"])
    entry.when("flag_for_review", FLAG).then([])  # the same event replayed records nothing
    entry.when("flag_for_review", {**FLAG, "cause_event_id": "evt-2", "insutype": "390"}).then(["FlaggedForReview"])
    assert [f["cause_event_id"] for f in entry.state["review_flags"]] == ["evt-1", "evt-2"]
    assert entry.state["review_flags"][0] == FLAG


def test_enrollment_terminating_the_person_flags_their_filing_and_qualification_once() -> None:
    filing = case("P046", at=COMPLETED)
    app = filing.app
    case("P055", at=COMPLETED, variant="provincial_online", app=app)
    number = psn_no(app, CHEN_JING)
    events = published(given("P017", at=COMPLETED).app, "person")  # P017 ends 陈静's 职工 relation
    for envelope in events:
        app.react(envelope)
    termination = events[-1]["id"]
    for registry in ("filing", "qualification"):
        flags = app.get_entry(registry, number).state["review_flags"]
        assert [(f["cause_event_id"], f["insutype"]) for f in flags] == [(termination, "310")]
    versions = {r: app.get_entry(r, number).version for r in ("filing", "qualification")}
    assert [app.react(e) for e in events] == [0] * len(events)  # delivered again: nothing changes
    assert {r: app.get_entry(r, number).version for r in ("filing", "qualification")} == versions


# ---- 门诊慢特病 (P055-P059) ----------------------------------------------------------------------------------


def test_a_national_registration_grants_the_disease_at_its_hospitals_once_approved() -> None:
    certified = case("P055", at="review", variant="national_register")
    number = psn_no(certified.app, CHEN_JING)
    assert certified.app.look("qualification", number) is None
    certified.when(FIRST, "approve", comment="审核通过").then(events=["ReviewApproved"], stage=COMPLETED)
    asthma = certified.app.get_entry("qualification", number).state["chronic"]["M00001"]
    assert asthma == {
        "name": "支气管哮喘",
        "opsp_type": "1",
        "ide_fixmedins_no": HOSPITAL,
        "fixmedins_codes": [HOSPITAL],
        "begndate": "2026-12-05",
        "status": "active",
        "channel": "national",
        "process_id": "P055",
        "annual_reviews": [],
        "proxy": None,
    }


def test_the_certifying_institution_must_be_designated_for_chronic_diseases() -> None:
    admitted_only = case("P055", variant="national_register", before=("P065",))
    admitted_only.when(REG, "create", example("P055")).then_refused("NOT_CHRONIC_DESIGNATED", "ide_fixmedins_no")
    unknown = case("P055", variant="national_register")
    unknown.when(REG, "create", example("P055", ide_fixmedins_no="H52019900001")).then_refused(
        "NOT_CHRONIC_DESIGNATED", "ide_fixmedins_no"
    )


@pytest.mark.parametrize(
    ("record_date", "allowed"),
    [("2024-12-05", True), ("2024-12-04", False), ("2026-12-05", True), ("2026-12-06", False)],
    ids=["two-years-to-the-day", "a-day-older", "today", "after-the-application"],
)
def test_the_hospital_records_must_be_from_the_last_two_years(record_date: str, allowed: bool) -> None:
    trial = run(RECENT_RECORDS, {"record_date": record_date, "applied_on": "2026-12-05"}, TODAY)
    assert (trial["allowed"], trial["earliest"]) == (allowed, "2024-12-05")
    registration = case("P055", variant="national_register")
    outcome = registration.when(REG, "create", example("P055", dscg_date=record_date))
    if allowed:
        outcome.then(events=["Registered"], stage="review")
    else:
        code = "RECORDS_TOO_OLD" if record_date < "2026-12-05" else "RECORD_AFTER_APPLICATION"
        outcome.then_refused(code, "dscg_date")


def test_two_years_before_a_leap_day_is_the_28th_of_february() -> None:
    trial = run(RECENT_RECORDS, {"record_date": "2026-02-28", "applied_on": "2028-02-29"}, TODAY)
    assert (trial["allowed"], trial["earliest"]) == (True, "2026-02-28")


@pytest.mark.parametrize(
    ("title", "allowed"),
    [("主任医师", True), ("副主任医师", True), ("主治医师", False), ("医师", False)],
)
def test_the_application_is_signed_by_an_associate_chief_physician_or_above(title: str, allowed: bool) -> None:
    trial = run(SIGNER_TITLE, {"title": title}, TODAY)
    assert (trial["allowed"], trial["lowest"]) == (allowed, "副主任医师")
    outcome = case("P055", variant="national_register").when(REG, "create", example("P055", ide_dr_title=title))
    if allowed:
        outcome.then(events=["Registered"], stage="review")
    else:
        outcome.then_refused("SIGNER_TITLE_TOO_LOW", "ide_dr_title")


def test_a_disease_already_granted_is_not_granted_again() -> None:
    first = case("P055", at=COMPLETED, variant="national_register")
    again = Scenario(first.app, first.app.definition("P055"), "national_register")
    again.when(REG, "create", example("P055")).then(events=["Registered"], stage="review")
    again.when(FIRST, "approve").then_refused("ALREADY_QUALIFIED", "opsp_dise_code")


def test_a_national_revocation_ends_the_disease_once_approved() -> None:
    revocation = case("P055", at=COMPLETED, variant="national_revoke")
    asthma = revocation.app.get_entry("qualification", psn_no(revocation.app, CHEN_JING)).state["chronic"]["M00001"]
    assert (asthma["status"], asthma["revoked_on"]) == ("revoked", "2026-12-05")
    nothing = case("P055", variant="national_revoke", before=())
    nothing.when(REG, "create", example("P055", "revoke")).then(events=["RevocationRegistered"], stage="revoke_review")
    nothing.when(FIRST, "approve").then_refused("NOT_QUALIFIED", "opsp_dise_code")


def test_the_online_application_is_reviewed_twice_then_registered_numbered_and_a_hospital_revoked() -> None:
    online = case("P055", at=COMPLETED, variant="provincial_online")
    number = psn_no(online.app, CHEN_JING)
    assert online.data()["aprv_opnn"] == "同意申办，请打印医疗证"
    asthma = online.app.get_entry("qualification", number).state["chronic"]["M00001"]
    assert (asthma["fixmedins_codes"], asthma["prescription_book_no"], asthma["channel"]) == (
        [HOSPITAL],
        f"{number}-M00001",
        "provincial",
    )


def test_an_online_application_not_meeting_the_conditions_goes_back_with_the_opinion() -> None:
    online = case("P055", at="first_review", variant="provincial_online")
    online.when(FIRST, "reject", comment="出院记录不全，请补充").then(events=["FirstReviewRejected"], stage="rejected")
    assert online.app.look("qualification", psn_no(online.app, CHEN_JING)) is None


def test_the_medical_certificate_shows_the_disease_and_hospitals_granted() -> None:
    online = case("P055", at=COMPLETED, variant="provincial_online")
    assert online.case_id is not None
    view = case_view(online.app, online.case_id, "reg-1")
    rows = dict(document_content(document_named(online.process.documents, "medical-certificate", view), view).rows)
    assert (rows["姓名"], rows["认定病种"], rows["选定医院（定点医药机构编号）"]) == (
        "陈静",
        "M00001 支气管哮喘",
        HOSPITAL,
    )
    assert rows["认定开始日期"] == "2026年12月5日"


def test_an_annual_review_is_recorded_once_a_year_per_disease() -> None:
    review = case("P056", at=COMPLETED, variant="provincial")
    number = psn_no(review.app, CHEN_JING)
    reviews = review.app.get_entry("qualification", number).state["chronic"]["M00001"]["annual_reviews"]
    assert reviews == [{"year": 2026, "reviewed_on": "2026-12-05", "channel": "provincial", "trt_dr_name": "李明"}]
    national = Scenario(review.app, review.app.definition("P056"), "national")
    national.when(REG, "create", example("P056")).then_refused("ANNUAL_REVIEW_DONE", "opsp_dise_codes")
    last_year = Scenario(review.app, review.app.definition("P056"), "national")
    last_year.when(REG, "create", example("P056", year=2025)).then(events=["AnnualReviewChecked"], stage=COMPLETED)
    next_year = Scenario(review.app, review.app.definition("P056"), "national")
    next_year.when(REG, "create", example("P056", year=2027)).then_refused("INVALID_FIELD", "year")


def test_an_annual_review_needs_a_disease_in_effect() -> None:
    provincial = case("P056", variant="provincial")
    provincial.when(
        REG, "create", example("P056", "annual_review_provincial", opsp_dise_codes=["M00002"])
    ).then_refused("NOT_QUALIFIED", "opsp_dise_code")
    nobody = case("P056", variant="national", before=())
    nobody.when(REG, "create", example("P056")).then_refused("NOT_QUALIFIED", "certno")


def test_a_proxy_is_recorded_on_the_diseases_ticked() -> None:
    proxy = case("P057", at=COMPLETED)
    asthma = proxy.app.get_entry("qualification", psn_no(proxy.app, CHEN_JING)).state["chronic"]["M00001"]
    assert asthma["proxy"] == {
        "psn_name": "陈淑芬",
        "certno": "520102196505120022",
        "rlts": "母女",
        "tel": "13800000002",
        "reason": "本人工作繁忙，委托母亲代为开药",
        "fixmedins_name": "贵阳市第一人民医院",
        "client_tel": "13800000001",
        "on": "2026-12-05",
    }


def test_a_proxy_is_someone_else_for_a_disease_the_holder_has() -> None:
    proxy = case("P057")
    proxy.when(REG, "create", example("P057", agent_certno=CHEN_JING)).then_refused("INVALID_FIELD", "agent_certno")
    proxy.when(REG, "create", example("P057", opsp_dise_codes=["M00002"])).then_refused(
        "NOT_QUALIFIED", "opsp_dise_code"
    )


@pytest.mark.parametrize(
    ("variant", "hospitals"),
    [("national", [HOSPITAL, "H52010300001"]), ("provincial", ["H52010300001"])],
)
def test_the_hospitals_of_a_disease_change(variant: str, hospitals: list[str]) -> None:
    change = case("P058", at=COMPLETED, variant=variant)
    state = change.app.get_entry("qualification", psn_no(change.app, CHEN_JING)).state
    assert state["chronic"]["M00001"]["fixmedins_codes"] == hospitals


def test_a_hospital_change_must_change_something_real() -> None:
    change = case("P058", variant="provincial")
    stage = "modify_provincial"
    change.when(REG, "create", example("P058", stage, remove_fixmedins_codes=["H52010500001"])).then_refused(
        "HOSPITAL_NOT_SELECTED", "remove_fixmedins_codes"
    )
    change.when(
        REG, "create", example("P058", stage, remove_fixmedins_codes=None, add_fixmedins_codes=[HOSPITAL])
    ).then_refused("HOSPITAL_ALREADY_SELECTED", "add_fixmedins_codes")
    change.when(
        REG, "create", example("P058", stage, remove_fixmedins_codes=[HOSPITAL], add_fixmedins_codes=None)
    ).then_refused("LAST_HOSPITAL", "add_fixmedins_codes")
    change.when(
        REG, "create", example("P058", stage, remove_fixmedins_codes=None, add_fixmedins_codes=None)
    ).then_refused("INVALID_FIELD", "add_fixmedins_codes")


@pytest.mark.parametrize(
    ("variant", "form"), [("lost", "medical-certificate-reissue"), ("damaged", "medical-certificate-replacement")]
)
def test_the_certificate_is_printed_again_with_what_the_person_holds(variant: str, form: str) -> None:
    # The qualification is found by the 人员编号 of the person the 证件号码 found: a lookup reading the one before it.
    reprint = case("P059", at=COMPLETED, variant=variant)
    number = psn_no(reprint.app, CHEN_JING)
    assert reprint.app.get_entry("qualification", number).state["certificates"] == [
        {"kind": variant, "on": "2026-12-05"}
    ]
    assert reprint.case_id is not None
    view = case_view(reprint.app, reprint.case_id, "reg-1")
    rows = dict(document_content(document_named(reprint.process.documents, form, view), view).rows)
    assert (rows["认定病种"], rows["特殊疾病处方本编号"]) == ("M00001 支气管哮喘", f"{number}-M00001")


def test_no_certificate_for_someone_without_a_disease_in_effect() -> None:
    case("P059", variant="lost", before=()).when(REG, "create", example("P059")).then_refused("NOT_QUALIFIED", "certno")


# ---- 城乡居民重大疾病 (P062) -----------------------------------------------------------------------------------


def test_a_major_disease_is_certified_on_the_residents_qualification() -> None:
    certified = case("P062", at=COMPLETED)
    number = psn_no(certified.app, WANG_FANG)
    state = certified.app.get_entry("qualification", number).state
    assert state["major_disease"]["恶性肿瘤"] == {
        "name": "乳腺癌",
        "trt_way": "手术治疗",
        "begndate": "2026-12-05",
        "enddate": "2027-12-04",
        "fixmedins_code": HOSPITAL,
        "certifier_certno": CERTIFICATION_EXPERT,
        "certifier_name": "赵红",
        "status": "active",
        "process_id": "P062",
    }
    assert certified.data()["expert"]["pools"]["major_disease_certification"]["status"] == "in_pool"
    again = Scenario(certified.app, certified.app.definition("P062"))
    again.when(REG, "create", example("P062", begndate="2027-06-01")).then_refused(
        "ALREADY_CERTIFIED", "major_dise_type"
    )


def test_the_service_institution_must_be_a_designated_major_disease_hospital() -> None:
    not_designated = case("P062", before=("P065", "P087"))
    not_designated.when(REG, "create", example("P062")).then_refused("NOT_MAJOR_DISEASE_HOSPITAL", "fixmedins_code")
    before_designation = case("P062")  # designated from 2026-12-01
    before_designation.when(REG, "create", example("P062", begndate="2026-11-30")).then_refused(
        "NOT_MAJOR_DISEASE_HOSPITAL", "fixmedins_code"
    )


def test_the_certifying_physician_must_be_in_the_certification_pool() -> None:
    not_in_pool = case("P062", before=("P065", "P068"))
    not_in_pool.when(REG, "create", example("P062")).then_refused("NOT_CERTIFICATION_PHYSICIAN", "certifier_certno")
    exited = case("P062", before=("P065", "P068", "P087", "P087:exit"))
    exited.when(REG, "create", example("P062")).then_refused("NOT_CERTIFICATION_PHYSICIAN", "certifier_certno")


def test_only_a_resident_insured_on_the_begin_date_is_certified() -> None:
    employee = case("P062")
    employee.when(REG, "create", example("P062", certno=CHEN_JING)).then_refused("NOT_INSURED", "certno")
    employee.when(REG, "create", example("P062", certno=NOBODY)).then_refused("NOT_INSURED", "certno")


def test_stepping_the_certification_back_withdraws_it() -> None:
    certified = case("P062", at=COMPLETED)
    certified.when(REG2, "step_back", comment="确诊单信息有误").then(events=["SteppedBack"], stage="register")
    assert certified.app.look("qualification", psn_no(certified.app, WANG_FANG)) is None


def test_the_rules_are_listed_with_their_seed_sentences() -> None:
    rules = {r.id: r for r in TreatmentApplication.rules}
    assert {"chronic_disease_recent_records", "chronic_disease_signer_title", "remote_care_place"} <= set(rules)
    assert "近两年内" in rules["chronic_disease_recent_records"].source_zh
    assert rules["chronic_disease_recent_records"].parameters == {"years": 2}
    assert date.fromisoformat(RECENT_RECORDS.example["applied_on"]) == TODAY
