"""零星报销 (P048, P049) and 生育 (P050-P053): the policy table, the settlement rule, the claims and what they pay.

The figures below are worked by hand from the EXAMPLE policy table (ybj_treatment/policy/examples.yaml), as a clerk
would check them: 全自费 (丙类) and 先行自付 (乙类 × 10%) first, then the 起付线, then the 统筹支付比例 of the rest.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.unit.gwt import TODAY, Scenario, application, staff
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.documents import available_documents, document_content, document_named
from ybj_kernel.domain.identity import certno_check_digit
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.domain.rules import RuleBook, run
from ybj_kernel.entrypoints.documents_api import case_view
from ybj_kernel.entrypoints.http_common import install_error_handlers
from ybj_kernel.entrypoints.rules_api import rules_router
from ybj_kernel.errors import Conflict, InvalidInput, NotFound
from ybj_treatment.application import TreatmentApplication
from ybj_treatment.areas.reimbursement import EXAMPLE_PREREQUISITES, RULES
from ybj_treatment.policy.cost_share import TABLE, ParameterVersion, PolicyFileError, parse_table, terms_on
from ybj_treatment.processes.p048_outpatient_expense_reimbursement import P048
from ybj_treatment.processes.p049_inpatient_expense_reimbursement import P049
from ybj_treatment.rules.reimbursement import SETTLEMENT, maternity_allowance
from ybj_treatment.rules.reimbursement_models import AllowanceInput

WANG_FANG = "52011519850312002X"  # 城乡居民 390 from 2026-01-01, woman
CHEN_JING = "520102199003070022"  # 职工 310 from 2026-12-01, woman, employed by 52010213594430
LIU_YANG = "520102198804150036"  # 灵活就业 310 from 2026-12-01, man
NOBODY = "52010219950101001" + certno_check_digit("52010219950101001")  # a valid 身份证号 never enrolled
BOOK = RuleBook(RULES)  # this area's rules, as TreatmentApplication.rules lists them among the others
HOSPITAL = "H52010200001"  # P065's example: 贵阳市第一人民医院, hosp_lv 01, parameters from 2026-12-01


def line(kind: str, code: str, name: str, level: str, cnt: str, pric: str, amount: str) -> dict[str, str]:
    return {
        "med_chrgitm_type": kind,
        "hilist_code": code,
        "hilist_name": name,
        "chrgitm_lv": level,
        "cnt": cnt,
        "pric": pric,
        "det_item_fee_sumamt": amount,
    }


# A stay of a week: 甲类 3760.00, 乙类 450.65, 丙类 680.00; 总额 4890.65.
DOZEN = [
    line("01", "110900001", "普通病房床位费", "01", "7", "45.00", "315.00"),
    line("07", "120100001", "Ⅰ级护理", "01", "7", "28.00", "196.00"),
    line("02", "110200001", "住院诊查费", "01", "7", "12.00", "84.00"),
    line("03", "220600001", "腹部B超", "01", "1", "160.00", "160.00"),
    line("04", "250101001", "血常规", "01", "2", "30.00", "60.00"),
    line("06", "311201001", "腹腔镜下阑尾切除术", "01", "1", "2860.00", "2860.00"),
    line("05", "120400001", "静脉输液", "01", "10", "8.50", "85.00"),
    line("09", "XJ01DCC090B002010104523", "注射用头孢呋辛钠", "02", "12", "18.36", "220.32"),
    line("09", "XA02BCA010E001010104402", "奥美拉唑肠溶胶囊", "02", "14", "1.2345", "17.28"),  # 17.283 → 17.28
    line("11", "ZA01BAP0100010102583", "蒲地蓝消炎口服液", "02", "5", "4.39", "21.95"),
    line("08", "C0207010000000", "可吸收缝合线", "02", "2", "95.55", "191.10"),
    line("08", "C0301050010000", "一次性使用腹腔镜穿刺器", "03", "1", "680.00", "680.00"),
]
TOTAL = "4890.65"


# ---- helpers ------------------------------------------------------------------------------------------------------


def treatment() -> CaseApplication:
    """A treatment application where P065's example hospital is admitted (the area's example prerequisites)."""
    app = application(TreatmentApplication)
    for needed in EXAMPLE_PREREQUISITES["P049"]:
        Scenario(app, app.definition(needed)).walk_to(COMPLETED)
    return app


def inpatient(**changes: Any) -> dict[str, Any]:
    """王芳's 住院 claim at the example hospital, admitted before the 2026-07-01 policy change."""
    return {
        "certno": WANG_FANG,
        "admdvs": "520115",
        "fixmedins_code": HOSPITAL,
        "invoice_no": "ZY2026051600042",
        "begndate": "2026-05-10",
        "enddate": "2026-05-16",
        "dise_name": "急性阑尾炎",
        **changes,
    }


def opened(app: CaseApplication, process_id: str, data: dict[str, Any], variant: str | None = None) -> Scenario:
    case = Scenario(app, app.definition(process_id), variant)
    case.when(staff("reg-1", "registrar"), "create", data).then(
        events=["Registered"], stage=case.process.path(variant)[1].key
    )
    return case


def settled_claim(app: CaseApplication, data: dict[str, Any], lines: list[dict[str, Any]] = DOZEN) -> Scenario:
    """A P049 claim registered, its lines entered and reviewed, and settled (each step by another person)."""
    case = opened(app, "P049", data)
    total = str(sum(Decimal(x["det_item_fee_sumamt"]) for x in lines))
    case.when(staff("reg-2", "registrar"), "detail_entry", {"lines": lines, "medfee_sumamt": total}).then(
        events=["DetailsEntered"], stage="detail_review"
    )
    case.when(staff("rev-1", "first_reviewer"), "approve").then(events=["DetailsReviewed"], stage="settle")
    case.when(staff("reg-3", "registrar"), "settle", {}).then(events=["Settled"], stage="settlement_review")
    return case


def payment(app: CaseApplication, key: str) -> dict[str, Any]:
    entry = app.get_entry("benefit_payment", key)
    assert entry.in_effect
    return dict(entry.state)


# ---- the policy table ---------------------------------------------------------------------------------------------


def test_the_table_is_labelled_as_example_and_selected_by_visit_date() -> None:
    assert TABLE.example
    assert "示例" in TABLE.note_zh
    before = TABLE.row_for("390", "01", "21", date(2026, 6, 30))
    after = TABLE.row_for("390", "01", "21", date(2026, 7, 1))
    assert before is not None
    assert after is not None
    assert (before.dedc_std, before.selfpay_prop) == (Decimal("1000.00"), Decimal("0.45"))
    assert (after.dedc_std, after.selfpay_prop) == (Decimal("800.00"), Decimal("0.40"))
    assert TABLE.row_for("390", "01", "21", date(2025, 12, 31)) is None


GOOD_HEAD = 'example: true\nnote_zh: "示例"\nnote_en: "example"\ninstitution_override_med_types: ["21"]\nrows:\n'
ROW = (
    '  - {insutype: "390", hosp_lv: "01", med_type: "21", begndate: %s, enddate: %s, dedc_std: %s, '
    'selfpay_prop: %s, prepay_prop: "0.10", hifp_cap: null}\n'
)


@pytest.mark.parametrize(
    ("rows", "named"),
    [
        (
            ROW % ("2026-01-01", "null", '"1000.00"', "0.45"),
            r"row 1 \(390/01/21 from 2026-01-01\): selfpay_prop: .*quoted",
        ),
        (ROW % ("2026-01-01", "null", '"1000.00"', '"1.45"'), r"row 1 .*selfpay_prop"),
        (ROW % ("2026-03-01", "2026-02-01", '"1000.00"', '"0.45"'), r"row 1 .*enddate is before begndate"),
        (
            ROW % ("2026-01-01", "2026-06-30", '"1000.00"', '"0.45"')
            + ROW % ("2026-06-30", "null", '"800.00"', '"0.40"'),
            r"rows 1 and 2 \(390/01/21\): periods overlap",
        ),
        (ROW.replace("hifp_cap", "hifp_cp") % ("2026-01-01", "null", '"1"', '"0.4"'), r"row 1 .*hifp_c"),
    ],
    ids=["float ratio", "ratio above 1", "end before start", "overlap", "misspelt key"],
)
def test_a_bad_policy_file_fails_loudly_naming_the_row(rows: str, named: str) -> None:
    with pytest.raises(PolicyFileError, match=rf"^test\.yaml, {named}"):
        parse_table(GOOD_HEAD + rows, "test.yaml")


def test_an_institutions_parameters_replace_the_table_from_their_execution_date_for_a_stay_only() -> None:
    stay = TABLE.row_for("390", "01", "21", date(2026, 12, 2))
    visit = TABLE.row_for("390", "01", "11", date(2026, 12, 2))
    assert stay is not None
    assert visit is not None
    versions = [
        ParameterVersion(date(2026, 12, 1), 80000, Decimal("0.15")),
        ParameterVersion(date(2027, 1, 1), 60000, Decimal("0.12")),
    ]
    on_stay = terms_on(stay, versions, date(2026, 12, 2), TABLE.override_med_types)
    assert (on_stay.dedc_std, on_stay.selfpay_prop, on_stay.dedc_source) == (
        Decimal("800.00"),
        Decimal("0.15"),
        "institution 2026-12-01",
    )
    before = terms_on(stay, versions, date(2026, 11, 30), TABLE.override_med_types)
    assert (before.dedc_std, before.selfpay_prop, before.selfpay_source) == (
        Decimal("800.00"),
        Decimal("0.40"),
        "table",
    )
    outpatient = terms_on(visit, versions, date(2026, 12, 2), TABLE.override_med_types)
    assert (outpatient.dedc_std, outpatient.selfpay_prop) == (Decimal("0.00"), Decimal("0.60"))


# ---- the settlement rule --------------------------------------------------------------------------------------------


def trial(**changes: Any) -> dict[str, Any]:
    raw = {"insutype": "390", "hosp_lv": "01", "med_type": "21", "begndate": "2026-05-10", "lines": DOZEN, **changes}
    return run(SETTLEMENT, raw, TODAY)


def test_a_dozen_lines_settle_to_the_fen_with_the_policy_of_the_visit_date() -> None:
    out = trial()
    assert (out["medfee_sumamt"], out["cls_a_amt"], out["cls_b_amt"], out["fulamt_ownpay_amt"]) == (
        TOTAL,
        "3760.00",
        "450.65",
        "680.00",
    )
    assert out["preselfpay_amt"] == "45.07"  # 450.65 × 10% = 45.065, half up (half even would give 45.06)
    assert out["inscp_scp_amt"] == "4165.58"  # 4890.65 − 680.00 − 45.07
    assert (out["act_pay_dedc"], out["pool_base"]) == ("1000.00", "3165.58")
    assert out["hifp_pay"] == "1741.07"  # 3165.58 × 55% = 1741.069
    assert (out["copay_amt"], out["psn_selfpay"], out["psn_part_amt"]) == ("1424.51", "2424.51", "3149.58")
    assert Decimal(out["hifp_pay"]) + Decimal(out["psn_part_amt"]) == Decimal(TOTAL)
    assert Decimal(out["psn_selfpay"]) + Decimal(out["preselfpay_amt"]) + Decimal(out["fulamt_ownpay_amt"]) == Decimal(
        out["psn_part_amt"]
    )
    assert out["policy"]["row"]["begndate"] == "2026-01-01"
    assert out["policy"]["example"] is True
    after = trial(begndate="2026-08-03")
    assert (after["act_pay_dedc"], after["hifp_pay"]) == ("800.00", "2019.35")  # 3365.58 × 60% = 2019.348


def test_the_cap_left_this_year_limits_the_fund_and_the_person_bears_the_rest() -> None:
    out = trial(fund_paid_ytd="149000.00")
    assert (out["hifp_pay_calc"], out["cap_left"], out["hifp_pay"], out["over_cap_amt"]) == (
        "1741.07",
        "1000.00",
        "1000.00",
        "741.07",
    )
    assert out["psn_selfpay"] == "3165.58"  # 起付线 1000.00 + 比例自付 1424.51 + 超封顶 741.07
    assert Decimal(out["hifp_pay"]) + Decimal(out["psn_part_amt"]) == Decimal(TOTAL)


def test_a_claim_within_the_deductible_gets_nothing_from_the_fund() -> None:
    out = trial(lines=DOZEN[3:5])  # 220.00 of 甲类 against a 1000.00 起付线
    assert (out["act_pay_dedc"], out["hifp_pay"], out["psn_part_amt"]) == ("220.00", "0.00", "220.00")


def test_a_visit_no_policy_covers_is_refused_naming_the_visit_date() -> None:
    with pytest.raises(InvalidInput) as err:
        trial(begndate="2025-06-01")
    assert (err.value.code, err.value.field) == ("NO_POLICY", "begndate")


def test_the_rule_is_listed_and_its_trial_runs_over_http() -> None:
    api = FastAPI()
    install_error_handlers(api)
    api.include_router(rules_router(BOOK, lambda: TODAY))
    client = TestClient(api)
    listed = {r["id"] for r in client.get("/api/v1/rules", params={"process": "P049"}).json()}
    assert {"reimbursement_settlement", "bank_account_required"} <= listed
    described = client.get("/api/v1/rules/reimbursement_settlement").json()
    assert described["parameters"]["example"] is True
    answer = client.post("/api/v1/rules/reimbursement_settlement/trial", json=described["example"])
    assert answer.status_code == 200
    assert answer.json()["hifp_pay"] == "1225.87"  # (3260.50 − 24.00 − 7.65 − 1000.00) × 55% = 1225.8675


# ---- P049: the case gives the trial's figures -----------------------------------------------------------------------


def test_a_stay_settled_after_the_policy_changed_uses_the_policy_of_its_admission_and_the_trial_agrees() -> None:
    app = treatment()
    case = settled_claim(app, inpatient())
    data = case.data()
    assert (data["hifp_pay"], data["psn_part_amt"], data["medfee_sumamt"]) == ("1741.07", "3149.58", TOTAL)
    assert data["settlement"]["policy"]["row"]["enddate"] == "2026-06-30"  # the row in force on 2026-05-10
    assert (data["insutype"], data["hosp_lv"], data["fixmedins_name"]) == ("390", "01", "贵阳市第一人民医院")
    assert run(SETTLEMENT, data["settlement_input"], TODAY) == data["settlement"]
    api = FastAPI()
    api.include_router(rules_router(BOOK, lambda: TODAY))
    trial_answer = TestClient(api).post("/api/v1/rules/reimbursement_settlement/trial", json=data["settlement_input"])
    assert trial_answer.json() == data["settlement"]


def test_a_stay_from_the_hospitals_execution_date_uses_its_own_deductible_and_copay() -> None:
    app = treatment()
    case = settled_claim(app, inpatient(invoice_no="ZY2026120400007", begndate="2026-12-02", enddate="2026-12-04"))
    settlement = case.data()["settlement"]
    assert (settlement["policy"]["dedc_source"], settlement["policy"]["selfpay_prop"]) == (
        "institution 2026-12-01",
        "0.15",
    )
    assert settlement["hifp_pay"] == "2860.74"  # (4165.58 − 800.00) × 85% = 2860.743


def test_approving_and_printing_hands_the_fund_payment_to_settlement_and_stepping_back_withdraws_it() -> None:
    app = treatment()
    case = settled_claim(app, inpatient())
    case.when(staff("rev-2", "second_reviewer"), "approve").then(
        events=["SettlementReviewApproved"], stage="print_receipt"
    )
    case.when(staff("reg-4", "registrar"), "print_receipt").then(
        events=["ReimbursementReceiptPrinted"], stage=COMPLETED
    )
    paid = payment(app, "P049-H52010200001-ZY2026051600042")
    person = app.look("insured", WANG_FANG)
    assert person is not None
    assert (paid["amount_fen"], paid["payee_type"], paid["payee_id"], paid["payee_name"]) == (
        174107,
        "person",
        person["psn_no"],
        "王芳",
    )
    assert (paid["bank"]["via_social_security_card"], paid["source_process"], paid["admdvs"]) == (
        True,
        "P049",
        "520115",
    )
    case.when(staff("reg-4", "registrar"), "step_back", comment="单据有误").then(
        events=["SteppedBack"], stage="print_receipt"
    )
    assert not app.get_entry("benefit_payment", "P049-H52010200001-ZY2026051600042").in_effect


def test_a_claim_the_fund_pays_nothing_on_completes_without_a_payment() -> None:
    app = treatment()
    case = settled_claim(app, inpatient(), lines=DOZEN[3:5])
    case.when(staff("rev-2", "second_reviewer"), "approve").then(
        events=["SettlementReviewApproved"], stage="print_receipt"
    )
    case.when(staff("reg-4", "registrar"), "print_receipt").then(
        events=["ReimbursementReceiptPrinted"], stage=COMPLETED
    )
    with pytest.raises(NotFound):
        app.get_entry("benefit_payment", "P049-H52010200001-ZY2026051600042")


def test_settlement_review_approves_many_cases_one_by_one_as_batch_actions_does() -> None:
    """POST /api/v1/cases/batch-actions forwards each item as its own `approve` (no data) to the case's service."""
    app = treatment()
    cases = [settled_claim(app, inpatient(invoice_no=f"ZY20260516000{n}")) for n in range(3)]
    for case in cases:
        case.when(staff("batch-rev", "second_reviewer"), "approve", {}, comment="批量审核").then(
            events=["SettlementReviewApproved"], stage="print_receipt"
        )
    other = settled_claim(app, inpatient(invoice_no="ZY2026051600099"))
    # whoever settled the case may not approve it in the batch; the other items are not affected
    other.when(staff("reg-3", "second_reviewer"), "approve", {}).then_refused("SEPARATION_OF_DUTIES")
    assert [c.stage for c in cases] == ["print_receipt"] * 3


def test_the_receipt_prints_the_settlement_once_it_is_approved() -> None:
    app = treatment()
    case = settled_claim(app, inpatient())
    assert case.case_id is not None
    with pytest.raises(Conflict) as err:
        document_named(P049.documents, "reimbursement-receipt", case_view(app, case.case_id, "reg-4"))
    assert err.value.code == "DOCUMENT_NOT_AVAILABLE"
    case.when(staff("rev-2", "second_reviewer"), "approve").then(
        events=["SettlementReviewApproved"], stage="print_receipt"
    )
    view = case_view(app, case.case_id, "reg-4")
    [spec] = available_documents(P049.documents, view)
    rows = dict(document_content(spec, view).rows)
    assert (rows["医疗费用总额"], rows["统筹支付"], rows["个人负担合计"]) == (
        "4,890.65 元",
        "1,741.07 元",
        "3,149.58 元",
    )
    assert (rows["全自费金额"], rows["先行自付金额"], rows["起付线"]) == ("680.00 元", "45.07 元", "1,000.00 元")
    assert (rows["险种类型"], rows["医疗类别"], rows["就诊（入院）日期"]) == (
        "城乡居民基本医疗保险",
        "普通住院",
        "2026年5月10日",
    )


# ---- P049/P048: what 登记 and 明细录入 refuse ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"certno": LIU_YANG}, "NOT_INSURED", "certno"),  # 职工 only from 2026-12-01
        ({"certno": NOBODY}, "NOT_INSURED", "certno"),
        ({"fixmedins_code": "H52010299999"}, "INSTITUTION_NOT_FOUND", "fixmedins_code"),
        ({"fixmedins_code": "P52010200001"}, "INVALID_FIELD", "fixmedins_code"),  # a pharmacy is no hospital
        ({"has_ss_card": False, "first_claim": True}, "BANK_ACCOUNT_REQUIRED", "bank_acct"),
        ({"injury": True}, "INJURY_EVIDENCE_REQUIRED", "injury_evidence"),
        ({"enddate": "2026-05-09"}, "INVALID_FIELD", "enddate"),
        ({"begndate": "2026-12-06", "enddate": "2026-12-06"}, "INVALID_FIELD", "begndate"),
    ],
    ids=[
        "not insured then",
        "never enrolled",
        "unknown hospital",
        "pharmacy",
        "C09",
        "accident",
        "discharge",
        "future",
    ],
)
def test_registration_refuses(changes: dict[str, Any], code: str, field: str) -> None:
    app = treatment()
    case = Scenario(app, P049)
    case.when(staff("reg-1", "registrar"), "create", inpatient(**changes)).then_refused(code, field)


def test_registration_takes_a_bank_account_or_an_accident_paper_when_they_are_needed() -> None:
    app = treatment()
    account = {"acct_name": "王芳", "bank_name": "贵阳农商银行", "bank_acct": "6228480123456789012"}
    opened(app, "P049", inpatient(has_ss_card=False, first_claim=True, **account))
    opened(app, "P049", inpatient(invoice_no="ZY1", injury=True, injury_evidence="promise"))
    opened(app, "P049", inpatient(invoice_no="ZY2", has_ss_card=False, first_claim=False))  # the account given before


def test_one_invoice_is_claimed_once_across_the_reimbursement_processes() -> None:
    app = treatment()
    opened(app, "P049", inpatient())
    again = Scenario(app, P048, "general")
    outpatient = {k: v for k, v in inpatient(med_type="11").items() if k != "enddate"}
    again.when(staff("reg-1", "registrar"), "create", outpatient).then_refused("DUPLICATE", "invoice_no")


def test_detail_entry_refuses_a_line_whose_amount_is_not_count_times_price_and_lines_that_miss_the_invoice() -> None:
    app = treatment()
    case = opened(app, "P049", inpatient())
    wrong = [DOZEN[0], {**DOZEN[8], "det_item_fee_sumamt": "17.29"}]  # 14 × 1.2345 = 17.283 → 17.28
    case.when(staff("reg-2", "registrar"), "detail_entry", {"lines": wrong, "medfee_sumamt": "332.29"}).then_refused(
        "INVALID_FIELD", "lines.1.det_item_fee_sumamt"
    )
    case.when(staff("reg-2", "registrar"), "detail_entry", {"lines": DOZEN, "medfee_sumamt": "4890.00"}).then_refused(
        "LINES_DO_NOT_ADD_UP", "medfee_sumamt"
    )


def test_the_registrar_may_not_review_the_details_entered() -> None:
    app = treatment()
    case = opened(app, "P049", inpatient())
    case.when(staff("reg-2", "registrar"), "detail_entry", {"lines": DOZEN, "medfee_sumamt": TOTAL}).then(
        events=["DetailsEntered"], stage="detail_review"
    )
    case.when(staff("reg-2", "first_reviewer"), "approve").then_refused("SEPARATION_OF_DUTIES")


def test_an_outpatient_visit_is_settled_with_the_outpatient_policy_and_not_the_hospitals_stay_parameters() -> None:
    app = treatment()
    visit = {**{k: v for k, v in inpatient().items() if k != "enddate"}, "invoice_no": "MZ1", "med_type": "11"}
    case = opened(app, "P048", {**visit, "begndate": "2026-12-02"}, "general")
    lines = [line("02", "110200002", "门诊诊查费", "01", "1", "25.00", "25.00"), DOZEN[7]]  # 甲 25.00, 乙 220.32
    case.when(staff("reg-2", "registrar"), "detail_entry", {"lines": lines, "medfee_sumamt": "245.32"}).then(
        events=["DetailsEntered"], stage="detail_review"
    )
    case.when(staff("rev-1", "first_reviewer"), "approve").then(events=["DetailsReviewed"], stage="settle")
    case.when(staff("reg-3", "registrar"), "settle", {}).then(events=["Settled"], stage="settlement_review")
    settlement = case.data()["settlement"]
    assert settlement["policy"]["dedc_source"] == "table"
    # 245.32 − 22.03 先行自付 = 223.29 合规, no 起付线, 40% paid: 89.316 → 89.32
    assert (settlement["preselfpay_amt"], settlement["hifp_pay"], settlement["psn_part_amt"]) == (
        "22.03",
        "89.32",
        "156.00",
    )


# ---- 生育: P050-P053 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("certno", "code"),
    [(LIU_YANG, "NOT_FEMALE_INSURED"), (WANG_FANG, "NOT_INSURED")],  # a man; a 城乡居民 (生育 is 城职)
    ids=["man", "resident"],
)
def test_a_prenatal_checkup_is_an_insured_employee_womans(certno: str, code: str) -> None:
    app = treatment()
    example = dict(app.definition("P050").opening().example)
    Scenario(app, app.definition("P050")).when(
        staff("reg-1", "registrar"), "create", {**example, "certno": certno, "admdvs": "520102"}
    ).then_refused(code, "certno")


def test_an_approved_prenatal_checkup_pays_its_fees_to_the_mother() -> None:
    app = treatment()
    Scenario(app, app.definition("P050")).walk_to(COMPLETED)
    paid = payment(app, "P050-H52010200001-MZ2026120200031")
    assert (paid["amount_fen"], paid["payee_name"], paid["source_process"]) == (19000, "陈静", "P050")


@pytest.mark.parametrize(("variant", "via_card"), [("ss_card", True), ("fes", False), ("counter", False)])
def test_maternity_expenses_are_paid_by_the_route_of_the_variant(variant: str, via_card: bool) -> None:
    app = treatment()
    Scenario(app, app.definition("P051"), variant).walk_to(COMPLETED)
    paid = payment(app, "P051-H52010200001-ZY2026120400018")
    # 1347.60, of which 乙类 12.60 × 10% = 1.26 先行自付; no 起付线, nothing self-paid: 1346.34
    assert (paid["amount_fen"], paid["bank"]["via_social_security_card"]) == (134634, via_card)
    assert paid["bank"]["bank_acct"] == "6222022402001234567"


def test_the_disbursement_slip_is_for_the_counter_route_once_settled() -> None:
    app = treatment()
    case = Scenario(app, app.definition("P051"), "counter").walk_to("disburse_at_counter")
    assert case.case_id is not None
    view = case_view(app, case.case_id, "fin-1")
    [spec] = available_documents(app.definition("P051").documents, view)
    rows = dict(document_content(spec, view).rows)
    assert (rows["拨付金额"], rows["银行账号"], rows["医疗类别"]) == ("1,346.34 元", "6222022402001234567", "生育住院")
    fes = Scenario(app, app.definition("P051"), "fes")
    fes.when(
        staff("reg-1", "registrar"),
        "create",
        {**dict(app.definition("P051").opening().example), "invoice_no": "ZY9"},
    ).then(events=["Registered"], stage="detail_entry")
    assert fes.case_id is not None
    assert available_documents(app.definition("P051").documents, case_view(app, fes.case_id, "x")) == []


def test_each_maternity_module_can_be_stepped_back_in_turn() -> None:
    """「支持逆向回退操作」: from the 拨付 back to the 明细录入, one stage at a time."""
    app = treatment()
    case = Scenario(app, app.definition("P051"), "fes").walk_to("disburse_fes")
    back = ["settle", "second_review_confirm", "second_review", "first_review", "detail_entry"]
    for stage in back:
        holder = case.process.stage(str(case.stage)).roles[0]  # whoever holds the current stage sends it back
        case.when(staff("back-1", holder), "step_back", comment="退回").then(events=["SteppedBack"], stage=stage)


def test_maternity_expenses_need_the_mothers_bank_account() -> None:
    app = treatment()
    example = {**dict(app.definition("P051").opening().example), "bank_acct": None}
    Scenario(app, app.definition("P051"), "fes").when(staff("reg-1", "registrar"), "create", example).then_refused(
        "BANK_ACCOUNT_REQUIRED", "bank_acct"
    )


def test_a_family_planning_operation_is_paid_to_the_person() -> None:
    app = treatment()
    Scenario(app, app.definition("P052")).walk_to(COMPLETED)
    paid = payment(app, "P052-H52010200001-MZ2026120300052")
    assert (paid["amount_fen"], paid["reason_zh"]) == (27500, "计划生育医疗费支付（宫内节育器置入）")


@pytest.mark.parametrize(
    ("claim", "days", "allowance"),
    [
        ({"avg_wage": "6500.00"}, 98, "21233.33"),  # 6500 × 98 / 30 = 21233.333…
        ({"avg_wage": "6500.00", "dystocia": True, "babies": 2}, 128, "27733.33"),  # 98 + 15 难产 + 15 双胎
        ({"avg_wage": "6500.00", "birth_type": "miscarriage_early"}, 15, "3250.00"),
        ({"avg_wage": "6500.00", "birth_type": "miscarriage_late"}, 42, "9100.00"),
        ({"avg_wage": "7001.00"}, 98, "22869.93"),  # 22869.9333… half up
    ],
)
def test_the_maternity_allowance_is_the_monthly_wage_over_30_days_times_the_leave(
    claim: dict[str, Any], days: int, allowance: str
) -> None:
    out = maternity_allowance(AllowanceInput.model_validate(claim))
    assert (out.leave_days, str(out.allowance)) == (days, allowance)


def test_an_enterprise_employees_allowance_goes_to_the_employers_account() -> None:
    app = treatment()
    case = Scenario(app, app.definition("P053")).walk_to(COMPLETED)
    data = case.data()
    paid = payment(app, f"P053-{data['psn_no']}-2026-12-02")
    assert (paid["amount_fen"], paid["payee_id"], paid["payee_name"]) == (
        2123333,
        "52010213594430",
        "贵阳云岩数智科技有限公司",
    )
    assert paid["bank"] == {
        "acct_name": "贵阳云岩数智科技有限公司",
        "bank_name": "中国建设银行贵阳云岩支行",
        "bank_acct": "52050100360009000001",
        "via_social_security_card": False,
    }


def allowance_claim(app: CaseApplication, **changes: Any) -> dict[str, Any]:
    return {**dict(app.definition("P053").opening().example), **changes}


def test_a_civil_servants_allowance_goes_to_her_own_card() -> None:
    app = treatment()
    claim = allowance_claim(app, emp_type="government", acct_name=None, bank_name=None, bank_acct=None)
    case = Scenario(app, app.definition("P053"))
    case.when(staff("reg-1", "registrar"), "create", claim).then(events=["BenefitAssessed"], stage="review")
    case.when(staff("rev-1", "first_reviewer"), "approve").then(events=["ReviewApproved"], stage=COMPLETED)
    paid = payment(app, f"P053-{case.data()['psn_no']}-2026-12-02")
    assert (paid["payee_type"], paid["payee_name"], paid["bank"]["via_social_security_card"]) == (
        "person",
        "陈静",
        True,
    )


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"bank_acct": None}, "BANK_ACCOUNT_REQUIRED", "bank_acct"),  # the employer's account, not yet on file
        (
            {"emp_type": "government", "has_ss_card": False, "first_claim": True, "bank_acct": None},
            "BANK_ACCOUNT_REQUIRED",
            "bank_acct",
        ),
        ({"emp_no": "52010299999999"}, "EMPLOYER_MISMATCH", "emp_no"),
        ({"certno": LIU_YANG}, "NOT_FEMALE_INSURED", "certno"),
        ({"birth_date": "2026-11-20"}, "NOT_INSURED", "certno"),  # before her 310 relation began
    ],
    ids=["employer account", "C09", "other employer", "man", "not insured then"],
)
def test_the_allowance_assessment_refuses(changes: dict[str, Any], code: str, field: str) -> None:
    app = treatment()
    Scenario(app, app.definition("P053")).when(
        staff("reg-1", "registrar"), "create", allowance_claim(app, **changes)
    ).then_refused(code, field)


def test_one_allowance_per_birth_and_an_employer_account_given_once_is_not_asked_again() -> None:
    app = treatment()
    Scenario(app, app.definition("P053")).walk_to(COMPLETED)
    again = Scenario(app, app.definition("P053"))
    again.when(staff("reg-1", "registrar"), "create", allowance_claim(app)).then_refused("DUPLICATE", "birth_date")
    on_file = allowance_claim(app, birth_date="2026-12-03", employer_account_on_file=True, bank_acct=None)
    again.when(staff("reg-1", "registrar"), "create", on_file).then(events=["BenefitAssessed"], stage="review")


@pytest.mark.parametrize(
    ("process_id", "variant"),
    [("P048", "chronic"), ("P049", None), ("P050", None), ("P051", "fes"), ("P052", None), ("P053", None)],
)
def test_every_claim_refuses_someone_never_enrolled(process_id: str, variant: str | None) -> None:
    app = treatment()
    p = app.definition(process_id)
    claim = {**dict(p.opening(variant).example), "certno": NOBODY}
    Scenario(app, p, variant).when(staff("reg-1", "registrar"), "create", claim).then_refused("NOT_INSURED", "certno")
