"""Money items of the person's enrollment: 70 个人账户信息, 71 缴费信息, 72 收支明细, 64 医保年度账单.

Each reads, after the three identifiers agree (「本人数据」), the person's records through the query service as the
channel: 缴费记录 and 核定基数 on their person entry (enrollment's registry, as `/persons?certno=` answers it), the
个人账户 (`…/account`: balance and 收支明细, newest first; `…/account-year`: a year's movements), and the year's
settlement records added up (`…/annual-statement`). Amounts are answered in yuan with two decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.insured import INSUTYPE_ZH
from ybj_gateway.items.person_cases import contribution_line
from ybj_gateway.items.person_reads import (
    PERSON_EXAMPLE,
    PersonPage,
    PersonYear,
    asked_person,
    read_person,
    year_asked,
    yuan,
)
from ybj_gateway.items.served import Served
from ybj_kernel.domain.validation import validate_input
from ybj_kernel.errors import NotFound

ENTRY_FIELDS = ("on", "kind", "kind_zh", "summary", "insutype")


def _account(call: ItemCall, psn_no: str, page: int, page_size: int) -> dict[str, Any] | None:
    """A page of the person's 个人账户 (None when they have none)."""
    try:
        return read_person(call, psn_no, "account", page=page, page_size=page_size)
    except NotFound:
        return None


def account_info(call: ItemCall) -> dict[str, Any]:
    """个人账户信息: whether the person has one, its balance, whether it is frozen, how many 收支 entries it holds and
    the latest one's date."""
    person = asked_person(call)
    account = _account(call, person.psn_no, 1, 1)
    if account is None:
        return {**person.header, "has_account": False, "balance": yuan(0), "frozen": False, "entries": 0}
    latest = next(iter(account.get("entries") or ()), None)
    return {
        **person.header,
        "has_account": True,
        "balance": yuan(account.get("balance")),
        "frozen": bool(account.get("frozen")),
        "entries": int(account.get("total") or 0),
        **({"last_entry_on": latest.get("on")} if latest else {}),
    }


def entry_line(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A 收支 entry: date, kind by name, amount and the balance after it (yuan), 摘要."""
    line = {k: entry[k] for k in ENTRY_FIELDS if entry.get(k) not in (None, "")}
    line["amount"] = yuan(entry.get("amount"))
    line["balance_after"] = yuan(entry.get("balance_after"))
    return line


def account_statement(call: ItemCall) -> dict[str, Any]:
    """收支明细: a page of the account's entries, newest first, with the balance."""
    asked = validate_input(PersonPage, call.business)
    person = asked_person(call)
    page, size = int(asked.get("page", 1)), int(asked.get("page_size", 20))
    account = _account(call, person.psn_no, page, size)
    if account is None:
        return {**person.header, "has_account": False, "balance": yuan(0), "entries": [], "total": 0, "page": page}
    return {
        **person.header,
        "has_account": True,
        "balance": yuan(account.get("balance")),
        "entries": [entry_line(e) for e in account.get("entries") or ()],
        "total": int(account.get("total") or 0),
        "page": page,
    }


def contribution_info(call: ItemCall) -> dict[str, Any]:
    """缴费信息: every 缴费记录 (of a year if asked), newest period first, with the totals 应缴/实缴 of those listed,
    and the 核定基数 of the same periods."""
    asked = validate_input(PersonYear, call.business)
    person = asked_person(call)
    year = str(asked["year"]) if asked.get("year") else ""
    held: Mapping[str, Any] = person.state.get("contributions") or {}
    records = sorted(
        (c for c in held.values() if str(c.get("ym", "")).startswith(year)),
        key=lambda c: (str(c.get("ym")), str(c.get("insutype"))),
        reverse=True,
    )
    bases: Mapping[str, Any] = person.state.get("bases") or {}
    return {
        **person.header,
        **({"year": int(year)} if year else {}),
        "contributions": [contribution_line(c) for c in records],
        "due_total": yuan(sum(int(c.get("due") or 0) for c in records)),
        "paid_total": yuan(sum(int(c.get("paid") or 0) for c in records)),
        "bases": [
            {"ym": ym, "insutype": insutype, "insutype_name": INSUTYPE_ZH.get(insutype, ""), "amount": yuan(amount)}
            for (ym, insutype, amount) in sorted(
                ((k.partition(":")[2], k.partition(":")[0], v) for k, v in bases.items()), reverse=True
            )
            if ym.startswith(year)
        ],
    }


def annual_bill(call: ItemCall) -> dict[str, Any]:
    """医保年度账单: the year's 缴费 (应缴/实缴 by 险种), 个人账户 (opening and closing balance, income and outgoings by
    kind) and medical costs (settlement records: how many, the total and who paid it)."""
    asked = validate_input(PersonYear, call.business)
    person = asked_person(call)
    year = year_asked(asked.get("year"))
    held: Mapping[str, Any] = person.state.get("contributions") or {}
    by_insutype: dict[str, dict[str, int]] = {}
    for c in held.values():
        if str(c.get("ym", "")).startswith(str(year)):
            sums = by_insutype.setdefault(str(c.get("insutype")), {"months": 0, "due": 0, "paid": 0})
            sums["months"] += 1
            sums["due"] += int(c.get("due") or 0)
            sums["paid"] += int(c.get("paid") or 0)
    account = read_person(call, person.psn_no, "account-year", year=year)
    statement = read_person(call, person.psn_no, "annual-statement", year=year)
    return {
        **person.header,
        "year": year,
        "contributions": [
            {
                "insutype": insutype,
                "insutype_name": INSUTYPE_ZH.get(insutype, ""),
                "periods": sums["months"],
                "due": yuan(sums["due"]),
                "paid": yuan(sums["paid"]),
            }
            for insutype, sums in sorted(by_insutype.items())
        ],
        "account": {
            "has_account": bool(account.get("has_account")),
            "opening_balance": yuan(account.get("opening_balance")),
            "income": yuan(account.get("income")),
            "outgo": yuan(account.get("outgo")),
            "closing_balance": yuan(account.get("closing_balance")),
            "by_kind": [
                {
                    "kind": k.get("kind"),
                    "kind_zh": k.get("kind_zh"),
                    "entries": int(k.get("entries") or 0),
                    "income": yuan(k.get("income")),
                    "outgo": yuan(k.get("outgo")),
                }
                for k in account.get("by_kind") or ()
            ],
        },
        "medical": {
            "settlements": int(statement.get("records", 0)) - 2 * int(statement.get("reversals", 0)),
            **{
                f: yuan(statement.get(f))
                for f in ("medfee_sumamt", "hifp_pay", "acct_pay", "psn_cash_pay", "fulamt_ownpay_amt")
            },
        },
    }


SERVED = {
    64: Served(
        annual_bill,
        PERSON_EXAMPLE,
        assumption_zh=(
            "指南未给出年度账单的内容：本账单合并本人该年度的缴费记录（按险种的应缴、实缴）、个人账户收支（年初、年末余额，"
            "按收支类型的收入和支出）和结算记录汇总（结算笔数、医疗费总额、统筹基金、个人账户、个人现金和全自费支付，"
            "冲正已抵消）；不填年度为本年"
        ),
    ),
    70: Served(account_info, PERSON_EXAMPLE),
    71: Served(contribution_info, PERSON_EXAMPLE),
    72: Served(account_statement, PERSON_EXAMPLE),
}
