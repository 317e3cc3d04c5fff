"""P022-P026 as the fund's clerks meet them: a resident's payment lands on their 390 record, a county's subsidy is
matched, received and settled to the fen, and a bank line or business document is booked as fund income once only;
a step back restores each registry entry with a new event beside the first."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tests.unit.gwt import Scenario, given, staff
from tests.unit.registry_gwt import given as given_entry
from ybj_enrollment.processes.p023_resident_subsidy_funds import subsidy_shares
from ybj_enrollment.registries import REGISTRIES
from ybj_enrollment.registries.codes import psn_no_for
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.documents import CaseView, available_documents, document_content
from ybj_kernel.domain.process import COMPLETED

RESIDENT = "52011519850312002X"  # P019's example resident, 王芳
EMPLOYEE = "520102199003070022"  # P002's example employee, 陈静 (310, not 390)
CLERK, COUNTY = staff("clerk-7", "registrar"), staff("county-7", "county_bureau")
PAYER, TAX = staff("payer-7", "applicant"), staff("tax-7", "tax_bureau")
CASHIER, CASHIER_2 = staff("cashier-7", "finance"), staff("cashier-8", "finance")
CITY, FIN_BUREAU = staff("city-7", "municipal_bureau"), staff("fin-bureau-7", "finance_bureau")


def _history(app: CaseApplication, registry: str, key: str) -> list[str]:
    entry_id = REGISTRIES[registry].entry_id(key)
    return [getattr(e, "event_name", type(e).__name__) for e in app.events.get(entry_id)]


def _contributions(app: CaseApplication, certno: str) -> dict[str, Any]:
    contributions: dict[str, Any] = app.get_entry("person", psn_no_for(certno)).state["contributions"]
    return contributions


def _printed(s: Scenario) -> dict[str, dict[str, str]]:
    """The forms the case may print now, each as its rows (label → value as printed)."""
    assert s.case_id is not None
    case = s.app.get_case(s.case_id)
    view = CaseView(
        case_id=str(case.id),
        process_id=s.process.id,
        process_name_zh=s.process.name_zh,
        acceptance_no=case.acceptance_no,
        admdvs=case.admdvs,
        stage=case.stage,
        version=case.version,
        data=case.data,
        issued_at=datetime(2026, 12, 5, 2, 0, tzinfo=UTC),
        issued_by="cashier-7",
    )
    return {d.name: dict(document_content(d, view).rows) for d in available_documents(s.process.documents, view)}


# ---- P022 城乡医保个人缴费 ------------------------------------------------------------------------------------------


def test_a_residents_payment_lands_on_their_390_record_and_a_step_back_removes_it() -> None:
    s = given("P022", at="special_group_verification")
    assert "390:202701" not in _contributions(s.app, RESIDENT)

    s.when(COUNTY, "special_group_verification", {"sbsy_ledger_amt": "0"}).then(
        events=["SpecialGroupSubsidyVerified"], stage=COMPLETED
    )
    recorded = _contributions(s.app, RESIDENT)["390:202701"]
    assert {k: recorded[k] for k in ("insutype", "ym", "due", "paid", "late_fee", "paid_on")} == {
        "insutype": "390",
        "ym": "202701",
        "due": 40000,
        "paid": 40000,
        "late_fee": 0,
        "paid_on": "2026-12-01",
    }

    s.when(COUNTY, "step_back", comment="台账核实有误").then(events=["SteppedBack"], stage="special_group_verification")
    assert "390:202701" not in _contributions(s.app, RESIDENT)
    assert _history(s.app, "person", psn_no_for(RESIDENT)) == ["Enrolled", "ContributionRecorded", "ChangeReverted"]


def test_the_monthly_check_is_due_on_the_25th() -> None:
    s = given("P022", at="monthly_verification")
    assert s.case_id is not None
    assert s.app.get_case(s.case_id).due_on == "2026-12-25"  # 「每月25日」, from 5 December


def test_a_subsidised_resident_pays_the_difference_and_the_county_ledger_must_agree() -> None:
    s = given("P022")
    payer = {
        **dict(s.process.stage("collect_payer_info").example),
        "sbsy_amt": "250.00",  # 差额补助
        "psn_idet_type": "13",
    }
    s.when(CLERK, "create", payer).then(events=["PayerInfoCollected"], stage="print_payment_voucher")
    assert s.data()["psn_pay_amt"] == "150.00"
    s.when(CLERK, "print_payment_voucher").then(events=["PaymentVoucherPrinted"], stage="pay")
    s.when(PAYER, "pay", {"pay_amt": "400.00", "pay_date": "2026-12-01"}).then_refused("AMOUNT_MISMATCH", "pay_amt")
    s.when(PAYER, "pay", {"pay_amt": "150.00", "pay_date": "2026-12-01"}).then(
        events=["ContributionPaid"], stage="feed_back_enrollment"
    )
    s.when(TAX, "feed_back_enrollment", {"tax_pay_sn": "35202612010001", "fdbk_date": "2026-12-02"}).then(
        events=["EnrollmentInfoFedBack"], stage="monthly_verification"
    )
    s.when(CLERK, "monthly_verification", {"vrf_ym": "202612", "tax_rcv_amt": "150.01"}).then_refused(
        "AMOUNT_MISMATCH", "tax_rcv_amt"
    )
    s.when(CLERK, "monthly_verification", {"vrf_ym": "202612", "tax_rcv_amt": "150.00"}).then(
        events=["PaymentsVerified"], stage="special_group_verification"
    )
    s.when(COUNTY, "special_group_verification", {"sbsy_ledger_amt": "200.00"}).then_refused(
        "AMOUNT_MISMATCH", "sbsy_ledger_amt"
    )
    s.when(COUNTY, "special_group_verification", {"sbsy_ledger_amt": "250.00"}).then(
        events=["SpecialGroupSubsidyVerified"], stage=COMPLETED
    )
    recorded = _contributions(s.app, RESIDENT)["390:202701"]
    assert (recorded["due"], recorded["paid"]) == (40000, 40000)  # 150.00 paid + 250.00 资助


def test_a_subsidy_needs_the_special_group_and_may_not_exceed_the_standard() -> None:
    example = dict(given("P022").process.stage("collect_payer_info").example)
    given("P022").when(CLERK, "create", {**example, "sbsy_amt": "100.00"}).then_refused(
        "INVALID_FIELD", "psn_idet_type"
    )
    given("P022").when(CLERK, "create", {**example, "sbsy_amt": "400.01", "psn_idet_type": "13"}).then_refused(
        "INVALID_FIELD", "sbsy_amt"
    )


def test_a_payment_for_someone_not_enrolled_as_a_resident_is_refused_and_nothing_is_recorded() -> None:
    s = given("P022")
    for needed in ("P001", "P002"):  # 陈静 is an employee (310), not a resident (390)
        Scenario(s.app, s.app.definition(needed)).walk_to(COMPLETED)
    payer = {**dict(s.process.stage("collect_payer_info").example), "certno": EMPLOYEE, "psn_name": "陈静"}
    s.when(CLERK, "create", payer).then(events=["PayerInfoCollected"], stage="print_payment_voucher")
    s.walk_to("special_group_verification")

    refused = s.when(COUNTY, "special_group_verification", {"sbsy_ledger_amt": "0"})
    refused.then_refused("RELATION_STATE", "insutype")
    assert refused.error is not None
    assert "城乡居民基本医疗保险当前为未参保" in refused.error.message_zh
    assert s.stage == "special_group_verification"
    assert _contributions(s.app, EMPLOYEE) == {}
    assert _history(s.app, "person", psn_no_for(EMPLOYEE)) == ["Enrolled"]


def test_a_payment_for_someone_never_enrolled_is_refused_naming_the_certno() -> None:
    s = given("P022")
    stranger = {**dict(s.process.stage("collect_payer_info").example), "certno": EMPLOYEE, "psn_name": "陈静"}
    s.when(CLERK, "create", stranger).then(events=["PayerInfoCollected"], stage="print_payment_voucher")
    s.walk_to("special_group_verification")
    s.when(COUNTY, "special_group_verification", {"sbsy_ledger_amt": "0"}).then_refused("PERSON_NOT_FOUND", "certno")


def test_one_payment_case_per_resident_and_year() -> None:
    s = given("P022", at=COMPLETED)
    again = Scenario(s.app, s.process).when(CLERK, "create", dict(s.process.stage("collect_payer_info").example))
    again.then_refused("DUPLICATE", "certno")


def test_the_payment_voucher_prints_what_the_payer_owes() -> None:
    s = given("P022", at="print_payment_voucher")
    voucher = _printed(s)["tax-payment-voucher"]
    assert voucher["姓名"] == "王芳"
    assert voucher["险种类型"] == "城乡居民基本医疗保险"
    assert (voucher["缴费年度"], voucher["应缴金额"], voucher["凭证号码"]) == (
        "2027",
        "400.00 元",
        "352026120500012345",
    )


# ---- P023 城乡医保补助资金 ------------------------------------------------------------------------------------------


def test_a_countys_subsidy_is_matched_received_and_settled_to_the_fen_and_a_step_back_undoes_it() -> None:
    s = given("P023", at="verify_receipts")
    matched = s.data()
    # 412,365 insured × 700.00 yuan = 288,655,500.00 yuan, split 80 / 10 / 4 / 6 (example ratios).
    assert matched["sbsy_sum_fen"] == 28_865_550_000
    assert [matched[f"{lv}_share_fen"] for lv in ("cent", "prov", "pref", "cnty")] == [
        23_092_440_000,
        2_886_555_000,
        1_154_622_000,
        1_731_933_000,
    ]
    receipts = {"pref_rcv_amt": "11545220.00", "cnty_rcv_amt": "17319330.00", "rcon_date": "2025-12-10"}
    s.when(staff("cashier-7", "finance"), "verify_receipts", receipts).then(
        events=["SubsidyReceiptsReconciled"], stage="final_settlement"
    )
    assert (s.data()["pref_diff_fen"], s.data()["cnty_diff_fen"]) == (-100_000, 0)  # 州 1,000.00 yuan short
    assert (s.data()["rcon_balanced"], s.data()["rcon_late"]) == (False, True)  # after 30 November

    settlement = {"fnl_insu_cnt": 411980, "stl_doc_no": "黔财社〔2026〕112号", "stl_date": "2026-09-15"}
    s.when(FIN_BUREAU, "final_settlement", settlement).then(events=["SubsidySettled"], stage=COMPLETED)
    entry = s.app.get_entry("resident_subsidy", "2025:522601")
    assert entry.state["status"] == "settled"
    assert entry.state["final_shares_fen"] == {
        "cent": 23_070_880_000,
        "prov": 2_883_860_000,
        "pref": 1_153_544_000,
        "cnty": 1_730_316_000,
    }
    assert entry.state["adjustments_fen"] == {
        "cent": -21_560_000,
        "prov": -2_695_000,
        "pref": -1_078_000,
        "cnty": -1_617_000,
    }
    assert entry.state["received_fen"] == {"pref": 1_154_522_000, "cnty": 1_731_933_000}

    s.when(FIN_BUREAU, "step_back", comment="结算文件号有误").then(events=["SteppedBack"], stage="final_settlement")
    assert not s.app.get_entry("resident_subsidy", "2025:522601").in_effect
    assert _history(s.app, "resident_subsidy", "2025:522601") == ["SubsidySettled", "ChangeReverted"]


def test_the_four_shares_always_add_up_to_the_total() -> None:
    ratios = {"cent": Decimal("33.33"), "prov": Decimal("33.33"), "pref": Decimal("33.33"), "cnty": Decimal("0.01")}
    shares = subsidy_shares(3, 33333, ratios)  # 99,999 fen
    assert shares == {"cent": 33330, "prov": 33330, "pref": 33330, "cnty": 9}
    assert sum(shares.values()) == 99999


def test_subsidy_matching_refusals_name_the_field() -> None:
    example = dict(given("P023").process.stage("extract_enrollment_counts").example)
    given("P023").when(CITY, "create", {**example, "cnty_ratio": "5.00"}).then_refused("RATIOS_NOT_100", "cnty_ratio")
    given("P023").when(CITY, "create", {**example, "admdvs": "522600"}).then_refused("INVALID_FIELD", "admdvs")
    given("P023").when(CITY, "create", {**example, "sbsy_year": 2026, "admdvs": "522601"}).then(
        events=["SubsidyMatchingIssued"], stage="verify_receipts"
    )  # December 2026: the year's 30 June count can be extracted
    given("P023").when(CITY, "create", {**example, "sbsy_year": 2027}).then_refused("INVALID_FIELD", "sbsy_year")

    s = given("P023", at="final_settlement")
    same_year = {"fnl_insu_cnt": 411980, "stl_doc_no": "x", "stl_date": "2025-12-20"}
    s.when(FIN_BUREAU, "final_settlement", same_year).then_refused("INVALID_FIELD", "stl_date")
    Scenario(s.app, s.process).when(CITY, "create", example).then_refused("DUPLICATE", "admdvs")


def test_a_countys_year_is_settled_once_in_the_registry() -> None:
    args = {
        "sbsy_year": 2025,
        "admdvs": "522601",
        "match_doc_no": "m",
        "insu_cnt": 1,
        "sbsy_std_fen": 70000,
        "ratios": {"cent": "100.00"},
        "shares_fen": {"cent": 70000},
        "received_fen": {},
        "fnl_insu_cnt": 1,
        "final_shares_fen": {"cent": 70000},
        "adjustments_fen": {"cent": 0},
        "stl_doc_no": "s",
        "stl_date": "2026-03-01",
    }
    entry = given_entry(REGISTRIES["resident_subsidy"], "2025:522601", ("settle", args))
    entry.when("settle", args).then_refused("SUBSIDY_ALREADY_SETTLED", "admdvs", status=409)


# ---- P024-P026 基金收入 (柜台收款) ----------------------------------------------------------------------------------


def test_confirmed_transfer_income_is_recorded_under_its_bank_line_and_a_step_back_reverts_it() -> None:
    s = given("P024", at="confirm_income")
    s.when(CASHIER, "confirm_income", {"cfm_date": "2026-12-04"}).then(
        events=["IncomeReceiptConfirmed"], stage=COMPLETED
    )
    receipt = s.app.get_entry("fund_income", "B20261203000187").state
    assert receipt["amount"] == 1268035
    assert (receipt["source_process"], receipt["doc_no"], receipt["fin_intf_sn"]) == (
        "P024",
        "ZY5203002026120001",
        "CWB20261203000187",
    )
    assert (receipt["psn_name"], receipt["insutype"], receipt["status"]) == ("陈静", "310", "confirmed")
    assert s.app.get_entry("income_document", "P024:ZY5203002026120001").state["bank_sn"] == "B20261203000187"

    s.when(CASHIER_2, "step_back", comment="到账日期有误").then(events=["SteppedBack"], stage="confirm_income")
    assert not s.app.get_entry("fund_income", "B20261203000187").in_effect
    assert not s.app.get_entry("income_document", "P024:ZY5203002026120001").in_effect
    assert _history(s.app, "fund_income", "B20261203000187") == ["FundIncomeConfirmed", "ChangeReverted"]


def test_the_same_bank_line_cannot_be_booked_twice_until_the_first_case_is_cancelled() -> None:
    first = given("P024", at=COMPLETED)
    p025 = first.app.definition("P025")
    statement = {**dict(p025.stage("match_bank_statement").example), "bank_sn": "B20261203000187"}
    Scenario(first.app, p025).when(CASHIER, "create", statement).then_refused("DUPLICATE", "bank_sn")

    first.when(CASHIER_2, "cancel", comment="银行流水记错业务").then(events=["Cancelled"], stage="cancelled")
    assert not first.app.get_entry("fund_income", "B20261203000187").in_effect
    second = Scenario(first.app, p025)
    second.when(CASHIER, "create", statement).then(events=["BankStatementMatched"], stage="counter_receipt")
    second.walk_to(COMPLETED)
    assert first.app.get_entry("fund_income", "B20261203000187").state["source_process"] == "P025"
    assert _history(first.app, "fund_income", "B20261203000187") == [
        "FundIncomeConfirmed",
        "ChangeReverted",
        "FundIncomeConfirmed",
    ]


def test_the_registry_refuses_a_bank_line_or_a_document_confirmed_twice() -> None:
    receipt = {
        "bank_sn": "B1",
        "fin_intf_sn": "CW1",
        "source_process": "P026",
        "doc_no": "SY1",
        "doc_name_zh": "失业人缴费通知单",
        "psn_no": "52000000000001",
        "certno": "520103197804200031",
        "psn_name": "杨志军",
        "insutype": "310",
        "amount": 123660,
        "arvl_date": "2026-12-04",
        "cfm_date": "2026-12-04",
    }
    line = given_entry(REGISTRIES["fund_income"], "B1", ("confirm", receipt))
    line.when("confirm", {**receipt, "fin_intf_sn": "CW2"}).then_refused("BANK_STATEMENT_CONFIRMED", "bank_sn", 409)
    document = {"doc_field": "notice_no", "doc_no": "SY1", "bank_sn": "B1"}
    notice = given_entry(REGISTRIES["income_document"], "P026:SY1", ("receive", document))
    notice.when("receive", {**document, "bank_sn": "B2"}).then_refused("DOCUMENT_ALREADY_RECEIVED", "notice_no")


def test_the_same_notice_against_another_bank_line_is_refused_at_confirmation() -> None:
    first = given("P024", at=COMPLETED)
    p024 = first.process
    other_line = {**dict(p024.stage("match_bank_statement").example), "bank_sn": "B20261204000999"}
    second = Scenario(first.app, p024)
    second.when(CASHIER, "create", other_line).then(events=["BankStatementMatched"], stage="counter_receipt")
    receipt = {"fin_intf_sn": "CW-OTHER", "in_amt": "12680.35", "in_name": "陈静"}
    second.when(CASHIER, "counter_receipt", receipt).then(events=["ReceiptVoucherAdded"], stage="confirm_income")
    second.when(CASHIER, "confirm_income", {"cfm_date": "2026-12-05"}).then_refused(
        "DOCUMENT_ALREADY_RECEIVED", "notice_no"
    )
    assert not _history(first.app, "fund_income", "B20261204000999")


def test_amounts_and_names_must_agree_with_the_business_document() -> None:
    example = dict(given("P026").process.stage("match_bank_statement").example)
    given("P026").when(CASHIER, "create", {**example, "arvl_amt": "1236.00"}).then_refused(
        "BANK_STATEMENT_MISMATCH", "arvl_amt"
    )
    s = given("P026", at="counter_receipt")
    good = {"fin_intf_sn": "CW9", "in_amt": "1236.60", "in_name": "杨志军"}
    s.when(CASHIER, "counter_receipt", {**good, "in_name": "杨志君"}).then_refused("RECEIPT_MISMATCH", "in_name")
    s.when(CASHIER, "counter_receipt", {**good, "in_amt": "1236.06"}).then_refused("RECEIPT_MISMATCH", "in_amt")
    s.when(CASHIER, "counter_receipt", good).then(events=["ReceiptVoucherAdded"], stage="confirm_income")


def test_the_bank_receipt_prints_once_matched_and_the_payment_certificate_once_confirmed() -> None:
    s = given("P025", at="counter_receipt")
    assert list(_printed(s)) == ["bank-receipt"]
    s.walk_to("issue_payment_certificate")
    printed = _printed(s)
    assert list(printed) == ["bank-receipt", "payment-certificate"]
    assert printed["bank-receipt"]["补缴征缴单号"] == "ZJ5201022026110087"
    assert printed["bank-receipt"]["到账金额"] == "48,960.00 元"
    assert printed["bank-receipt"]["财务接口流水号"] == "CWB20261202000342"
    assert printed["payment-certificate"]["缴费人姓名"] == "刘建国"
    assert printed["payment-certificate"]["险种类型"] == "职工基本医疗保险"

    s.walk_to(COMPLETED)
    assert s.app.get_entry("fund_income", "B20261202000342").state["cert_issued_on"] == "2026-12-05"
    assert list(_printed(given("P024", at=COMPLETED))) == ["bank-receipt"]
    assert _printed(given("P026", at=COMPLETED))["payment-certificate"]["缴费金额"] == "1,236.60 元"
