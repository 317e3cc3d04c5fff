"""The case engine on the in-memory store: stages, roles, step back, cancel, separation of duties."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from tests.unit.conftest import Desk, retiree_filing, staff, valid_certno
from ybj_enrollment.processes.p019_resident_enrollment import P019
from ybj_kernel.errors import Conflict, Forbidden, InvalidInput
from ybj_settlement.processes.p079_monthly_settlement import P079
from ybj_supervision.processes.p072_intelligent_monitoring import P072

HOSPITAL = staff("H52010000001", "institution")
REG, REG2 = staff("reg-1", "registrar"), staff("reg-2", "registrar")
AUDITOR = staff("aud-1", "auditor")
FIRST, SECOND = staff("fr-1", "first_reviewer"), staff("sr-1", "second_reviewer")
FINANCE, SYSTEM = staff("fin-1", "finance"), staff("sys", "system")

DECLARATION = dict(P079.opening().example)  # 贵阳市第一人民医院 declares 100000.50 for 202609
UNIT = dict(P019.opening().example)


def person(first17: str = "52011519850312002", gend: str = "2", **extra: str) -> dict[str, str]:
    born = f"{first17[6:10]}-{first17[10:12]}-{first17[12:14]}"
    return {
        "certno": valid_certno(first17),
        "psn_name": "王芳",
        "naty": "01",
        "gend": gend,
        "brdy": born,
        "begndate": "2026-01-01",
        "fst_insu_ym": "202601",
        "psn_type": "11",
        "clct_grade": "1",
        "clct_way": "1",
        "max_acct_prd": "202612",
        **extra,
    }


def _wrong_check_digit(certno: str) -> str:
    return certno[:17] + ("0" if certno[17] != "0" else "1")


@pytest.fixture
def settlement(desk_for: Callable[[str], Desk]) -> Desk:
    return desk_for("P079")


def test_monthly_settlement_carries_and_sums_the_amounts(settlement: Desk) -> None:
    ack = settlement.create("P079", DECLARATION, HOSPITAL)
    assert ack.stage == "receive"
    ack = settlement.act(ack, REG, "receive")
    ack = settlement.act(
        ack,
        AUDITOR,
        "violation_deduction",
        {
            "deductions": [
                {"kind": "ordinary", "amount": "100.25", "reason": "超限价"},
                {"kind": "penalty", "amount": "200", "reason": "二倍处罚"},
            ]
        },
    )
    ack = settlement.act(ack, REG, "generate")
    data = settlement.app.get_case(UUID(ack.case_id)).data
    assert (data["ordinary_deduction"], data["penalty_deduction"], data["deduction_total"]) == (
        "100.25",
        "200.00",
        "300.25",
    )
    assert data["payable_amount"] == "99700.25"
    for who, action, step in [
        (FIRST, "approve", {}),
        (SECOND, "approve", {}),
        (REG2, "print_slips", {}),
        (REG2, "merge_and_print", {"merge_no": "HD001"}),
        (REG2, "push_to_fes", {"fes_serial_no": "F1"}),
        (FINANCE, "disburse", {"disbursed_amount": "99700.25", "bank_voucher_no": "B1"}),
        (SYSTEM, "write_back", {}),
    ]:
        ack = settlement.act(ack, who, action, step)
    assert (ack.stage, ack.version) == ("completed", 11)


def test_disbursing_a_different_amount_is_refused(settlement: Desk) -> None:
    ack = settlement.create("P079", DECLARATION, HOSPITAL)
    for who, action in [
        (REG, "receive"),
        (AUDITOR, "violation_deduction"),
        (REG, "generate"),
        (FIRST, "approve"),
        (SECOND, "approve"),
        (REG2, "print_slips"),
    ]:
        ack = settlement.act(ack, who, action)
    ack = settlement.act(ack, REG2, "merge_and_print", {"merge_no": "HD1"})
    ack = settlement.act(ack, REG2, "push_to_fes", {"fes_serial_no": "F1"})
    with pytest.raises(InvalidInput) as err:
        settlement.act(ack, FINANCE, "disburse", {"disbursed_amount": "100000.49", "bank_voucher_no": "B"})
    assert err.value.field == "disbursed_amount"


def test_deductions_may_not_exceed_the_declared_amount(settlement: Desk) -> None:
    ack = settlement.act(settlement.create("P079", DECLARATION, HOSPITAL), REG, "receive")
    with pytest.raises(InvalidInput) as err:
        settlement.act(
            ack,
            AUDITOR,
            "violation_deduction",
            {"deductions": [{"kind": "penalty", "amount": "100000.51", "reason": "x"}]},
        )
    assert err.value.code == "DEDUCTION_EXCEEDS_DECLARED"


def test_step_back_one_stage_at_a_time_withdraws_that_stages_data(settlement: Desk) -> None:
    ack = settlement.act(settlement.create("P079", DECLARATION, HOSPITAL), REG, "receive")
    ack = settlement.act(
        ack, AUDITOR, "violation_deduction", {"deductions": [{"kind": "ordinary", "amount": "10", "reason": "x"}]}
    )
    ack = settlement.act(ack, REG, "generate")
    ack = settlement.act(ack, FIRST, "step_back", comment="金额有误，退回生成")
    assert ack.stage == "generate"
    ack = settlement.act(ack, REG, "step_back", comment="重新扣款")
    assert ack.stage == "violation_deduction"
    data = settlement.app.get_case(UUID(ack.case_id)).data
    assert "deduction_total" not in data
    assert "payable_amount" not in data
    ack = settlement.act(ack, AUDITOR, "violation_deduction", {"deductions": []})
    ack = settlement.act(ack, REG, "generate")
    assert settlement.app.get_case(UUID(ack.case_id)).data["payable_amount"] == "100000.50"


def test_step_back_needs_a_reason_and_stops_at_the_first_stage(settlement: Desk) -> None:
    ack = settlement.create("P079", DECLARATION, HOSPITAL)
    with pytest.raises(Conflict) as conflict:
        settlement.act(ack, REG, "step_back", comment="无可回退")
    assert conflict.value.code == "NOTHING_TO_STEP_BACK"
    with pytest.raises(InvalidInput) as err:
        settlement.act(settlement.act(ack, REG, "receive"), REG, "step_back")
    assert err.value.field == "comment"
    with pytest.raises(Conflict) as conflict:
        settlement.act(settlement.create("P079", DECLARATION, HOSPITAL), REG, "step_back")
    assert conflict.value.code == "NOTHING_TO_STEP_BACK"


def test_completed_case_steps_back_to_its_last_stage(desk_for: Callable[[str], Desk]) -> None:
    desk = desk_for("P019")
    ack = desk.act(desk.create("P019", UNIT, REG), REG, "register", person())
    assert ack.stage == "completed"
    ack = desk.act(ack, REG, "step_back", comment="录入错误")
    assert ack.stage == "register"


def test_cancel_is_final_and_needs_a_reason(settlement: Desk) -> None:
    ack = settlement.create("P079", DECLARATION, HOSPITAL)
    with pytest.raises(InvalidInput):
        settlement.act(ack, REG, "cancel", comment="  ")
    ack = settlement.act(ack, REG, "cancel", comment="机构撤回申报")
    assert ack.stage == "cancelled"
    for action in ("cancel", "step_back", "receive"):
        with pytest.raises(Conflict):
            settlement.act(ack, REG, action, comment="again")


def test_stale_version_is_a_conflict(settlement: Desk) -> None:
    ack = settlement.act(settlement.create("P079", DECLARATION, HOSPITAL), REG, "receive")
    with pytest.raises(Conflict) as err:
        settlement.act(ack, AUDITOR, "violation_deduction", version=1)
    assert (err.value.code, err.value.field) == ("STALE_VERSION", "expected_version")


def test_wrong_role_and_wrong_stage_are_refused(settlement: Desk) -> None:
    ack = settlement.create("P079", DECLARATION, HOSPITAL)
    with pytest.raises(Forbidden) as err:
        settlement.act(ack, FIRST, "receive")
    assert err.value.code == "WRONG_ROLE"
    with pytest.raises(Conflict) as conflict:
        settlement.act(ack, FIRST, "approve")
    assert conflict.value.code == "ACTION_NOT_ALLOWED"


def test_separation_of_duties(settlement: Desk) -> None:
    # One person holding both roles generated the settlement, so may not review it.
    both = staff("reg-fr", "registrar")
    both = type(both)(both.user_id, ("registrar", "first_reviewer"), both.admdvs)
    ack = settlement.act(settlement.create("P079", DECLARATION, HOSPITAL), both, "receive")
    ack = settlement.act(ack, AUDITOR, "violation_deduction")
    ack = settlement.act(ack, REG, "generate")
    with pytest.raises(Forbidden) as err:
        settlement.act(ack, both, "approve")
    assert err.value.code == "SEPARATION_OF_DUTIES"
    ack = settlement.act(ack, FIRST, "approve")
    first_and_second = type(FIRST)(FIRST.user_id, ("first_reviewer", "second_reviewer"), FIRST.admdvs)
    with pytest.raises(Forbidden):
        settlement.act(ack, first_and_second, "approve")


def test_staff_act_only_within_their_admdvs(settlement: Desk) -> None:
    ack = settlement.create("P079", DECLARATION, HOSPITAL)
    with pytest.raises(Forbidden) as err:
        settlement.act(ack, staff("zy-reg", "registrar", "520300"), "receive")
    assert err.value.code == "OUT_OF_ADMDVS"
    assert settlement.act(ack, staff("prov-reg", "registrar", "520000"), "receive").stage == "violation_deduction"


def test_reject_ends_the_case_and_step_back_reopens_it(settlement: Desk) -> None:
    ack = settlement.act(settlement.create("P079", DECLARATION, HOSPITAL), REG, "receive")
    ack = settlement.act(settlement.act(ack, AUDITOR, "violation_deduction"), REG, "generate")
    with pytest.raises(InvalidInput):
        settlement.act(ack, FIRST, "reject")
    ack = settlement.act(ack, FIRST, "reject", comment="申报数据与汇总表不符")
    assert ack.stage == "rejected"
    ack = settlement.act(ack, FIRST, "step_back", comment="误操作")
    assert ack.stage == "first_review"


def test_idempotency_key_returns_the_same_case(settlement: Desk) -> None:
    first = settlement.create("P079", DECLARATION, HOSPITAL, key="req-1")
    again = settlement.create("P079", DECLARATION, HOSPITAL, key="req-1")
    other = settlement.create("P079", DECLARATION, HOSPITAL, key="req-2")
    assert (again.case_id, again.acceptance_no, again.version) == (first.case_id, first.acceptance_no, 1)
    assert (first.appended, again.appended) == (1, 0)  # the retry appended nothing
    assert other.case_id != first.case_id
    # The key is the caller's: another user's identical key opens another case.
    assert settlement.create("P079", DECLARATION, staff("H52010000009", "institution"), key="req-1") != first


def test_enrolling_twice_in_one_period_is_refused_until_cancelled(desk_for: Callable[[str], Desk]) -> None:
    desk = desk_for("P019")
    first = desk.act(desk.create("P019", UNIT, REG), REG, "register", person())
    second = desk.create("P019", UNIT, REG2)
    with pytest.raises(InvalidInput) as err:
        desk.act(second, REG2, "register", person())
    assert (err.value.code, err.value.field) == ("DUPLICATE", "certno")
    # Another year is another claim, but the person registry still holds the 390 relation in effect.
    with pytest.raises(Conflict) as held:
        desk.act(desk.create("P019", UNIT, REG2), REG2, "register", person(begndate="2027-01-01"))
    assert held.value.code == "ALREADY_ENROLLED"
    desk.act(first, REG, "cancel", comment="重复登记")
    assert desk.act(second, REG2, "register", person()).stage == "completed"


def test_stepping_back_an_enrollment_releases_the_person(desk_for: Callable[[str], Desk]) -> None:
    desk = desk_for("P019")
    first = desk.act(desk.create("P019", UNIT, REG), REG, "register", person())
    desk.act(first, REG, "step_back", comment="信息有误")
    assert desk.act(desk.create("P019", UNIT, REG2), REG2, "register", person()).stage == "completed"
    with pytest.raises(InvalidInput):
        desk.act(first, REG, "register", person())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"certno": _wrong_check_digit(valid_certno("52011519850312002"))}, "certno"),
        ({"certno": valid_certno("52011519850230002")}, "certno"),  # 30 February
        ({"gend": "1"}, "gend"),
        ({"brdy": "1985-03-13"}, "brdy"),
        ({"naty": "Han"}, "naty"),
        ({"begndate": "1980-01-01"}, "begndate"),
    ],
)
def test_bad_person_data_names_the_field(desk_for: Callable[[str], Desk], change: dict[str, str], field: str) -> None:
    desk = desk_for("P019")
    ack = desk.create("P019", UNIT, REG)
    with pytest.raises(InvalidInput) as err:
        desk.act(ack, REG, "register", {**person(), **change})
    assert err.value.field == field
    assert err.value.message_zh
    assert err.value.message_en


def test_missing_field_is_named(desk_for: Callable[[str], Desk]) -> None:
    desk = desk_for("P019")
    with pytest.raises(InvalidInput) as err:
        desk.create("P019", {"emp_no": "1", "admdvs": "520115"}, REG)
    assert (err.value.code, err.value.field) == ("MISSING_FIELD", "emp_name")


def test_remote_care_filing_amend_revoke_and_back(desk_for: Callable[[str], Desk]) -> None:
    desk = desk_for("P044")
    filing = retiree_filing()
    ack = desk.create("P044", filing, REG)
    assert ack.stage == "review"
    with pytest.raises(Conflict):
        desk.act(ack, REG, "revoke", comment="取消")  # not yet in effect
    ack = desk.act(ack, FIRST, "approve")
    ack = desk.act(ack, REG, "amend", {"resettle_admdvs": "330100"}, comment="安置地变更")
    assert (ack.stage, desk.app.get_case(UUID(ack.case_id)).data["resettle_admdvs"]) == ("completed", "330100")
    with pytest.raises(InvalidInput):
        desk.act(ack, REG, "amend", {})
    ack = desk.act(ack, REG, "revoke", comment="本人申请取消备案")
    assert ack.stage == "revoked"
    ack = desk.act(ack, REG, "step_back", comment="误取消")
    assert ack.stage == "completed"
    # The amendment survives stepping the review back: it was not the review's data.
    ack = desk.act(ack, FIRST, "step_back", comment="复核材料")
    assert desk.app.get_case(UUID(ack.case_id)).data["resettle_admdvs"] == "330100"


def test_monitoring_with_appeal_and_without(desk_for: Callable[[str], Desk]) -> None:
    desk = desk_for("P072")
    suspicion = dict(P072.opening().example)  # 1840.00 at stake
    panel = staff("panel-1", "panel")
    ack = desk.create("P072", suspicion, SYSTEM)
    with pytest.raises(InvalidInput) as err:
        desk.act(ack, FIRST, "approve", {"is_violation": True, "vola_amt": "2000"})
    assert err.value.field == "vola_amt"
    ack = desk.act(ack, FIRST, "approve", {"is_violation": True, "vola_amt": "1840"})
    ack = desk.act(ack, HOSPITAL, "appeal", {"appeal_reason": "非重复收费"})
    ack = desk.act(ack, SECOND, "approve", {"is_violation": True, "vola_amt": "840"})
    ack = desk.act(
        ack, panel, "approve", {"is_violation": True, "vola_amt": "840", "fund_type": "310100", "deduct_ym": "202611"}
    )
    ack = desk.act(ack, SYSTEM, "compensation")
    assert desk.app.get_case(UUID(ack.case_id)).data["compensation_amount"] == "1000.00"
    assert desk.act(ack, AUDITOR, "close").stage == "completed"

    other = desk.act(
        desk.create("P072", {**suspicion, "mdtrt_id": "MD2"}, SYSTEM), FIRST, "approve", {"is_violation": False}
    )
    other = desk.act(other, SECOND, "skip")  # no appeal came
    assert other.stage == "second_review"
    assert desk.act(other, SECOND, "step_back", comment="等待申诉").stage == "appeal"
