"""P054 城乡医疗救助 as a clerk meets it: 就高 de-duplication with numbers, the 资助明细 filed once a person and year,
the insured-only checks, 系统一站式 versus 手工核算 amounts, the 公示 roster, an objection revoking the registration with a
written reply, the county's deterministic 抽查 draw, and every approved sum handed to settlement as a benefit payment."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from pypdf import PdfReader

from tests.unit.gwt import Scenario, application, given, staff
from ybj_kernel.adapters.pdf import render_pdf
from ybj_kernel.batch_import import run_batch, run_list_batch
from ybj_kernel.domain.documents import document_content
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.domain.registry import apply_op, open_entry
from ybj_kernel.domain.rules import run
from ybj_kernel.entrypoints.documents_api import case_view
from ybj_kernel.errors import Conflict, InvalidInput
from ybj_treatment.application import TreatmentApplication
from ybj_treatment.documents.assistance import ANNOUNCEMENT_ROSTER, DISBURSEMENT_SLIP, WRITTEN_REPLY
from ybj_treatment.processes.p054_fields import HOSPITAL_EXAMPLE, ONE_CARD, VISIT, WANG_FANG
from ybj_treatment.processes.p054_stages import CANDIDATES
from ybj_treatment.processes.p054_urban_rural_medical_assistance import P054
from ybj_treatment.registries.assistance import SUBSIDIES
from ybj_treatment.rules.assistance import (
    POLICY,
    AssistancePolicy,
    assistance_amount,
    compliant_selfpay,
    dedupe_subsidy,
    last_twelve_months,
    spot_check_draw,
    spot_checked,
    subsidy_amount,
)
from ybj_treatment.rules.assistance_trials import RULES

TODAY = "2026-12-05"
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "001_42c4e4a66414dc3e.txt"
WANG = WANG_FANG["certno"]  # 王芳, P019's resident: 390 from 2026-01-01, psn_no from enrollment
ZHANG, LI = "52011519920808004X", "520115196001010016"  # on the departments' lists, not insured
CHEN = "520102199003070022"  # 陈静: 310 from 2026-12-01
BY_RULE = {rule.id: rule for rule in RULES}


def trial(rule_id: str, **raw: Any) -> dict[str, Any]:
    return run(BY_RULE[rule_id], raw, date.fromisoformat(TODAY))


def payment(s: Scenario, key: str) -> dict[str, Any] | None:
    return s.app.look("benefit_payment", key)


def walker(role: str, n: int) -> Any:
    return staff(f"{role}-{n}", role)


def advance(s: Scenario, *steps: tuple[str, dict[str, Any] | None]) -> Scenario:
    """Do each stage with its example, or the data given, one person per step."""
    for n, (stage_key, data) in enumerate(steps, start=50):
        stage = P054.stage(stage_key)
        s.when(walker(stage.roles[0], n), stage.action, dict(stage.example) if data is None else data).then(
            events=[stage.event], stage=P054.next_stage(stage_key, s.variant)
        )
    return s


def person_case(variant: str, **changes: Any) -> Scenario:
    """A personal application registered for 王芳 (the example, with changes)."""
    s = given("P054", variant=variant)
    data = {**P054.stage("register_assistance").example, **changes}
    s.when(staff("clerk-1", "registrar"), "create", {k: v for k, v in data.items() if v is not None}).then(
        events=["Registered"], stage="review_assistance" if variant == "identified" else "review_and_publicize"
    )
    return s


# ---- 就高原则 (R21) --------------------------------------------------------------------------------------------------


def test_a_person_on_two_lists_is_kept_once_at_the_higher_standard() -> None:
    kept, dropped = dedupe_subsidy(CANDIDATES)
    assert [(r["psn_name"], r["psn_idet_type"], r["sbsy_kind"], r["sbsy_std"]) for r in kept] == [
        ("王芳", "01", "full", "400.00"),  # 特困供养人员 (全额 = the example contribution 400.00) beats 脱贫人口 100.00
        ("张丽", "03", "fixed", "200.00"),  # 低保 200.00 beats 脱贫人口 100.00
        ("李强", "04", "fixed", "100.00"),
    ]
    assert kept[0]["dept_names"] == ["乡村振兴部门", "民政部门"]
    assert [(r["certno"], r["psn_idet_type"]) for r in dropped] == [(WANG, "04"), (ZHANG, "04")]
    assert dropped[1]["reason"] == "就高去重：按最低生活保障家庭成员（200.00元）资助"
    by_certno = sorted(kept, key=lambda r: str(r["certno"]))
    assert sorted(dedupe_subsidy(list(reversed(CANDIDATES)))[0], key=lambda r: str(r["certno"])) == by_certno


def test_the_dedupe_rule_totals_the_list_and_a_tie_goes_to_the_category_named_first() -> None:
    out = trial("assistance_subsidy_dedupe", candidates=CANDIDATES)
    assert (out["kept_cnt"], out["sbsy_sumamt"]) == (3, "700.00")  # 400.00 + 200.00 + 100.00
    tie = [
        {"certno": ZHANG, "psn_name": "张丽", "psn_idet_type": "05", "dept_name": "人社部门"},
        {"certno": ZHANG, "psn_name": "张丽", "psn_idet_type": "03", "dept_name": "民政部门"},
    ]
    assert [r["psn_idet_type"] for r in trial("assistance_subsidy_dedupe", candidates=tie)["kept"]] == ["03"]


def test_lists_that_give_one_certno_two_names_are_refused() -> None:
    rows = [{**CANDIDATES[0]}, {**CANDIDATES[1], "psn_name": "王方"}]
    with pytest.raises(InvalidInput) as caught:
        trial("assistance_subsidy_dedupe", candidates=rows)
    assert caught.value.field == "candidates"


@pytest.mark.parametrize(("grade", "kept"), [(5, False), (6, False), (7, True), (None, True)])
def test_an_entitled_veteran_is_subsidised_except_a_disabled_soldier_of_grades_one_to_six(
    grade: int | None, kept: bool
) -> None:
    row = {"certno": LI, "psn_name": "李强", "psn_idet_type": "09", "dept_name": "退役军人事务部门"}
    found, dropped = dedupe_subsidy([{**row, "disabled_soldier_grade": grade}])
    assert bool(found) is kept
    assert [d["reason"] for d in dropped] == ([] if kept else ["优抚对象不含一至六级残疾军人"])


# ---- the other rules -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "grade", "allowed", "code"),
    [
        ("01", None, True, None),
        ("09", 7, True, None),
        ("09", 3, False, "DISABLED_SOLDIER_EXCLUDED"),
        ("15", None, False, "NOT_IDENTIFIED_RECIPIENT"),
    ],
)
def test_who_is_an_identified_recipient(kind: str, grade: int | None, allowed: bool, code: str | None) -> None:
    out = trial("assistance_identified_recipient", psn_idet_type=kind, disabled_soldier_grade=grade)
    assert out["allowed"] is allowed
    assert [r["code"] for r in out["reasons"]] == ([code] if code else [])


@pytest.mark.parametrize(
    ("kind", "paid", "owed"),
    [("01", "400.00", "400.00"), ("03", "400.00", "200.00"), ("03", "150.00", "150.00"), ("04", "400.00", "100.00")],
)
def test_the_subsidy_owed_after_payment(kind: str, paid: str, owed: str) -> None:
    assert subsidy_amount(kind, Decimal(paid)) == Decimal(owed)
    assert trial("assistance_subsidy_amount", psn_idet_type=kind, psn_clct_amt=paid)["sbsy_amt"] == owed


def test_the_assistance_amount_is_the_compliant_self_pay_times_the_example_ratio() -> None:
    out = trial(
        "assistance_amount", psn_idet_type="03", inscp_scp_amt="10000.00", hifp_pay="6000.00", hifmi_pay="1000.00"
    )
    assert out == {"compliant_selfpay_amt": "3000.00", "asst_ratio": "0.70", "maf_pay": "2100.00"}
    assert assistance_amount("15", Decimal("3000.00")) == Decimal("1500.00")  # 未明确身份: 0.50
    assert assistance_amount("03", Decimal("0.05")) == Decimal("0.04")  # 0.035 rounds half up
    assert compliant_selfpay(Decimal("100"), Decimal("60"), Decimal("10"), Decimal("5")) == Decimal("25")
    with pytest.raises(InvalidInput):
        trial("assistance_amount", psn_idet_type="03", inscp_scp_amt="100.00", hifp_pay="90.00", hifmi_pay="20.00")


def test_the_spot_check_draw_is_sm3_of_the_batch_and_certno_against_the_example_ratio() -> None:
    # SM3("520115-202612-01:52011519850312002X") begins 86823703: 0x86823703 / 16^8 = 0.5254 ≥ 0.20, not drawn.
    assert (spot_check_draw("520115-202612-01", WANG), spot_checked("520115-202612-01", WANG)) == (
        Decimal("0.5254"),
        False,
    )
    assert (spot_check_draw("520115-202612-03", WANG), spot_checked("520115-202612-03", WANG)) == (
        Decimal("0.1936"),
        True,
    )
    out = trial("assistance_spot_check", pub_batch_no="520115-202612-03", certnos=[WANG.lower(), ZHANG])
    assert out["sampled"] == [WANG]
    assert out["ratio"] == "0.20"
    many = [f"5201151980010100{i:02d}" for i in range(100)]
    drawn = sum(spot_checked(f"B{b}", c) for b in range(10) for c in many)
    assert 170 <= drawn <= 230  # about 20% of 1000 draws


def test_the_ratio_is_a_labelled_example_in_the_policy() -> None:
    assert POLICY.spot_check_ratio == Decimal("0.20")
    assert POLICY.describe()["example"] is True
    assert not spot_checked("520115-202612-03", WANG, AssistancePolicy(spot_check_ratio=Decimal("0")))
    assert spot_checked("520115-202612-01", WANG, AssistancePolicy(spot_check_ratio=Decimal("1")))


def test_near_one_year_is_the_twelve_whole_months_before_the_application_month() -> None:
    assert last_twelve_months(date(2026, 12, 1)) == (date(2025, 12, 1), date(2026, 11, 30))
    assert last_twelve_months(date(2026, 3, 15)) == (date(2025, 3, 1), date(2026, 2, 28))


def test_every_rule_quotes_its_seed_sentences_verbatim() -> None:
    seed = re.sub(r"\s+", "", SEED.read_text(encoding="utf-8"))
    for rule in RULES:
        quotes = re.findall(r"「(.+?)」", rule.source_zh)
        assert quotes, rule.id
        for quote in quotes:
            assert quote in seed, f"{rule.id}: {quote}"


# ---- 缴费时批量资助 ------------------------------------------------------------------------------------------------


def test_the_batch_imports_the_lists_pushes_them_to_tax_and_files_each_subsidy_once() -> None:
    s = given("P054", at="subsidy_registration_review", variant="subsidy_batch")
    data = s.data()
    assert (data["cand_cnt"], data["sbsy_std_sumamt"]) == (3, "700.00")
    assert data["candidate_lines"][0] == "王芳 52011519850312002X 特困供养人员 400.00元"
    s.walk_to(COMPLETED)
    grant = s.app.get_entry("assistance_subsidy", f"2027-{WANG}").state
    assert (grant["sbsy_amt_fen"], grant["sbsy_mode"], grant["psn_idet_type"]) == (40000, "batch", "01")
    assert s.app.get_entry("assistance_subsidy", f"2027-{ZHANG}").state["sbsy_amt_fen"] == 20000
    paid = payment(s, "P054-520115-2027-2027-01")
    assert paid is not None
    assert (paid["payee_type"], paid["amount_fen"], paid["payee_id"]) == ("institution", 70000, "520115")


def test_tax_returns_only_people_it_was_sent_and_the_reviewer_withholds_only_returned_ones() -> None:
    s = given("P054", at="subsidy_registration_review", variant="subsidy_batch")
    s.when(staff("rev-1", "first_reviewer"), "approve", {"excluded": [LI], "push_date": "2026-12-01"}).then(
        events=["SubsidyListPushedToTaxBureau"], stage="tax_payment_result"
    )
    tax = staff("tax-1", "tax_bureau")
    late = {"rtn_date": "2026-12-04", "results": [{"certno": LI, "pay_result": "1", "psn_pay_amt": "300.00"}]}
    s.when(tax, "tax_payment_result", late).then_refused("NOT_LISTED", "results")
    back = {"rtn_date": "2026-12-04", "results": [{"certno": WANG, "pay_result": "2", "psn_pay_amt": "0.00"}]}
    s.when(tax, "tax_payment_result", back).then(events=["TaxPaymentResultReturned"], stage="subsidy_person_review")
    s.when(staff("rev-2", "first_reviewer"), "subsidy_person_review", {"withheld": [ZHANG]}).then_refused(
        "NOT_LISTED", "withheld"
    )
    s.when(staff("rev-2", "first_reviewer"), "subsidy_person_review", {}).then(
        events=["SubsidyDetailsGenerated"], stage="disburse_subsidy"
    )
    assert (s.data()["sbsy_cnt"], s.data()["sbsy_sumamt"]) == (1, "400.00")  # 张丽 was not returned: not paid
    s.when(staff("fin-1", "finance"), "disburse_subsidy", {"disb_date": TODAY}).then_refused(
        "MISSING_FIELD", "fund_acct_name"
    )


def test_a_zero_declaration_pays_nothing_personally() -> None:
    s = given("P054", at="tax_payment_result", variant="subsidy_batch")
    bad = {"rtn_date": "2026-12-04", "results": [{"certno": WANG, "pay_result": "2", "psn_pay_amt": "10.00"}]}
    s.when(staff("tax-1", "tax_bureau"), "tax_payment_result", bad).then_refused("INVALID_FIELD", "results.0")


def test_the_candidate_lists_upload_into_one_case_and_bad_rows_are_reported() -> None:
    app = application(TreatmentApplication)
    rows = [(i + 2, dict(r)) for i, r in enumerate(CANDIDATES)]
    rows.append(
        (7, {"certno": "520115196001010017", "psn_name": "赵六", "psn_idet_type": "04", "dept_name": "民政部门"})
    )
    data = {"admdvs": "520115", "clct_year": 2027, "sbsy_batch_no": "2027-02"}
    outcome = run_list_batch(
        app,
        "P054",
        "subsidy_batch",
        data,
        {"candidates": rows},
        staff("clerk-1", "registrar"),
        mode="valid_rows",
        fingerprint="f1",
        file_name="需资助人员名单.xlsx",
    )
    assert [(e["row"], e["field"]) for e in outcome.batch.errors] == [(7, "需资助人员名单/certno")]
    case = app.get_case(UUID(outcome.batch.case_ids[0]))
    assert (case.stage, case.data["cand_cnt"]) == ("subsidy_registration_review", 3)


# ---- 缴费后单个资助 ------------------------------------------------------------------------------------------------


def test_a_single_subsidy_pays_the_residents_one_card_and_files_the_subsidy() -> None:
    s = given("P054", at=COMPLETED, variant="subsidy_single")
    assert (s.data()["sbsy_kind"], s.data()["sbsy_amt"]) == ("fixed", "200.00")  # 低保: 200.00 of 400.00 paid
    paid = payment(s, f"P054-2026-{WANG}")
    assert paid is not None
    assert (paid["payee_type"], paid["payee_id"], paid["amount_fen"]) == ("person", s.data()["psn_no"], 20000)
    assert paid["bank"]["bank_acct"] == ONE_CARD["bank_acct"]
    s.when(staff("fin-9", "finance"), "step_back", comment="拨付日期有误").then(
        events=["SteppedBack"], stage="disburse_subsidy"
    )
    assert payment(s, f"P054-2026-{WANG}") is None
    assert s.app.look("assistance_subsidy", f"2026-{WANG}") is None


@pytest.mark.parametrize(
    ("certno", "name"),
    [(ZHANG, "张丽"), (CHEN, "陈静")],  # not enrolled at all; enrolled as an employee (310), not a resident
)
def test_a_single_subsidy_needs_an_insured_resident(certno: str, name: str) -> None:
    s = given("P054", variant="subsidy_single")
    data = {**P054.stage("register_subsidy").example, "certno": certno, "psn_name": name}
    s.when(staff("clerk-1", "registrar"), "create", data).then_refused("NOT_INSURED", "certno")


def test_someone_subsidised_in_a_batch_cannot_be_subsidised_again_that_year() -> None:
    s = given("P054", at=COMPLETED, variant="subsidy_batch")  # 王芳 subsidised for 2027
    single = Scenario(s.app, P054, "subsidy_single")
    data = {**P054.stage("register_subsidy").example, "clct_year": 2027}
    outcome = single.when(staff("clerk-2", "registrar"), "create", data)
    outcome.then_refused("ALREADY_SUBSIDIZED", "certno")
    assert outcome.error is not None
    assert "缴费时批量资助" in outcome.error.message_zh


def test_the_subsidy_registry_refuses_a_second_grant() -> None:
    grant = {
        "certno": WANG,
        "psn_name": "王芳",
        "psn_idet_type": "03",
        "clct_year": 2026,
        "sbsy_amt_fen": 20000,
        "sbsy_mode": "single",
        "admdvs": "520115",
    }
    entry = open_entry(SUBSIDIES, f"2026-{WANG}", "grant", grant, "case-1")
    with pytest.raises(Conflict) as caught:
        apply_op(SUBSIDIES, entry, "grant", grant, "case-2")
    assert (caught.value.code, caught.value.field) == ("ALREADY_SUBSIDIZED", "certno")


def test_a_disabled_soldier_of_grade_three_is_not_subsidised() -> None:
    s = given("P054", variant="subsidy_single")
    data = {**P054.stage("register_subsidy").example, "psn_idet_type": "09", "disabled_soldier_grade": 3}
    s.when(staff("clerk-1", "registrar"), "create", data).then_refused(
        "DISABLED_SOLDIER_EXCLUDED", "disabled_soldier_grade"
    )


# ---- 医疗机构现场结算 ---------------------------------------------------------------------------------------------


def onsite(with_hospital: bool = True) -> Scenario:
    app = application(TreatmentApplication)
    if with_hospital:
        Scenario(app, app.definition("P065")).walk_to(COMPLETED)  # admits H52010200001
    return Scenario(app, P054, "onsite_settlement")


def test_a_hospital_settles_on_site_declares_the_stage_and_is_repaid_into_its_corporate_account() -> None:
    s = onsite()
    s.walk_to("agency_review")
    assert [r["maf_pay"] for r in s.data()["settled"]] == ["2100.00", "600.00"]  # 3000.00 x 0.70, 1000.00 x 0.60
    assert (s.data()["psn_cnt"], s.data()["maf_pay_sumamt"]) == (2, "2700.00")
    s.walk_to("disbursement_slip")
    assert s.case_id is not None
    slip = document_content(DISBURSEMENT_SLIP, case_view(s.app, s.case_id, "rev-1"))
    assert ("救助金额合计（垫付）", "2,700.00 元") in slip.rows
    s.walk_to(COMPLETED)
    paid = payment(s, "P054-H52010200001-2026-11-01-2026-11-30")
    assert paid is not None
    assert (paid["payee_type"], paid["payee_id"], paid["amount_fen"]) == ("institution", "H52010200001", 270000)
    assert paid["bank"]["bank_acct"] == "2402001109000012345"


def test_on_site_assistance_needs_a_designated_hospital() -> None:
    s = onsite(with_hospital=False)
    s.when(staff("his-1", "institution"), "create", dict(P054.stage("onsite_settlement").example)).then_refused(
        "NOT_DESIGNATED", "fixmedins_code"
    )


def test_a_declared_visit_outside_the_period_and_an_excluded_veteran_are_refused() -> None:
    s = onsite()
    example = dict(P054.stage("onsite_settlement").example)
    veteran = {**example["settlements"][1], "psn_idet_type": "09", "disabled_soldier_grade": 2}
    s.when(staff("his-1", "institution"), "create", {**example, "settlements": [veteran]}).then_refused(
        "DISABLED_SOLDIER_EXCLUDED", "settlements.0.disabled_soldier_grade"
    )
    s.walk_to("institution_declaration")
    late = {**P054.stage("institution_declaration").example, "enddate": "2026-11-22"}
    s.when(staff("his-2", "institution"), "institution_declaration", late).then_refused("OUTSIDE_PERIOD", "enddate")


# ---- 个人申请：已明确身份 -------------------------------------------------------------------------------------------


def test_an_identified_recipient_is_assisted_at_the_system_amount_and_paid_into_the_one_card() -> None:
    s = given("P054", at=COMPLETED, variant="identified")
    assert (s.data()["compliant_selfpay_amt"], s.data()["maf_pay"], s.data()["calc_way"]) == ("3000.00", "2100.00", "1")
    paid = payment(s, f"P054-{WANG}-{VISIT['setl_id']}")
    assert paid is not None
    assert (paid["payee_type"], paid["payee_id"], paid["amount_fen"]) == ("person", s.data()["psn_no"], 210000)


@pytest.mark.parametrize(("certno", "name"), [(ZHANG, "张丽"), (CHEN, "陈静")])  # 陈静 is insured from 2026-12-01 only
def test_the_applicant_must_be_insured_on_the_day_of_the_settlement(certno: str, name: str) -> None:
    s = given("P054", variant="identified")
    data = {**P054.stage("register_assistance").example, "certno": certno, "psn_name": name}
    s.when(staff("clerk-1", "registrar"), "create", data).then_refused("NOT_INSURED", "certno")


def test_the_same_settlement_is_not_registered_twice() -> None:
    s = given("P054", at="review_assistance", variant="identified")
    again = Scenario(s.app, P054, "identified")
    again.when(staff("clerk-2", "registrar"), "create", dict(P054.stage("register_assistance").example)).then_refused(
        "DUPLICATE", "setl_id"
    )


def test_an_unidentified_category_cannot_pass_the_identified_review() -> None:
    s = person_case("identified", psn_idet_type="15")
    s.when(staff("rev-1", "first_reviewer"), "approve", {}).then_refused("NOT_IDENTIFIED_RECIPIENT", "psn_idet_type")


def test_a_non_designated_hospital_is_computed_by_hand_up_to_the_compliant_self_pay() -> None:
    s = person_case("identified", fixmedins_code=None, fixmedins_name="花溪区青岩镇卫生院（非定点）")
    reviewer = staff("rev-1", "first_reviewer")
    s.when(reviewer, "approve", {}).then_refused("MISSING_FIELD", "maf_pay")
    s.when(reviewer, "approve", {"maf_pay": "3000.01"}).then_refused("ABOVE_SELFPAY", "maf_pay")
    s.when(reviewer, "approve", {"maf_pay": "2500.00"}).then(events=["ReviewApproved"], stage="approve_assistance")
    assert (s.data()["maf_pay"], s.data()["calc_way"]) == ("2500.00", "2")


def test_a_designated_hospitals_amount_is_the_systems() -> None:
    s = person_case("identified")
    s.when(staff("rev-1", "first_reviewer"), "approve", {"maf_pay": "100.00"}).then_refused(
        "SYSTEM_CALCULATED", "maf_pay"
    )


# ---- 个人申请：未明确身份 -------------------------------------------------------------------------------------------


def test_the_public_notice_roster_holds_the_six_items_of_the_guide() -> None:
    s = given("P054", at="announcement_result_review", variant="unidentified")
    assert s.data()["roster_row"] == {
        "psn_name": "王芳",
        "addr": "贵阳市花溪区青岩镇龙井村",
        "psn_idet_type": "因医疗自付费用过高导致家庭无力承担的患者",
        "compliant_selfpay_amt": "3000.00",
        "pub_date": "2026-12-02",
        "sup_tel": "0851-83851234",
    }
    assert s.case_id is not None
    roster = document_content(ANNOUNCEMENT_ROSTER, case_view(s.app, s.case_id, "rev-1"))
    assert roster.rows == (
        ("公示批次号", "520115-202612-01"),
        ("救助对象姓名", "王芳"),
        ("地址", "贵阳市花溪区青岩镇龙井村"),
        ("人员属性", "因医疗自付费用过高导致家庭无力承担的患者"),
        ("就医合规个人自付费用", "3,000.00 元"),
        ("公示时间", "2026年12月2日"),
        ("监督举报电话", "0851-83851234"),
    )


def test_the_roster_prints_as_a_pdf_that_reads_back() -> None:
    s = given("P054", at="announcement_result_review", variant="unidentified")
    assert s.case_id is not None
    content = document_content(ANNOUNCEMENT_ROSTER, case_view(s.app, s.case_id, "rev-1"))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(content))).pages)
    assert all(words in re.sub(r"\s+", "", text) for words in ("公示人员名册", "王芳", "0851-83851234", "3,000.00元"))


def test_the_notice_needs_the_investigation_and_a_years_income_statement() -> None:
    notice = dict(P054.stage("review_and_publicize").example)
    reviewer = staff("rev-1", "first_reviewer")
    s = person_case("unidentified")
    s.when(reviewer, "review_and_publicize", {**notice, "income_begndate": "2026-01-01"}).then_refused(
        "INCOME_NOT_COVERED", "income_begndate"
    )
    s.when(reviewer, "review_and_publicize", {**notice, "income_enddate": "2026-10-31"}).then_refused(
        "INCOME_NOT_COVERED", "income_enddate"
    )
    uninvestigated = person_case("unidentified", invest_info=None)
    uninvestigated.when(reviewer, "review_and_publicize", notice).then_refused("MISSING_FIELD", "invest_info")


def test_a_notice_batch_imports_one_case_a_person_up_to_the_result_review_and_refuses_the_uninsured() -> None:
    app = application(TreatmentApplication)
    row: dict[str, Any] = {}
    for key in ("register_assistance", "review_and_publicize", "announcement_result_review"):
        row.update(P054.stage(key).example)
    uninsured = {**row, "certno": ZHANG, "psn_name": "张丽", "setl_id": "520115202611200002"}
    uploader = Actor("clerk-1", ("registrar", "first_reviewer"), "520000")
    outcome = run_batch(
        app,
        "P054",
        "unidentified",
        [(2, row), (3, uninsured)],
        uploader,
        mode="valid_rows",
        fingerprint="f",
        file_name="公示批次.xlsx",
    )
    assert [(e["row"], e["code"], e["field"]) for e in outcome.batch.errors] == [(3, "NOT_INSURED", "certno")]
    case = app.get_case(UUID(outcome.batch.case_ids[0]))
    assert (case.stage, case.data["maf_pay"]) == ("county_review", "1500.00")


def test_an_upheld_objection_revokes_the_registration_with_a_written_reply_and_nothing_is_paid() -> None:
    s = given("P054", at="announcement_result_review", variant="unidentified")
    reviewer = staff("rev-7", "first_reviewer")
    s.when(reviewer, "revoke", {}).then_refused("REASON_REQUIRED", "comment")
    s.when(reviewer, "revoke", {"revoke_basis": "1"}, comment="村民举报：家庭有营运车辆两台，经核实属实").then(
        events=["AssistanceRegistrationRevoked"], stage="revoked"
    )
    assert s.data()["reply_opinion"] == "经举报信息核实，您不符合城乡医疗救助条件，现撤销救助登记。"
    assert s.case_id is not None
    reply = document_content(WRITTEN_REPLY, case_view(s.app, s.case_id, "rev-7"))
    assert ("撤销情形", "举报信息核实不符合救助") in reply.rows
    assert payment(s, f"P054-{WANG}-{VISIT['setl_id']}") is None


def test_an_objection_verified_as_unfounded_goes_on_and_an_objection_needs_its_verification() -> None:
    s = given("P054", at="announcement_result_review", variant="unidentified")
    reviewer = staff("rev-7", "first_reviewer")
    s.when(reviewer, "announcement_result_review", {"objection": True, "objection_info": "反映其有存款"}).then_refused(
        "INVALID_FIELD"
    )
    verified = {
        "objection": True,
        "objection_info": "反映其有存款",
        "verify_opinion": "经核实存款为他人代管，复核救助条件",
    }
    s.when(reviewer, "announcement_result_review", verified).then(
        events=["AnnouncementResultReviewed"], stage="county_review"
    )
    assert s.data()["maf_pay"] == "1500.00"  # 3000.00 x 0.50 (未明确身份, example ratio)


def _at_county(batch: str) -> Scenario:
    s = person_case("unidentified")
    notice = {**P054.stage("review_and_publicize").example, "pub_batch_no": batch}
    return advance(s, ("review_and_publicize", notice), ("announcement_result_review", None))


def test_the_county_must_record_the_spot_check_of_a_person_the_draw_picked() -> None:
    s = _at_county("520115-202612-03")  # 王芳's draw 0.1936 < 0.20
    county = staff("county-1", "approver")
    s.when(county, "approve", {}).then_refused("SPOT_CHECK_REQUIRED", "spot_check_result")
    s.when(county, "approve", {"spot_check_result": "2", "spot_checkers": "龙井村委李华"}).then_refused(
        "SPOT_CHECK_NOT_CONFIRMED", "spot_check_result"
    )
    s.when(staff("rev-8", "first_reviewer"), "revoke", {"revoke_basis": "2"}, comment="抽查：家庭收入不属实").then(
        events=["AssistanceRegistrationRevoked"], stage="revoked"
    )
    assert s.data()["reply_opinion"] == "经县级组织镇村干部抽查复核，您的申请情况不属实，现撤销救助登记。"


def test_a_person_the_draw_passed_over_is_approved_without_a_spot_check() -> None:
    s = _at_county("520115-202612-01")  # 王芳's draw 0.5254
    s.when(staff("county-1", "approver"), "approve", {}).then(
        events=["AssistanceApproved"], stage="register_after_approval"
    )
    assert (s.data()["spot_check_draw"], s.data()["spot_checked"]) == ("0.5254", False)


def test_unchallenged_after_the_long_term_notice_the_one_card_is_paid() -> None:
    s = given("P054", at="revoke_registration", variant="unidentified")
    s.when(staff("rev-9", "first_reviewer"), "skip").then(events=["RevokeRegistrationSkipped"], stage=COMPLETED)
    paid = payment(s, f"P054-{WANG}-{VISIT['setl_id']}")
    assert paid is not None
    assert paid["amount_fen"] == 150000


def test_revoked_at_the_end_nothing_is_handed_to_settlement() -> None:
    s = given("P054", at=COMPLETED, variant="unidentified")
    assert s.data()["registration_revoked"] is True
    assert payment(s, f"P054-{WANG}-{VISIT['setl_id']}") is None


def test_no_revocation_once_the_assistance_is_being_paid() -> None:
    s = given("P054", at="disburse_assistance", variant="unidentified")
    s.when(staff("rev-9", "first_reviewer"), "revoke", {}, comment="举报").then_refused("ACTION_NOT_ALLOWED")


def test_the_example_data_is_the_briefs() -> None:
    assert WANG_FANG == {"certno": "52011519850312002X", "psn_name": "王芳"}
    assert HOSPITAL_EXAMPLE["fixmedins_code"] == "H52010200001"
