"""Progress items: where the person's own applications stand, from their cases of the process the item names.

35 代办-年审进度查询 and 41 年审进度查询 (P056), 58 居民缴费进度查询 (P022), 60 慢病资格申请/年度进度查询 (P055, P056),
62 关系转移进度办理查询 (P016), 67 职工缴费进度查询 (缴费记录 and the P021 对账 that named the person), 99 自主申报查询
(P009), 106 受理查询 (P048, P049), 110 门诊产前检查查询 (P050).

Each reads, after the three identifiers agree (「本人数据」), the person's cases through the query service as the channel:
those of the channel's 医保区划, newest first, each with its 受理号, process, stage by name, status, dates and the facts
of its data a citizen recognises (what they applied for, the amounts in yuan). A bank account shows its last 4 digits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.insured import INSUTYPE_ZH
from ybj_gateway.items.person_reads import (
    PERSON_EXAMPLE,
    Asked,
    PersonPage,
    PersonYear,
    asked_person,
    cases_of,
    example_of,
    progress_line,
    read_person,
    year_asked,
    yuan,
    yuan_text,
)
from ybj_gateway.items.served import Served
from ybj_kernel.domain.validation import validate_input

RESIDENT = "390"  # 城乡居民基本医疗保险: its 缴费记录 are the resident's (P022), every other 险种's the employee's
TRANS_DIR_ZH = {"1": "转出", "2": "转入"}
ACCT_TRANS_TYPE_ZH = {"1": "划转", "2": "一次性清退"}


def _progress(
    call: ItemCall, processes: Sequence[str], facts: Sequence[str] = (), money: Sequence[str] = (), due: bool = False
) -> tuple[Asked, dict[str, Any]]:
    """The person's cases of these processes, each as a progress line: `(the person, {…header, items, total, page})`."""
    asked = validate_input(PersonPage, call.business)
    person = asked_person(call)
    found = cases_of(call, person.psn_no, processes, int(asked.get("page", 1)), int(asked.get("page_size", 20)))
    items = [progress_line(case, facts, money, due) for case in found.get("items") or ()]
    answer = {
        **person.header,
        "items": items,
        "total": int(found.get("total", len(items))),
        "page": int(asked.get("page", 1)),
    }
    return person, answer


def _chronic_reviews(call: ItemCall, psn_no: str, year: int) -> list[dict[str, Any]]:
    """Each 门慢门特 病种 the person holds, with the years it was reviewed and whether this year's review is done."""
    found = read_person(call, psn_no, "qualifications")
    chronic: Mapping[str, Any] = (found.get("current") or {}).get("chronic") or {}
    lines = []
    for code, held in sorted(chronic.items()):
        years = sorted({int(r["year"]) for r in held.get("annual_reviews") or () if r.get("year")})
        lines.append(
            {
                "opsp_dise_code": code,
                "opsp_dise_name": held.get("name"),
                "status": "有效" if held.get("status") == "active" else "已撤销",
                "begndate": held.get("begndate"),
                "reviewed_years": years,
                "reviewed_this_year": year in years,
            }
        )
    return lines


def annual_review_progress(call: ItemCall) -> dict[str, Any]:
    """年审进度: the person's P056 cases (年审年度, 年审日期, 病种) and each 病种's reviews as the registry holds them."""
    person, answer = _progress(call, ("P056",), facts=("year", "reviewed_on", "opsp_dise_codes"))
    answer["diseases"] = _chronic_reviews(call, person.psn_no, year_asked(None))
    return answer


def chronic_progress(call: ItemCall) -> dict[str, Any]:
    """慢病资格申请/年度进度: P055 认定 (申办, 撤销, 联网申请) and P056 年审 cases, and the 病种 held with their reviews."""
    person, answer = _progress(
        call,
        ("P055", "P056"),
        facts=("opsp_dise_code", "opsp_dise_name", "begndate", "year", "reviewed_on", "opsp_dise_codes"),
    )
    answer["diseases"] = _chronic_reviews(call, person.psn_no, year_asked(None))
    return answer


def contribution_line(record: Mapping[str, Any]) -> dict[str, Any]:
    """A 缴费记录 as the person reads it: period, 险种, 应缴/实缴/滞纳金 in yuan, the day paid, and whether it has
    arrived in full (实缴 ≥ 应缴), in part, or not yet."""
    due, paid = int(record.get("due") or 0), int(record.get("paid") or 0)
    status = "已足额到账" if paid >= due and paid > 0 else "部分到账" if paid > 0 else "未到账"
    return {
        "ym": record.get("ym"),
        "insutype": record.get("insutype"),
        "insutype_name": INSUTYPE_ZH.get(str(record.get("insutype")), ""),
        "due": yuan(due),
        "paid": yuan(paid),
        "late_fee": yuan(record.get("late_fee")),
        "paid_on": record.get("paid_on"),
        "kind_name": "欠费补缴" if record.get("kind") == "back_payment" else "正常缴费",
        "status": status,
    }


def contributions(person: Asked, resident: bool, year: int | None = None) -> list[dict[str, Any]]:
    """The person's 缴费记录 of 城乡居民 (390) or of the employee's 险种, newest period first, of a year if given."""
    held: Mapping[str, Any] = person.state.get("contributions") or {}
    chosen = [
        c
        for c in held.values()
        if (str(c.get("insutype")) == RESIDENT) == resident
        and (year is None or str(c.get("ym", "")).startswith(str(year)))
    ]
    chosen.sort(key=lambda c: (str(c.get("ym")), str(c.get("insutype"))), reverse=True)
    return [contribution_line(c) for c in chosen]


def resident_contribution_progress(call: ItemCall) -> dict[str, Any]:
    """居民缴费进度: the person's P022 cases (采集 → 凭证 → 缴费 → 税务反馈 → 25日核实 → 特殊人群核实) with the year, grade
    and amounts, and the 城乡居民 缴费记录 the completed ones recorded."""
    person, answer = _progress(
        call,
        ("P022",),
        facts=("clct_year", "clct_grade", "tax_vchr_no", "pay_date"),
        money=("psn_clct_amt", "sbsy_amt", "psn_pay_amt", "pay_amt"),
    )
    answer["contributions"] = contributions(person, resident=True)
    return answer


def employee_contribution_progress(call: ItemCall) -> dict[str, Any]:
    """职工缴费进度: the employee's 缴费记录 (of a year if asked) with whether each has arrived, and the 征缴实收对账
    (P021) whose tax rows named them, with where each stands."""
    asked = validate_input(PersonYear, call.business)
    person = asked_person(call)
    year = int(asked["year"]) if asked.get("year") else None
    reconciled = read_person(call, person.psn_no, "reconciliations", page_size=20)
    checks = [
        {
            **{k: r.get(k) for k in ("acceptance_no", "collection_ym", "stage", "status", "updated_at")},
            "rows": [
                {
                    "insutype": row.get("insutype"),
                    "belong_ym": row.get("belong_ym"),
                    "emp_amt": yuan_text(row.get("emp_amt")),
                    "psn_amt": yuan_text(row.get("psn_amt")),
                }
                for row in r.get("rows") or ()
            ],
        }
        for r in reconciled.get("items") or ()
    ]
    return {
        **person.header,
        **({"year": year} if year else {}),
        "contributions": contributions(person, resident=False, year=year),
        "reconciliations": checks,
    }


def transfer_progress(call: ItemCall) -> dict[str, Any]:
    """关系转移接续进度: the person's P016 cases (受理 → 《联系函》 → 《信息表》 and funds → 办结) with both 统筹区, the papers'
    numbers and dates, the funds moved, and the 时限 of the stage a case waits at."""
    _, answer = _progress(
        call,
        ("P016",),
        facts=(
            "trans_dir",
            "out_admdvs",
            "in_admdvs",
            "acpt_date",
            "ctc_letter_no",
            "ctc_letter_date",
            "info_sheet_no",
            "info_sheet_date",
            "acct_trans_type",
            "trans_date",
            "arvl_date",
        ),
        money=("trans_amt", "arvl_amt"),
        due=True,
    )
    for line in answer["items"]:
        if "trans_dir" in line:
            line["trans_dir_name"] = TRANS_DIR_ZH.get(str(line["trans_dir"]), "")
        if "acct_trans_type" in line:
            line["acct_trans_type_name"] = ACCT_TRANS_TYPE_ZH.get(str(line["acct_trans_type"]), "")
    return answer


def self_declarations(call: ItemCall) -> dict[str, Any]:
    """自主申报: the person's own 申报工资 (P009 个人应缴工资基数核定) with the periods and where each stands, and the
    核定基数 recorded, newest period first (the last 12)."""
    person, answer = _progress(call, ("P009",), facts=("insutype", "begn_ym", "end_ym"), money=("decl_wage",))
    bases: Mapping[str, Any] = person.state.get("bases") or {}
    recorded = sorted(((k.partition(":")[2], k.partition(":")[0], v) for k, v in bases.items()), reverse=True)
    answer["bases"] = [
        {"ym": ym, "insutype": insutype, "insutype_name": INSUTYPE_ZH.get(insutype, ""), "amount": yuan(amount)}
        for ym, insutype, amount in recorded[:12]
    ]
    return answer


def claim_progress(call: ItemCall) -> dict[str, Any]:
    """受理查询 of 线上零星报销: the person's P048 门诊 and P049 住院 claims with the hospital, 票据, amounts and stage."""
    _, answer = _progress(
        call,
        ("P048", "P049"),
        facts=("fixmedins_code", "fixmedins_name", "invoice_no", "begndate", "enddate", "med_type", "bank_acct"),
        money=("medfee_sumamt", "hifp_pay", "psn_selfpay"),
    )
    return answer


def prenatal_progress(call: ItemCall) -> dict[str, Any]:
    """门诊产前检查查询: the person's P050 产前检查 (登记 → 审核) with the hospital, checkup date and amounts."""
    _, answer = _progress(
        call,
        ("P050",),
        facts=("fixmedins_code", "fixmedins_name", "invoice_no", "begndate"),
        money=("medfee_sumamt", "hifp_pay"),
    )
    return answer


SERVED = {
    35: Served(
        annual_review_progress,
        example_of("chronic_patient"),
        after=(36,),
        assumption_zh=(
            "代办年审的年审对象是参保人本人，代办人经渠道为其办理：进度按参保人本人（证件类型、证件号码、姓名三者一致）"
            "的门诊慢特病病种年审（P056）案件查询，与年审进度查询（41）答复相同，并列出其各病种的年审年度"
        ),
    ),
    41: Served(annual_review_progress, example_of("chronic_patient"), after=(42,)),
    58: Served(
        resident_contribution_progress,
        example_of("resident_payer"),
        assumption_zh="居民缴费进度为本人城乡医保个人缴费（P022）案件所处环节，及已记录的城乡居民（390）缴费记录",
    ),
    60: Served(
        chronic_progress,
        example_of("chronic_patient"),
        after=(42,),
        assumption_zh=(
            "按查询服务处理：列出本人门诊慢特病待遇认定（P055）及年审（P056）案件进度，和登记簿中本人各病种的认定、"
            "年审情况"
        ),
    ),
    62: Served(transfer_progress, example_of("mover2"), after=(18,)),
    67: Served(
        employee_contribution_progress,
        PERSON_EXAMPLE,
        assumption_zh=(
            "职工缴费进度为本人职工各险种（390 以外）的缴费记录（应缴、实缴、到账日期，实缴不少于应缴为已足额到账），"
            "及税务征收明细中列有本人的征缴实收对账（P021）所处环节；可按年度查询"
        ),
    ),
    99: Served(
        self_declarations,
        PERSON_EXAMPLE,
        assumption_zh=(
            "指南未说明“自主申报”所指；种子文件中个人的申报只有缴费工资（缴费基数）申报，故按本人的个人应缴工资基数核定"
            "（P009，申报工资、开始年月、结束年月）案件进度及已核定的缴费基数（最近 12 期）答复"
        ),
    ),
    106: Served(claim_progress, PERSON_EXAMPLE, after=(105,)),
    110: Served(prenatal_progress, PERSON_EXAMPLE, after=(109,)),
}
