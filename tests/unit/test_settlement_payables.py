"""Payments treatment approves reach settlement as events and wait there to be paid: received once, withdrawn when
their source case is stepped back, the treatment case named in the entry."""

from __future__ import annotations

from tests.unit.gwt import application, given, staff
from tests.unit.insured_persons import published
from ybj_kernel.domain.process import COMPLETED
from ybj_settlement.application import SettlementApplication


def test_an_approved_reimbursement_waits_in_settlement_once_and_is_withdrawn_when_its_case_steps_back() -> None:
    claim = given("P049", at=COMPLETED)  # 王芳's stay, settled and printed: its payment is handed over
    handed = published(claim.app, "benefit_payment")
    assert [e["eventname"] for e in handed] == ["BenefitPaymentApproved"]
    settlement = application(SettlementApplication)
    assert settlement.react(handed[0]) == 1
    assert settlement.react(handed[0]) == 0  # redelivered: nothing changes
    payable = settlement.get_entry("payable", handed[0]["subject"]).state
    assert payable["status"] == "pending"
    assert payable["source_case_id"] == str(claim.case_id)
    assert payable["amount_fen"] == handed[0]["data"]["args"]["amount_fen"] > 0

    claim.when(staff("reg-8", "registrar"), "step_back", comment="单据有误，重新打印")
    reverted = [e for e in published(claim.app, "benefit_payment") if e["eventname"] == "ChangeReverted"]
    assert len(reverted) == 1
    assert settlement.react(reverted[0]) == 1
    assert settlement.get_entry("payable", handed[0]["subject"]).state["status"] == "withdrawn"


def test_a_reimbursement_paid_through_a_bank_file_chain_each_side_naming_the_other() -> None:
    from decimal import Decimal

    from tests.unit.gwt import Scenario
    from ybj_settlement import bankfiles
    from ybj_settlement.processes.payment_chains import batch_of

    claim = given("P049", at=COMPLETED)
    handed = published(claim.app, "benefit_payment")[0]
    key, amount_fen = handed["subject"], handed["data"]["args"]["amount_fen"]
    settlement = application(SettlementApplication)
    settlement.react(handed)
    amount = str(Decimal(amount_fen) / 100)
    payee = {"acct_name": "王芳", "bank_acct": "6222020200112345678", "bank_name": "中国工商银行贵阳支行"}
    summary = {
        "doc_no": "LX-HZ-1",
        "setl_batch_no": "LX-1",
        "purpose": "个人零星报销费用拨付",
        "pay_cnt": 1,
        "pay_sumamt": amount,
        "payees": [{**payee, "amount": amount, "payable_key": key}],
        "signed_by": "分管领导（示例）",
    }
    chain = Scenario(settlement, settlement.definition("P034"), None)
    chain.when(staff("ld-1", "approver"), "create", summary)
    chain.when(
        staff("fi-1", "finance"), "disbursement_handover", {"pay_cnt": 1, "pay_sumamt": amount, "setl_batch_no": "LX-1"}
    )
    chain.when(staff("fi-1", "finance"), "bank_file_dispatch", {"pay_batch_no": "ZF-1"})
    review = {"pay_cnt": 1, "pay_sumamt": amount, "pay_batch_no": "ZF-1"}
    chain.when(staff("fi-2", "finance"), "approve", review)
    for level in (1, 2, 3):
        chain.when(staff(f"rv-{level}", f"finance_reviewer_{level}"), "approve")
    returned = bankfiles.return_file(batch_of(chain.data()), {}).decode("gbk")
    chain.when(staff("bank-1", "bank"), "bank_return", {"return_file": returned})
    chain.when(staff("ybj-system", "system"), "payment_completed").then(events=["PaymentCompleted"], stage="completed")
    assert settlement.get_entry("payable", key).state["status"] == "paid"

    paid = [e for e in published(settlement, "payable") if e["eventname"] == "PayablePaid"]
    assert [e["bycaseid"] for e in paid] == [str(chain.case_id)]
    assert claim.app.react(paid[0]) == 1
    entry = claim.app.get_entry("benefit_payment", key)
    assert (entry.state["status"], entry.state["paid_by_case"]) == ("paid", str(chain.case_id))
    assert entry.changed_by()[0] == str(claim.case_id)  # the treatment case approved it, the chain paid it


def test_rows_the_bank_returns_unpaid_come_back_to_the_queue_with_the_banks_reason() -> None:
    from decimal import Decimal

    from tests.unit.gwt import Scenario
    from ybj_settlement import bankfiles
    from ybj_settlement.processes.payment_chains import batch_of

    claim = given("P049", at=COMPLETED)
    handed = published(claim.app, "benefit_payment")[0]
    key, amount_fen = handed["subject"], handed["data"]["args"]["amount_fen"]
    settlement = application(SettlementApplication)
    settlement.react(handed)
    amount = str(Decimal(amount_fen) / 100)
    rows = [
        {
            "acct_name": "王芳",
            "bank_acct": "6222020200112345678",
            "bank_name": "中国工商银行贵阳支行",
            "amount": amount,
            "payable_key": key,
        },
        {
            "acct_name": "贵阳市第一人民医院",
            "bank_acct": "2402000109200012345",
            "bank_name": "中国工商银行贵阳中华北路支行",
            "amount": "80000.00",
        },
        {
            "acct_name": "遵义市第二人民医院",
            "bank_acct": "52050164363600000123",
            "bank_name": "中国建设银行遵义分行营业部",
            "amount": "45678.90",
        },
    ]

    def chain(batch: str, payees: list[dict[str, str]], failures: dict[int, str]) -> Scenario:
        total = str(sum(Decimal(r["amount"]) for r in payees))
        summary = {
            "doc_no": f"{batch}-HZ",
            "setl_batch_no": batch,
            "purpose": "费用拨付",
            "pay_cnt": len(payees),
            "pay_sumamt": total,
            "payees": payees,
            "signed_by": "分管领导（示例）",
        }
        run = Scenario(settlement, settlement.definition("P027"), None)
        run.when(staff("ld-1", "approver"), "create", summary)
        totals = {"pay_cnt": len(payees), "pay_sumamt": total}
        run.when(staff("fi-1", "finance"), "disbursement_handover", {**totals, "setl_batch_no": batch})
        run.when(staff("fi-1", "finance"), "bank_file_dispatch", {"pay_batch_no": f"ZF{batch}"})
        run.when(staff("fi-2", "finance"), "approve", {**totals, "pay_batch_no": f"ZF{batch}"})
        for level in (1, 2, 3):
            run.when(staff(f"rv-{level}", f"finance_reviewer_{level}"), "approve")
        returned = bankfiles.return_file(batch_of(run.data()), failures).decode("gbk")
        run.when(staff("bank-1", "bank"), "bank_return", {"return_file": returned})
        run.when(staff("ybj-system", "system"), "payment_completed").then(
            events=["PaymentCompleted"], stage="completed"
        )
        return run

    first = chain("JS1", rows, {1: "账户已销户", 3: "户名不符"})
    data = first.data()
    assert (data["paid_cnt"], data["paid_sumamt"], data["failed_cnt"]) == (1, "80000.00", 2)
    assert Decimal(data["paid_sumamt"]) + Decimal(data["failed_sumamt"]) == Decimal(data["pay_sumamt"])
    still = settlement.get_entry("payable", key).state
    assert (still["status"], still["last_failure"]["fail_reason"]) == ("pending", "账户已销户")
    queued = settlement.get_entry("payable", "returned:ZFJS1:3").state
    assert (queued["status"], queued["amount_fen"], queued["last_failure"]["fail_reason"]) == (
        "pending",
        4567890,
        "户名不符",
    )

    again = [{**rows[0], "bank_acct": "6222020200112349999"}, {**rows[2], "payable_key": "returned:ZFJS1:3"}]
    chain("JS2", again, {})
    assert settlement.get_entry("payable", key).state["status"] == "paid"
    assert settlement.get_entry("payable", "returned:ZFJS1:3").state["status"] == "paid"
