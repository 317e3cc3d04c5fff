"""The fund payment chains (P027-P040): the signed summary binds every later step, three review levels are three
people, and the 报盘/回盘 files are generated, parsed and refused whole when tampered with."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.unit.gwt import given, staff
from ybj_kernel.domain.engine import Actor
from ybj_kernel.errors import InvalidInput
from ybj_settlement import bankfiles
from ybj_settlement.bankfiles import BankBatch, Payee
from ybj_settlement.processes.p027_monthly_settlement_fund_payment import EXAMPLE as P027_SUMMARY
from ybj_settlement.processes.payment_chains import batch_of

BATCH = BankBatch(
    "JS202611001",
    "ZF202612010001",
    "月结算费用拨付",
    (
        Payee("贵阳市第一人民医院", "2402000109200012345", "中国工商银行贵阳中华北路支行", 8_000_000),
        Payee("张三", "6222022402001234567", "中国建设银行六盘水钟山支行", 123_456),
        Payee("遵义市第二人民医院", "52050164363600000123", "中国建设银行遵义分行营业部", 1),
    ),
)


def _lines(content: bytes) -> list[bytes]:
    return content.split(b"\r\n")[:-1]


def test_the_bank_file_is_gbk_in_fixed_columns_with_a_control_line() -> None:
    lines = _lines(bankfiles.bank_file(BATCH))
    assert [len(x) for x in lines] == [41, 234, 234, 234, 25]
    assert lines[0].decode("gbk").startswith("HJS202611001")
    first = lines[1].decode("gbk")
    assert first.startswith("D000001贵阳市第一人民医院")
    assert lines[1][159:174] == b"000000008000000"  # 金额 in fen, zero-padded
    assert lines[-1] == b"T000003" + str(8_000_000 + 123_456 + 1).rjust(18, "0").encode()


def test_a_name_that_does_not_fit_its_column_is_refused() -> None:
    long = BankBatch("B1", "Z1", "用途", (Payee("贵" * 31, "6222000000", "银行", 1),))
    with pytest.raises(InvalidInput) as err:
        bankfiles.bank_file(long)
    assert err.value.field == "户名"


def test_a_return_with_a_failed_row_reconciles() -> None:
    content = bankfiles.return_file(BATCH, {2: "账户已销户"})
    result = bankfiles.parse_return(content, BATCH)
    assert [r.seq for r in result.paid] == [1, 3]
    assert [(r.seq, r.payee.acct_name, r.fail_reason) for r in result.failed] == [(2, "张三", "账户已销户")]
    assert result.paid_fen + result.failed_fen == sum(p.amount_fen for p in BATCH.payees)
    assert bankfiles.parse_return(content.decode("gbk"), BATCH) == result  # the same file as text


def _refusal(content: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        bankfiles.parse_return(content, BATCH)
    assert err.value.code == "BANK_RETURN_REFUSED"
    return err.value


def test_a_tampered_amount_refuses_the_whole_return() -> None:
    lines = _lines(bankfiles.return_file(BATCH, {}))
    lines[3] = lines[3][:159] + b"000000000000002" + lines[3][174:]  # 0.01 元 became 0.02 元 on 序号 3
    assert _refusal(b"\r\n".join(lines) + b"\r\n").field == "return_file[4].金额"


def test_a_row_not_sent_refuses_the_whole_return() -> None:
    lines = _lines(bankfiles.return_file(BATCH, {}))
    extra = lines[3].replace(b"000003", b"000004", 1)
    assert _refusal(b"\r\n".join([*lines[:-1], extra, lines[-1]]) + b"\r\n").field == "return_file[5].序号"


def test_a_bad_control_line_refuses_the_whole_return() -> None:
    lines = _lines(bankfiles.return_file(BATCH, {1: "户名不符"}))
    lines[-1] = lines[-1][:25] + b"000003" + lines[-1][31:]  # 成功笔数 3, but one row failed
    assert _refusal(b"\r\n".join(lines) + b"\r\n").field == "return_file[5].成功笔数"
    short = [*lines[:-1], lines[-1][:20]]
    assert _refusal(b"\r\n".join(short)).field == "return_file[5].记录长度"


def test_a_failure_without_a_reason_is_malformed() -> None:
    lines = _lines(bankfiles.return_file(BATCH, {2: "x"}))
    lines[2] = lines[2][:238] + b" " * 60
    assert _refusal(b"\r\n".join(lines)).field == "return_file[3].失败原因"


# ---- the processes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"setl_batch_no": "JS202611999"}, "setl_batch_no"),
        ({"pay_cnt": 3}, "pay_cnt"),
        ({"pay_sumamt": "125678.91"}, "pay_sumamt"),
    ],
)
def test_the_handover_must_match_the_signed_summary(change: dict[str, Any], field: str) -> None:
    case = given("P027", at="disbursement_handover")
    data = {"setl_batch_no": "JS202611001", "pay_cnt": 2, "pay_sumamt": "125678.90"} | change
    case.when(staff("f-1", "finance"), "disbursement_handover", data).then_refused("SUMMARY_MISMATCH", field)
    case.when(staff("f-1", "finance"), "disbursement_handover", {**data, **P027_HANDOVER}).then(
        events=["DisbursementDataConfirmed"], stage="bank_file_dispatch"
    )


P027_HANDOVER = {"setl_batch_no": "JS202611001", "pay_cnt": 2, "pay_sumamt": "125678.90"}


def test_a_summary_that_does_not_add_up_is_refused() -> None:
    case = given("P027")
    bad = {**P027_SUMMARY, "pay_sumamt": "125678.00"}
    case.when(staff("a-1", "approver"), "create", bad).then_refused("SUMMARY_MISMATCH", "pay_sumamt")


def test_each_review_level_is_a_different_person() -> None:
    case = given("P027", at="recheck_level_1")
    both = Actor("rev-1", ("finance_reviewer_1", "finance_reviewer_2"), "520000")
    case.when(both, "approve").then(events=["FirstLevelRecheckApproved"], stage="recheck_level_2")
    case.when(both, "approve").then_refused("SEPARATION_OF_DUTIES")
    case.when(staff("rev-2", "finance_reviewer_2"), "approve").then(
        events=["SecondLevelRecheckApproved"], stage="recheck_level_3"
    )


def test_the_handover_clerk_may_not_do_the_first_review() -> None:
    case = given("P027", at="disbursement_handover")
    clerk = staff("f-1", "finance")
    case.when(clerk, "disbursement_handover", P027_HANDOVER).then(
        events=["DisbursementDataConfirmed"], stage="bank_file_dispatch"
    )
    case.when(staff("f-2", "finance"), "bank_file_dispatch", {"pay_batch_no": "ZF202612010001"}).then(
        events=["BankFileDispatched"], stage="payment_first_review"
    )
    review = {"pay_batch_no": "ZF202612010001", "pay_cnt": 2, "pay_sumamt": "125678.90"}
    case.when(clerk, "approve", review).then_refused("SEPARATION_OF_DUTIES")
    wrong = {**review, "pay_batch_no": "ZF9"}
    case.when(staff("f-3", "finance"), "approve", wrong).then_refused("SUMMARY_MISMATCH", "pay_batch_no")


def test_the_bank_return_records_paid_and_failed_rows() -> None:
    case = given("P027", at="bank_return")
    sent = base64.b64decode(case.data()["bank_file_b64"])
    assert sent == bankfiles.bank_file(batch_of(case.data()))
    returned = bankfiles.return_file(batch_of(case.data()), {2: "账号不存在"})
    case.when(staff("bank-1", "bank"), "bank_return", {"return_file": returned.decode("gbk")}).then(
        events=["BankReturnProcessed"], stage="payment_completed"
    )
    data = case.data()
    assert [r["acct_name"] for r in data["paid_lines"]] == ["贵阳市第一人民医院"]
    assert data["failed_lines"] == [
        {
            "seq": 2,
            "acct_name": "遵义市第二人民医院",
            "bank_acct": "52050164363600000123",
            "bank_name": "中国建设银行遵义分行营业部",
            "amount": "45678.90",
            "fail_reason": "账号不存在",
        }
    ]
    assert (data["paid_cnt"], data["failed_cnt"], data["paid_sumamt"], data["failed_sumamt"]) == (
        1,
        1,
        "80000.00",
        "45678.90",
    )


def test_a_tampered_return_is_refused_at_the_stage() -> None:
    case = given("P027", at="bank_return")
    other = batch_of({**case.data(), "payees": [{**p, "amount": "1.00"} for p in case.data()["payees"]]})
    forged = base64.b64encode(bankfiles.return_file(other, {})).decode()
    case.when(staff("bank-1", "bank"), "bank_return", {"return_file_b64": forged}).then_refused(
        "BANK_RETURN_REFUSED", "return_file[2].金额"
    )


def test_the_cashier_voucher_must_match_the_summary_row_by_row() -> None:
    case = given("P030", at="cashier_voucher")
    lines = [dict(r) for r in case.data()["payees"]]
    lines[1]["bank_acct"] = "52050164363600000999"
    data = {"pay_cnt": 2, "pay_sumamt": "350000.00", "voucher_lines": lines}
    case.when(staff("c-1", "finance"), "cashier_voucher", data).then_refused(
        "SUMMARY_MISMATCH", "voucher_lines[1].bank_acct"
    )
    case.when(staff("c-1", "finance"), "cashier_voucher", {**data, "pay_sumamt": "350000.01"}).then_refused(
        "SUMMARY_MISMATCH", "pay_sumamt"
    )


def test_p033_confirms_the_payment_against_the_paper_summary() -> None:
    case = given("P033", at="payment_confirmation")
    wrong = {"fes_serial_no": "CW1", "pay_cnt": 1, "pay_sumamt": "15234.00"}
    case.when(staff("f-9", "finance"), "payment_confirmation", wrong).then_refused("SUMMARY_MISMATCH", "pay_sumamt")


def test_p031_is_made_on_the_last_working_day_of_the_month() -> None:
    from ybj_settlement.processes.p031_remote_care_expense_transfer_to_treasury import EXAMPLE, last_working_day

    assert last_working_day(2026, 10).isoformat() == "2026-10-30"  # 31 October 2026 is a Saturday
    case = given("P031")
    case.when(staff("f-1", "finance"), "create", {**EXAMPLE, "stmt_date": "2026-11-27"}).then_refused(
        "NOT_LAST_WORKING_DAY", "stmt_date"
    )
