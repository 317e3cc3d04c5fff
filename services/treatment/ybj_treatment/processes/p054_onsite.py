"""P054 医疗机构现场结算: a designated hospital settles 属性明确 patients on the spot (「系统一站式」), declares the 阶段's
advance, the agency reviews it, and the signed 拨付单 has the 救助金额 paid into the hospital's 对公账户.

One case is one hospital's 申报期间. The hospital is looked up (the `institution` registry): it must be a 定点医疗机构
in service. The patients' insurance is not looked up row by row: a 联网 settlement (结算ID) exists only for an
insured person.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ybj_kernel.domain.process import Lookup, Uniqueness
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, bilingual
from ybj_kernel.errors import Conflict, InvalidInput
from ybj_treatment.payments import payment_effect
from ybj_treatment.processes.p054_fields import (
    HOSPITAL,
    OneCard,
    Settlement,
    bank_of,
    not_after_today,
    resident_certno,
    selfpay_of,
)
from ybj_treatment.rules.assistance import IdentifiedType, assistance_amount, identity_reasons, to_fen, yuan


class OnsiteRow(Settlement):
    """一人次现场结算: the patient (属性明确) and the visit's 结算信息."""

    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    psn_idet_type: IdentifiedType = Field(description="人员属性")
    disabled_soldier_grade: int | None = Field(default=None, ge=1, le=10, description="残疾军人残疾等级（优抚对象）")

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info: ValidationInfo) -> str:
        return resident_certno(value, info)


class OnsiteSettlements(BaseModel):
    """医疗救助费用结算管理: the designated hospital and the visits it settled with the patients."""

    model_config = ConfigDict(extra="forbid")

    admdvs: Admdvs = Field(description="医保区划")
    fixmedins_code: str = Field(pattern=r"^H\d{11}$", description="定点医疗机构编号")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="定点医疗机构名称")
    settlements: list[OnsiteRow] = Field(min_length=1, description="现场结算救助人员")

    @field_validator("settlements")
    @classmethod
    def _once_each(cls, value: list[OnsiteRow]) -> list[OnsiteRow]:
        if len({r.setl_id for r in value}) != len(value):
            raise bilingual("同一结算ID列了两次", "a setl_id is listed twice")
        return value


class InstitutionDeclaration(OneCard):
    """医疗救助费用申报管理: the 阶段 (申报期间) and the 对公账户 the advance is repaid into."""

    begndate: date = Field(description="申报期间开始日期")
    enddate: date = Field(description="申报期间结束日期")

    @field_validator("enddate")
    @classmethod
    def _period(cls, value: date, info: ValidationInfo) -> date:
        if value < info.data.get("begndate", value):
            raise bilingual("申报期间结束日期不能早于开始日期", "enddate is before begndate")
        return not_after_today(value, info)


class Opinion(BaseModel):
    """审核意见."""

    review_opinion: str | None = Field(default=None, max_length=500, description="审核意见")


class SlipSigning(BaseModel):
    """生成阶段汇总救助金额拨付单，按规定程序签字盖章."""

    slip_no: str = Field(min_length=1, max_length=40, description="拨付单号")
    sign_date: date = Field(description="签字盖章日期")

    @field_validator("sign_date")
    @classmethod
    def _past(cls, value: date, info: ValidationInfo) -> date:
        return not_after_today(value, info)


def designated_hospital(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """On-site assistance is settled by a designated 医疗机构 in service (「定点医疗机构……系统一站式」)."""
    found = step.get("institution")
    code = step["fixmedins_code"]
    if not found or found.get("fixmedins_type") != HOSPITAL:
        raise Conflict(
            "NOT_DESIGNATED",
            f"{code} 不是定点医疗机构，不能现场结算医疗救助",
            f"{code} is not a designated medical institution",
            "fixmedins_code",
        )
    if found.get("status") != "active":
        raise Conflict(
            "INSTITUTION_PAUSED",
            f"定点医疗机构 {code} 已暂停服务，不能现场结算医疗救助",
            f"{code} is not in service",
            "fixmedins_code",
        )


def rows_identified(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Each on-site patient is an 已明确身份救助对象 (R23)."""
    for i, row in enumerate(step["settlements"]):
        if reasons := identity_reasons(row["psn_idet_type"], row.get("disabled_soldier_grade")):
            first = reasons[0]
            field = f"settlements.{i}.{first.field}"
            raise InvalidInput(
                first.code, f"第 {i + 1} 人：{first.message_zh}", f"row {i + 1}: {first.message_en}", field
            )


def onsite_amounts(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """生成救助金额: each visit's 合规自付 and 救助金额 (系统一站式)."""
    settled = []
    for row in step["settlements"]:
        selfpay = selfpay_of(row)
        settled.append(
            {
                **row,
                "compliant_selfpay_amt": str(selfpay),
                "maf_pay": str(assistance_amount(row["psn_idet_type"], selfpay)),
            }
        )
    return {"settled": settled, "calc_way": "1"}


def within_period(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Every visit declared falls in the 申报期间."""
    for row in current["settled"]:
        if not step["begndate"] <= row["setl_date"] <= step["enddate"]:
            raise InvalidInput(
                "OUTSIDE_PERIOD",
                f"结算ID {row['setl_id']} 的结算日期 {row['setl_date']} 不在申报期间内",
                f"settlement {row['setl_id']} of {row['setl_date']} is outside the declared period",
                "enddate",
            )


def stage_totals(current: Mapping[str, Any], _: Mapping[str, Any]) -> dict[str, Any]:
    """生成阶段汇总救助金额."""
    rows = current["settled"]

    def total(name: str) -> str:
        return str(sum((yuan(r[name]) for r in rows), Decimal("0.00")))

    return {
        "psn_cnt": len(rows),
        "medfee_sumamt_total": total("medfee_sumamt"),
        "compliant_selfpay_sumamt": total("compliant_selfpay_amt"),
        "maf_pay_sumamt": total("maf_pay"),
    }


def _institution(data: Mapping[str, Any]) -> str | None:
    code = data.get("fixmedins_code")
    return str(code) if code else None


def _institution_facts(state: Mapping[str, Any]) -> dict[str, Any]:
    return {k: state.get(k) for k in ("fixmedins_code", "fixmedins_name", "fixmedins_type", "status", "admdvs")}


INSTITUTION = Lookup("institution", "institution", _institution, pick=_institution_facts)
INSTITUTION_CLAIM = Uniqueness(
    scope="medical_assistance_declaration",
    key=lambda d: f"{d['fixmedins_code']}:{d['begndate']}:{d['enddate']}",
    field="begndate",
    message_zh="该定点医疗机构本申报期间的医疗救助费用已在申报",
    message_en="this institution's assistance claim for the period is already being handled",
)


def onsite_effects(data: Mapping[str, Any]) -> list[Effect]:
    """The 阶段汇总救助金额, paid into the hospital's 对公账户 (「直接划入医疗机构对公账户」, P041)."""
    return [
        payment_effect(
            f"P054-{data['fixmedins_code']}-{data['begndate']}-{data['enddate']}",
            payee_type="institution",
            payee_name=str(data["fixmedins_name"]),
            payee_id=str(data["fixmedins_code"]),
            amount_fen=to_fen(yuan(data["maf_pay_sumamt"])),
            bank=bank_of(data),
            source_process="P054",
            reason_zh=f"医疗救助垫付资金（{data['begndate']} 至 {data['enddate']}，拨付单 {data['slip_no']}）",
            admdvs=str(data["admdvs"]),
        )
    ]
