"""P063 定点医疗机构参数维护: five kinds of upkeep of an admitted hospital's record, each a variant.

- 基本信息修改 on the 国家医疗保障信息平台 (业务属性维护经办 → 业务属性维护审核, single or batch) or on the 贵州省医疗保障
  信息系统 (基本信息修改 → 服务机构相关信息审核, 审核类型 服务机构基本信息审核), from the 《变更登记表》;
- 定点医疗服务机构参数 on the provincial system: 服务停止 (the ticked 医保支付类别 pause from 执行时间) → 服务开通 →
  清算保证金预留比例修改 (with 执行期号) → 起付线、自付比例修改 (with 执行日期) → 服务机构相关信息审核. The catalogue
  walks every screen in turn; a screen with nothing ticked or entered changes nothing, but the case must change
  something. Each parameter change appends a version with its date (the reimbursement calculation takes the one in
  force on the visit date: rule `institution_parameters`);
- 医药服务开通/暂停 on the national platform (the whole institution, from 执行时间), single or batch review;
- 银行账户变更 from the 《资金结算账户信息变动表》 (printed: `bank-account-change`), single or batch review.

Each first stage looks the institution up (it must be an admitted 定点医疗机构) and checks the change against it with
the registry's own operation, so a clerk hears at once what completion would refuse; the registry checks again when
the case completes. 「以上所有操作均支持反向逐级回退」: every stage can be stepped back, one at a time, to the first;
stepping back a completed case reverts its change to the institution (and a later case must be stepped back first).

P064 (pharmacies) is the same flow without 起付线、自付比例; `upkeep_process` builds both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ybj_kernel.domain.process import Check, Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Money, bilingual
from ybj_kernel.errors import InvalidInput
from ybj_treatment.documents.institutions import bank_change_form, change_registration_form
from ybj_treatment.registries.institutions import (
    EXAMPLE_HOSPITAL,
    HOSP_LV_ZH,
    HOSPITAL,
    INSTITUTION,
    INSTITUTION_REGISTRY,
    INSTITUTIONS,
    FixmedinsCode,
    HospLv,
    Period,
    Ratio,
    SvcType,
    about,
    fen_of,
    institution_of,
    simulate,
)

NATIONAL_BASIC, PROVINCIAL_BASIC, PARAMETERS, SERVICE_TOGGLE, BANK_ACCOUNT = (
    "national_basic_info",
    "provincial_basic_info",
    "parameters",
    "service_toggle",
    "bank_account",
)
VARIANTS = (
    Variant(NATIONAL_BASIC, "定点医疗服务机构基本信息修改（国家医疗保障信息平台）"),
    Variant(PROVINCIAL_BASIC, "定点医疗服务机构基本信息修改（贵州省医疗保障信息系统）"),
    Variant(PARAMETERS, "定点医疗服务机构参数（贵州省医疗保障信息系统）"),
    Variant(SERVICE_TOGGLE, "医药服务开通/暂停（国家医疗保障信息平台）"),
    Variant(BANK_ACCOUNT, "银行账户变更"),
)
BASIC_INFO_REVIEW_TYPE = "服务机构基本信息审核"  # 「审核类型选择服务机构基本信息审核」

# ---- inputs ---------------------------------------------------------------------------------------------------------


class ChangeApplication(BaseModel):
    """《变更登记表》的表头: which institution, who applies, and when the change takes effect."""

    fixmedins_code: FixmedinsCode = Field(description="定点医药机构编号")
    aply_name: str = Field(min_length=1, max_length=50, description="申请人姓名")
    tel: str = Field(pattern=r"^[\d\-+]{5,20}$", description="联系电话")
    chg_time: date = Field(description="变更时间")


class HospitalInfoChange(ChangeApplication):
    """《贵州省基本医疗保险定点医疗机构变更登记表》: 机构名称、法人代表、机构级别、执业范围、注册床位数、其他 (变更后)."""

    new_fixmedins_name: str | None = Field(default=None, min_length=1, max_length=200, description="机构名称（变更后）")
    new_legrep_name: str | None = Field(default=None, min_length=1, max_length=50, description="法人代表（变更后）")
    new_hosp_lv: HospLv | None = Field(
        default=None, description="机构级别（变更后） (01 三级, 02 二级, 03 一级, 09 未定级)"
    )
    new_prac_scp: str | None = Field(default=None, min_length=1, max_length=500, description="执业范围（变更后）")
    new_bed_cnt: int | None = Field(default=None, ge=0, description="注册床位数（变更后）")
    chg_memo: str | None = Field(default=None, min_length=1, max_length=500, description="其他变更内容")

    @model_validator(mode="after")
    def _something_changes(self) -> HospitalInfoChange:
        _at_least_one(self)
        return self


class PharmacyInfoChange(ChangeApplication):
    """《贵州省基本医疗保险定点零售药店变更登记表》: 名称、法人代表、地址、经营范围、其他 (变更后)."""

    new_fixmedins_name: str | None = Field(default=None, min_length=1, max_length=200, description="名称（变更后）")
    new_legrep_name: str | None = Field(default=None, min_length=1, max_length=50, description="法人代表（变更后）")
    new_addr: str | None = Field(default=None, min_length=1, max_length=200, description="地址（变更后）")
    new_biz_scp: str | None = Field(default=None, min_length=1, max_length=500, description="经营范围（变更后）")
    chg_memo: str | None = Field(default=None, min_length=1, max_length=500, description="其他变更内容")

    @model_validator(mode="after")
    def _something_changes(self) -> PharmacyInfoChange:
        _at_least_one(self)
        return self


def _at_least_one(model: ChangeApplication) -> None:
    if not any(getattr(model, name) is not None for name in INFO_FIELDS if name in type(model).model_fields):
        raise bilingual("变更登记至少需要一项变更内容", "a change registration must change at least one item")


# The form's items → the registry's InfoChange arguments, with the 变更登记表's Chinese names.
INFO_FIELDS = {
    "new_fixmedins_name": ("fixmedins_name", "机构名称"),
    "new_legrep_name": ("legrep_name", "法人代表"),
    "new_hosp_lv": ("hosp_lv", "机构级别"),
    "new_prac_scp": ("prac_scp", "执业范围"),
    "new_bed_cnt": ("bed_cnt", "注册床位数"),
    "new_addr": ("addr", "地址"),
    "new_biz_scp": ("biz_scp", "经营范围"),
    "chg_memo": ("memo", "其他"),
}


class ReviewOpinion(BaseModel):
    """服务机构相关信息审核: 填写审批意见 (审核标志 通过 is the approval, 不通过 the rejection)."""

    aprv_opnn: str | None = Field(default=None, max_length=500, description="审批意见")


class ServiceStop(BaseModel):
    """定点医疗服务机构服务停止: 勾选暂停的医保支付类别，录入执行时间 (none ticked: nothing pauses)."""

    fixmedins_code: FixmedinsCode = Field(description="定点医药机构编号")
    paus_svc_types: list[SvcType] = Field(default_factory=list, description="暂停的医保支付类别")
    paus_exe_time: date | None = Field(default=None, description="暂停执行时间")

    @model_validator(mode="after")
    def _time_with_categories(self) -> ServiceStop:
        if bool(self.paus_svc_types) != (self.paus_exe_time is not None):
            raise bilingual(
                "勾选暂停的医保支付类别时须录入执行时间，反之亦然", "paus_svc_types and paus_exe_time go together"
            )
        return self


class ServiceOpen(BaseModel):
    """定点医疗服务机构服务开通: 录入执行时间，勾选开通的医保支付类别 (none ticked: nothing opens)."""

    open_svc_types: list[SvcType] = Field(default_factory=list, description="开通的医保支付类别")
    open_exe_time: date | None = Field(default=None, description="开通执行时间")

    @model_validator(mode="after")
    def _time_with_categories(self) -> ServiceOpen:
        if bool(self.open_svc_types) != (self.open_exe_time is not None):
            raise bilingual(
                "勾选开通的医保支付类别时须录入执行时间，反之亦然", "open_svc_types and open_exe_time go together"
            )
        return self


class DepositRatioChange(BaseModel):
    """清算保证金预留比例修改: 录入执行期号等信息 (left empty: the ratio stays)."""

    dpst_prop: Ratio | None = Field(default=None, description="清算保证金预留比例")
    exe_prd: Period | None = Field(default=None, description="执行期号 (YYYYMM)")

    @model_validator(mode="after")
    def _both(self) -> DepositRatioChange:
        if (self.dpst_prop is None) != (self.exe_prd is None):
            raise bilingual("清算保证金预留比例与执行期号须同时录入", "dpst_prop and exe_prd go together")
        return self


class DeductibleChange(BaseModel):
    """起付线、自付比例修改: 录入起付线、自付比例、执行日期 (left empty: they stay)."""

    dedc_std: Money | None = Field(default=None, description="起付线（元）")
    selfpay_prop: Ratio | None = Field(default=None, description="自付比例")
    exe_date: date | None = Field(default=None, description="执行日期")

    @model_validator(mode="after")
    def _date_with_values(self) -> DeductibleChange:
        if (self.dedc_std is not None or self.selfpay_prop is not None) != (self.exe_date is not None):
            raise bilingual(
                "录入起付线或自付比例时须录入执行日期，反之亦然", "dedc_std or selfpay_prop go with exe_date"
            )
        return self


class ServiceToggle(BaseModel):
    """医药服务开通/暂停经办: 选择相应的操作选项 开通或者暂停, from 执行时间."""

    fixmedins_code: FixmedinsCode = Field(description="定点医药机构编号")
    toggle: Literal["open", "pause"] = Field(description="操作选项 (open 开通, pause 暂停)")
    exe_time: date = Field(description="执行时间")
    chg_rea: str | None = Field(default=None, max_length=500, description="原因")


class BankAccountChange(BaseModel):
    """银行账户维护经办, from the 《资金结算账户信息变动表》."""

    fixmedins_code: FixmedinsCode = Field(description="定点机构编码")
    chg_rea: str = Field(min_length=1, max_length=500, description="变更理由")
    acct_name: str = Field(min_length=1, max_length=200, description="变更后开户名称")
    bank_acct: str = Field(pattern=r"^\d{6,40}$", description="变更后银行账号")
    bank_name: str = Field(min_length=1, max_length=200, description="变更后开户银行")
    bank_code: str = Field(pattern=r"^\d{12}$", description="开户银行行号（12位）")
    bank_hq_code: str = Field(pattern=r"^\d{12}$", description="开户银行总行行号（12位）")


# ---- checks and derived facts --------------------------------------------------------------------------------------


def info_changes(data: Mapping[str, Any]) -> dict[str, Any]:
    """The registry's InfoChange arguments for the items a 变更登记 changes."""
    return {target: data[name] for name, (target, _) in INFO_FIELDS.items() if data.get(name) is not None}


def _summary(inst: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    """变更内容 as the form prints it: 「机构名称：旧 → 新」, one line per item."""
    current = {**inst.get("info", {}), "fixmedins_name": inst["fixmedins_name"], "hosp_lv": inst.get("hosp_lv")}
    lines = []
    for name, (target, label) in INFO_FIELDS.items():
        if data.get(name) is None:
            continue
        before, after = current.get(target), data[name]
        if target == "hosp_lv":
            before, after = HOSP_LV_ZH.get(str(before), before), HOSP_LV_ZH.get(str(after), after)
        lines.append(f"{label}：{'—' if before is None else before} → {after}")
    return lines


def _found(kind: str) -> Check:
    def check(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        institution_of(step, kind=kind)

    return check


def _info_check(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    simulate(INSTITUTIONS, step["institution"], "change_info", info_changes(step), _INFO_FIELD_NAMES)


_INFO_FIELD_NAMES = {target: name for name, (target, _) in INFO_FIELDS.items()}


def _info_derive(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    return {**about(current, step), "chg_summary": _summary(step["institution"], step)}


def _stop_check(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    if step.get("paus_svc_types"):
        args = {"svc_types": step["paus_svc_types"], "exe_time": step["paus_exe_time"]}
        simulate(INSTITUTIONS, step["institution"], "pause_services", args, {"svc_types": "paus_svc_types"})


def _open_check(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    opened = step.get("open_svc_types") or []
    if both := sorted(set(opened) & set(current.get("paus_svc_types") or [])):
        raise InvalidInput(
            "PAUSED_AND_OPENED",
            f"同一医保支付类别不能在本次既暂停又开通：{'、'.join(both)}",
            f"a category cannot be both paused and opened in one case: {', '.join(both)}",
            "open_svc_types",
        )
    if opened:
        args = {"svc_types": opened, "exe_time": step["open_exe_time"]}
        simulate(INSTITUTIONS, step["institution"], "open_services", args, {"svc_types": "open_svc_types"})


def _deposit_check(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    if step.get("dpst_prop") is not None:
        args = {
            "exe_date": _period_start(str(step["exe_prd"])),
            "dpst_prop": step["dpst_prop"],
            "exe_prd": step["exe_prd"],
        }
        simulate(INSTITUTIONS, step["institution"], "add_parameters", args, {"exe_date": "exe_prd"})


def _deductible_check(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    if step.get("exe_date") is not None:
        args = {k: step[k] for k in ("exe_date", "selfpay_prop") if step.get(k) is not None}
        if step.get("dedc_std") is not None:
            args["dedc_std"] = fen_of(step["dedc_std"])
        simulate(INSTITUTIONS, step["institution"], "add_parameters", args, {})


def something_changes(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The parameter screens walked in turn: at least one of them must change something."""
    data = {**current, **step}
    if not any(data.get(k) for k in ("paus_svc_types", "open_svc_types", "dpst_prop", "dedc_std", "selfpay_prop")):
        raise InvalidInput(
            "NOTHING_CHANGES",
            "本次参数维护没有暂停、开通任何医保支付类别，也没有修改任何参数",
            "this upkeep pauses or opens no category and changes no parameter",
            "dpst_prop",
        )


def _toggle_check(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    simulate(INSTITUTIONS, step["institution"], "toggle", {"toggle": step["toggle"], "exe_time": step["exe_time"]}, {})


BANK_FIELDS = ("acct_name", "bank_acct", "bank_name", "bank_code", "bank_hq_code")


def _bank_check(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    args = {**{k: step[k] for k in BANK_FIELDS}, "chg_rea": step["chg_rea"]}
    simulate(INSTITUTIONS, step["institution"], "change_bank", args, {})


def _bank_derive(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The form's 原开户名称 is the account on record."""
    return {**about(current, step), "orig_acct_name": step["institution"].get("bank", {}).get("acct_name")}


def _period_start(period: str) -> str:
    return f"{period[:4]}-{period[4:]}-01"


# ---- what completing a case does ---------------------------------------------------------------------------------


def parameter_versions(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The parameter versions a case appends, oldest first; a deposit ratio runs from the first day of its 执行期号."""
    versions: dict[str, dict[str, Any]] = {}
    if data.get("dpst_prop") is not None:
        day = _period_start(str(data["exe_prd"]))
        versions.setdefault(day, {"exe_date": day}).update(dpst_prop=data["dpst_prop"], exe_prd=data["exe_prd"])
    if data.get("exe_date") is not None:
        day = str(data["exe_date"])
        version = versions.setdefault(day, {"exe_date": day})
        if data.get("dedc_std") is not None:
            version["dedc_std"] = fen_of(data["dedc_std"])
        if data.get("selfpay_prop") is not None:
            version["selfpay_prop"] = data["selfpay_prop"]
    return [versions[day] for day in sorted(versions)]


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """Each variant's change to the institution's record."""
    code = str(data["fixmedins_code"])

    def on(op: str, args: dict[str, Any]) -> Effect:
        return Effect(INSTITUTION_REGISTRY, code, op, args)

    if variant in (NATIONAL_BASIC, PROVINCIAL_BASIC):
        return [on("change_info", info_changes(data))]
    if variant == SERVICE_TOGGLE:
        return [on("toggle", {"toggle": data["toggle"], "exe_time": data["exe_time"]})]
    if variant == BANK_ACCOUNT:
        return [on("change_bank", {**{k: data[k] for k in BANK_FIELDS}, "chg_rea": data["chg_rea"]})]
    changes = []
    if data.get("paus_svc_types"):
        changes.append(on("pause_services", {"svc_types": data["paus_svc_types"], "exe_time": data["paus_exe_time"]}))
    if data.get("open_svc_types"):
        changes.append(on("open_services", {"svc_types": data["open_svc_types"], "exe_time": data["open_exe_time"]}))
    return changes + [on("add_parameters", version) for version in parameter_versions(data)]


# ---- the definition, for hospitals and for pharmacies --------------------------------------------------------------


def upkeep_process(
    *,
    id: str,
    slug: str,
    name_zh: str,
    kind: str,
    materials: tuple[Material, ...],
    names: Mapping[str, str],
    examples: Mapping[str, Mapping[str, Any]],
) -> ProcessDefinition:
    """P063 (kind "1", hospitals) or P064 (kind "2", pharmacies, who have no 起付线、自付比例 screen)."""
    info_model = HospitalInfoChange if kind == HOSPITAL else PharmacyInfoChange
    hospital = kind == HOSPITAL
    last_param_entry = "deductible_copay_change" if hospital else "deposit_ratio_change"

    def stage(key: str, role: str, event: str, variant: str, **more: Any) -> Stage:
        return Stage(
            key, names[key], (role,), event, variants=frozenset({variant}), example=examples.get(key, {}), **more
        )

    def entry(
        key: str, event: str, variant: str, model: type[BaseModel], checks: tuple[Check, ...], derive: Any
    ) -> Stage:
        return stage(
            key, "registrar", event, variant, input=model, lookups=(INSTITUTION,), checks=checks, derive=derive
        )

    def later(key: str, event: str, model: type[BaseModel], check: Check) -> Stage:
        checks: tuple[Check, ...] = (check, something_changes) if key == last_param_entry else (check,)
        return stage(key, "registrar", event, PARAMETERS, input=model, lookups=(INSTITUTION,), checks=checks)

    def review(
        key: str, variant: str, *, batch: bool = False, derive: Callable[..., dict[str, Any]] | None = None
    ) -> Stage:
        opinion = {} if batch else {"input": ReviewOpinion, "derive": derive}
        return stage(key, "first_reviewer", "ReviewApproved", variant, review=True, batch=batch, **opinion)

    found = _found(kind)
    stages = [
        entry("basic_info_entry", "ChangeSubmitted", NATIONAL_BASIC, info_model, (found, _info_check), _info_derive),
        review("basic_info_review", NATIONAL_BASIC, batch=True),
        entry(
            "basic_info_entry_provincial",
            "ChangeSubmitted",
            PROVINCIAL_BASIC,
            info_model,
            (found, _info_check),
            _info_derive,
        ),
        review(
            "basic_info_review_provincial", PROVINCIAL_BASIC, derive=lambda _c, _s: {"chk_type": BASIC_INFO_REVIEW_TYPE}
        ),
        entry("service_stop", "ServiceSuspended", PARAMETERS, ServiceStop, (found, _stop_check), about),
        later("service_open", "ServiceOpened", ServiceOpen, _open_check),
        later("deposit_ratio_change", "DepositRatioChanged", DepositRatioChange, _deposit_check),
    ]
    if hospital:
        stages.append(
            later("deductible_copay_change", "DeductibleAndCopayChanged", DeductibleChange, _deductible_check)
        )
    stages += [
        review("param_review", PARAMETERS),
        entry(
            "service_toggle_entry",
            "ServiceToggleSubmitted",
            SERVICE_TOGGLE,
            ServiceToggle,
            (found, _toggle_check),
            about,
        ),
        review("service_toggle_review", SERVICE_TOGGLE, batch=True),
        entry(
            "bank_account_entry",
            "BankAccountChangeSubmitted",
            BANK_ACCOUNT,
            BankAccountChange,
            (found, _bank_check),
            _bank_derive,
        ),
        review("bank_account_review", BANK_ACCOUNT, batch=True),
    ]
    return ProcessDefinition(
        id=id,
        slug=slug,
        name_zh=name_zh,
        service="treatment",
        variants=VARIANTS,
        materials=materials,
        stages=tuple(stages),
        effects=effects,
        documents=(change_registration_form(kind), bank_change_form(kind)),
    )


NAMES = {
    "basic_info_entry": "业务属性维护经办（输入定点医疗机构编号，根据变更登记表录入变更信息，提交）",
    "basic_info_review": "业务属性维护审核（单次审核或批量审核）",
    "basic_info_entry_provincial": "定点医疗服务机构基本信息修改",
    "basic_info_review_provincial": "服务机构相关信息审核（审核类型：服务机构基本信息审核）",
    "service_stop": "定点医疗服务机构服务停止（勾选暂停的医保支付类别，录入执行时间）",
    "service_open": "定点医疗服务机构服务开通（录入执行时间，勾选开通的医保支付类别）",
    "deposit_ratio_change": "清算保证金预留比例修改（录入执行期号等信息）",
    "deductible_copay_change": "起付线、自付比例修改（录入起付线、自付比例、执行日期）",
    "param_review": "服务机构相关信息审核（选择对应的审核类型，填写审批意见）",
    "service_toggle_entry": "医药服务开通/暂停经办（选择开通或者暂停，提交）",
    "service_toggle_review": "医药服务开通/暂停审核（单次审核或批量审核）",
    "bank_account_entry": "银行账户维护经办（根据《贵州省基本医疗保险定点医疗机构资金结算账户信息变动表》录入变更信息，保存）",
    "bank_account_review": "银行账户维护审核（单次审核或批量审核）",
}

_APPLICANT = {"fixmedins_code": EXAMPLE_HOSPITAL, "aply_name": "李红", "tel": "0851-85550001", "chg_time": "2026-12-01"}
# Example values (the seed gives no 起付线, 自付比例 or 预留比例): P065's example admitted the hospital with 普通门诊、
# 门诊慢特病、普通住院、生育门诊、生育住院 open, 起付线 800.00 元, 自付比例 0.15 and 预留比例 0.05 from 2026-12-01.
EXAMPLES: dict[str, dict[str, Any]] = {
    "basic_info_entry": {**_APPLICANT, "new_bed_cnt": 1200},
    "basic_info_entry_provincial": {**_APPLICANT, "new_prac_scp": "内科；外科；妇产科；儿科；急诊医学科；康复医学科"},
    "basic_info_review_provincial": {"aprv_opnn": "同意变更"},
    "service_stop": {"fixmedins_code": EXAMPLE_HOSPITAL, "paus_svc_types": ["52"], "paus_exe_time": "2027-01-01"},
    "service_open": {"open_svc_types": ["28"], "open_exe_time": "2027-01-01"},
    "deposit_ratio_change": {"dpst_prop": "0.06", "exe_prd": "202701"},
    "deductible_copay_change": {"dedc_std": "1000.00", "selfpay_prop": "0.20", "exe_date": "2027-01-01"},
    "param_review": {"aprv_opnn": "同意"},
    "service_toggle_entry": {
        "fixmedins_code": EXAMPLE_HOSPITAL,
        "toggle": "pause",
        "exe_time": "2027-01-01",
        "chg_rea": "停业整改",
    },
    "bank_account_entry": {
        "fixmedins_code": EXAMPLE_HOSPITAL,
        "chg_rea": "结算账户开户行变更",
        "acct_name": "贵阳市第一人民医院",
        "bank_acct": "2402000109200012345",
        "bank_name": "中国工商银行贵阳中华北路支行",
        "bank_code": "102701000131",
        "bank_hq_code": "102100099996",
    },
}

P063 = upkeep_process(
    id="P063",
    slug="designated_medical_institution_parameter_maintenance",
    name_zh="定点医疗机构参数维护",
    kind=HOSPITAL,
    materials=(
        Material("《贵州省基本医疗保险定点医疗机构变更登记表》", required=False, condition_zh="基本信息修改"),
        Material(
            "《医疗机构执业许可证》复印件（查验原件）（变更单位名称、法人代表、执业范围、核定床位数等信息的）",
            required=False,
            condition_zh="变更单位名称、法人代表、执业范围、核定床位数等信息",
        ),
        Material("《营业执照》复印件（查验原件）（营利性医疗机构）", required=False, condition_zh="营利性医疗机构"),
        Material("法人代表身份证复印件", required=False, condition_zh="变更名称、法人代表等信息"),
        Material("对应的佐证资料（变更其他基本信息的）", required=False, condition_zh="变更其他基本信息"),
        Material("定点医药机构参数变更申请", required=False, condition_zh="定点医疗服务机构参数"),
        Material("参数变更相关佐证资料（如执业许可证等）", required=False, condition_zh="定点医疗服务机构参数"),
        Material(
            "《贵州省基本医疗保险定点医疗机构资金结算账户信息变动表》", required=False, condition_zh="银行账户变更"
        ),
    ),
    names=NAMES,
    examples=EXAMPLES,
)
