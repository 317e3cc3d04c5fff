"""个人账户共济 as a citizen and a clerk meet it: an employee binds a relative (S097: the channel applies, staff approve),
sets the order their accounts are charged in (S096, at once), pays the relative's 城乡居民 contribution from the account
(S111: checked against the balance, debited on approval), and unbinds (at once); the registry keeps every binding,
refuses what it must, and a step back undoes both persons' entries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from tests.unit import registry_gwt as entry
from tests.unit.gwt import Scenario, given, staff
from ybj_enrollment.policy.mutual_aid import POLICY, PolicyFileError, parse_policy
from ybj_enrollment.processes.s097_mutual_aid_registration import HOLDER_EXAMPLE, USER_EXAMPLE
from ybj_enrollment.registries.accounts import statement
from ybj_enrollment.registries.codes import psn_no_for
from ybj_enrollment.registries.mutual_aid import MUTUAL_AID_REGISTRY
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.errors import YbjError

HOLDER = psn_no_for(HOLDER_EXAMPLE["certno"])  # P002's employee 陈静, 1000.00 on her account after P012
USER = psn_no_for(USER_EXAMPLE["user_certno"])  # P019's resident 王芳
CHANNEL = Actor("channel:ch_demo", ("channel",), "520000")
REVIEWER, OTHER_REVIEWER = staff("fr-1", "first_reviewer"), staff("fr-2", "first_reviewer")
BIND = {**HOLDER_EXAMPLE, **USER_EXAMPLE, "rlts": "1"}
PAIR = {**HOLDER_EXAMPLE, "user_certno": USER_EXAMPLE["user_certno"]}


def binding(**changes: Any) -> dict[str, Any]:
    """The registry's arguments of a binding between 陈静 (授权人) and 王芳 (使用人)."""
    args = {
        "holder_psn_no": HOLDER,
        "holder_certno": HOLDER_EXAMPLE["certno"],
        "holder_name": "陈静",
        "user_psn_no": USER,
        "user_certno": USER_EXAMPLE["user_certno"],
        "user_name": "王芳",
        "rlts": "1",
        "rlts_name": "配偶",
        "begndate": "2026-12-01",
    }
    return {**args, **changes}


def aid(app: CaseApplication, psn_no: str) -> dict[str, Any]:
    state: dict[str, Any] = app.get_entry("mutual_aid", psn_no).state
    return state


def opened(app: CaseApplication, process: str, data: dict[str, Any], variant: str | None = None) -> UUID:
    """A channel's 网上申请: one request, every stage the channel may do."""
    ack = app.create_case(process, dict(data), CHANNEL, variant=variant, advance=True)
    return UUID(ack.case_id)


def approve(app: CaseApplication, case_id: UUID, who: Actor = REVIEWER) -> str:
    version = app.get_case(case_id).version
    app.act(case_id, who, Command("approve", version, None, {}))
    return app.get_case(case_id).stage


def refused(call: Any) -> YbjError:
    with pytest.raises(YbjError) as err:
        call()
    return err.value


def bound_app(*more: str) -> CaseApplication:
    """P002's employee bound to P019's resident through S097 (a channel applies, staff approve), after P001, P002,
    P019 and these further processes' examples."""
    app = given("S097", variant="bind").app
    for process in more:
        Scenario(app, app.definition(process), "import" if process == "P012" else None).walk_to(COMPLETED)
    approve(app, opened(app, "S097", BIND, "bind"))
    return app


def inject(app: CaseApplication, amount: str) -> None:
    """An 注入 of `amount` yuan on 陈静's account (P012)."""
    row = dict(app.definition("P012").stage("register_injection").example)
    app.create_case("P012", {**row, "inject_amt": amount}, staff("reg-1", "registrar"), variant="import")


# ---- the registry, op by op --------------------------------------------------------------------------------------


def test_unbinding_ends_a_binding_without_erasing_it_and_binding_again_adds_a_new_one() -> None:
    holder = entry.given(MUTUAL_AID_REGISTRY, HOLDER, ("bind_user", binding()))
    unbind = {"holder_psn_no": HOLDER, "user_psn_no": USER, "enddate": "2027-03-31"}
    holder.when("unbind_user", unbind).then(["UserUnbound"])
    holder.when("unbind_user", unbind).then_refused("NOT_BOUND", "user_certno")
    holder.when("bind_user", binding(begndate="2027-06-01", rlts="2", rlts_name="父母")).then(["UserBound"])
    assert [(b["status"], b["begndate"], b["enddate"], b["rlts_name"]) for b in holder.state["users"]] == [
        ("ended", "2026-12-01", "2027-03-31", "配偶"),
        ("bound", "2027-06-01", None, "父母"),
    ]


def test_a_relative_is_bound_once_at_a_time_and_never_the_holder_themself() -> None:
    holder = entry.given(MUTUAL_AID_REGISTRY, HOLDER, ("bind_user", binding()))
    holder.when("bind_user", binding(begndate="2026-12-05")).then_refused("ALREADY_BOUND", "user_certno")
    holder.when("bind_user", binding(user_psn_no=HOLDER, user_name="陈静")).then_refused("SELF_BINDING")
    holder.when("unbind_user", {"holder_psn_no": HOLDER, "user_psn_no": USER, "enddate": "2026-11-30"}).then_refused(
        "END_BEFORE_BEGIN", "enddate"
    )


def test_the_payment_order_lists_the_users_accounts_own_first_or_shared_first() -> None:
    second = "52000000000099"
    user = entry.given(
        MUTUAL_AID_REGISTRY,
        USER,
        ("bind_authorizer", binding()),
        ("bind_authorizer", binding(holder_psn_no=second, holder_name="李强", rlts="2", rlts_name="父母")),
    )
    assert (user.state["pay_order_type"], user.state["pay_order"]) == ("1", [USER, HOLDER, second])
    user.when("set_pay_order", {"holder_psn_no": HOLDER, "pay_order_type": "2", "on": "2026-12-05"}).then(
        ["PaymentOrderSet"]
    )
    assert (user.state["pay_order"], user.state["pay_order_set_by"]) == ([HOLDER, second, USER], HOLDER)
    user.when("set_pay_order", {"holder_psn_no": second, "pay_order_type": "2", "on": "2026-12-05"}).then_refused(
        "NOTHING_CHANGES", "pay_order_type"
    )
    user.when(
        "set_pay_order", {"holder_psn_no": "52000000000077", "pay_order_type": "1", "on": "2026-12-05"}
    ).then_refused("NOT_BOUND")
    user.when("unbind_authorizer", {"holder_psn_no": HOLDER, "user_psn_no": USER, "enddate": "2026-12-05"}).then(
        ["AuthorizerUnbound"]
    )
    assert user.state["pay_order"] == [second, USER]  # an ended binding's account is charged no more


def test_a_proxy_payment_needs_a_binding_and_is_recorded_once_per_relative_and_year() -> None:
    paid = {"user_psn_no": USER, "user_certno": "52011519850312002X", "user_name": "王芳", "clct_year": 2027}
    paid |= {"amount": 40000, "paid_on": "2026-12-05"}
    stranger = entry.given(MUTUAL_AID_REGISTRY, HOLDER, ("bind_user", binding(user_psn_no="52000000000055")))
    stranger.when("record_proxy_payment", paid).then_refused("NOT_BOUND", "user_certno")
    holder = entry.given(MUTUAL_AID_REGISTRY, HOLDER, ("bind_user", binding()))
    holder.when("record_proxy_payment", paid).then(["ProxyPaymentRecorded"])
    holder.when("record_proxy_payment", {**paid, "paid_on": "2026-12-06"}).then_refused("ALREADY_PAID", "clct_year")
    holder.when("record_proxy_payment", {**paid, "clct_year": 2026}).then(["ProxyPaymentRecorded"])
    assert [(p["clct_year"], p["amount"]) for p in holder.state["proxy_payments"]] == [(2027, 40000), (2026, 40000)]


# ---- S097 账户共济登记 --------------------------------------------------------------------------------------------------


def test_a_channels_binding_waits_for_review_and_binds_both_persons_once_approved() -> None:
    app = given("S097", variant="bind").app
    case_id = opened(app, "S097", BIND, "bind")
    case = app.get_case(case_id)
    assert (case.stage, case.data["rlts_name"], case.data["holder_psn_no"]) == ("review", "配偶", HOLDER)
    assert refused(lambda: aid(app, HOLDER)).code == "ENTRY_NOT_FOUND"  # nothing in force before the review

    assert approve(app, case_id) == COMPLETED
    holder, user = aid(app, HOLDER), aid(app, USER)
    assert [(b["psn_name"], b["rlts_name"], b["status"], b["begndate"]) for b in holder["users"]] == [
        ("王芳", "配偶", "bound", "2026-12-05")
    ]
    assert [(b["psn_name"], b["status"]) for b in user["authorizers"]] == [("陈静", "bound")]
    assert (user["pay_order_name"], user["pay_order"]) == ("先本人个人账户，后共济账户", [USER, HOLDER])


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"psn_name": "陈晶"}, "PERSON_NOT_MATCHED", "certno"),  # the 授权人 is not who the request names
        (
            {"certno": "52011519850312002X", "psn_name": "王芳", "user_certno": "520102199003070022"},
            "HOLDER_NOT_EMPLOYEE",
            "certno",
        ),
        ({"user_name": "王芸"}, "USER_NOT_MATCHED", "user_certno"),
        ({"user_certno": "11010519491231002X"}, "USER_NOT_MATCHED", "user_certno"),  # no one insured holds it
        ({"user_certno": HOLDER_EXAMPLE["certno"]}, "INVALID_FIELD", "user_certno"),  # binding oneself
        ({"rlts": "9"}, "INVALID_FIELD", "rlts"),  # not a relation the policy file lists
    ],
)
def test_a_binding_application_is_refused_at_once_naming_the_field(
    changes: dict[str, Any], code: str, field: str
) -> None:
    app = given("S097", variant="bind").app
    error = refused(lambda: opened(app, "S097", {**BIND, **changes}, "bind"))
    assert (error.code, error.field) == (code, field)


def test_a_second_binding_of_the_same_relative_is_refused_at_once_or_at_the_review() -> None:
    app = given("S097", variant="bind").app
    first, second = opened(app, "S097", BIND, "bind"), opened(app, "S097", BIND, "bind")  # both pending
    approve(app, first)
    assert refused(lambda: approve(app, second, OTHER_REVIEWER)).code == "ALREADY_BOUND"
    assert refused(lambda: opened(app, "S097", BIND, "bind")).code == "ALREADY_BOUND"


def test_unbinding_takes_effect_at_once_and_ends_what_the_binding_allowed() -> None:
    app = bound_app()
    case_id = opened(app, "S097", {**PAIR, "unbind_rea": "不再共济"}, "unbind")
    assert app.get_case(case_id).stage == COMPLETED  # no review: the holder withdraws their own consent
    assert [(b["status"], b["enddate"]) for b in aid(app, HOLDER)["users"]] == [("ended", "2026-12-05")]
    assert aid(app, USER)["pay_order"] == [USER]
    assert refused(lambda: opened(app, "S096", {**PAIR, "pay_order_type": "2"})).code == "NOT_BOUND"
    assert refused(lambda: opened(app, "S097", PAIR, "unbind")).code == "NOT_BOUND"


def test_stepping_a_completed_binding_back_undoes_it_on_both_entries() -> None:
    s = given("S097", at=COMPLETED, variant="bind")
    s.when(staff("fr-9", "first_reviewer"), "step_back", comment="关系证明有误").then(
        events=["SteppedBack"], stage="review"
    )
    assert not s.app.get_entry("mutual_aid", HOLDER).in_effect
    assert not s.app.get_entry("mutual_aid", USER).in_effect


# ---- S096 修改使用人个人账户支付顺序 -------------------------------------------------------------------------------------


def test_the_payment_order_changes_at_once_and_a_change_to_the_same_order_is_refused() -> None:
    app = bound_app()
    case_id = opened(app, "S096", {**PAIR, "pay_order_type": "2"})
    assert app.get_case(case_id).stage == COMPLETED  # no review: it reorders accounts the binding already shares
    user = aid(app, USER)
    assert (user["pay_order_name"], user["pay_order"], user["pay_order_set_by"]) == (
        "先共济账户，后本人个人账户",
        [HOLDER, USER],
        HOLDER,
    )
    error = refused(lambda: opened(app, "S096", {**PAIR, "pay_order_type": "2"}))
    assert (error.code, error.field) == ("NOTHING_CHANGES", "pay_order_type")


# ---- S111 个人医保账户代缴 ------------------------------------------------------------------------------------------------


def test_a_proxy_payment_debits_the_account_and_pays_the_relatives_year_on_approval() -> None:
    app = bound_app("P012")  # 1000.00 on 陈静's account
    data = {**BIND, "clct_year": 2027}
    case_id = opened(app, "S111", data)
    assert (app.get_case(case_id).stage, app.get_case(case_id).data["pay_amt"]) == ("review", "400.00")
    assert app.get_entry("account", HOLDER).state["balance"] == 100000  # nothing moves before the review
    assert refused(lambda: opened(app, "S111", data)).code == "DUPLICATE"  # one case per relative and year

    assert approve(app, case_id) == COMPLETED
    account = app.get_entry("account", HOLDER).state
    latest = statement(account)[0]
    assert (account["balance"], latest["kind_zh"], latest["amount"]) == (60000, "代缴", 40000)
    paid = app.get_entry("person", USER).state["contributions"]["390:202701"]
    assert (paid["due"], paid["paid"]) == (40000, 40000)
    assert [(p["user_name"], p["clct_year"], p["amount"]) for p in aid(app, HOLDER)["proxy_payments"]] == [
        ("王芳", 2027, 40000)
    ]
    assert refused(lambda: opened(app, "S111", data)).code == "ALREADY_PAID"
    # the resident's year is paid once, however: P022 through the tax bureau is refused too (the scope is shared)
    p022 = app.definition("P022").stage("collect_payer_info").example
    error = refused(lambda: app.create_case("P022", dict(p022), staff("reg-1", "registrar")))
    assert (error.code, error.field) == ("DUPLICATE", "certno")


@pytest.mark.parametrize(
    ("amount", "year", "code", "field"),
    [
        (None, 2027, "ACCOUNT_UNAVAILABLE", "certno"),  # no account at all
        ("100.00", 2027, "INSUFFICIENT_BALANCE", "clct_year"),
        ("1000.00", 2031, "NO_CONTRIBUTION_STANDARD", "clct_year"),  # the policy file has no 2031 figure
    ],
)
def test_a_proxy_payment_the_account_cannot_make_is_refused_at_once(
    amount: str | None, year: int, code: str, field: str
) -> None:
    app = bound_app()
    if amount is not None:
        inject(app, amount)
    error = refused(lambda: opened(app, "S111", {**BIND, "clct_year": year}))
    assert (error.code, error.field) == (code, field)


def test_a_balance_spent_between_acceptance_and_approval_is_caught_at_approval() -> None:
    app = bound_app()
    inject(app, "500.00")  # enough for one year, not two
    this_year, next_year = (opened(app, "S111", {**BIND, "clct_year": y}) for y in (2026, 2027))
    assert approve(app, this_year) == COMPLETED
    error = refused(lambda: approve(app, next_year))
    assert (error.code, error.field) == ("INSUFFICIENT_BALANCE", "amount")
    assert (app.get_case(next_year).stage, app.get_entry("account", HOLDER).state["balance"]) == ("review", 10000)


# ---- the policy file ---------------------------------------------------------------------------------------------


def test_the_shipped_policy_is_labelled_an_example_and_lists_the_three_relations() -> None:
    assert POLICY.example
    assert POLICY.relations == {"1": "配偶", "2": "父母", "3": "子女"}
    assert POLICY.standard_fen(2027) == 40000


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ("[{year: 2027, psn_clct_amt: 400.5}]", "float"),
        ('[{year: 2027, psn_clct_amt: "400.00"}, {year: 2027, psn_clct_amt: "420.00"}]', "listed twice"),
    ],
)
def test_a_bad_policy_file_is_refused_naming_the_file(rows: str, problem: str) -> None:
    text = f'example: true\nnote_zh: 示例\nnote_en: x\nrelations: [{{code: "1", name_zh: 配偶}}]\nresident_contribution_standards: {rows}\n'
    with pytest.raises(PolicyFileError, match=problem) as err:
        parse_policy(text, "mutual_aid_test.yaml")
    assert "mutual_aid_test.yaml" in str(err.value)
