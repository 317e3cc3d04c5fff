"""定点医药机构 (DOMAIN E18) and 医药集团（连锁）关系 (E19): the registries P063-P071 and P081 keep, read by every area.

`institution`, keyed by 定点医药机构编号 `fixmedins_code` (`H` + 11 digits a hospital, `P` + 11 a pharmacy), opened by
the admission of P065 / P066 and changed by the upkeep of P063 / P064, the designations of P067-P071 and the chain
bindings of P081. Its state is the shape the areas agreed (other areas read designations, hosp_lv, parameters and
services), written exactly so:

    fixmedins_code, fixmedins_name, fixmedins_type ("1" 定点医疗机构 / "2" 定点零售药店), hosp_lv (hospitals; None for a
    pharmacy), admdvs, uscc, status ("active" / "paused"), services {svc_type: {"open", "exe_time"}},
    designations {kind: {"begndate", ...}}, parameters [{"exe_date", "dedc_std" (fen), "selfpay_prop", "dpst_prop",
    "exe_prd"}] oldest first, bank {...}, chain_group (连锁医药机构编码 or None)

and, beside them, `status_time` (执行时间 of the last 开通/暂停 of the whole institution) and `info` (the other
attributes of the application form and the 变更登记表: address, legal representative, beds …).

Every parameter version is a whole snapshot: a change of the 清算保证金预留比例 carries the 起付线 and 自付比例 in force
forward, and the reverse, so the version in force on a date (`parameters_on`) holds every value then in force.

`chain_group`, keyed by 连锁医药机构编码: the 一级医药集团 and its 二级 members (P081).

Every operation is a small pure function that checks the entry's invariants first (a paused category cannot be
paused again, a designation needs an active institution, a pharmacy gets no hospital-only designation, a member of
one group cannot be bound to another, a parameter's 执行日期 may not precede the latest version's …) and refuses with
a bilingual error naming the field. Codes marked "to confirm" are this platform's until checked against the
national 代码表.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

from ybj_kernel.domain.identity import admdvs_problem
from ybj_kernel.domain.process import Lookup
from ybj_kernel.domain.registry import Op, Registry
from ybj_kernel.domain.validation import Admdvs, Uscc, bilingual, validate_input
from ybj_kernel.errors import Conflict, NotFound, YbjError

INSTITUTION_REGISTRY = "institution"
CHAIN_GROUP_REGISTRY = "chain_group"

# The example institutions the admission examples put in (P065, P066) and the designation examples designate.
EXAMPLE_HOSPITAL = "H52010200001"
EXAMPLE_HOSPITAL_NAME = "贵阳市第一人民医院"
EXAMPLE_PHARMACY = "P52010200001"
EXAMPLE_PHARMACY_NAME = "贵阳大药房云岩店"

# 定点医药机构类型 fixmedins_type (national: 1 定点医疗机构, 2 定点零售药店; to confirm against the 代码表).
HOSPITAL, PHARMACY = "1", "2"
FixmedinsType = Literal["1", "2"]
FIXMEDINS_TYPE_ZH = {HOSPITAL: "定点医疗机构", PHARMACY: "定点零售药店"}
PREFIX = {HOSPITAL: "H", PHARMACY: "P"}

# 医疗机构级别 hosp_lv as the areas agreed: level only. To confirm: the national 代码表 seems to hold two lists, the
# 医院等级 `hosp_lv` with the grades (三级甲等 …, and 11 for a pharmacy) and the level-only 起付线医院等级 `dedc_hosp_lv`.
HospLv = Literal["01", "02", "03", "09"]
HOSP_LV_ZH = {"01": "三级", "02": "二级", "03": "一级", "09": "未定级"}

ACTIVE, PAUSED = "active", "paused"
STATUS_ZH = {ACTIVE: "正常", PAUSED: "暂停"}

# 医保支付类别 (svc_type): the national 医疗类别 med_type codes where one exists (to confirm); the seed names only
# 「药店购药」 (P064) and 「重大疾病住院」 (P068). 重大疾病住院 has no national code: 9950 is an example local code (99xx
# is the local extension range), to be replaced by the provincial one.
SvcType = Literal["11", "13", "14", "21", "28", "41", "51", "52", "9950"]
SVC_TYPE_ZH = {
    "11": "普通门诊",
    "13": "急诊",
    "14": "门诊慢特病",
    "21": "普通住院",
    "28": "日间手术",
    "41": "药店购药",
    "51": "生育门诊",
    "52": "生育住院",
    "9950": "重大疾病住院",
}
PHARMACY_SVC_TYPES = frozenset({"41"})  # 「勾选药店购药」: a pharmacy's only category; a hospital never has it
MAJOR_DISEASE_INPATIENT = "9950"  # opened only with the 重大疾病定点救治 designation (P068)

# Designations (P067-P071); the first is for every 医药机构, the others for hospitals. On a pharmacy, special_drug
# means 特药医保药店: it is linked to the 特药指定医院 that opened 特药药店联网 (P069), and holds `linked_hospitals`.
REMOTE_CARE, MAJOR_DISEASE, SPECIAL_DRUG = "remote_care", "major_disease", "special_drug"
CHRONIC_DISEASE, PUBLIC_REFORM = "chronic_disease", "public_reform"
DesignationKind = Literal["remote_care", "major_disease", "special_drug", "chronic_disease", "public_reform"]
DESIGNATION_ZH = {
    REMOTE_CARE: "省内、外异地就医医药机构",
    MAJOR_DISEASE: "城乡居民重大疾病定点救治医院",
    SPECIAL_DRUG: "特殊药品指定医院",
    CHRONIC_DISEASE: "门诊慢特病病种申办指定定点医院",
    PUBLIC_REFORM: "城市公立医院综合改革指定医院",
}
HOSPITAL_ONLY = frozenset({MAJOR_DISEASE, SPECIAL_DRUG, CHRONIC_DISEASE, PUBLIC_REFORM})

_CENT = Decimal("0.01")


def fixmedins_code_problem(code: str) -> tuple[str, str] | None:
    """What is wrong with a 定点医药机构编号: H or P, then the 6-digit 医保区划 and a 5-digit sequence (national coding)."""
    if len(code) != 12 or code[0] not in "HP" or not code[1:].isdigit():
        return (
            "定点医药机构编号应为12位：H（医疗机构）或P（零售药店）加11位数字",
            "must be H (hospital) or P (pharmacy) followed by 11 digits",
        )
    if admdvs_problem(code[1:7]):
        return ("定点医药机构编号第2-7位应为医保区划代码", "characters 2-7 must be the admdvs code")
    return None


def _fixmedins_code(value: str) -> str:
    if problem := fixmedins_code_problem(value):
        raise bilingual(f"定点医药机构编号无效：{problem[0]}", f"invalid fixmedins_code: {problem[1]}")
    return value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


FixmedinsCode = Annotated[str, BeforeValidator(_upper), AfterValidator(_fixmedins_code)]
# 连锁医药机构编码: the seed gives no format; letters and digits, upper case (an assumption, to confirm).
ChainCode = Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[0-9A-Z]{4,30}$")]
# A proportion (自付比例, 清算保证金预留比例) from 0 to 1, at most four decimals; written "0.10" in the registry.
Ratio = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
Period = Annotated[str, Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")]  # 执行期号 YYYYMM


def ratio_text(value: Any) -> str:
    """A proportion as the registry writes it: "0.10", "0.05", "0.125" (two decimals at least)."""
    amount = Decimal(str(value))
    rounded = amount.quantize(_CENT)
    return f"{rounded if rounded == amount else amount.normalize():f}"


def period_of(day: date) -> str:
    """The 期号 (YYYYMM) a date falls in."""
    return f"{day:%Y%m}"


def fen_of(yuan: Any) -> int:
    """Yuan (a Decimal string in case data) to integer fen, half up, as registries and events keep money."""
    return int((Decimal(str(yuan)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def refuse(code: str, zh: str, en: str, field: str) -> Conflict:
    """A registry invariant the requested change would break (409)."""
    return Conflict(code, zh, en, field)


# ---- arguments of the operations -------------------------------------------------------------------------------


class Bank(BaseModel):
    """资金结算账户: 开户名称、银行账号、开户银行、开户银行行号、开户银行总行行号 (names as the payments hand-over uses)."""

    acct_name: str = Field(min_length=1, max_length=200, description="开户名称")
    bank_acct: str = Field(pattern=r"^\d{6,40}$", description="银行账号")
    bank_name: str | None = Field(default=None, max_length=200, description="开户银行")
    bank_code: str | None = Field(default=None, pattern=r"^\d{12}$", description="开户银行行号（12位）")
    bank_hq_code: str | None = Field(default=None, pattern=r"^\d{12}$", description="开户银行总行行号（12位）")


class Admission(BaseModel):
    """新增定点医药机构 (P065 / P066): everything the entry starts with."""

    fixmedins_code: FixmedinsCode
    fixmedins_name: str = Field(min_length=1, max_length=200)
    fixmedins_type: FixmedinsType
    hosp_lv: HospLv | None = None
    admdvs: Admdvs
    uscc: Uscc
    begndate: date = Field(description="定点开始日期：开通的医保支付类别及首个参数版本自此执行")
    svc_types: list[SvcType] = Field(min_length=1, description="开通的医保支付类别")
    bank: Bank
    dpst_prop: Ratio = Field(description="清算保证金预留比例")
    dedc_std: int | None = Field(default=None, ge=0, description="起付线（分）")
    selfpay_prop: Ratio | None = Field(default=None, description="自付比例")
    info: dict[str, Any] = Field(default_factory=dict)


class InfoChange(BaseModel):
    """基本信息修改 (变更登记表): the items that change; the others stay."""

    fixmedins_name: str | None = Field(default=None, min_length=1, max_length=200)
    hosp_lv: HospLv | None = None
    legrep_name: str | None = Field(default=None, min_length=1, max_length=50)
    prac_scp: str | None = Field(default=None, min_length=1, max_length=500)
    bed_cnt: int | None = Field(default=None, ge=0)
    addr: str | None = Field(default=None, min_length=1, max_length=200)
    biz_scp: str | None = Field(default=None, min_length=1, max_length=500)
    memo: str | None = Field(default=None, min_length=1, max_length=500)


class ServiceChange(BaseModel):
    """医保支付类别的暂停或开通, from 执行时间."""

    svc_types: list[SvcType] = Field(min_length=1)
    exe_time: date


class StatusToggle(BaseModel):
    """医药服务开通/暂停 (国家平台): the whole institution, from 执行时间."""

    toggle: Literal["open", "pause"]
    exe_time: date


class ParameterChange(BaseModel):
    """A new parameter version from 执行日期: 起付线（分）、自付比例 and/or 清算保证金预留比例 with its 执行期号."""

    exe_date: date
    dedc_std: int | None = Field(default=None, ge=0)
    selfpay_prop: Ratio | None = None
    dpst_prop: Ratio | None = None
    exe_prd: Period | None = None

    @model_validator(mode="after")
    def _something_and_whole(self) -> ParameterChange:
        if (self.dpst_prop is None) != (self.exe_prd is None):
            raise bilingual("清算保证金预留比例与执行期号须同时录入", "dpst_prop and exe_prd go together")
        if self.dedc_std is None and self.selfpay_prop is None and self.dpst_prop is None:
            raise bilingual("参数变更至少需要一项参数", "a parameter change needs at least one parameter")
        return self


class BankChange(Bank):
    """银行账户变更 (资金结算账户信息变动表)."""

    chg_rea: str = Field(min_length=1, max_length=500, description="变更理由")


class Designation(BaseModel):
    """A designation (P067-P071) from its start date, with what else the process records about it."""

    kind: DesignationKind
    begndate: date
    detail: dict[str, Any] = Field(default_factory=dict)


class PharmacyLink(BaseModel):
    """特药医保药店: the pharmacy linked to a 特药指定医院 that opened 特药药店联网 (P069)."""

    hospital_code: FixmedinsCode
    begndate: date


class ChainMembership(BaseModel):
    """The 一级医药集团 an institution joins or leaves (P081)."""

    chain_group: ChainCode


class ChainGroupInfo(BaseModel):
    """新增一级医药集团: 连锁医药机构编码和名称及相关机构信息."""

    chain_code: ChainCode
    chain_name: str = Field(min_length=1, max_length=200)
    admdvs: Admdvs
    uscc: Uscc | None = None
    legrep_name: str | None = Field(default=None, max_length=50)
    addr: str | None = Field(default=None, max_length=200)
    crte_date: date


class Member(BaseModel):
    """二级医药机构绑定 or 解绑, on the 经办 date."""

    fixmedins_code: FixmedinsCode
    fixmedins_name: str | None = Field(default=None, max_length=200)
    on: date


# ---- reading the state -------------------------------------------------------------------------------------------


def fixmedins_code_of(data: Mapping[str, Any], field: str = "fixmedins_code") -> str | None:
    """The 定点医药机构编号 a case names under `field`, upper case, or None when it names none."""
    value = data.get(field)
    return str(value).strip().upper() if value else None


INSTITUTION = Lookup("institution", INSTITUTION_REGISTRY, key=fixmedins_code_of)


def parameters_on(state: Mapping[str, Any], on: date) -> dict[str, Any] | None:
    """The parameter version in force on `on` (the latest whose 执行日期 is not after it), or None before the first."""
    versions = [v for v in state.get("parameters", []) if str(v["exe_date"]) <= on.isoformat()]
    return dict(versions[-1]) if versions else None


def deposit_ratio_for(state: Mapping[str, Any], period: str) -> str | None:
    """The 清算保证金预留比例 in force for 期号 `period` (YYYYMM): that of the latest version whose 执行期号 is not after it."""
    versions = [v for v in state.get("parameters", []) if v.get("exe_prd") and str(v["exe_prd"]) <= period]
    return str(versions[-1]["dpst_prop"]) if versions else None


def service_open_on(state: Mapping[str, Any], svc_type: str, on: date) -> bool:
    """Whether a 医保支付类别 is open at the institution on `on`.

    A category opens or pauses from its 执行时间: one paused from a later date is still open before it (it was open,
    or it could not be paused), and one opened from a later date is not yet open.
    """
    svc = state.get("services", {}).get(svc_type)
    if svc is None:
        return False
    from_then = str(svc["exe_time"]) <= on.isoformat()
    return from_then if svc["open"] else not from_then


def active_on(state: Mapping[str, Any], on: date) -> bool:
    """Whether the institution's 医药服务 are open on `on` (a pause or reopening counts from its 执行时间)."""
    if not state.get("fixmedins_code"):
        return False
    since = str(state.get("status_time") or "")
    from_then = not since or since <= on.isoformat()
    return from_then if state.get("status") == ACTIVE else not from_then


def designated_on(state: Mapping[str, Any], kind: str, on: date) -> bool:
    """Whether the institution holds designation `kind` on `on` (from its start date)."""
    held = state.get("designations", {}).get(kind)
    return held is not None and str(held["begndate"]) <= on.isoformat()


# ---- checks a stage runs on a looked-up institution ------------------------------------------------------------------


def institution_of(
    step: Mapping[str, Any], *, kind: str | None = None, fact: str = "institution", field: str = "fixmedins_code"
) -> dict[str, Any]:
    """The institution a stage looked up (Lookup `fact`), which must exist and, when `kind` is given, be of that type."""
    found = step.get(fact)
    if not found:
        raise NotFound(
            "INSTITUTION_NOT_FOUND",
            "没有该编号的定点医药机构（须先办理新增定点医疗机构或零售药店）",
            "no designated institution with this code (admit it first: P065 / P066)",
            field,
        )
    inst: dict[str, Any] = dict(found)
    if kind is not None and inst["fixmedins_type"] != kind:
        raise refuse(
            "WRONG_INSTITUTION_TYPE",
            f"{inst['fixmedins_code']} 是{FIXMEDINS_TYPE_ZH[inst['fixmedins_type']]}，本业务只办理{FIXMEDINS_TYPE_ZH[kind]}",
            f"{inst['fixmedins_code']} is not a {'hospital' if kind == HOSPITAL else 'pharmacy'}",
            field,
        )
    return inst


def check_active(inst: Mapping[str, Any], field: str = "fixmedins_code") -> None:
    """Refuse an institution whose 医药服务 are paused."""
    if inst.get("status") != ACTIVE:
        raise refuse(
            "INSTITUTION_PAUSED",
            f"定点医药机构 {inst['fixmedins_code']} 医药服务已暂停，须先开通",
            f"institution {inst['fixmedins_code']} is paused; open it first",
            field,
        )


def check_designable(inst: Mapping[str, Any], kind: str, field: str = "fixmedins_code") -> None:
    """A designation needs an active institution of the right type that does not hold it yet."""
    check_active(inst, field)
    if kind in HOSPITAL_ONLY and inst["fixmedins_type"] != HOSPITAL:
        raise refuse(
            "HOSPITAL_ONLY_DESIGNATION",
            f"{DESIGNATION_ZH[kind]}只能是定点医疗机构，{inst['fixmedins_code']} 是定点零售药店",
            f"{kind} is for hospitals; {inst['fixmedins_code']} is a pharmacy",
            field,
        )
    if kind in inst.get("designations", {}):
        begndate = inst["designations"][kind]["begndate"]
        raise refuse(
            "ALREADY_DESIGNATED",
            f"{inst['fixmedins_code']} 已是{DESIGNATION_ZH[kind]}（自 {begndate} 起）",
            f"{inst['fixmedins_code']} already holds {kind} (from {begndate})",
            field,
        )


def designable(kind: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], None]:
    """A stage check: the looked-up institution exists, is of the type the designation needs, active, not yet holding it."""

    def check(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        check_designable(institution_of(step, kind=HOSPITAL if kind in HOSPITAL_ONLY else None), kind)

    return check


def about(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """A stage's derived facts: the case belongs to the looked-up institution's 医保区划 and names it as registered."""
    inst = step["institution"]
    return {"admdvs": inst["admdvs"], "fixmedins_name": inst["fixmedins_name"]}


# ---- the institution's operations ------------------------------------------------------------------------------------


def _require(state: Mapping[str, Any]) -> None:
    if not state.get("fixmedins_code"):
        raise NotFound(
            "INSTITUTION_NOT_FOUND",
            "没有该编号的定点医药机构（须先办理新增定点医疗机构或零售药店）",
            "no designated institution with this code (admit it first: P065 / P066)",
            "fixmedins_code",
        )


def _check_svc_types(kind: str, svc_types: list[str], field: str = "svc_types") -> None:
    wrong = [t for t in svc_types if (t in PHARMACY_SVC_TYPES) != (kind == PHARMACY)]
    if wrong:
        names = "、".join(SVC_TYPE_ZH[t] for t in wrong)
        raise refuse(
            "SERVICE_NOT_FOR_TYPE",
            f"{FIXMEDINS_TYPE_ZH[kind]}不能开通医保支付类别：{names}",
            f"a {'hospital' if kind == HOSPITAL else 'pharmacy'} cannot have the categories {', '.join(wrong)}",
            field,
        )
    if len(set(svc_types)) != len(svc_types):
        raise refuse("SERVICE_LISTED_TWICE", "医保支付类别重复勾选", "a category is ticked twice", field)


def _admit(state: dict[str, Any], args: dict[str, Any]) -> None:
    code, kind = args["fixmedins_code"], args["fixmedins_type"]
    if state.get("fixmedins_code"):
        raise refuse(
            "INSTITUTION_EXISTS",
            f"定点医药机构 {code} 已新增，不能重复新增",
            f"institution {code} is already admitted",
            "fixmedins_code",
        )
    if code[0] != PREFIX[kind]:
        raise refuse(
            "CODE_TYPE_MISMATCH",
            f"{FIXMEDINS_TYPE_ZH[kind]}的编号应以{PREFIX[kind]}开头",
            f"a {'hospital' if kind == HOSPITAL else 'pharmacy'} code starts with {PREFIX[kind]}",
            "fixmedins_code",
        )
    if code[1:7] != args["admdvs"]:
        raise refuse(
            "CODE_ADMDVS_MISMATCH",
            f"定点医药机构编号中的医保区划（{code[1:7]}）与机构所属医保区划（{args['admdvs']}）不一致",
            f"the admdvs inside the code ({code[1:7]}) is not the institution's ({args['admdvs']})",
            "fixmedins_code",
        )
    if (kind == HOSPITAL) != (args.get("hosp_lv") is not None):
        raise refuse(
            "HOSP_LV_FOR_HOSPITALS",
            "医疗机构级别须填写，且只有定点医疗机构填写",
            "hosp_lv is required for a hospital and only for one",
            "hosp_lv",
        )
    if kind == PHARMACY and ("dedc_std" in args or "selfpay_prop" in args):
        raise refuse(
            "PHARMACY_HAS_NO_DEDUCTIBLE",
            "定点零售药店没有起付线、自付比例参数",
            "a pharmacy has no deductible or copay parameters",
            "dedc_std",
        )
    _check_svc_types(kind, args["svc_types"])
    if MAJOR_DISEASE_INPATIENT in args["svc_types"]:
        raise _major_disease_only()
    begndate = str(args["begndate"])
    state.update(
        fixmedins_code=code,
        fixmedins_name=args["fixmedins_name"],
        fixmedins_type=kind,
        hosp_lv=args.get("hosp_lv"),
        admdvs=args["admdvs"],
        uscc=args["uscc"],
        status=ACTIVE,
        status_time=begndate,
        services={t: {"open": True, "exe_time": begndate} for t in args["svc_types"]},
        designations={},
        parameters=[
            {
                "exe_date": begndate,
                "dedc_std": args.get("dedc_std"),
                "selfpay_prop": ratio_text(args["selfpay_prop"]) if "selfpay_prop" in args else None,
                "dpst_prop": ratio_text(args["dpst_prop"]),
                "exe_prd": period_of(date.fromisoformat(begndate)),
            }
        ],
        bank=args["bank"],
        chain_group=None,
        info=args.get("info", {}),
    )


HOSPITAL_ONLY_INFO = ("hosp_lv", "prac_scp", "bed_cnt")
PHARMACY_ONLY_INFO = ("biz_scp",)
TOP_LEVEL_INFO = ("fixmedins_name", "hosp_lv")


def _change_info(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require(state)
    kind = state["fixmedins_type"]
    other_kind_only = PHARMACY_ONLY_INFO if kind == HOSPITAL else HOSPITAL_ONLY_INFO
    if wrong := [k for k in other_kind_only if k in args]:
        raise refuse(
            "INFO_NOT_FOR_TYPE",
            f"{FIXMEDINS_TYPE_ZH[kind]}没有该项信息：{wrong[0]}",
            f"a {'hospital' if kind == HOSPITAL else 'pharmacy'} has no {wrong[0]}",
            wrong[0],
        )
    info = dict(state.get("info", {}))
    current = {**info, **{k: state.get(k) for k in TOP_LEVEL_INFO}}
    changes = {k: v for k, v in args.items() if current.get(k) != v}
    if not changes:
        first = next(iter(args), "fixmedins_code")
        raise refuse("NOTHING_CHANGES", "变更后的信息与现有信息相同", "nothing changes", first)
    for key, value in changes.items():
        if key in TOP_LEVEL_INFO:
            state[key] = value
        else:
            info[key] = value
    state["info"] = info


def _major_disease_only() -> Conflict:
    return refuse(
        "MAJOR_DISEASE_SERVICE",
        "重大疾病住院须经“新增城乡居民重大疾病定点救治医院”开通",
        "重大疾病住院 opens only with the major-disease designation (P068)",
        "svc_types",
    )


def _pause_services(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require(state)
    _check_svc_types(state["fixmedins_type"], args["svc_types"])
    services = state["services"]
    for svc in args["svc_types"]:
        held = services.get(svc)
        if held is None:
            raise refuse(
                "SERVICE_NOT_OPEN",
                f"医保支付类别“{SVC_TYPE_ZH[svc]}”未开通，不能暂停",
                f"category {svc} was never opened",
                "svc_types",
            )
        if not held["open"]:
            raise refuse(
                "SERVICE_ALREADY_PAUSED",
                f"医保支付类别“{SVC_TYPE_ZH[svc]}”已于 {held['exe_time']} 暂停，不能重复暂停",
                f"category {svc} is already paused (from {held['exe_time']})",
                "svc_types",
            )
        services[svc] = {"open": False, "exe_time": str(args["exe_time"])}


def _open_services(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require(state)
    check_active(state)
    _check_svc_types(state["fixmedins_type"], args["svc_types"])
    services = state["services"]
    for svc in args["svc_types"]:
        if svc == MAJOR_DISEASE_INPATIENT and MAJOR_DISEASE not in state["designations"]:
            raise _major_disease_only()
        held = services.get(svc)
        if held is not None and held["open"]:
            raise refuse(
                "SERVICE_ALREADY_OPEN",
                f"医保支付类别“{SVC_TYPE_ZH[svc]}”已开通（自 {held['exe_time']} 起）",
                f"category {svc} is already open (from {held['exe_time']})",
                "svc_types",
            )
        services[svc] = {"open": True, "exe_time": str(args["exe_time"])}


def _toggle(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require(state)
    wanted = ACTIVE if args["toggle"] == "open" else PAUSED
    if state["status"] == wanted:
        zh = "已开通，不能重复开通" if wanted == ACTIVE else "已暂停，不能重复暂停"
        raise refuse(
            "INSTITUTION_ALREADY_ACTIVE" if wanted == ACTIVE else "INSTITUTION_ALREADY_PAUSED",
            f"定点医药机构 {state['fixmedins_code']} 医药服务{zh}（自 {state['status_time']} 起）",
            f"institution {state['fixmedins_code']} is already {wanted} (from {state['status_time']})",
            "toggle",
        )
    state.update(status=wanted, status_time=str(args["exe_time"]))


def _add_parameters(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require(state)
    if state["fixmedins_type"] == PHARMACY and ("dedc_std" in args or "selfpay_prop" in args):
        raise refuse(
            "PHARMACY_HAS_NO_DEDUCTIBLE",
            "定点零售药店没有起付线、自付比例参数",
            "a pharmacy has no deductible or copay parameters",
            "dedc_std",
        )
    versions: list[dict[str, Any]] = state["parameters"]
    latest = versions[-1] if versions else {}
    exe_date = str(args["exe_date"])
    if "exe_prd" in args and latest.get("exe_prd") and str(args["exe_prd"]) < str(latest["exe_prd"]):
        raise refuse(
            "EXE_PRD_BEFORE_LATEST",
            f"执行期号 {args['exe_prd']} 早于现行清算保证金预留比例的执行期号 {latest['exe_prd']}",
            f"exe_prd {args['exe_prd']} precedes the latest version's ({latest['exe_prd']})",
            "exe_prd",
        )
    if latest and exe_date < str(latest["exe_date"]):
        raise refuse(
            "EXE_DATE_BEFORE_LATEST",
            f"执行日期 {exe_date} 早于现行参数的执行日期 {latest['exe_date']}",
            f"exe_date {exe_date} precedes the latest version's ({latest['exe_date']})",
            "exe_date",
        )
    given = {
        "dedc_std": args.get("dedc_std"),
        "selfpay_prop": ratio_text(args["selfpay_prop"]) if "selfpay_prop" in args else None,
        "dpst_prop": ratio_text(args["dpst_prop"]) if "dpst_prop" in args else None,
        "exe_prd": args.get("exe_prd"),
    }
    given = {k: v for k, v in given.items() if v is not None}
    if all(latest.get(k) == v for k, v in given.items() if k != "exe_prd"):
        raise refuse("NOTHING_CHANGES", "参数与现行参数相同", "the parameters equal those in force", next(iter(given)))
    carried = {k: latest.get(k) for k in ("dedc_std", "selfpay_prop", "dpst_prop", "exe_prd")}
    versions.append({"exe_date": exe_date, **carried, **given})


def _change_bank(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require(state)
    bank = {k: v for k, v in args.items() if k != "chg_rea"}
    if bank == state.get("bank"):
        raise refuse(
            "NOTHING_CHANGES", "变更后的结算账户与现有账户相同", "the new account equals the current one", "bank_acct"
        )
    state["bank"] = bank


def _designate(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require(state)
    kind = args["kind"]
    check_designable(state, kind)
    state["designations"][kind] = {"begndate": str(args["begndate"]), **args.get("detail", {})}


def _link_rx_pharmacy(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require(state)
    check_active(state, "rx_pharmacy_code")
    if state["fixmedins_type"] != PHARMACY:
        raise refuse(
            "NOT_A_PHARMACY",
            f"{state['fixmedins_code']} 不是定点零售药店，不能作为特药医保药店",
            f"{state['fixmedins_code']} is not a pharmacy",
            "rx_pharmacy_code",
        )
    held = state["designations"].get(SPECIAL_DRUG) or {"begndate": str(args["begndate"]), "linked_hospitals": []}
    if args["hospital_code"] in held["linked_hospitals"]:
        raise refuse(
            "ALREADY_LINKED",
            f"特药医保药店 {state['fixmedins_code']} 已与 {args['hospital_code']} 联网",
            f"pharmacy {state['fixmedins_code']} is already linked to {args['hospital_code']}",
            "rx_pharmacy_code",
        )
    state["designations"][SPECIAL_DRUG] = {
        **held,
        "linked_hospitals": [*held["linked_hospitals"], args["hospital_code"]],
    }


def _join_chain(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require(state)
    held = state.get("chain_group")
    if held == args["chain_group"]:
        raise refuse(
            "ALREADY_MEMBER",
            f"{state['fixmedins_code']} 已绑定在医药集团 {held} 下",
            f"{state['fixmedins_code']} is already bound to {held}",
            "fixmedins_code",
        )
    if held is not None:
        raise refuse(
            "BOUND_TO_ANOTHER_GROUP",
            f"{state['fixmedins_code']} 已绑定在医药集团 {held} 下，须先解绑",
            f"{state['fixmedins_code']} is bound to group {held}; unbind it first",
            "fixmedins_code",
        )
    state["chain_group"] = args["chain_group"]


def _leave_chain(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require(state)
    if state.get("chain_group") != args["chain_group"]:
        raise refuse(
            "NOT_A_MEMBER",
            f"{state['fixmedins_code']} 未绑定在医药集团 {args['chain_group']} 下",
            f"{state['fixmedins_code']} is not bound to {args['chain_group']}",
            "fixmedins_code",
        )
    state["chain_group"] = None


INSTITUTIONS = Registry(
    INSTITUTION_REGISTRY,
    "定点医药机构",
    {
        "admit": Op("新增定点医药机构", "InstitutionAdmitted", Admission, _admit),
        "change_info": Op("定点医药机构基本信息修改", "InstitutionInfoChanged", InfoChange, _change_info, True),
        "pause_services": Op("定点医疗服务机构服务停止", "ServicesSuspended", ServiceChange, _pause_services, True),
        "open_services": Op("定点医疗服务机构服务开通", "ServicesOpened", ServiceChange, _open_services, True),
        "toggle": Op("医药服务开通/暂停", "InstitutionServiceToggled", StatusToggle, _toggle, True),
        "add_parameters": Op(
            "定点医疗服务机构参数变更", "InstitutionParameterChanged", ParameterChange, _add_parameters, True
        ),
        "change_bank": Op("银行账户变更", "InstitutionBankAccountChanged", BankChange, _change_bank, True),
        "designate": Op("定点医药机构指定", "InstitutionDesignated", Designation, _designate, True),
        "link_rx_pharmacy": Op("特药医保药店联网", "RxPharmacyLinked", PharmacyLink, _link_rx_pharmacy, True),
        "join_chain": Op("绑定到一级医药集团", "ChainJoined", ChainMembership, _join_chain, True),
        "leave_chain": Op("从一级医药集团解绑", "ChainLeft", ChainMembership, _leave_chain, True),
    },
    frozenset({"admit"}),
)


# ---- the chain group's operations ------------------------------------------------------------------------------------


def _require_group(state: Mapping[str, Any]) -> None:
    if not state.get("chain_code"):
        raise NotFound(
            "CHAIN_GROUP_NOT_FOUND",
            "没有该编码的一级医药集团（须先办理医药集团机构新增）",
            "no chain group with this code (create it first)",
            "chain_code",
        )


def _create_group(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("chain_code"):
        raise refuse(
            "CHAIN_GROUP_EXISTS",
            f"一级医药集团 {args['chain_code']} 已存在",
            f"chain group {args['chain_code']} already exists",
            "chain_code",
        )
    state.update(args, crte_date=str(args["crte_date"]), members={})


def _bind(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require_group(state)
    code = args["fixmedins_code"]
    if code in state["members"]:
        raise refuse(
            "ALREADY_MEMBER",
            f"{code} 已绑定在医药集团 {state['chain_code']} 下",
            f"{code} is already a member of {state['chain_code']}",
            "fixmedins_code",
        )
    state["members"][code] = {"fixmedins_name": args.get("fixmedins_name"), "bind_date": str(args["on"])}


def _unbind(state: dict[str, Any], args: dict[str, Any]) -> None:
    _require_group(state)
    code = args["fixmedins_code"]
    if code not in state["members"]:
        raise refuse(
            "NOT_A_MEMBER",
            f"{code} 未绑定在医药集团 {state['chain_code']} 下",
            f"{code} is not a member of {state['chain_code']}",
            "fixmedins_code",
        )
    del state["members"][code]


CHAIN_GROUPS = Registry(
    CHAIN_GROUP_REGISTRY,
    "医药集团（连锁）",
    {
        "create": Op("新增一级医药集团", "ChainGroupCreated", ChainGroupInfo, _create_group),
        "bind": Op("二级医药机构绑定", "ChainMemberBound", Member, _bind, True),
        "unbind": Op("二级医药机构解绑", "ChainMemberUnbound", Member, _unbind, True),
    },
    frozenset({"create"}),
)


def simulate(
    reg: Registry, looked_up: Mapping[str, Any], op: str, args: Mapping[str, Any], fields: Mapping[str, str]
) -> dict[str, Any]:
    """Run operation `op` on a copy of a looked-up entry: a stage refuses early with the very error completion would
    give, naming the case's own field (`fields` maps the operation's field names to the stage's). Returns the copy."""
    state = copy.deepcopy(dict(looked_up))
    spec = reg.ops[op]
    try:
        spec.change(state, validate_input(spec.args, args))
    except YbjError as err:
        raise dataclasses.replace(err, field=fields.get(err.field or "", err.field)) from None
    return state


CHAIN_GROUP = Lookup("chain_group", CHAIN_GROUP_REGISTRY, key=lambda data: fixmedins_code_of(data, "chain_code"))
REGISTRIES = (INSTITUTIONS, CHAIN_GROUPS)
