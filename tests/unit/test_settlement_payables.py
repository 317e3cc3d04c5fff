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
