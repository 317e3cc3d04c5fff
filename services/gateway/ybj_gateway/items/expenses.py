"""Items 108 本年累计医疗费用查询 and 113 年度医疗费用结算汇总: a person's year of settlement records, to the person themself.

Both read the person's annual statement through the query service (settlement's records, reversals netted out) after
the three identifiers agree (insured.matched_person). 108 answers the year's running total and what the fund paid;
113 the year's totals by who paid (统筹基金, 个人账户, 个人现金, 全自费). Money is in yuan with two decimals, as the
national interfaces give it to channels.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.insured import PersonNamed, matched_person
from ybj_gateway.items.masking import mask_certno
from ybj_gateway.items.served import Served
from ybj_kernel.domain.validation import validate_input


class PersonYear(PersonNamed):
    """The person and the year asked about (this year when left out)."""

    year: int | None = Field(default=None, ge=2000, le=2100, description="年度（不填为本年）")


def _yuan(fen: Any) -> str:
    return str((Decimal(int(fen or 0)) / 100).quantize(Decimal("0.01")))


def _statement(call: ItemCall) -> tuple[dict[str, Any], dict[str, Any], int]:
    asked = validate_input(PersonYear, call.business)
    found, named = matched_person(call)
    year = int(asked.get("year") or date.today().year)
    admdvs = str(call.channel.get("admdvs") or "")
    statement = call.reads.annual_statement(str(found["key"]), year, call.app_id, admdvs)
    person = {"psn_name": found["state"].get("psn_name"), "certno": mask_certno(named["certno"]), "year": year}
    return person, statement, year


def year_to_date(call: ItemCall) -> dict[str, Any]:
    """本年累计医疗费用: the year's medical costs so far and what the fund paid of them."""
    person, statement, _ = _statement(call)
    return {
        **person,
        "settlements": int(statement.get("records", 0)) - 2 * int(statement.get("reversals", 0)),
        "medfee_sumamt": _yuan(statement.get("medfee_sumamt")),
        "hifp_pay": _yuan(statement.get("hifp_pay")),
    }


def annual_summary(call: ItemCall) -> dict[str, Any]:
    """年度医疗费用结算汇总: the year's totals by who paid."""
    person, statement, _ = _statement(call)
    return {
        **person,
        "medfee_sumamt": _yuan(statement.get("medfee_sumamt")),
        "hifp_pay": _yuan(statement.get("hifp_pay")),
        "acct_pay": _yuan(statement.get("acct_pay")),
        "psn_cash_pay": _yuan(statement.get("psn_cash_pay")),
        "fulamt_ownpay_amt": _yuan(statement.get("fulamt_ownpay_amt")),
    }


SERVED = {
    108: Served(
        year_to_date,
        {"certno": "${person.certno}", "psn_name": "${person.psn_name}"},
        assumption_zh="本年累计医疗费用取本人本年度（可指定年度）定点医药机构上传的结算记录合计（冲正已抵减）及其中基金支付",
    ),
    113: Served(
        annual_summary,
        {"certno": "${person.certno}", "psn_name": "${person.psn_name}"},
        assumption_zh="年度医疗费用结算汇总按结算记录汇总本人年度费用：统筹基金、个人账户、个人现金、全自费（冲正已抵减）",
    ),
}
