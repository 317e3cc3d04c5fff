"""电子处方 (医保电子处方流转, service items 82-89): the `prescription` registry, keyed by 医保处方编号 `hi_rxno`.

The seeds give no guide for e-prescriptions (DOMAIN §4.3); this is the smallest honest backing the issue asks for: an
e-prescription record with its status messages. A designated hospital uploads the prescription it issued (S085
开具上传), the patient chooses a pharmacy through a channel (S082 处方购药: 流转), the pharmacy records what it
dispensed (S085 购药登记), the hospital may revoke it (作废), and one past its validity is recorded as expired (失效).
Nothing is edited in place: each of these is an operation that appends a status message, and the entry's history
holds every one.

    {
      "hi_rxno", "rx_trace_code"?,                     医保处方编号, 处方追溯码
      "fixmedins_code", "fixmedins_name", "admdvs",   the issuing 定点医疗机构 and its 医保区划
      "prsc_dept_name"?, "dr_code", "dr_name",        开方科室, 医保医师代码 and name
      "psn_no", "psn_cert_type", "certno", "psn_name",
      "diag_code", "diag_name",                       主诊断 (ICD-10 code and name)
      "drugs": [{"hilist_code" (国家医保药品代码), "hilist_name", "drug_spec"?, "drug_dosform"?, "drug_cnt", "drug_unit",
                 "medc_way" (用法), "used_frqu" (频次), "sin_doscnt"? (单次用量), "prd_days"? (用药天数)}],
      "prsc_time", "valid_days", "valid_until",       开具时间, 有效天数, 有效期至 (the last day it may be bought)
      "status":   "issued" | "transferred" | "dispensed" | "revoked" | "expired",
      "pharmacy": {"fixmedins_code", "fixmedins_name", "chosen_time"} | null,          流转: the pharmacy chosen
      "dispensing": {"fixmedins_code", "fixmedins_name", "disp_time", "setl_id"?,
                     "medfee_sumamt", "hifp_pay", "acct_pay", "psn_cash_pay"} | null,  购药 (amounts in fen)
      "revocation": {"fixmedins_code", "revoke_time", "reason"} | null,
      "messages": [{"seq", "time", "status", "status_name", "text_zh"}]               消息 (item 84), oldest first
    }

Times are local (China Standard Time) without an offset, to the second, as the national interfaces write them; one
given with an offset is converted. Every operation checks the entry's invariants first: a prescription is chosen,
dispensed, revoked or expired only while open (issued or transferred); dispensed only by the pharmacy chosen, within
its validity; no message may be dated before the one before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationInfo, field_validator

from ybj_kernel.domain.process import Lookup
from ybj_kernel.domain.registry import Op, Registry
from ybj_kernel.domain.validation import bilingual
from ybj_kernel.errors import Conflict, NotFound

PRESCRIPTION_REGISTRY = "prescription"
ISSUED, TRANSFERRED, DISPENSED, REVOKED, EXPIRED = "issued", "transferred", "dispensed", "revoked", "expired"
STATUS_ZH = {ISSUED: "已开具", TRANSFERRED: "已流转", DISPENSED: "已购药", REVOKED: "已作废", EXPIRED: "已失效"}
OPEN = frozenset({ISSUED, TRANSFERRED})  # may still be chosen, bought, revoked or expire
CST = timezone(timedelta(hours=8), "CST")

# The examples' prescription (an example 医保处方编号: the national format is not in the seeds).
EXAMPLE_RXNO = "RX520102202612010001"
# An example drug line: 国家医保药品代码 in the national format's shape (the code itself is an example, verify it).
EXAMPLE_DRUG: dict[str, Any] = {
    "hilist_code": "XC08CAA148A001010101571",
    "hilist_name": "苯磺酸氨氯地平片",
    "drug_spec": "5mg*28片",
    "drug_dosform": "片剂",
    "drug_cnt": "2",
    "drug_unit": "盒",
    "medc_way": "口服",
    "used_frqu": "每日1次",
    "sin_doscnt": "5mg",
    "prd_days": 28,
}


def _local(value: datetime) -> datetime:
    """A time as the registry keeps it: China Standard Time, no offset, whole seconds."""
    if value.tzinfo is not None:
        value = value.astimezone(CST).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


LocalTime = Annotated[datetime, AfterValidator(_local)]
RxNo = Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[0-9A-Z]{8,40}$", description="医保处方编号")]
# 国家医保药品代码: 西药 X…, 中成药 Z… (23 characters for 西药; a looser shape here, the full code list is not loaded).
DrugCode = Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[XZ][0-9A-Z]{10,29}$")]
FixmedinsCode = Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[HP]\d{11}$")]


def in_time(value: Any) -> str:
    """A time as the registry writes it: ISO 8601 to the second, no offset."""
    return _local(value if isinstance(value, datetime) else datetime.fromisoformat(str(value))).isoformat()


# ---- arguments of the operations -------------------------------------------------------------------------------


class DrugLine(BaseModel):
    """One drug of the prescription: 国家医保药品代码, name, quantity and how to take it."""

    hilist_code: DrugCode = Field(description="国家医保药品代码（医保目录编码）")
    hilist_name: str = Field(min_length=1, max_length=200, description="药品通用名")
    drug_spec: str | None = Field(default=None, max_length=100, description="规格")
    drug_dosform: str | None = Field(default=None, max_length=50, description="剂型")
    drug_cnt: Decimal = Field(gt=0, max_digits=12, decimal_places=4, description="数量")
    drug_unit: str = Field(min_length=1, max_length=20, description="数量单位（盒、瓶…）")
    medc_way: str = Field(min_length=1, max_length=50, description="用法（用药途径，如口服）")
    used_frqu: str = Field(min_length=1, max_length=50, description="用药频次（如每日1次）")
    sin_doscnt: str | None = Field(default=None, max_length=50, description="单次用量（如5mg）")
    prd_days: int | None = Field(default=None, ge=1, le=366, description="用药天数")


class Issue(BaseModel):
    """开具上传: the whole prescription as the hospital issued it (after its own 处方审核)."""

    hi_rxno: RxNo
    rx_trace_code: str | None = Field(default=None, max_length=64, description="处方追溯码")
    fixmedins_code: FixmedinsCode = Field(description="开方定点医疗机构编号")
    fixmedins_name: str = Field(min_length=1, max_length=200)
    admdvs: str = Field(pattern=r"^\d{6}$")
    prsc_dept_name: str | None = Field(default=None, max_length=100, description="开方科室")
    dr_code: str = Field(pattern=r"^[0-9A-Z]{1,30}$", description="医保医师代码")
    dr_name: str = Field(min_length=1, max_length=50, description="开方医师姓名")
    psn_no: str = Field(min_length=1, max_length=30)
    psn_cert_type: str = Field(default="01", pattern=r"^\d{2}$")
    certno: str = Field(min_length=1, max_length=50)
    psn_name: str = Field(min_length=1, max_length=50)
    diag_code: str = Field(pattern=r"^[A-Z][0-9A-Z.]{2,19}$", description="主诊断代码（ICD-10）")
    diag_name: str = Field(min_length=1, max_length=200, description="主诊断名称")
    drugs: list[DrugLine] = Field(min_length=1, max_length=50, description="药品明细")
    prsc_time: LocalTime = Field(description="开具时间")
    valid_days: int = Field(ge=1, le=366, description="有效天数（含开具当日）")

    @field_validator("drugs")
    @classmethod
    def _each_drug_once(cls, value: list[DrugLine]) -> list[DrugLine]:
        codes = [d.hilist_code for d in value]
        if len(set(codes)) != len(codes):
            raise bilingual("同一药品在处方中重复开具", "a drug is listed twice on the prescription")
        return value


class Transfer(BaseModel):
    """流转: the designated pharmacy the patient chose, and when."""

    fixmedins_code: FixmedinsCode = Field(description="所选定点零售药店编号")
    fixmedins_name: str = Field(min_length=1, max_length=200)
    chosen_time: LocalTime = Field(description="选择药店（流转）时间")


class Dispensing(BaseModel):
    """购药: the pharmacy dispensed the prescription and settled it (amounts in fen)."""

    fixmedins_code: FixmedinsCode = Field(description="发药定点零售药店编号")
    fixmedins_name: str = Field(min_length=1, max_length=200)
    disp_time: LocalTime = Field(description="发药（购药）时间")
    setl_id: str | None = Field(default=None, max_length=40, description="结算ID")
    medfee_sumamt: int = Field(ge=0, description="医疗费用总额（分）")
    hifp_pay: int = Field(ge=0, description="统筹基金支付（分）")
    acct_pay: int = Field(ge=0, description="个人账户支付（分）")
    psn_cash_pay: int = Field(ge=0, description="个人现金支付（分）")

    @field_validator("psn_cash_pay")
    @classmethod
    def _parts_make_the_total(cls, value: int, info: ValidationInfo) -> int:
        parts = value + info.data.get("hifp_pay", 0) + info.data.get("acct_pay", 0)
        if "medfee_sumamt" in info.data and parts != info.data["medfee_sumamt"]:
            raise bilingual(
                "统筹基金支付、个人账户支付与个人现金支付之和应等于医疗费用总额",
                "hifp_pay + acct_pay + psn_cash_pay must equal medfee_sumamt",
            )
        return value


class Revocation(BaseModel):
    """作废: by the issuing hospital, with its reason."""

    fixmedins_code: FixmedinsCode = Field(description="开方定点医疗机构编号")
    revoke_time: LocalTime = Field(description="作废时间")
    reason: str = Field(min_length=1, max_length=200, description="作废原因")


class Expiry(BaseModel):
    """失效: recorded on a day after the last day of validity."""

    on: date = Field(description="失效登记日期")


# ---- the operations ----------------------------------------------------------------------------------------------


def _require(state: Mapping[str, Any]) -> None:
    if not state.get("hi_rxno"):
        raise NotFound(
            "PRESCRIPTION_NOT_FOUND", "没有该医保处方编号的电子处方", "no e-prescription with this number", "hi_rxno"
        )


def _say(state: dict[str, Any], status: str, time: str, text_zh: str) -> None:
    """The status changes, and a message says so (item 84 returns them)."""
    messages: list[dict[str, Any]] = state.setdefault("messages", [])
    seq = len(messages) + 1
    messages.append({"seq": seq, "time": time, "status": status, "status_name": STATUS_ZH[status], "text_zh": text_zh})
    state["status"] = status


def _latest_time(state: Mapping[str, Any]) -> str:
    messages = state.get("messages") or [{}]
    return str(messages[-1].get("time") or "")


def _not_before_latest(state: Mapping[str, Any], time: str, field: str) -> None:
    if time < _latest_time(state):
        raise Conflict(
            "TIME_BEFORE_LATEST",
            f"时间 {time} 早于该处方上一条状态消息的时间 {_latest_time(state)}",
            f"{time} is before the prescription's latest message ({_latest_time(state)})",
            field,
        )


def _open(state: Mapping[str, Any], what_zh: str, field: str = "hi_rxno") -> None:
    _require(state)
    status = state["status"]
    if status not in OPEN:
        raise Conflict(
            f"PRESCRIPTION_{status.upper()}",
            f"电子处方 {state['hi_rxno']} {STATUS_ZH[status]}，不能{what_zh}",
            f"prescription {state['hi_rxno']} is {status}",
            field,
        )


def _within_validity(state: Mapping[str, Any], time: str, field: str) -> None:
    if time[:10] > str(state["valid_until"]):
        raise Conflict(
            "PRESCRIPTION_OUT_OF_VALIDITY",
            f"电子处方 {state['hi_rxno']} 有效期至 {state['valid_until']}，已超过有效期",
            f"prescription {state['hi_rxno']} was valid until {state['valid_until']}",
            field,
        )


def _issue(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("hi_rxno"):
        raise Conflict(
            "PRESCRIPTION_EXISTS",
            f"医保处方编号 {args['hi_rxno']} 已上传，不能重复开具",
            f"prescription {args['hi_rxno']} is already uploaded",
            "hi_rxno",
        )
    issued = in_time(args["prsc_time"])
    valid_until = (date.fromisoformat(issued[:10]) + timedelta(days=args["valid_days"] - 1)).isoformat()
    state.update(args, prsc_time=issued, valid_until=valid_until, pharmacy=None, dispensing=None, revocation=None)
    _say(state, ISSUED, issued, f"{args['fixmedins_name']}已开具电子处方，有效期至{valid_until}")


def _transfer(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open(state, "流转")
    chosen = in_time(args["chosen_time"])
    held = state.get("pharmacy") or {}
    if held.get("fixmedins_code") == args["fixmedins_code"]:
        return  # the same pharmacy chosen again: nothing changes, nothing is recorded
    _not_before_latest(state, chosen, "chosen_time")
    _within_validity(state, chosen, "chosen_time")
    again = "改为" if held else ""
    state["pharmacy"] = {**args, "chosen_time": chosen}
    text = f"处方已{again}流转至{args['fixmedins_name']}，请在有效期内（至{state['valid_until']}）到店购药"
    _say(state, TRANSFERRED, chosen, text)


def _dispense(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open(state, "购药")
    chosen = state.get("pharmacy") or {}
    if state["status"] != TRANSFERRED or chosen.get("fixmedins_code") != args["fixmedins_code"]:
        raise Conflict(
            "NOT_THE_CHOSEN_PHARMACY",
            f"电子处方 {state['hi_rxno']} 未流转至药店 {args['fixmedins_code']}（须由参保人先选择该药店）",
            f"prescription {state['hi_rxno']} was not transferred to {args['fixmedins_code']}",
            "fixmedins_code",
        )
    dispensed = in_time(args["disp_time"])
    _not_before_latest(state, dispensed, "disp_time")
    _within_validity(state, dispensed, "disp_time")
    state["dispensing"] = {**args, "disp_time": dispensed}
    total, fund = Decimal(args["medfee_sumamt"]) / 100, Decimal(args["hifp_pay"]) / 100
    text = f"{args['fixmedins_name']}已发药，医疗费用总额{total:.2f}元，其中统筹基金支付{fund:.2f}元"
    _say(state, DISPENSED, dispensed, text)


def _revoke(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open(state, "作废")
    if args["fixmedins_code"] != state["fixmedins_code"]:
        raise Conflict(
            "NOT_THE_ISSUER",
            f"电子处方 {state['hi_rxno']} 由 {state['fixmedins_code']} 开具，只能由开方机构作废",
            f"only the issuing institution ({state['fixmedins_code']}) may revoke the prescription",
            "fixmedins_code",
        )
    revoked = in_time(args["revoke_time"])
    _not_before_latest(state, revoked, "revoke_time")
    state["revocation"] = {**args, "revoke_time": revoked}
    _say(state, REVOKED, revoked, f"{state['fixmedins_name']}已作废该处方：{args['reason']}")


def _expire(state: dict[str, Any], args: dict[str, Any]) -> None:
    _open(state, "登记失效")
    if str(args["on"]) <= str(state["valid_until"]):
        raise Conflict(
            "STILL_VALID",
            f"电子处方 {state['hi_rxno']} 有效期至 {state['valid_until']}，尚未失效",
            f"prescription {state['hi_rxno']} is valid until {state['valid_until']}",
            "hi_rxno",
        )
    ended = datetime.combine(date.fromisoformat(str(state["valid_until"])) + timedelta(days=1), datetime.min.time())
    _say(state, EXPIRED, ended.isoformat(), f"处方已超过有效期（{state['valid_until']}）未购药，已失效")


PRESCRIPTIONS = Registry(
    PRESCRIPTION_REGISTRY,
    "电子处方",
    {
        "issue": Op("电子处方开具上传", "PrescriptionIssued", Issue, _issue),
        "transfer": Op("电子处方流转（选择药店）", "PrescriptionTransferred", Transfer, _transfer, True),
        "dispense": Op("电子处方购药（药店发药）", "PrescriptionDispensed", Dispensing, _dispense, True),
        "revoke": Op("电子处方作废", "PrescriptionRevoked", Revocation, _revoke, True),
        "expire": Op("电子处方失效", "PrescriptionExpired", Expiry, _expire, True),
    },
    frozenset({"issue"}),
)


# ---- reading the state -------------------------------------------------------------------------------------------


def hi_rxno_of(data: Mapping[str, Any]) -> str | None:
    """The 医保处方编号 a case names, upper case, or None."""
    value = data.get("hi_rxno")
    return str(value).strip().upper() if value else None


def _summary(state: Mapping[str, Any]) -> dict[str, Any]:
    """What a stage decides on, and the case keeps: whose prescription, where it stands, until when (not the drugs)."""
    kept = ("hi_rxno", "status", "psn_no", "certno", "psn_name", "fixmedins_code", "admdvs", "valid_until", "pharmacy")
    return {k: state.get(k) for k in kept}


PRESCRIPTION_FACT = "prescription"
PRESCRIPTION = Lookup(PRESCRIPTION_FACT, PRESCRIPTION_REGISTRY, key=hi_rxno_of, pick=_summary)


def prescription_of(step: Mapping[str, Any]) -> dict[str, Any]:
    """The prescription a stage looked up, or PRESCRIPTION_NOT_FOUND."""
    found = step.get(PRESCRIPTION_FACT)
    if not found or not found.get("hi_rxno"):
        raise NotFound(
            "PRESCRIPTION_NOT_FOUND", "没有该医保处方编号的电子处方", "no e-prescription with this number", "hi_rxno"
        )
    return dict(found)
