"""Benefit items: what the person is entitled to, and the 医疗救助 they were found eligible for or received.

69 待遇享受信息 (参保关系, 门慢门特 and 重大疾病 qualifications, 异地就医备案), 93 查询人员参保信息待遇 (the same with the
person's identity and 个人账户), 65 医疗救助资格信息查询 (身份属性 as the 参保资助明细 and the 直接医疗救助 cases
recorded them), 74 医疗救助服务 (the person's P054 cases and 参保资助).

Each reads, after the three identifiers agree (「本人数据」), the person's records through the query service as the
channel: the treatment registries keyed by 人员编号 (`…/qualifications`, `…/filings`), the 参保资助明细 filed under their
证件号码 (`…/subsidies`), their P054 cases (`…/cases`). 证件号码, phone and bank account are masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.insured import INSUTYPE_ZH, RELATION_FIELDS, STATUS_ZH
from ybj_gateway.items.masking import mask_tail
from ybj_gateway.items.person_reads import (
    CODES,
    PERSON_EXAMPLE,
    Asked,
    PersonPage,
    asked_person,
    cases_of,
    example_of,
    named,
    progress_line,
    read_person,
    yuan,
)
from ybj_gateway.items.served import Served
from ybj_kernel.domain.validation import validate_input
from ybj_kernel.errors import NotFound

SUBSIDY_MODE_ZH = {"batch": "缴费时批量资助", "single": "缴费后单个资助"}
# The P054 办理模式 that are one person's (the batch and the hospital's 现场结算 are lists, not one person's case).
PERSONAL_ASSISTANCE = ("subsidy_single", "identified", "unidentified")
FILING_FIELDS = ("filing_type", "admdvs", "mdtrtarea_admdvs", "begndate", "enddate", "process_id")


def insurances(person: Asked) -> list[dict[str, Any]]:
    """Each 参保关系 with its 险种 and status by name (as item 68 answers it)."""
    lines = []
    for relation in person.person.get("enrollments") or ():
        line = {k: relation[k] for k in RELATION_FIELDS if relation.get(k) is not None}
        line["insutype_name"] = INSUTYPE_ZH.get(str(line.get("insutype")), "")
        line["status_name"] = STATUS_ZH.get(str(line.get("status")), "")
        lines.append(line)
    return lines


def qualifications(call: ItemCall, psn_no: str) -> dict[str, list[dict[str, Any]]]:
    """门慢门特 病种 and 重大疾病 the person holds (in effect), as the qualification registry has them."""
    current: Mapping[str, Any] = read_person(call, psn_no, "qualifications").get("current") or {}
    chronic = [
        {
            "opsp_dise_code": code,
            "opsp_dise_name": held.get("name"),
            "opsp_type": held.get("opsp_type"),
            "begndate": held.get("begndate"),
            "fixmedins_codes": held.get("fixmedins_codes") or [],
            "reviewed_years": sorted({int(r["year"]) for r in held.get("annual_reviews") or () if r.get("year")}),
        }
        for code, held in sorted((current.get("chronic") or {}).items())
        if held.get("status") == "active"
    ]
    major = [
        {
            "major_dise_type": kind,
            "major_dise_name": held.get("name"),
            "trt_way": held.get("trt_way"),
            "begndate": held.get("begndate"),
            "enddate": held.get("enddate"),
            "fixmedins_code": held.get("fixmedins_code"),
        }
        for kind, held in sorted((current.get("major_disease") or {}).items())
        if held.get("status") == "active"
    ]
    return {"chronic_diseases": chronic, "major_diseases": major}


def remote_care_filing(call: ItemCall, psn_no: str) -> dict[str, Any] | None:
    """The 异地就医备案 in effect (its type, 参保地 and 就医地, dates), or None."""
    current = read_person(call, psn_no, "filings").get("current")
    if not current or current.get("status") != "in_effect":
        return None
    return {k: current[k] for k in FILING_FIELDS if current.get(k) is not None}


def benefits(call: ItemCall) -> dict[str, Any]:
    """待遇享受信息: 参保关系 with their status, the 门慢门特 and 重大疾病 qualifications in effect, and the 异地就医备案."""
    person = asked_person(call)
    return {
        **person.header,
        "insurances": insurances(person),
        **qualifications(call, person.psn_no),
        "remote_care_filing": remote_care_filing(call, person.psn_no),
    }


def account_summary(call: ItemCall, psn_no: str) -> dict[str, Any]:
    """Whether the person has a 个人账户, its balance (yuan) and whether it is frozen."""
    try:
        account = read_person(call, psn_no, "account", page_size=1)
    except NotFound:
        return {"has_account": False, "balance": yuan(0), "frozen": False}
    return {"has_account": True, "balance": yuan(account.get("balance")), "frozen": bool(account.get("frozen"))}


def person_and_benefits(call: ItemCall) -> dict[str, Any]:
    """查询人员参保信息待遇: the person's identity (masked), 参保关系, the qualifications and filing in effect, and their
    个人账户 (its balance: what 共济 could draw on)."""
    person = asked_person(call)
    state = person.state
    return {
        **person.header,
        "gend": state.get("gend"),
        "brdy": state.get("brdy"),
        **({"tel": mask_tail(str(state["tel"]))} if state.get("tel") else {}),
        "insurances": insurances(person),
        **qualifications(call, person.psn_no),
        "remote_care_filing": remote_care_filing(call, person.psn_no),
        "account": account_summary(call, person.psn_no),
    }


def subsidy_lines(call: ItemCall, psn_no: str) -> list[dict[str, Any]]:
    """参保资助明细 filed for the person: year, 身份属性, amount (yuan) and how it was granted."""
    return [
        {
            "clct_year": s.get("clct_year"),
            "psn_idet_type": s.get("psn_idet_type"),
            "psn_idet_type_name": named(s.get("psn_idet_type"), CODES.psn_idet_type_zh),
            "sbsy_amt": yuan(s.get("sbsy_amt_fen")),
            "sbsy_mode_name": SUBSIDY_MODE_ZH.get(str(s.get("sbsy_mode")), ""),
            "admdvs": s.get("admdvs"),
        }
        for s in read_person(call, psn_no, "subsidies").get("items") or ()
    ]


def _assistance_cases(call: ItemCall, psn_no: str, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    found = cases_of(call, psn_no, ("P054",), page, page_size)
    mine = [c for c in found.get("items") or () if c.get("variant") in PERSONAL_ASSISTANCE]
    return {**found, "items": mine}


def assistance_eligibility(call: ItemCall) -> dict[str, Any]:
    """医疗救助资格: the 身份属性 the platform recorded for the person (参保资助明细 by year; the 人员属性 of their 直接医疗
    救助 cases, with whether each was approved) and whether a 身份属性 is on record this way at all."""
    person = asked_person(call)
    subsidies = subsidy_lines(call, person.psn_no)
    identities = [
        {
            "psn_idet_type": code,
            "psn_idet_type_name": named(code, CODES.psn_idet_type_zh),
            "acceptance_no": case.get("acceptance_no"),
            "variant_name_zh": case.get("variant_name_zh"),
            "status": case.get("status"),
            "accepted_at": case.get("accepted_at"),
        }
        for case in _assistance_cases(call, person.psn_no)["items"]
        if (code := (case.get("data") or {}).get("psn_idet_type"))
    ]
    return {
        **person.header,
        "recorded": bool(subsidies or identities),
        "subsidies": subsidies,
        "assistance_identities": identities,
    }


def assistance_services(call: ItemCall) -> dict[str, Any]:
    """医疗救助服务: the person's P054 cases (缴费后单个资助, 直接医疗救助 个人申请) with the visit, the 救助金额 and where
    each stands, and the 参保资助 filed for them."""
    asked = validate_input(PersonPage, call.business)
    person = asked_person(call)
    found = _assistance_cases(call, person.psn_no, int(asked.get("page", 1)), int(asked.get("page_size", 20)))
    items = [
        progress_line(
            case,
            facts=("clct_year", "setl_id", "setl_date", "fixmedins_name", "psn_idet_type", "bank_name", "bank_acct"),
            money=("psn_clct_amt", "medfee_sumamt", "compliant_selfpay_amt", "maf_pay"),
        )
        for case in found["items"]
    ]
    return {**person.header, "items": items, "subsidies": subsidy_lines(call, person.psn_no)}


SERVED = {
    65: Served(
        assistance_eligibility,
        example_of("relative"),
        assumption_zh=(
            "平台不另设医疗救助对象名册（民政等部门的名单随每批参保资助导入）：资格信息为平台已记录的本人身份属性，"
            "即参保资助明细（年度、身份属性、资助金额）和本人直接医疗救助案件登记或认定的人员属性；均无记录时答复未记录"
        ),
    ),
    69: Served(
        benefits,
        PERSON_EXAMPLE,
        assumption_zh=(
            "待遇享受信息为本人各险种参保关系及状态、有效的门诊慢特病病种和重大疾病认定、有效的异地就医备案；"
            "指南未规定参保状态与待遇享受的对应关系，故不另推断“待遇享受状态”"
        ),
    ),
    74: Served(
        assistance_services,
        example_of("relative"),
        assumption_zh=(
            "名称无动词，按查询处理：列出本人城乡医疗救助（P054）中属于本人的案件（缴费后单个资助、个人申请救助结算）"
            "的进度和救助金额，及参保资助明细；批量资助和医疗机构现场结算为名单或机构案件，不列入"
        ),
    ),
    93: Served(
        person_and_benefits,
        PERSON_EXAMPLE,
        assumption_zh="参保信息待遇为本人身份信息（证件号码、电话脱敏）、各险种参保关系、有效的待遇认定和备案，及个人账户余额",
    ),
}
