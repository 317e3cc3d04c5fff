"""P054 个人申请救助结算: one case a person and visit (结算ID), who must be insured on the day of the settlement.

已明确身份: 登记 → 审核 (救助金额) → 审批 → 拨付 → 长期公示. 未明确身份: 登记 (with 调查核实情况) → 审核 and 公示
(the roster) → 公示结果审核 (an objection is verified; upheld, the registration is revoked with a 书面答复意见) → 县级审查
with its 按一定比例抽查复核 → 救助登记 → 拨付 → 长期公示, or a revocation at the end. The 救助金额 is 「系统一站式」 for a
visit at a 定点医疗机构 and 「经办人手工核」 elsewhere; it is paid into the person's 一卡通 as the case completes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.process import Uniqueness
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, Money, bilingual
from ybj_kernel.errors import Conflict, InvalidInput
from ybj_treatment.insured import check_insured, psn_no_of
from ybj_treatment.payments import payment_effect
from ybj_treatment.processes.p054_fields import (
    V_IDENTIFIED,
    OneCard,
    Person,
    Settlement,
    bank_of,
    not_after_today,
    selfpay_of,
)
from ybj_treatment.rules.assistance import (
    PSN_IDET_TYPES,
    PsnIdetType,
    RevokeBasis,
    assistance_amount,
    identity_reasons,
    last_twelve_months,
    spot_check_draw,
    spot_checked,
    to_fen,
    yuan,
)


class AssistanceApplication(OneCard, Settlement, Person):
    """救助人员登记: 人员基本信息、申报信息、结算信息、疾病信息、定点医疗机构信息 (未明确身份: 调查核实情况)."""

    admdvs: Admdvs = Field(description="医保区划（救助地）")
    psn_idet_type: PsnIdetType | None = Field(default=None, description="人员属性（未明确身份的由审核认定）")
    disabled_soldier_grade: int | None = Field(default=None, ge=1, le=10, description="残疾军人残疾等级（优抚对象）")
    addr: str = Field(min_length=1, max_length=200, description="地址（居住地）")
    tel: str | None = Field(default=None, pattern=r"^[\d\-+]{5,20}$", description="联系电话")
    dcla_date: date = Field(description="申报日期")
    diag_code: str | None = Field(default=None, max_length=30, description="疾病诊断编码")
    diag_name: str = Field(min_length=1, max_length=200, description="疾病诊断名称")
    fixmedins_code: str | None = Field(
        default=None, pattern=r"^H\d{11}$", description="定点医疗机构编号（非定点医疗机构不填）"
    )
    fixmedins_name: str = Field(min_length=1, max_length=200, description="就医医疗机构名称")
    invest_info: str | None = Field(default=None, max_length=1000, description="调查核实情况（未明确身份救助对象）")

    @field_validator("dcla_date")
    @classmethod
    def _declared(cls, value: date, info: ValidationInfo) -> date:
        return not_after_today(value, info)


class AmountReview(BaseModel):
    """救助人员信息审核: 非定点医疗机构的救助金额由经办人手工核算."""

    maf_pay: Money | None = Field(default=None, description="救助金额（元，非定点医疗机构手工核算）")
    review_opinion: str | None = Field(default=None, max_length=500, description="审核意见")


class PublicNotice(BaseModel):
    """进入救助人员信息公示: the 人员属性 established, the income statement checked, the 公示 batch."""

    psn_idet_type: Literal["11", "12", "13", "14", "15", "16"] = Field(description="认定人员属性（未明确身份救助对象）")
    income_begndate: date = Field(description="家庭收入及财产说明所涉期间起")
    income_enddate: date = Field(description="家庭收入及财产说明所涉期间止")
    pub_batch_no: str = Field(min_length=1, max_length=40, description="公示批次号")
    pub_date: date = Field(description="公示时间")
    sup_tel: str = Field(pattern=r"^[\d\-+]{5,20}$", description="监督举报电话")
    review_opinion: str | None = Field(default=None, max_length=500, description="审核意见")


class ResultReview(AmountReview):
    """公示结果审核: no objection, or an objection verified (核实后复核救助条件的，生成审核结果)."""

    objection: bool = Field(default=False, description="公示期间有无异议（举报）")
    objection_info: str | None = Field(default=None, max_length=1000, description="举报（异议）内容")
    verify_opinion: str | None = Field(default=None, max_length=1000, description="举报信息核实意见")

    @model_validator(mode="after")
    def _verified(self) -> ResultReview:
        if self.objection and not (self.objection_info and self.verify_opinion):
            raise bilingual(
                "有异议的须录入举报内容和核实意见；核实不符合救助的，请撤销救助登记并书面答复",
                "an objection needs its content and the verification opinion (revoke the registration if upheld)",
            )
        return self


class CountyReview(BaseModel):
    """县级经办人员审查, with the 镇村干部's 抽查复核 where the draw picked the person."""

    spot_check_result: Literal["1", "2"] | None = Field(default=None, description="抽查复核结果 (1 属实, 2 不属实)")
    spot_checkers: str | None = Field(default=None, max_length=200, description="抽查复核人员（镇村干部）")
    county_opinion: str | None = Field(default=None, max_length=500, description="县级审查意见")


class AfterApproval(BaseModel):
    """经审批复核救助的按规定程序公示，公示无异议的进行救助登记."""

    second_pub_date: date = Field(description="审批后公示时间")
    asst_reg_date: date = Field(description="救助登记日期")

    @field_validator("asst_reg_date")
    @classmethod
    def _after_notice(cls, value: date, info: ValidationInfo) -> date:
        if value < info.data.get("second_pub_date", value):
            raise bilingual("救助登记日期不能早于审批后公示时间", "asst_reg_date is before second_pub_date")
        return not_after_today(value, info)


class Disbursement(BaseModel):
    """拨付救助资金 to the person's 一卡通."""

    disb_date: date = Field(description="拨付日期")

    @field_validator("disb_date")
    @classmethod
    def _past(cls, value: date, info: ValidationInfo) -> date:
        return not_after_today(value, info)


class LongTermNotice(BaseModel):
    """打印救助信息，在患者居住地乡镇及村居务公开栏长期公示."""

    pub_place: str = Field(default="患者居住地乡镇及村居务公开栏", max_length=200, description="公示地点")
    long_pub_date: date = Field(description="公示时间")


# The 书面答复意见 the system writes when the clerk writes none (wording of this platform, to be adapted locally).
DEFAULT_REPLIES = {
    "1": "经举报信息核实，您不符合城乡医疗救助条件，现撤销救助登记。",
    "2": "经县级组织镇村干部抽查复核，您的申请情况不属实，现撤销救助登记。",
    "3": "经县级审批，您不符合城乡医疗救助条件，现撤销救助登记。",
}


class WrittenReply(BaseModel):
    """撤销救助登记 and its 书面答复意见 (generated from the 情形 unless the clerk writes it)."""

    revoke_basis: RevokeBasis = Field(
        default="1", description="撤销情形 (1 举报信息核实不符合救助, 2 抽查不属实, 3 审批不符合救助)"
    )
    reply_opinion: str | None = Field(default=None, max_length=1000, description="书面答复意见")

    @model_validator(mode="after")
    def _reply(self) -> WrittenReply:
        if not self.reply_opinion:
            self.reply_opinion = DEFAULT_REPLIES[self.revoke_basis]
        return self


def registrable(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The applicant is insured on the day of the settlement, and no 一至六级残疾军人 is taken as an 优抚对象."""
    check_insured(step, on=date.fromisoformat(step["setl_date"]))
    kind = step.get("psn_idet_type")
    reasons = identity_reasons(kind, step.get("disabled_soldier_grade")) if kind else []
    if excluded := [r for r in reasons if r.code == "DISABLED_SOLDIER_EXCLUDED"]:
        raise InvalidInput(excluded[0].code, excluded[0].message_zh, excluded[0].message_en, excluded[0].field)


def registered_facts(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """人员编号 and the 就医合规个人自付费用 of the visit."""
    return {"psn_no": psn_no_of(step), "compliant_selfpay_amt": str(selfpay_of(step))}


def identified_recipient(current: Mapping[str, Any], _: Mapping[str, Any]) -> None:
    """已明确身份救助对象 only (R23); anyone else goes through 调查核实 and 公示."""
    kind = current.get("psn_idet_type")
    if not kind:
        raise InvalidInput(
            "MISSING_FIELD", "已明确身份救助对象须登记人员属性", "psn_idet_type is required", "psn_idet_type"
        )
    if reasons := identity_reasons(kind, current.get("disabled_soldier_grade")):
        raise Conflict(reasons[0].code, reasons[0].message_zh, reasons[0].message_en, reasons[0].field)


def manual_only_elsewhere(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """「系统一站式」 at a 定点医疗机构, 「经办人手工核」 elsewhere: a hand-computed sum only without a 定点 code."""
    designated = bool(current.get("fixmedins_code"))
    given_amt = step.get("maf_pay")
    if designated and given_amt is not None:
        raise InvalidInput(
            "SYSTEM_CALCULATED",
            "定点医疗机构就医的救助金额由系统一站式计算，不能手工录入",
            "at a designated institution the amount is computed by the system",
            "maf_pay",
        )
    if not designated and given_amt is None:
        raise InvalidInput(
            "MISSING_FIELD", "非定点医疗机构就医的救助金额须由经办人手工核算录入", "enter the amount", "maf_pay"
        )
    if given_amt is not None and yuan(given_amt) > yuan(current["compliant_selfpay_amt"]):
        raise InvalidInput(
            "ABOVE_SELFPAY",
            f"救助金额不能超过就医合规个人自付费用 {current['compliant_selfpay_amt']} 元",
            "the amount exceeds the compliant self-paid cost",
            "maf_pay",
        )


def amount_reviewed(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """计算救助金额: 系统一站式 at a 定点医疗机构 (the 人员属性's ratio), or the clerk's 手工核算."""
    if step.get("maf_pay") is not None:
        return {"calc_way": "2"}
    kind = str(current["psn_idet_type"])
    amount = assistance_amount(kind, yuan(current["compliant_selfpay_amt"]))
    return {"maf_pay": str(amount), "calc_way": "1"}


def publishable(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """未明确身份: 调查核实情况 recorded, and 「家庭近一年的收入及现有财产说明材料」 covering the 12 months before."""
    if not current.get("invest_info"):
        raise InvalidInput(
            "MISSING_FIELD", "未明确身份救助对象须登记调查核实情况", "invest_info is required", "invest_info"
        )
    start, end = last_twelve_months(date.fromisoformat(current["dcla_date"]))
    if step["income_begndate"] > start.isoformat() or step["income_enddate"] < end.isoformat():
        raise InvalidInput(
            "INCOME_NOT_COVERED",
            f"家庭收入及财产说明须覆盖申请前近一年（{start.isoformat()} 至 {end.isoformat()}）",
            f"the income statement must cover {start.isoformat()} to {end.isoformat()}",
            "income_begndate" if step["income_begndate"] > start.isoformat() else "income_enddate",
        )


def roster_row(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """公示人员名册的一行: 救助对象姓名、地址、人员属性、就医合规个人自付费用、公示时间、监督举报电话."""
    return {
        "roster_row": {
            "psn_name": current["psn_name"],
            "addr": current["addr"],
            "psn_idet_type": PSN_IDET_TYPES[step["psn_idet_type"]],
            "compliant_selfpay_amt": current["compliant_selfpay_amt"],
            "pub_date": step["pub_date"],
            "sup_tel": step["sup_tel"],
        }
    }


def spot_check_done(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A person drawn for the 抽查 needs its result, and only 属实 is approved (不属实: revoke with a written reply)."""
    drawn = spot_checked(current["pub_batch_no"], current["certno"])
    if drawn and not (step.get("spot_check_result") and step.get("spot_checkers")):
        raise InvalidInput(
            "SPOT_CHECK_REQUIRED",
            f"{current['psn_name']}被抽中复核（抽签值 {spot_check_draw(current['pub_batch_no'], current['certno'])}），"
            "须录入镇村干部抽查复核结果",
            "this person was drawn for the spot check: enter its result",
            "spot_check_result",
        )
    if step.get("spot_check_result") == "2":
        raise Conflict(
            "SPOT_CHECK_NOT_CONFIRMED",
            "抽查不属实，不予审批；请由经办审核人员撤销救助登记并书面答复申请人",
            "the spot check did not confirm the application: revoke the registration with a written reply",
            "spot_check_result",
        )


def spot_check_drawn(current: Mapping[str, Any], _: Mapping[str, Any]) -> dict[str, Any]:
    """The draw, recorded so that anyone can check whom the county had to check."""
    draw = spot_check_draw(current["pub_batch_no"], current["certno"])
    return {"spot_check_draw": str(draw), "spot_checked": spot_checked(current["pub_batch_no"], current["certno"])}


def something_to_disburse(current: Mapping[str, Any], _: Mapping[str, Any]) -> None:
    """A zero 救助金额 is not disbursed."""
    if yuan(current.get("maf_pay", "0")) <= 0:
        raise Conflict("NOTHING_TO_DISBURSE", "救助金额为 0，无需拨付", "there is nothing to disburse", "disb_date")


def revoked(_: Mapping[str, Any], __: Mapping[str, Any]) -> dict[str, Any]:
    """The registration stands revoked: nothing is handed to settlement."""
    return {"registration_revoked": True}


ASSISTANCE_CLAIM = Uniqueness(
    scope="medical_assistance_claim",
    key=lambda d: f"{d['certno']}:{d['setl_id']}",
    field="setl_id",
    message_zh="该人员本次结算的医疗救助已在办理",
    message_en="medical assistance for this settlement is already being handled",
)


def personal_effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """The 救助金额 into the person's 一卡通, unless the registration was revoked or there is nothing to pay."""
    if data.get("registration_revoked") or yuan(data.get("maf_pay", "0")) <= 0:
        return []
    kind = "已明确身份救助对象" if variant == V_IDENTIFIED else "未明确身份救助对象"
    return [
        payment_effect(
            f"P054-{data['certno']}-{data['setl_id']}",
            payee_type="person",
            payee_name=str(data["psn_name"]),
            payee_id=str(data["psn_no"]),
            amount_fen=to_fen(yuan(data["maf_pay"])),
            bank=bank_of(data),
            source_process="P054",
            reason_zh=f"城乡医疗救助（个人申请，{kind}）",
            admdvs=str(data["admdvs"]),
        )
    ]
