"""P044 异地安置退休人员异地就医备案, and the remote-care filing flow P044-P047 share (`remote_care_filing`).

信息录入 → 信息审核, the review 「单次审核」 or 「批量审核」 (the catalogue's two variants; the review is its batch
stage). The person is looked up by 证件号码 in treatment's `insured` view and must be insured on the 登记生效开始日期,
both when registered and when approved (an insurance ended in between is refused on approval).
The approved filing is put in the `filing` registry under the person's 人员编号: at most one filing in effect per
person, across the four kinds (a second one is refused when it would take effect, naming `certno`).

备案变更 (`amend`) and 取消备案 (`revoke`) are actions of the same case (the catalogue's notes: "引擎中应作为同一流程的变更、
取消动作"; service items 19-30). An amendment before the review changes what the review approves. On the filing in
effect, an amendment changes the registry entry (`amended`) and a revocation takes it out of effect (`revoked`): the
effects the engine applies when the kernel's extra actions carry effects (`EXTRA_EFFECTS`; not yet in the kernel).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import certno_problem
from ybj_kernel.domain.process import (
    COMPLETED,
    Check,
    ExtraAction,
    Lookup,
    Material,
    ProcessDefinition,
    Stage,
    Variant,
)
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.rules import evaluate, refusal
from ybj_kernel.domain.validation import Admdvs, bilingual
from ybj_kernel.errors import Conflict
from ybj_treatment.insured import INSURED, INSURED_FACT, check_insured, psn_no_of
from ybj_treatment.registries.eligibility import FILING_REGISTRY, FilingType
from ybj_treatment.rules.eligibility import REMOTE_PLACE

REVOKED = "revoked"  # 已取消备案
RELOCATED_RETIREE: Literal["异地安置"] = "异地安置"
REVIEW_VARIANTS = (Variant("single", "单次审核"), Variant("batch", "批量审核"))
TEL_PATTERN = r"^[\d\-+]{5,20}$"

# 所需材料 every filing asks for (verbatim from the catalogue); each kind adds its own 认定材料.
IDENTITY = Material(
    "医保电子凭证或有效身份证件或社保卡（有效身份证件包括身份证、居住证、户口簿、护照、港澳居民来往内地通行证、"
    "港澳台居民居住证、外国人永久居留证等）"
)
FILING_FORM = Material("《异地就医登记备案表》")
AGENT = Material(
    "代办人身份证原件和办理人员医保电子凭证或有效身份证件复印件或社保卡复印件（代办）",
    required=False,
    condition_zh="代办",
)


class FilingRegistration(BaseModel):
    """信息录入 common to every filing: who (证件类型 + 证件号码, or the 医保电子凭证), where insured, from when."""

    mdtrt_cert_type: Literal["01", "02", "03"] = Field(
        default="02", description="就医凭证类型 (01 医保电子凭证, 02 身份证, 03 社保卡)"
    )
    psn_cert_type: Literal["01", "02", "03", "04", "05", "06", "07", "08"] = Field(default="01", description="证件类型")
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str | None = Field(default=None, min_length=1, max_length=50, description="姓名（核对）")
    ec_token: str | None = Field(default=None, max_length=200, description="医保电子凭证令牌 ecToken")
    admdvs: Admdvs = Field(description="参保地医保区划")
    begndate: date = Field(description="登记生效开始日期")
    enddate: date | None = Field(default=None, description="登记生效结束日期（可空）")
    tel: str | None = Field(default=None, pattern=TEL_PATTERN, description="联系电话")

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("psn_cert_type", "01") == "01" and (
            problem := certno_problem(value.upper(), today=today_of(info))
        ):
            raise bilingual(f"证件号码无效：{problem[0]}", f"invalid 居民身份证号: {problem[1]}")
        return value.upper()

    @field_validator("enddate")
    @classmethod
    def _after_begin(cls, value: date | None, info: ValidationInfo) -> date | None:
        begin = info.data.get("begndate")
        if value is not None and isinstance(begin, date) and value < begin:
            raise bilingual("登记生效结束日期不能早于开始日期", "enddate cannot be before begndate")
        return value


def check_remote(admdvs: str, place: str, today: date, field: str = "resettle_admdvs") -> None:
    """The 安置地 (就医地) lies outside the insured's 统筹区 (rule `remote_care_place`), refusing `field`."""
    if (error := refusal(evaluate(REMOTE_PLACE, {"admdvs": admdvs, "mdtrtarea_admdvs": place}, today))) is not None:
        raise replace(error, field=field)


class ResettlementFiling(FilingRegistration):
    """P044-P046: the 安置地医保区划 (where the person lives or works) and its address."""

    resettle_admdvs: Admdvs = Field(description="安置地医保区划")
    resettle_addr: str | None = Field(default=None, max_length=200, description="安置地地址")

    @model_validator(mode="after")
    def _elsewhere(self, info: ValidationInfo) -> ResettlementFiling:
        check_remote(self.admdvs, self.resettle_admdvs, today_of(info))
        return self


class RemoteCareFiling(ResettlementFiling):
    """异地安置登记: the insured retiree, where they settled, and from when the filing applies."""

    remote_care_type: Literal["异地安置"] = Field(default=RELOCATED_RETIREE, description="异地就医类别")


class ResettlementChange(BaseModel):
    """备案变更 of P044-P046: the parts of a filing that may change while it is in effect."""

    resettle_admdvs: Admdvs | None = Field(default=None, description="安置地医保区划")
    begndate: date | None = Field(default=None, description="登记生效开始日期")
    enddate: date | None = Field(default=None, description="登记生效结束日期")
    tel: str | None = Field(default=None, pattern=TEL_PATTERN, description="联系电话")
    resettle_addr: str | None = Field(default=None, max_length=200, description="安置地地址")

    @model_validator(mode="after")
    def _something_changes(self) -> ResettlementChange:
        if not self.model_dump(exclude_none=True):
            raise bilingual("备案变更至少需要修改一项信息", "an amendment must change at least one field")
        return self


class FilingCancellation(BaseModel):
    """取消备案: from when the filing no longer applies (today unless a later day is given); the reason is the comment."""

    revoke_date: date | None = Field(default=None, description="取消生效日期（默认当天）")

    @field_validator("revoke_date")
    @classmethod
    def _not_past(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and value < today_of(info):
            raise bilingual("取消生效日期不能早于今天", "revoke_date cannot be before today")
        return value

    @model_validator(mode="after")
    def _from_today(self, info: ValidationInfo) -> FilingCancellation:
        if self.revoke_date is None:
            self.revoke_date = today_of(info)
        return self


def insured_on_begndate(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The person is insured on the 登记生效开始日期 (any 险种), as the registration and again as the review read it."""
    merged = {**current, **step}
    check_insured(merged, on=date.fromisoformat(str(merged["begndate"])))


def same_person(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A 姓名 typed from the 备案表 is the looked-up person's (run after check_insured)."""
    fact = step.get(INSURED_FACT) or {}
    typed, known = step.get("psn_name"), fact.get("psn_name")
    if typed and known and str(typed).strip() != str(known).strip():
        raise Conflict(
            "PSN_NAME_MISMATCH",
            f"姓名（{typed}）与证件号码 {step['certno']} 登记的参保人（{known}）不一致",
            f"the name {typed} is not that of {step['certno']} ({known})",
            "psn_name",
        )


def the_person(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """人员编号 and 姓名 from the looked-up person, onto the case."""
    return {"psn_no": psn_no_of(step), "psn_name": str((step.get(INSURED_FACT) or {}).get("psn_name") or "")}


def _place(data: Mapping[str, Any]) -> Any:
    return data.get("resettle_admdvs") or data.get("mdtrtarea_admdvs")


def filing_args(data: Mapping[str, Any], process_id: str, filing_type: FilingType) -> dict[str, Any]:
    """The `filing` registry entry a case puts in effect (None values left out)."""
    args = {
        "psn_no": data["psn_no"],
        "certno": data["certno"],
        "psn_name": data["psn_name"],
        "filing_type": filing_type,
        "admdvs": data["admdvs"],
        "mdtrtarea_admdvs": _place(data),
        "begndate": data["begndate"],
        "enddate": data.get("enddate"),
        "process_id": process_id,
        "tel": data.get("tel"),
        "addr": data.get("resettle_addr") or data.get("addr"),
        "fixmedins_code": data.get("fixmedins_code"),
        "reflin_medins_no": data.get("reflin_medins_no"),
        "diag_code": data.get("diag_code"),
        "diag_name": data.get("diag_name"),
    }
    return {k: v for k, v in args.items() if v is not None}


def amended(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """备案变更 of the filing in effect: the amendable parts as the case now holds them."""
    changes = {
        "mdtrtarea_admdvs": _place(data),
        "begndate": data.get("begndate"),
        "enddate": data.get("enddate"),
        "tel": data.get("tel"),
        "addr": data.get("resettle_addr") or data.get("addr"),
        "reflin_medins_no": data.get("reflin_medins_no"),
        "diag_code": data.get("diag_code"),
        "diag_name": data.get("diag_name"),
    }
    return [Effect(FILING_REGISTRY, str(data["psn_no"]), "amend", {k: v for k, v in changes.items() if v is not None})]


def revoked(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """取消备案: the filing is out of effect from the 取消生效日期."""
    return [Effect(FILING_REGISTRY, str(data["psn_no"]), "revoke", {"on": data["revoke_date"]})]


# What each extra action does to the registry once the filing is in effect. The kernel's ExtraAction takes no
# effects yet; once it does, each ExtraAction of `filing_process` takes its function here as `effects=`.
EXTRA_EFFECTS = {"amend": amended, "revoke": revoked}


def filing_process(
    *,
    id: str,
    slug: str,
    name_zh: str,
    filing_type: FilingType,
    register_zh: str,
    review_zh: str,
    model: type[FilingRegistration],
    change: type[BaseModel],
    materials: tuple[Material, ...],
    example: Mapping[str, Any],
    lookups: tuple[Lookup, ...] = (),
    checks: tuple[Check, ...] = (),
) -> ProcessDefinition:
    """One remote-care filing process of the shared flow: 信息录入 → 信息审核, with 备案变更 and 取消备案."""

    def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
        return [Effect(FILING_REGISTRY, str(data["psn_no"]), "register", filing_args(data, id, filing_type))]

    return ProcessDefinition(
        id=id,
        slug=slug,
        name_zh=name_zh,
        service="treatment",
        variants=REVIEW_VARIANTS,
        materials=materials,
        stages=(
            Stage(
                "register",
                register_zh,
                ("registrar", "channel"),
                "Registered",
                input=model,
                lookups=(INSURED, *lookups),
                checks=(insured_on_begndate, same_person, *checks),
                derive=the_person,
                example=example,
            ),
            # The review reads the person again: an insurance ended since the registration is refused on approval.
            Stage(
                "review",
                review_zh,
                ("first_reviewer",),
                "ReviewApproved",
                review=True,
                batch=True,
                lookups=(INSURED,),
                checks=(insured_on_begndate,),
            ),
        ),
        extra_actions=(
            ExtraAction(
                "amend",
                "备案变更",
                ("registrar", "channel"),
                frozenset({"review", COMPLETED}),
                "FilingAmended",
                input=change,
                effects=amended,
            ),
            ExtraAction(
                "revoke",
                "取消备案",
                ("registrar", "channel"),
                frozenset({COMPLETED}),
                "FilingRevoked",
                to_stage=REVOKED,
                input=FilingCancellation,
                reason_required=True,
                effects=revoked,
            ),
        ),
        extra_terminal_stages=frozenset({REVOKED}),
        effects=effects,
    )


# 刘洋 (enrollment's P003 example: a flexible worker insured under 310 from 2026-12-01, 贵阳市云岩区), filing to settle
# in 深圳: example values only (the walk needs an insured person; the seeds name none).
EXAMPLE = {
    "certno": "520102198804150036",
    "psn_name": "刘洋",
    "admdvs": "520102",
    "resettle_admdvs": "440300",
    "begndate": "2026-12-01",
    "resettle_addr": "深圳市南山区示例路1号",
}

P044 = filing_process(
    id="P044",
    slug="retiree_resettlement_remote_care_filing",
    name_zh="异地安置退休人员异地就医备案",
    filing_type="异地安置",
    register_zh="信息录入（异地安置登记：录入异地就医类别、安置地医保区划、登记生效开始日期，提交保存）",
    review_zh="信息审核（异地安置登记审核：单次审核或批量审核）",
    model=RemoteCareFiling,
    change=ResettlementChange,
    materials=(
        IDENTITY,
        FILING_FORM,
        Material("异地安置认定材料（“户口簿首页”和本人“常住人口登记卡”或个人承诺书）"),
        AGENT,
    ),
    example=EXAMPLE,
)
