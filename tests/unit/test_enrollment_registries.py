"""The enrollment registries in events: 单位, 参保人 with 参保关系, 核定基数 and 缴费记录, 个人账户, and the invariants
a clerk would meet at the counter."""

from __future__ import annotations

from typing import Any

from tests.unit.registry_gwt import EntryScenario, facts, given, round_trip
from ybj_enrollment.registries import REGISTRIES
from ybj_enrollment.registries.accounts import statement
from ybj_enrollment.registries.codes import ACTIVE, DEREGISTERED, MERGED, NORMAL, PAUSED, SUSPENDED, TERMINATED
from ybj_kernel.domain.identity import uscc_check_char

EMPLOYERS, PERSONS, ACCOUNTS = REGISTRIES["employer"], REGISTRIES["person"], REGISTRIES["account"]
USCC = "91520102MA6DKQ123T"
OTHER_USCC = "91520102MA6DKQ124" + uscc_check_char("91520102MA6DKQ124")
UNIT = {
    "emp_no": "52010200000001",
    "uscc": USCC,
    "emp_name": "贵阳市云岩区示例科技有限公司",
    "emp_type": "10",
    "emp_mgt_type": "1",
    "admdvs": "520102",
    "legrep_name": "张伟",
}
PERSON = {
    "psn_no": "5200000000000001",
    "certno": "520102199003070022",
    "psn_name": "李娜",
    "gend": "2",
    "brdy": "1990-03-07",
}


def unit(*steps: tuple[str, dict[str, Any]], emp_no: str = "52010200000001") -> EntryScenario:
    """An employer registered (case-1), then these changes."""
    return given(EMPLOYERS, emp_no, ("register", {**UNIT, "emp_no": emp_no}), *steps)


def enrolment(insutype: str = "310", emp_no: str = "52010200000001", **extra: Any) -> dict[str, Any]:
    """参保 arguments for PERSON in `insutype` under `emp_no`."""
    return {**PERSON, "insutype": insutype, "emp_no": emp_no, "begndate": "2026-01-01", "clct_base": 500000, **extra}


def insured(*steps: tuple[str, dict[str, Any]]) -> EntryScenario:
    """PERSON enrolled in 310 (case-1), then these changes."""
    return given(PERSONS, PERSON["psn_no"], ("enroll", enrolment()), *steps)


def relation(person: EntryScenario, insutype: str = "310") -> dict[str, Any]:
    """The person's 参保关系 for `insutype`."""
    found: dict[str, Any] = person.state["relations"][insutype]
    return found


def change(insutype: str = "310", on: str = "2026-06-01", **extra: Any) -> dict[str, Any]:
    """A relation change on `on`."""
    return {"insutype": insutype, "on": on, "reason": "单位申报", **extra}


# 单位 (E01)


def test_an_employer_is_registered_once() -> None:
    employer = unit()
    assert (employer.state["status"], employer.state["emp_name"]) == (NORMAL, UNIT["emp_name"])
    employer.when("register", UNIT).then_refused("EMPLOYER_EXISTS", "emp_no", status=409)


def test_changes_of_information_credit_code_and_legal_representative_are_recorded_as_their_own_facts() -> None:
    employer = unit()
    employer.when("change_info", {"addr": "贵阳市云岩区中华北路1号", "tel": "0851-12345678"}).then(
        events=["EmployerInfoChanged"]
    )
    employer.when("change_info", {"addr": "贵阳市云岩区中华北路1号"}).then_refused("NOTHING_CHANGES")
    employer.when("change_uscc", {"uscc": OTHER_USCC}).then(events=["UnitCreditCodeChanged"])
    employer.when("change_uscc", {"uscc": "91520102MA6DKQ1230"}).then_refused("INVALID_FIELD", "uscc", status=422)
    employer.when("change_legal_representative", {"legrep_name": "王强"}).then(events=["LegalRepresentativeChanged"])
    assert (employer.state["uscc"], employer.state["legrep_name"]) == (OTHER_USCC, "王强")


def test_a_paused_employer_takes_no_new_employees_until_it_resumes() -> None:
    employer = unit()
    employer.when("suspend", {"on": "2026-07-01", "reason": "停产"}).then(events=["EmployerSuspended"])
    assert employer.state["status"] == PAUSED
    employer.when("check_open").then_refused("EMPLOYER_PAUSED", "emp_no")
    employer.when("suspend", {"on": "2026-07-02", "reason": "停产"}).then_refused("EMPLOYER_PAUSED")
    employer.when("resume", {"on": "2026-09-01", "reason": "复产"}).then(events=["EmployerResumed"])
    employer.when("check_open").then(events=[])
    employer.when("resume", {"on": "2026-09-02", "reason": "复产"}).then_refused("EMPLOYER_NOT_PAUSED")


def test_a_deregistered_employer_accepts_no_further_change_except_the_revert_of_its_deregistration() -> None:
    employer = unit(("deregister", {"dereg_date": "2026-08-31", "dereg_rea": "破产"}))
    assert employer.state["status"] == DEREGISTERED
    for op, args in (
        ("change_info", {"emp_name": "新名称"}),
        ("change_uscc", {"uscc": OTHER_USCC}),
        ("suspend", {"on": "2026-09-01", "reason": "停产"}),
        ("deregister", {"dereg_date": "2026-09-01", "dereg_rea": "重复"}),
    ):
        employer.when(op, args).then_refused("EMPLOYER_DEREGISTERED", "emp_no")
    employer.when("register", UNIT).then_refused("EMPLOYER_EXISTS")
    employer.when_reverted("case-2").then(events=["ChangeReverted"])
    assert employer.state["status"] == NORMAL


def test_no_merge_into_a_deregistered_employer_nor_into_itself() -> None:
    merge = {"other_emp_no": "52010200000002", "on": "2026-09-01", "role": "survivor"}
    closed = unit(("deregister", {"dereg_date": "2026-08-31", "dereg_rea": "破产"}))
    closed.when("record_lineage", merge).then_refused("EMPLOYER_DEREGISTERED", "emp_no", status=409)
    itself = {**merge, "other_emp_no": UNIT["emp_no"]}
    unit().when("record_lineage", itself).then_refused("SAME_EMPLOYER", "other_emp_no")


def test_a_merger_records_the_lineage_on_both_units_and_closes_the_absorbed_one() -> None:
    survivor, absorbed = unit(), unit(emp_no="52010200000002")
    survivor.when("record_lineage", {"other_emp_no": "52010200000002", "on": "2026-09-01", "role": "survivor"}).then(
        events=["LineageRecorded"]
    )
    absorbed.when("record_lineage", {"other_emp_no": UNIT["emp_no"], "on": "2026-09-01", "role": "absorbed"}).then(
        events=["LineageRecorded"]
    )
    assert survivor.state["merged_from"] == ["52010200000002"]
    assert (absorbed.state["status"], absorbed.state["merged_into"]) == (MERGED, UNIT["emp_no"])
    absorbed.when("check_open").then_refused("EMPLOYER_MERGED")


# 参保人 and 参保关系 (E02, E03)


def test_no_second_active_relation_for_the_same_person_and_insutype_whoever_asks() -> None:
    person = insured()
    assert relation(person)["status"] == ACTIVE
    # Another case (P003, P004 …) under another unit is refused all the same, and so while the relation is suspended.
    person.when("enroll", enrolment(emp_no="52010200000009")).then_refused("ALREADY_ENROLLED", "insutype", status=409)
    person.when("suspend_contribution", change()).then(events=["ContributionSuspended"])
    person.when("enroll", enrolment(emp_no="52010200000009")).then_refused("ALREADY_ENROLLED", "insutype")
    # Basic medical insurance is 职工 or 城乡居民, not both.
    person.when("enroll", enrolment("390", "52010299999999")).then_refused("ALREADY_ENROLLED", "insutype")
    person.when("enroll", enrolment("510")).then(events=["Enrolled"])


def test_a_terminated_relation_lets_the_person_enroll_again() -> None:
    person = insured(("terminate", change(on="2026-06-30")))
    assert (relation(person)["status"], relation(person)["enddate"]) == (TERMINATED, "2026-06-30")
    person.when("enroll", enrolment("390", "52010299999999")).then(events=["Enrolled"])
    assert relation(person, "390")["status"] == ACTIVE


def test_no_stop_of_someone_not_insured() -> None:
    person = insured()
    person.when("stop", change("510")).then_refused("RELATION_STATE", "insutype", status=409)
    person.when("terminate", change(on="2026-06-30")).then(events=["EnrollmentTerminated"])
    err = person.when("stop", change(on="2026-07-01")).then_refused("RELATION_STATE", "insutype")
    assert "终止参保" in err.message_zh


def test_no_resumption_of_a_terminated_relation() -> None:
    person = insured(("suspend_contribution", change()), ("terminate", change(on="2026-06-30")))
    person.when("resume", change(on="2026-07-01")).then_refused("RELATION_STATE", "insutype", status=409)


def test_suspension_only_from_paying_and_resumption_moves_to_the_new_unit() -> None:
    person = insured(("suspend_contribution", change()))
    person.when("suspend_contribution", change(on="2026-06-02")).then_refused("RELATION_STATE", "insutype")
    person.when("resume", change(on="2026-08-01", emp_no="52010200000009", clct_base=600000)).then(
        events=["EnrollmentResumed"]
    )
    assert (relation(person)["status"], relation(person)["emp_no"], relation(person)["clct_base"]) == (
        ACTIVE,
        "52010200000009",
        600000,
    )


def test_reverting_a_suspension_restores_the_relation_and_keeps_both_facts() -> None:
    person = insured(("suspend_contribution", change()))
    assert relation(person)["status"] == SUSPENDED
    person.when_reverted("case-2").then(events=["ChangeReverted"])
    assert relation(person) == relation(insured())
    assert facts(person.history) == ["Enrolled", "ContributionSuspended", "ChangeReverted"]


def test_a_suspension_cannot_be_reverted_under_a_later_resumption() -> None:
    person = insured(("suspend_contribution", change()), ("resume", change(on="2026-08-01")))
    err = person.when_reverted("case-2").then_refused("CHANGED_SINCE")
    assert "case-3" in err.message_zh


def test_retirement_keeps_the_relation_open_and_ends_contribution_changes() -> None:
    person = insured(("retire", change(on="2026-10-01", retr_type="1", retr_wage=450000)))
    assert (relation(person)["status"], relation(person)["retr_wage"]) == ("retired", 450000)
    person.when("suspend_contribution", change(on="2026-11-01")).then_refused("RELATION_STATE")
    person.when("enroll", enrolment()).then_refused("ALREADY_ENROLLED")


def test_an_enrollment_under_another_certno_is_refused_and_a_known_person_keeps_their_information() -> None:
    person = insured()
    person.when("enroll", enrolment("510", certno="520102199003070049")).then_refused("CERTNO_MISMATCH", "certno")
    person.when("enroll", enrolment("510", psn_name="李某")).then(events=["Enrolled"])
    assert person.state["psn_name"] == "李娜"  # a name change is 人员信息变更, not a side effect of 参保
    person.when("change_info", {"psn_name": "李娜娜"}).then(events=["PersonInfoChanged"])
    assert person.state["psn_name"] == "李娜娜"


def test_a_unit_merger_moves_the_persons_relations_to_the_surviving_unit() -> None:
    person = insured()
    move = {"from_emp_no": "52010200000001", "to_emp_no": "52010200000002", "on": "2026-09-01"}
    person.when("move_employer", move).then(events=["MovedToEmployer"])
    assert relation(person)["emp_no"] == "52010200000002"
    person.when("move_employer", move).then_refused("NOT_IN_UNIT", "emp_no")


# 核定基数 and 缴费记录 (E04, E06)


def test_a_contribution_base_is_one_per_period_and_a_redeclaration_replaces_it_with_its_own_event() -> None:
    person = insured()
    person.when("set_contribution_base", {"insutype": "310", "ym": "202601", "amount": 500000}).then(
        events=["ContributionBaseSet"]
    )
    person.when("set_contribution_base", {"insutype": "310", "ym": "202601", "amount": 550000}).then(
        events=["ContributionBaseSet"]
    )
    assert person.state["bases"] == {"310:202601": 550000}
    assert [getattr(e, "args", {}).get("amount") for e in person.history[1:]] == [500000, 550000]


def test_periods_are_yyyymm_and_money_is_whole_fen() -> None:
    person = insured()
    for ym in ("202613", "2026-01", "20261"):
        base = {"insutype": "310", "ym": ym, "amount": 500000}
        person.when("set_contribution_base", base).then_refused("INVALID_FIELD", "ym", status=422)
    person.when("set_contribution_base", {"insutype": "310", "ym": "202601", "amount": -1}).then_refused(
        "INVALID_FIELD", "amount"
    )
    person.when("set_contribution_base", {"insutype": "510", "ym": "202601", "amount": 1}).then_refused(
        "RELATION_STATE", "insutype"
    )
    paid = {"insutype": "310", "ym": "202601", "due": 40000, "paid": 40000, "late_fee": 0, "paid_on": "2026-01-15"}
    person.when("record_contribution", paid).then(events=["ContributionRecorded"])
    assert person.state["contributions"]["310:202601"]["paid"] == 40000
    person.when("record_contribution", {**paid, "ym": "202600"}).then_refused("INVALID_FIELD", "ym")


# 个人账户 (E08)


def account(*steps: tuple[str, dict[str, Any]]) -> EntryScenario:
    """PERSON's account, opened by an injection of 100.00 元 (case-1), then these entries."""
    return given(ACCOUNTS, PERSON["psn_no"], ("move", money("inject", 10000)), *steps)


def money(kind: str, amount: Any, on: str = "2026-01-31") -> dict[str, Any]:
    """One account entry of `kind`."""
    return {"psn_no": PERSON["psn_no"], "kind": kind, "amount": amount, "on": on, "summary": f"{kind} 测试"}


def test_no_withdrawal_beyond_the_balance() -> None:
    acct = account()
    for kind in ("deduct", "refund", "transfer_out"):
        err = acct.when("move", money(kind, 10001)).then_refused("INSUFFICIENT_BALANCE", "amount", status=409)
        assert "100.00" in err.message_zh
    acct.when("move", money("deduct", 10000)).then(events=["AccountEntryRecorded"])
    assert acct.state["balance"] == 0


def test_amounts_are_positive_whole_fen() -> None:
    acct = account()
    for amount in (0, -5, 12.5, 100.0, "100"):
        acct.when("move", money("inject", amount)).then_refused("INVALID_FIELD", "amount", status=422)


def test_a_frozen_account_takes_no_income_or_transfer_but_the_interest_and_refund_it_was_frozen_for() -> None:
    acct = account(("freeze", {"psn_no": PERSON["psn_no"], "on": "2026-02-01", "reason": "一次性清退"}))
    for kind in ("inject", "allocate", "transfer_in", "transfer_out"):
        acct.when("move", money(kind, 100)).then_refused("ACCOUNT_FROZEN", "psn_no", status=409)
    acct.when("freeze", {"psn_no": PERSON["psn_no"], "on": "2026-02-02"}).then_refused("ACCOUNT_FROZEN")
    # P017: 冻结个人账户，进行结息, then the whole balance is paid out.
    acct.when("move", money("interest", 35, on="2026-02-03")).then(events=["AccountEntryRecorded"])
    acct.when("move", money("refund", 10035, on="2026-02-04")).then(events=["AccountEntryRecorded"])
    assert acct.state["balance"] == 0


def test_an_unfrozen_account_takes_income_again() -> None:
    acct = account(("freeze", {"psn_no": PERSON["psn_no"], "on": "2026-02-01"}))
    acct.when("unfreeze", {"psn_no": PERSON["psn_no"], "on": "2026-03-01"}).then(events=["AccountUnfrozen"])
    acct.when("unfreeze", {"psn_no": PERSON["psn_no"], "on": "2026-03-02"}).then_refused("ACCOUNT_NOT_FROZEN")
    acct.when("move", money("allocate", 2500)).then(events=["AccountEntryRecorded"])
    assert acct.state["balance"] == 12500


def test_the_statement_lists_entries_newest_first_with_the_balance_after_each() -> None:
    acct = account(("move", money("allocate", 2500, "2026-02-28")), ("move", money("deduct", 500, "2026-03-05")))
    lines = [(e["kind_zh"], e["amount"], e["on"], e["balance_after"]) for e in statement(acct.state)]
    assert lines == [
        ("扣款", 500, "2026-03-05", 12000),
        ("划拨", 2500, "2026-02-28", 12500),
        ("注入", 10000, "2026-01-31", 10000),
    ]


def test_reverting_a_deduction_restores_the_balance_and_the_statement() -> None:
    acct = account(("move", money("deduct", 4000)))
    acct.when_reverted("case-2").then(events=["ChangeReverted"])
    assert (acct.state["balance"], len(statement(acct.state))) == (10000, 1)


# Persistence


def test_the_registries_reconstruct_from_events_stored_through_the_json_transcoder() -> None:
    scenarios = (
        unit(("change_info", {"addr": "贵阳市"}), ("suspend", {"on": "2026-07-01", "reason": "停产"})),
        insured(
            ("set_contribution_base", {"insutype": "310", "ym": "202601", "amount": 500000}),
            ("suspend_contribution", change()),
        ),
        account(("move", money("allocate", 2500)), ("freeze", {"psn_no": PERSON["psn_no"], "on": "2026-02-01"})),
    )
    for scenario in scenarios:
        scenario.when_reverted(f"case-{scenario.cases}").then(events=["ChangeReverted"])
        for snapshot in (False, True):
            loaded, _app = round_trip(scenario, snapshot=snapshot)
            assert scenario.entry is not None
            assert (loaded.state, loaded.in_effect, loaded.changed_by()) == (
                scenario.state,
                True,
                scenario.entry.changed_by(),
            )
