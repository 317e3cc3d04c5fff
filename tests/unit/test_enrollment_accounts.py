"""个人账户 as a clerk meets it (P012, P013, P016-P018): injections, a transfer on working-day clocks, the lump-sum
refund with its interest, the overpayment deducted or recovered; each lands on the account to the fen, the registry
refuses what it must, and a step back restores the account with both moves in its history."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from tests.unit.gwt import Scenario, given, staff
from ybj_enrollment.application import EnrollmentApplication
from ybj_enrollment.processes.p001_employer_registration import EXAMPLE as P001_EXAMPLE
from ybj_enrollment.registries import REGISTRIES
from ybj_enrollment.registries.accounts import statement
from ybj_enrollment.registries.codes import ACTIVE, TERMINATED, emp_no_for, psn_no_for
from ybj_enrollment.rules import RULES
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.documents import CaseView, available_documents, document_content
from ybj_kernel.domain.identity import uscc_check_char
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.domain.rules import run

CERTNO = "520102199003070022"  # P002's example employee
OTHER_USCC = "91520102MA6DKQ125" + uscc_check_char("91520102MA6DKQ125")
PSN_NO = psn_no_for(CERTNO)
UNIT = {"emp_no": "52010213594430", "emp_name": "贵阳云岩数智科技有限公司"}  # P001's example unit
CLERK, OTHER_CLERK = staff("clerk-1", "registrar"), staff("clerk-2", "registrar")
REVIEWER, SYSTEM = staff("reviewer-1", "second_reviewer"), staff("batch-1", "system")
EMPLOYER, FINANCE = staff("unit-1", "employer"), staff("cashier-1", "finance")
IN_AGENCY, OUT_AGENCY = staff("in-1", "transfer_in_agency"), staff("out-1", "transfer_out_agency")


def injection(amount: str, **changes: Any) -> dict[str, Any]:
    """One P012 row: 铺垫资金 for P002's employee."""
    row = {**UNIT, "certno": CERTNO, "inject_type": "1", "inject_date": "2026-12-01", "inject_amt": amount}
    return {**row, **changes}


def account(app: CaseApplication) -> dict[str, Any]:
    state: dict[str, Any] = app.get_entry("account", PSN_NO).state
    return state


def relation(app: CaseApplication) -> dict[str, Any]:
    found: dict[str, Any] = app.get_entry("person", PSN_NO).state["relations"]["310"]
    return found


def history(app: CaseApplication, registry: str) -> list[str]:
    entry_id = REGISTRIES[registry].entry_id(PSN_NO)
    return [getattr(e, "event_name", type(e).__name__) for e in app.events.get(entry_id)]


def lines(app: CaseApplication) -> list[tuple[str, int, int]]:
    """收支明细, oldest first: (kind, amount in fen, balance after)."""
    return [(e["kind_zh"], e["amount"], e["balance_after"]) for e in reversed(statement(account(app)))]


def refund_up_to_interest(s: Scenario, balc: str) -> Scenario:
    """P017 to add_interest, for a principal of `balc`, interest from 2026-01-01 to the tests' date (2026-12-05)."""
    terminated = {"certno": CERTNO, "psn_name": "陈晶", "stop_date": "2026-11-30", "stop_rea": "调往省外"}
    s.when(CLERK, "create", terminated).then(events=["EnrollmentTerminated"], stage="register_withdrawal")
    withdrawal = {
        "wdrw_rea": "2",
        "balc": balc,
        "bank_name": "中国工商银行贵阳云岩支行",
        "bank_acct": "6222020200112345678",
        "intr_begndate": "2026-01-01",
    }
    # A deceased employee's account goes to the heir, who must be named.
    s.when(CLERK, "register_withdrawal", {**withdrawal, "wdrw_rea": "1"}).then_refused("INVALID_FIELD", "payee_certno")
    s.when(CLERK, "register_withdrawal", withdrawal).then(events=["WithdrawalRegistered"], stage="second_review")
    s.when(REVIEWER, "approve").then(events=["SecondReviewApproved"], stage="settle_interest")
    s.when(SYSTEM, "settle_interest").then(events=["InterestSettled"], stage="add_interest")
    return s


# ---- P012 and P017: in to the fen, out to the fen ------------------------------------------------------------------


def test_injections_then_a_lump_sum_refund_with_interest_leave_the_account_at_zero_to_the_fen() -> None:
    s = given("P012", variant="import")
    s.when(CLERK, "create", injection("1000.05")).then(events=["AccountInjectionRegistered"], stage=COMPLETED)
    Scenario(s.app, s.process, "select").when(CLERK, "create", injection("234.51", inject_type="2")).then(
        events=["AccountInjectionRegistered"], stage=COMPLETED
    )
    assert lines(s.app) == [("注入", 100005, 100005), ("注入", 23451, 123456)]
    assert statement(account(s.app))[0]["summary"] == "个人账户注入（公务员医疗补助）"

    refund = refund_up_to_interest(Scenario(s.app, s.app.definition("P017")), "1234.56")
    # 1234.56 × 0.35% (the example rate) × 338 days / 360 = 4.0569… → 4.06
    assert (refund.data()["stl_intr_amt"], refund.data()["intr_days"]) == ("4.06", 338)
    refund.when(CLERK, "add_interest", {"intr_amt": "4.05"}).then_refused("INTEREST_MISMATCH", "intr_amt")
    refund.when(CLERK, "add_interest", {"intr_amt": "4.06"}).then(events=["InterestAmountAdded"], stage=COMPLETED)

    assert refund.data()["wdrw_amt"] == "1238.62"
    assert lines(s.app)[2:] == [("结息", 406, 123862), ("清退", 123862, 0)]
    assert (account(s.app)["balance"], account(s.app)["frozen"]) == (0, True)
    assert relation(s.app)["status"] == TERMINATED


def test_a_withdrawal_beyond_the_balance_or_short_of_it_is_refused_and_nothing_changes() -> None:
    s = refund_up_to_interest(given("P017"), "1000.01")  # the balance is 1000.00 (P012's example)
    s.when(CLERK, "add_interest", {"intr_amt": s.data()["stl_intr_amt"]}).then_refused("INSUFFICIENT_BALANCE", "amount")
    assert s.stage == "add_interest"
    assert (account(s.app)["balance"], account(s.app)["frozen"], relation(s.app)["status"]) == (100000, False, ACTIVE)

    short = refund_up_to_interest(given("P017"), "999.99")  # 清退 pays out the whole account, not part of it
    short.when(CLERK, "add_interest", {"intr_amt": short.data()["stl_intr_amt"]}).then_refused(
        "NOT_WHOLE_BALANCE", "amount"
    )
    assert account(short.app)["balance"] == 100000


def test_stepping_a_completed_refund_back_restores_the_account_and_the_relation() -> None:
    s = given("P017", at=COMPLETED)
    assert (account(s.app)["balance"], relation(s.app)["status"]) == (0, TERMINATED)

    s.when(OTHER_CLERK, "step_back", comment="支取原因填错").then(events=["SteppedBack"], stage="add_interest")
    assert (account(s.app)["balance"], account(s.app)["frozen"], lines(s.app)) == (
        100000,
        False,
        [("注入", 100000, 100000)],
    )
    assert relation(s.app)["status"] == ACTIVE
    assert history(s.app, "account") == [
        "AccountEntryRecorded",  # P012's injection opened the account
        "AccountFrozen",
        "AccountEntryRecorded",  # 结息
        "AccountEntryRecorded",  # 清退
        "ChangeReverted",
        "ChangeReverted",
        "ChangeReverted",
    ]
    assert history(s.app, "person")[-2:] == ["EnrollmentTerminated", "ChangeReverted"]


# ---- P012 batch, P013, frozen accounts -----------------------------------------------------------------------------


def test_an_injection_file_books_each_good_row_and_reports_the_bad_one() -> None:
    s = given("P012", variant="import")
    rows = [(2, injection("100.00")), (3, injection("-1.00")), (4, injection("50.50", quota_flag="0"))]
    outcome = s.app.import_batch(
        "P012", "import", rows, CLERK, mode="valid_rows", fingerprint="f-1", file_name="注入.xlsx"
    )
    assert [(e["row"], e["field"]) for e in outcome.batch.errors] == [(3, "inject_amt")]
    assert len(outcome.batch.case_ids) == 2
    assert lines(s.app) == [("注入", 10000, 10000), ("注入", 5050, 15050)]


def test_a_retired_cadre_is_injected_the_same_grade_standard_for_each_month() -> None:
    s = given("P013", at=COMPLETED, variant="import")
    # grade 2: 200.00 a month (example standard) for 2026-01 … 2026-12
    assert (s.data()["months"], s.data()["inject_amt"]) == (12, "2400.00")
    assert account(s.app)["balance"] == 240000
    assert statement(account(s.app))[0]["detail"]["insu_admdvs"] == "520102"

    unknown = Scenario(s.app, s.process, "select")
    example = dict(s.process.stage("validate_import").example)
    unknown.when(SYSTEM, "create", {**example, "trt_grade": "9"}).then_refused("NO_INJECTION_STANDARD", "trt_grade")

    # An uploaded file is checked row by row; the good rows wait for 保存, and nothing is booked before it.
    rows = [(2, {**example, "trt_grade": "1"}), (3, {**example, "trt_grade": "9"})]
    outcome = s.app.import_batch(
        "P013", "import", rows, CLERK, mode="valid_rows", fingerprint="f", file_name="老干.xlsx"
    )
    assert [(e["row"], e["code"]) for e in outcome.batch.errors] == [(3, "NO_INJECTION_STANDARD")]
    (case_id,) = outcome.batch.case_ids
    waiting = Scenario(s.app, s.process, "import", UUID(case_id))
    assert (waiting.stage, waiting.data()["inject_amt"], account(s.app)["balance"]) == (
        "register_injection",
        "3600.00",  # grade 1: 300.00 a month, 12 months
        240000,
    )
    waiting.when(OTHER_CLERK, "register_injection").then(events=["AccountInjectionRegistered"], stage=COMPLETED)
    assert account(s.app)["balance"] == 600000


def test_an_injection_into_a_frozen_account_is_refused() -> None:
    s = given("P018", at=COMPLETED, variant="deduction")
    assert (account(s.app)["frozen"], account(s.app)["balance"]) == (True, 80000)
    refused = Scenario(s.app, s.app.definition("P012"), "import").when(CLERK, "create", injection("100.00"))
    refused.then_refused("ACCOUNT_FROZEN", "psn_no")
    assert account(s.app)["balance"] == 80000


def test_an_injection_for_someone_not_insured_under_the_unit_is_refused() -> None:
    s = given("P006", at=COMPLETED, variant="position")  # the example employee, insured under the example unit
    other_unit = injection("100.00", emp_no="52010299999999")
    refused = Scenario(s.app, s.app.definition("P012"), "import").when(CLERK, "create", other_unit)
    refused.then_refused("ENTRY_NOT_FOUND", "employer")
    s.app.create_case("P001", {**P001_EXAMPLE, "uscc": OTHER_USCC, "emp_name": "贵阳另一家公司"}, CLERK)
    elsewhere = injection("100.00", emp_no=emp_no_for(OTHER_USCC, str(P001_EXAMPLE["admdvs"])))
    refused = Scenario(s.app, s.app.definition("P012"), "import").when(CLERK, "create", elsewhere)
    refused.then_refused("NOT_IN_UNIT", "emp_no")


# ---- P016: the working-day clocks agree with the trial -------------------------------------------------------------


def application_on(clock: list[date]) -> CaseApplication:
    """The enrollment application whose date is the last one in `clock`."""
    counter = itertools.count(1)

    def numbers(code: str, admdvs: str, day: date) -> str:
        return f"{code}{admdvs}{day:%Y%m%d}{next(counter):08d}"

    env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    defs = EnrollmentApplication.default_definitions()
    return EnrollmentApplication(defs, numbers, env=env, today=lambda: clock[-1])


def test_transfer_due_dates_across_national_day_agree_with_the_trial() -> None:
    clock = [date(2026, 9, 28)]  # the Monday before 国庆
    app = application_on(clock)
    s = Scenario(app, app.definition("P016"))

    def due() -> str | None:
        assert s.case_id is not None
        return app.get_case(s.case_id).due_on

    def trial(**raw: str) -> dict[str, Any]:
        return run(RULES.get("transfer_deadlines"), {"accepted_on": "2026-09-28", **raw}, clock[-1])

    applied = {"certno": CERTNO, "psn_name": "陈晶", "trans_dir": "2", "out_admdvs": "530102", "in_admdvs": "520102"}
    s.when(CLERK, "create", applied).then(events=["TransferApplicationAccepted"], stage="issue_contact_letter")
    assert due() == trial()["contact_letter_due"] == "2026-10-10"  # the 调休 Saturday

    clock.append(date(2026, 10, 9))
    s.when(IN_AGENCY, "issue_contact_letter", {"ctc_letter_no": "LXH-1"}).then(
        events=["ContactLetterIssued"], stage="issue_info_sheet"
    )
    assert due() == trial(letter_received_on="2026-10-09")["info_sheet_due"] == "2026-10-22"

    clock.append(date(2026, 10, 20))
    sheet = {
        "info_sheet_no": "XXB-1",
        "emp_name": "昆明某公司",
        "begndate": "2020-01-01",
        "enddate": "2026-09-30",
        "pay_months": 81,
        "acct_trans_type": "1",
        "trans_amt": "3456.78",
    }
    s.when(OUT_AGENCY, "issue_info_sheet", sheet).then(events=["InfoSheetIssued"], stage="complete_transfer")
    expected = trial(letter_received_on="2026-10-09", info_sheet_received_on="2026-10-20")["completion_due"]
    assert due() == expected == "2026-10-27"

    clock.append(date(2026, 10, 22))
    s.when(IN_AGENCY, "complete_transfer", {"arvl_amt": "3456.77"}).then_refused("TRANSFER_AMOUNT_MISMATCH", "arvl_amt")
    s.when(IN_AGENCY, "complete_transfer", {"arvl_amt": "3456.78"}).then(events=["TransferCompleted"], stage=COMPLETED)
    assert lines(app) == [("转入", 345678, 345678)]
    assert statement(account(app))[0]["on"] == "2026-10-22"


def test_papers_keyed_in_late_count_their_clocks_from_the_dates_they_bear() -> None:
    clock = [date(2026, 10, 15)]  # keyed in after 国庆, for an application accepted before it
    app = application_on(clock)
    s = Scenario(app, app.definition("P016"))
    applied = {
        "certno": CERTNO,
        "psn_name": "陈晶",
        "trans_dir": "2",
        "out_admdvs": "530102",
        "in_admdvs": "520102",
        "acpt_date": "2026-09-28",
    }
    s.when(CLERK, "create", applied).then(events=["TransferApplicationAccepted"], stage="issue_contact_letter")
    assert s.case_id is not None
    assert app.get_case(s.case_id).due_on == "2026-10-10"  # already overdue on the day it is keyed in
    s.when(IN_AGENCY, "issue_contact_letter", {"ctc_letter_no": "LXH-2", "ctc_letter_date": "2026-10-09"}).then(
        events=["ContactLetterIssued"], stage="issue_info_sheet"
    )
    assert app.get_case(s.case_id).due_on == "2026-10-22"
    s.when(IN_AGENCY, "step_back", comment="联系函日期有误").then(events=["SteppedBack"], stage="issue_contact_letter")
    future = {"ctc_letter_no": "LXH-2", "ctc_letter_date": "2026-10-16"}
    s.when(IN_AGENCY, "issue_contact_letter", future).then_refused("INVALID_FIELD", "ctc_letter_date")


def test_a_transfer_out_moves_the_whole_account_and_prints_the_enrollment_certificate() -> None:
    s = given("P016", at=COMPLETED)
    assert lines(s.app)[-1] == ("转出", 100000, 0)
    relation = s.app.get_entry("person", PSN_NO).state["relations"]["310"]
    assert (relation["status"], relation["enddate"]) == (TERMINATED, "2026-11-30")  # the 信息表's 参保终止日期
    rows = dict(document_content(s.process.documents[0], view(s)).rows)
    assert (rows["个人账户资金处理方式"], rows["个人账户转移金额"], rows["实际缴费月数"]) == (
        "划转",
        "1,000.00 元",
        "11",
    )


# ---- P018: both flows and their forms ------------------------------------------------------------------------------


def view(s: Scenario) -> CaseView:
    """The case as a form reads it."""
    assert s.case_id is not None
    case = s.app.get_case(s.case_id)
    return CaseView(
        case_id=str(case.id),
        process_id=s.process.id,
        process_name_zh=s.process.name_zh,
        acceptance_no=case.acceptance_no,
        admdvs=case.admdvs,
        stage=case.stage,
        version=case.version,
        data=case.data,
        issued_at=datetime(2026, 12, 5, 2, 0, tzinfo=UTC),
        issued_by="clerk-1",
        variant=case.variant,
    )


def forms(s: Scenario) -> list[str]:
    return [d.name for d in available_documents(s.process.documents, view(s))]


OVERPAID = {"certno": CERTNO, "psn_name": "陈晶", "emp_name": UNIT["emp_name"], "balc": "1000.00"}


def test_a_balance_covering_the_overpayment_is_deducted_and_the_deduction_form_printed() -> None:
    s = given("P018", variant="deduction")
    s.when(CLERK, "create", OVERPAID).then(events=["AccountFrozen"], stage="deduct")
    assert forms(s) == []
    s.when(CLERK, "deduct", {"ovpay_amt": "1000.01"}).then_refused("BALANCE_SHORT", "ovpay_amt")
    s.when(CLERK, "deduct", {"ovpay_amt": "200.00"}).then(events=["OverpaymentDeducted"], stage=COMPLETED)

    assert (account(s.app)["frozen"], lines(s.app)[-1]) == (True, ("扣款", 20000, 80000))
    assert forms(s) == ["deduction-application"]
    rows = dict(document_content(s.process.documents[0], view(s)).rows)
    assert (rows["多划拨金额"], rows["扣款金额"], rows["扣款后余额（办理一次性清退）"]) == (
        "200.00 元",
        "200.00 元",
        "800.00 元",
    )


def test_after_a_deduction_the_rest_of_the_frozen_account_is_refunded_through_p017() -> None:
    s = given("P018", at=COMPLETED, variant="deduction")  # 1000.00 − 200.00 deducted, the account frozen
    refund = refund_up_to_interest(Scenario(s.app, s.app.definition("P017")), "800.00")
    # 800.00 × 0.35% × 338 / 360 = 2.6288… → 2.63
    refund.when(CLERK, "add_interest", {"intr_amt": "2.63"}).then(events=["InterestAmountAdded"], stage=COMPLETED)
    assert lines(s.app)[-2:] == [("结息", 263, 80263), ("清退", 80263, 0)]
    assert history(s.app, "account").count("AccountFrozen") == 1  # frozen by P018, not again


def test_a_short_balance_freezes_the_account_and_the_family_repays_into_the_pooled_fund() -> None:
    s = given("P018", variant="recovery")
    s.when(CLERK, "create", OVERPAID).then(events=["AccountFrozen"], stage="register_recovery")
    s.when(CLERK, "register_recovery", {"ovpay_amt": "200.00", "rcov_amt": "200.00"}).then_refused(
        "BALANCE_COVERS", "ovpay_amt"
    )
    s.when(CLERK, "register_recovery", {"ovpay_amt": "1500.00", "rcov_amt": "1600.00"}).then_refused(
        "RECOVERY_EXCEEDS_OVERPAYMENT", "rcov_amt"
    )
    s.when(CLERK, "register_recovery", {"ovpay_amt": "1500.00", "rcov_amt": "1500.00"}).then(
        events=["RecoveryRegistered"], stage="print_recovery_form"
    )
    assert (s.data()["shortfall_amt"], forms(s)) == ("500.00", ["recovery-application"])
    rows = dict(document_content(s.process.documents[1], view(s)).rows)
    assert (rows["追回金额"], rows["参保人所在单位"]) == ("1,500.00 元", UNIT["emp_name"])

    s.when(CLERK, "print_recovery_form").then(events=["RecoveryFormPrinted"], stage="collect_from_family")
    s.when(EMPLOYER, "collect_from_family", {"paid_amt": "1500.00"}).then(
        events=["RecoveryPaid"], stage="deposit_to_pool"
    )
    s.when(FINANCE, "deposit_to_pool", {}).then(events=["RecoveredFundsDeposited"], stage=COMPLETED)
    # The recovered money goes to the 统筹基金; the account is frozen with its balance untouched.
    assert (account(s.app)["frozen"], lines(s.app)) == (True, [("注入", 100000, 100000)])
    assert forms(s) == ["recovery-application"]


def test_a_case_decided_on_a_balance_that_has_since_changed_is_refused() -> None:
    s = given("P018", variant="recovery")
    s.when(CLERK, "create", {**OVERPAID, "balc": "900.00"}).then(events=["AccountFrozen"], stage="register_recovery")
    s.walk_to("deposit_to_pool")
    s.when(FINANCE, "deposit_to_pool", {}).then_refused("BALANCE_CHANGED", "balc")
    assert account(s.app)["frozen"] is False
