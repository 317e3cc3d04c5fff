"""Items 82-89 电子处方流转服务: the citizen's e-prescriptions, their status messages, the pharmacies that take them,
and 处方购药 (82), which opens treatment's process S082 to send a prescription to the pharmacy the citizen chose.

The seeds give these items no guide; the project backs them with treatment's `prescription` registry (institutions
upload 开具, 购药, 作废, 失效 through S085; each change appends a status message) and `rx_pharmacy` registry (S086),
read through the platform's entry point as the channel (query service: /api/v1/prescriptions…). Every personal item
answers only about the person the request names (person_reads.asked_person), only with their own prescriptions (one
of someone else is answered as not found), and masks the 证件号码; the preview (87) masks the name too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import Field, field_validator

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.institutions import Area
from ybj_gateway.items.insured import PersonNamed
from ybj_gateway.items.person_reads import Asked, PersonPage, asked_person, yuan
from ybj_gateway.items.served import Served
from ybj_kernel.domain.validation import validate_input
from ybj_kernel.errors import Forbidden, NotFound

PROCESS = "S082"
CST = timezone(timedelta(hours=8), "CST")
OPEN = ("issued", "transferred")
STATUS_ZH = {
    "issued": "已开具",
    "transferred": "已流转",
    "dispensed": "已购药",
    "revoked": "已作废",
    "expired": "已失效",
}
MONEY = ("medfee_sumamt", "hifp_pay", "acct_pay", "psn_cash_pay")
# A drug line as the citizen sees it: 国家医保药品代码, name, 规格, 剂型, quantity and how to take it.
DRUG_FIELDS = (
    "hilist_code",
    "hilist_name",
    "drug_spec",
    "drug_dosform",
    "drug_cnt",
    "drug_unit",
    "medc_way",
    "used_frqu",
    "sin_doscnt",
    "prd_days",
)
PERSON_EXAMPLE = {"certno": "${person.certno}", "psn_name": "${person.psn_name}"}
RX_EXAMPLE = {**PERSON_EXAMPLE, "hi_rxno": "${answer:82.hi_rxno}"}


def _now() -> datetime:
    """The time a choice is made, as the platform's registries keep times: China Standard Time, to the second."""
    return datetime.now(CST).replace(tzinfo=None, microsecond=0)


class PrescriptionAsked(PersonNamed):
    """The person, and one of their prescriptions by 医保处方编号."""

    hi_rxno: str = Field(pattern=r"^[0-9A-Za-z]{8,40}$", description="医保处方编号")

    @field_validator("hi_rxno")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class PharmacyChosen(PrescriptionAsked):
    """处方购药: the prescription and the designated pharmacy chosen (one item 86 lists)."""

    fixmedins_code: str = Field(pattern=r"^[Pp]\d{11}$", description="所选定点零售药店编号")


class MessagesAsked(PersonPage):
    """消息提醒: of one prescription, or of all the person's; only those after `since` (the last one seen)."""

    hi_rxno: str | None = Field(default=None, pattern=r"^[0-9A-Za-z]{8,40}$", description="医保处方编号（不填为全部）")
    since: datetime | None = Field(default=None, description="只返回此时间之后的消息（不带时区为北京时间）")

    @field_validator("since")
    @classmethod
    def _china_time(cls, value: datetime | None) -> datetime | None:
        """Messages are dated in China Standard Time without an offset: a time with one is converted."""
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(CST).replace(tzinfo=None)
        return value


class ListAsked(PersonPage):
    """电子处方查询: the person's prescriptions, of one status if given."""

    status: Literal["issued", "transferred", "dispensed", "revoked", "expired"] | None = Field(
        default=None, description="处方状态"
    )


def _mine(call: ItemCall, asked: Asked, hi_rxno: str) -> dict[str, Any]:
    """The person's own prescription in effect; anyone else's, or none, is PRESCRIPTION_NOT_FOUND alike."""
    try:
        found = call.read(f"/api/v1/prescriptions/{hi_rxno.upper()}")
    except (NotFound, Forbidden):
        found = {}
    state = found.get("state") or {}
    if not found.get("in_effect") or str(state.get("psn_no")) != asked.psn_no:
        raise NotFound(
            "PRESCRIPTION_NOT_FOUND",
            "未找到本人的该张电子处方",
            "the person has no e-prescription with this number",
            "hi_rxno",
        )
    return dict(state)


def _listed(call: ItemCall, asked: Asked, status: str | None, page: int, size: int) -> tuple[int, list[dict[str, Any]]]:
    """A page of the person's prescriptions (of one status, if given), newest issued first; and how many."""
    found = call.read(
        "/api/v1/prescriptions", certno=asked.person["state"]["certno"], status=status, page=page, page_size=size
    )
    states = [dict(i["state"]) for i in found.get("items") or () if str(i["state"].get("psn_no")) == asked.psn_no]
    return int(found.get("total", len(states))), states


def _in_validity(state: Mapping[str, Any]) -> bool:
    return state.get("status") in OPEN and _now().date().isoformat() <= str(state.get("valid_until"))


def _summary(state: Mapping[str, Any]) -> dict[str, Any]:
    pharmacy = state.get("pharmacy") or {}
    return {
        "hi_rxno": state.get("hi_rxno"),
        "status": state.get("status"),
        "status_name": STATUS_ZH.get(str(state.get("status")), ""),
        "fixmedins_name": state.get("fixmedins_name"),
        "prsc_time": state.get("prsc_time"),
        "valid_until": state.get("valid_until"),
        "in_validity": _in_validity(state),
        "diag_name": state.get("diag_name"),
        "drug_count": len(state.get("drugs") or ()),
        "pharmacy_name": pharmacy.get("fixmedins_name"),
    }


def _drugs(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{k: d[k] for k in DRUG_FIELDS if d.get(k) is not None} for d in state.get("drugs") or ()]


def _dispensing(state: Mapping[str, Any]) -> dict[str, Any] | None:
    held = state.get("dispensing")
    if not held:
        return None
    return {
        **{k: held.get(k) for k in ("fixmedins_code", "fixmedins_name", "disp_time")},
        **{k: yuan(held.get(k)) for k in MONEY},
    }


def _messages(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"hi_rxno": state.get("hi_rxno"), **m} for m in state.get("messages") or ()]


def choose_pharmacy(call: ItemCall) -> dict[str, Any]:
    """处方购药: opens S082 as the channel; the prescription is 流转 to the chosen pharmacy at once (no review)."""
    asked = validate_input(PharmacyChosen, call.business)
    person = asked_person(call)
    data = {
        "psn_cert_type": asked["psn_cert_type"],
        "certno": person.person["state"]["certno"],
        "psn_name": person.header["psn_name"],
        "hi_rxno": asked["hi_rxno"],
        "fixmedins_code": str(asked["fixmedins_code"]).upper(),
        "chosen_time": _now().isoformat(),
    }
    ack = call.commands.open_case(PROCESS, None, data, call.app_id, call.admdvs, call.nonce)
    return {
        **person.header,
        "acceptance_no": ack.get("acceptance_no"),
        "process_id": ack.get("process_id", PROCESS),
        "stage": ack.get("stage"),
        "status": "已流转" if ack.get("stage") == "completed" else "已受理",
        "hi_rxno": data["hi_rxno"],
        "fixmedins_code": data["fixmedins_code"],
        "chosen_time": data["chosen_time"],
    }


def prescription_detail(call: ItemCall) -> dict[str, Any]:
    """处方详情查询: the whole prescription (诊断, 药品, 有效期, 流转药店, 购药), the person's 证件号码 masked."""
    asked = validate_input(PrescriptionAsked, call.business)
    person = asked_person(call)
    state = _mine(call, person, asked["hi_rxno"])
    pharmacy = state.get("pharmacy") or None
    return {
        **person.header,
        **_summary(state),
        **{k: state.get(k) for k in ("fixmedins_code", "prsc_dept_name", "dr_name", "diag_code", "valid_days")},
        "drugs": _drugs(state),
        "pharmacy": {k: pharmacy.get(k) for k in ("fixmedins_code", "fixmedins_name", "chosen_time")}
        if pharmacy
        else None,
        "dispensing": _dispensing(state),
        "revocation": {k: (state.get("revocation") or {}).get(k) for k in ("revoke_time", "reason")}
        if state.get("revocation")
        else None,
    }


def status_messages(call: ItemCall) -> dict[str, Any]:
    """处方消息状态消息提醒: the status messages (开具, 流转, 购药, 作废, 失效), newest first, after `since` if given."""
    asked = validate_input(MessagesAsked, call.business)
    person = asked_person(call)
    if asked.get("hi_rxno"):
        states = [_mine(call, person, str(asked["hi_rxno"]))]
    else:
        _, states = _listed(call, person, None, 1, 50)
    since = str(asked.get("since") or "")[:19]
    messages = [m for s in states for m in _messages(s) if str(m["time"]) > since]
    messages.sort(key=lambda m: (str(m["time"]), m["seq"]), reverse=True)
    return {**person.header, "messages": messages[: int(asked["page_size"])], "total": len(messages)}


def prescription_list(call: ItemCall) -> dict[str, Any]:
    """电子处方查询: the person's prescriptions, newest issued first, and the newest one still to be bought."""
    asked = validate_input(ListAsked, call.business)
    person = asked_person(call)
    total, states = _listed(call, person, asked.get("status"), int(asked["page"]), int(asked["page_size"]))
    items = [_summary(s) for s in states]
    to_buy = next((i["hi_rxno"] for i in items if i["status"] in OPEN and i["in_validity"]), None)
    return {**person.header, "prescriptions": items, "total": total, "open_hi_rxno": to_buy}


def rx_pharmacies(call: ItemCall) -> dict[str, Any]:
    """电子处方开通定点机构查询: the designated pharmacies taking e-prescriptions now (public fields; paused ones left
    out: they cannot be chosen)."""
    asked = validate_input(Area, call.business)
    found = call.read("/api/v1/prescription-pharmacies", admdvs=asked.get("admdvs"), page_size=200)
    keep = ("fixmedins_code", "fixmedins_name", "admdvs", "addr", "rx_begndate")
    items = [
        {k: i[k] for k in keep if i.get(k) is not None} for i in found.get("items") or () if i.get("status") == "active"
    ]
    return {"items": items, "total": len(items)}


def mask_name(name: str) -> str:
    """王芳 → 王*, 欧阳娜娜 → 欧***: the surname's first character stays."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _drug_line(drug: Mapping[str, Any]) -> str:
    how = "，".join(
        part
        for part in (
            f"用法：{drug.get('medc_way')}",
            str(drug.get("used_frqu") or ""),
            f"每次{drug['sin_doscnt']}" if drug.get("sin_doscnt") else "",
            f"{drug['prd_days']}天" if drug.get("prd_days") else "",
        )
        if part
    )
    spec = f" {drug['drug_spec']}" if drug.get("drug_spec") else ""
    return f"{drug.get('hilist_name')}{spec} × {drug.get('drug_cnt')}{drug.get('drug_unit')}（{how}）"


def prescription_preview(call: ItemCall) -> dict[str, Any]:
    """电子处方预览: the prescription laid out as a 处方笺 for display, the patient's name and 证件号码 masked."""
    asked = validate_input(PrescriptionAsked, call.business)
    person = asked_person(call)
    state = _mine(call, person, asked["hi_rxno"])
    header = [
        ("医保处方编号", state.get("hi_rxno")),
        ("医疗机构", state.get("fixmedins_name")),
        ("科室", state.get("prsc_dept_name")),
        ("患者", mask_name(str(person.header["psn_name"] or ""))),
        ("证件号码", person.header["certno"]),
        ("诊断", f"{state.get('diag_name')}（{state.get('diag_code')}）"),
        ("开具时间", str(state.get("prsc_time") or "").replace("T", " ")),
        ("有效期至", state.get("valid_until")),
        ("医师", state.get("dr_name")),
        ("状态", STATUS_ZH.get(str(state.get("status")), "")),
    ]
    lines = [{"label": label, "value": value} for label, value in header if value]
    drugs = [_drug_line(d) for d in state.get("drugs") or ()]
    text = "\n".join(["医保电子处方", *(f"{x['label']}：{x['value']}" for x in lines), "Rp.", *drugs])
    return {"title": "医保电子处方", "lines": lines, "drugs": drugs, "text": text}


def purchase_records(call: ItemCall) -> dict[str, Any]:
    """购药记录查询: the person's dispensed prescriptions, newest first: where, when, what, and who paid how much."""
    asked = validate_input(PersonPage, call.business)
    person = asked_person(call)
    total, states = _listed(call, person, "dispensed", int(asked["page"]), int(asked["page_size"]))
    records = [
        {
            "hi_rxno": s.get("hi_rxno"),
            "prsc_fixmedins_name": s.get("fixmedins_name"),
            **(_dispensing(s) or {}),
            "drugs": [
                {k: d.get(k) for k in ("hilist_code", "hilist_name", "drug_cnt", "drug_unit")}
                for d in s.get("drugs") or ()
            ],
        }
        for s in states
    ]
    return {**person.header, "records": records, "total": total}


def prescription_overview(call: ItemCall) -> dict[str, Any]:
    """其他电子处方流转服务: the person's e-prescriptions at a glance (how many in each status, the ones still to be
    bought, the latest messages) and the items that serve each need."""
    person = asked_person(call)
    total, states = _listed(call, person, None, 1, 50)
    counts = {code: sum(1 for s in states if s.get("status") == code) for code in STATUS_ZH}
    messages = sorted((m for s in states for m in _messages(s)), key=lambda m: str(m["time"]), reverse=True)
    return {
        **person.header,
        "total": total,
        "by_status": [{"status": k, "status_name": STATUS_ZH[k], "count": v} for k, v in counts.items()],
        "to_buy": [_summary(s) for s in states if s.get("status") in OPEN and _in_validity(s)],
        "latest_messages": messages[:5],
        "services": {
            "82": "处方购药",
            "83": "处方详情查询",
            "84": "处方消息状态消息提醒",
            "85": "电子处方查询",
            "86": "电子处方开通定点机构查询",
            "87": "电子处方预览",
            "88": "购药记录查询",
        },
    }


_BACKING = (
    "指南无电子处方流转流程：本项目以待遇服务的“电子处方”登记簿支撑（定点医疗机构经流程 S085 上传开具、作废，"
    "定点药店上传购药，超过有效期未购药登记失效；每次变化追加一条状态消息，不改写原记录）。只能查询本人的处方，"
    "证件号码脱敏。"
)
SERVED = {
    82: Served(
        choose_pharmacy,
        {**PERSON_EXAMPLE, "hi_rxno": "${answer:85.open_hi_rxno}", "fixmedins_code": "${pharmacy.fixmedins_code}"},
        after=(85,),
        assumption_zh=_BACKING
        + "处方购药即参保人选择定点零售药店、处方流转至该药店（流程 S082，一步办结，无需审核）：处方须为本人的、"
        "未购药未作废未失效且在有效期内（示例有效期：开具当日有效，医师注明最长3天）；药店须为医药服务和药店购药开通、"
        "并已开通电子处方流转的定点零售药店（见事项86）。购药结算由药店完成后上传，不在本事项内。",
    ),
    83: Served(
        prescription_detail,
        RX_EXAMPLE,
        after=(82,),
        assumption_zh=_BACKING
        + "详情含开方机构、科室、医师姓名、诊断、药品明细（国家医保药品代码、数量、用法）、有效期、流转药店和购药金额。",
    ),
    84: Served(
        status_messages,
        RX_EXAMPLE,
        after=(82,),
        assumption_zh=_BACKING
        + "消息提醒按拉取方式提供：渠道查询本人某张或全部处方的状态消息（开具、流转、购药、作废、失效），可用 since "
        "只取上次之后的新消息；平台不主动推送。",
    ),
    85: Served(
        prescription_list,
        PERSON_EXAMPLE,
        assumption_zh=_BACKING + "列出本人的电子处方（可按状态筛选），最新开具在前，并给出最近一张可购药处方的编号。",
    ),
    86: Served(
        rx_pharmacies,
        {},
        assumption_zh="机构登记簿没有电子处方标志：已开通电子处方流转的定点零售药店由经办机构经流程 S086（开通/关闭）"
        "登记在“电子处方流转定点药店”登记簿中；本事项列出当前开通且医药服务未暂停的药店（公开信息）。",
    ),
    87: Served(
        prescription_preview,
        RX_EXAMPLE,
        after=(82,),
        assumption_zh=_BACKING
        + "预览为按处方笺版式排列的展示数据（标题、表头各项、Rp. 药品行及纯文本），患者姓名只显示姓、证件号码脱敏。",
    ),
    88: Served(
        purchase_records,
        PERSON_EXAMPLE,
        assumption_zh=_BACKING
        + "购药记录为本人已购药（药店已上传发药及结算信息）的电子处方：药店、时间、药品及医疗费用总额、"
        "统筹基金、个人账户和现金支付金额。",
    ),
    89: Served(
        prescription_overview,
        PERSON_EXAMPLE,
        assumption_zh="“其他电子处方流转服务”含义未明，作为兜底事项：答复本人电子处方概况（各状态张数、待购药处方、"
        "最近消息）及各项服务对应的事项编号。",
    ),
}
