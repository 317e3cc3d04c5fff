"""Items over the person's settlement records (what institutions billed for them, visit by visit): 73 消费信息, 90 结算信息
查询, 91 就诊医院查询, 61 门诊统筹使用查询.

Each reads, after the three identifiers agree (「本人数据」), the person's records of a year (this year unless asked)
through the query service as the channel: `…/visits` (each record with its institution's name, without its lines),
`…/visits/{setl_id}` (one record with its 费用明细), `…/settlement-summary` (the year by 医疗类别 and by institution). A 冲正
is a record of its own carrying the negative of its original, so sums net it out and the visit count leaves both out.
Amounts are answered in yuan with two decimals.

The platform keeps no 互联网诊疗 mark on a settlement record or an institution (DOMAIN.md §4.3): 90 and 91 answer about
all the person's records, said in their assumptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from pydantic import Field

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.person_reads import (
    CODES,
    PERSON_EXAMPLE,
    PersonYear,
    asked_person,
    named,
    read_person,
    year_asked,
    yuan,
)
from ybj_gateway.items.served import Served
from ybj_kernel.domain.validation import validate_input

SUMS = ("medfee_sumamt", "fulamt_ownpay_amt", "hifp_pay", "acct_pay", "psn_cash_pay")
FIXMEDINS_TYPE_ZH = {"1": "定点医疗机构", "2": "定点零售药店"}
RECORD_FIELDS = (
    "setl_id",
    "mdtrt_id",
    "fixmedins_code",
    "fixmedins_name",
    "insutype",
    "med_type",
    "begndate",
    "enddate",
    "setl_time",
    "reverses",
    "reversed_by",
)


class PersonYearPage(PersonYear):
    """The person, the year and a page of its records (newest first)."""

    page: int = Field(default=1, ge=1, le=1000, description="页码")
    page_size: int = Field(default=20, ge=1, le=50, description="每页条数（至多 50）")


class SettlementAsked(PersonYearPage):
    """结算信息查询: one record by its 结算ID (with its 费用明细), or a page of the year's records."""

    setl_id: str | None = Field(default=None, min_length=1, max_length=30, description="结算ID（不填则列出该年度结算）")


def _net(row: Mapping[str, Any]) -> int:
    """Visits a group of records stands for: each 冲正 takes itself and its original away."""
    return int(row.get("records") or 0) - 2 * int(row.get("reversals") or 0)


def _record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A settlement record as the person reads it: ids, where and when, 医疗类别 by name, amounts in yuan."""
    line = {k: record[k] for k in RECORD_FIELDS if record.get(k) not in (None, "")}
    line["med_type_name"] = named(record.get("med_type"), CODES.med_type_zh)
    line.update({f: yuan(record.get(f)) for f in SUMS})
    return line


def _page(call: ItemCall) -> tuple[dict[str, Any], dict[str, Any], int, dict[str, Any]]:
    asked = validate_input(SettlementAsked, call.business)
    person = asked_person(call)
    year = year_asked(asked.get("year"))
    page = int(asked.get("page", 1))
    found = read_person(call, person.psn_no, "visits", year=year, page=page, page_size=int(asked.get("page_size", 20)))
    header = {**person.header, "year": year, "total": int(found.get("total") or 0), "page": page}
    return asked, header, year, found


def consumption(call: ItemCall) -> dict[str, Any]:
    """消费信息: the year's settlements, newest first: when, where, 医疗类别, the cost and who paid it (统筹基金, 个人账户,
    个人现金), a 冲正 marked as such."""
    _, header, _, found = _page(call)
    items = [
        {
            "setl_time": r.get("setl_time"),
            "fixmedins_name": r.get("fixmedins_name"),
            "med_type_name": named(r.get("med_type"), CODES.med_type_zh),
            **{f: yuan(r.get(f)) for f in ("medfee_sumamt", "hifp_pay", "acct_pay", "psn_cash_pay")},
            "reversal": bool(r.get("reverses")),
            "reversed": bool(r.get("reversed_by")),
        }
        for r in found.get("items") or ()
    ]
    return {**header, "items": items}


def settlement_info(call: ItemCall) -> dict[str, Any]:
    """结算信息: with a 结算ID, that record of the person's with its 费用明细 (one that is not theirs is not found);
    otherwise a page of the year's records."""
    asked = validate_input(SettlementAsked, call.business)
    if asked.get("setl_id"):
        person = asked_person(call)
        record = read_person(call, person.psn_no, f"visits/{quote(str(asked['setl_id']), safe='')}")
        lines = [
            {
                "med_list_codg": line.get("med_list_codg"),
                "med_list_name": line.get("med_list_name"),
                "cnt": line.get("cnt"),
                "pric": yuan(line.get("pric")),
                "det_item_fee_sumamt": yuan(line.get("det_item_fee_sumamt")),
                **({"fee_ocur_time": line["fee_ocur_time"]} if line.get("fee_ocur_time") else {}),
            }
            for line in record.get("lines") or ()
        ]
        return {**person.header, "settlement": {**_record(record), "lines": lines}}
    _, header, _, found = _page(call)
    return {**header, "items": [_record(r) for r in found.get("items") or ()]}


def visited_institutions(call: ItemCall) -> dict[str, Any]:
    """就诊医院: the institutions the person was settled at in the year, latest first, with their type, level, how many
    visits and what they cost."""
    asked = validate_input(PersonYear, call.business)
    person = asked_person(call)
    year = year_asked(asked.get("year"))
    summary = read_person(call, person.psn_no, "settlement-summary", year=year)
    items = [
        {
            "fixmedins_code": p.get("fixmedins_code"),
            "fixmedins_name": p.get("fixmedins_name"),
            "fixmedins_type_name": FIXMEDINS_TYPE_ZH.get(str(p.get("fixmedins_type"))),
            "hosp_lv_name": named(p.get("hosp_lv"), CODES.hosp_lv_zh),
            "admdvs": p.get("admdvs"),
            "visits": _net(p),
            "last_setl_time": p.get("last_setl_time"),
            "medfee_sumamt": yuan(p.get("medfee_sumamt")),
        }
        for p in summary.get("by_institution") or ()
    ]
    return {**person.header, "year": year, "items": items}


def outpatient_pooling(call: ItemCall) -> dict[str, Any]:
    """门诊统筹使用: the fund's part (统筹基金支付) of the year's outpatient settlements, by 医疗类别, with their visits and
    cost; which 医疗类别 count is example data (person_codes.yaml)."""
    asked = validate_input(PersonYear, call.business)
    person = asked_person(call)
    year = year_asked(asked.get("year"))
    summary = read_person(call, person.psn_no, "settlement-summary", year=year)
    counted = set(CODES.outpatient_pooling.med_types)
    rows = [r for r in summary.get("by_med_type") or () if str(r.get("med_type")) in counted]
    return {
        **person.header,
        "year": year,
        "visits": sum(_net(r) for r in rows),
        "medfee_sumamt": yuan(sum(int(r.get("medfee_sumamt") or 0) for r in rows)),
        "hifp_pay": yuan(sum(int(r.get("hifp_pay") or 0) for r in rows)),
        "by_med_type": [
            {
                "med_type": r.get("med_type"),
                "med_type_name": named(r.get("med_type"), CODES.med_type_zh),
                "visits": _net(r),
                "medfee_sumamt": yuan(r.get("medfee_sumamt")),
                "hifp_pay": yuan(r.get("hifp_pay")),
            }
            for r in rows
        ],
        "med_types_counted": sorted(counted),
    }


INTERNET_CARE_ZH = "平台尚无互联网诊疗标识（结算记录无就诊方式、机构无互联网诊疗服务类别），"
SERVED = {
    61: Served(outpatient_pooling, PERSON_EXAMPLE, assumption_zh=CODES.outpatient_pooling.note_zh),
    73: Served(consumption, PERSON_EXAMPLE),
    90: Served(
        settlement_info,
        PERSON_EXAMPLE,
        assumption_zh=INTERNET_CARE_ZH + "按本人该年度全部结算记录答复；给出结算ID时答复该笔结算及其费用明细",
    ),
    91: Served(
        visited_institutions,
        PERSON_EXAMPLE,
        assumption_zh=INTERNET_CARE_ZH
        + "“就诊医院”按本人该年度有结算记录的定点医药机构答复（就诊次数、最近结算时间、费用）",
    ),
}
