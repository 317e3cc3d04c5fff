"""P054's rules as staff list and try them (试算): their input and output models, and the `Rule` of each.

The functions are rules/assistance.py's, so a trial and a case compute the same figures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from ybj_kernel.domain.rules import Rule, RuleContext, Verdict
from ybj_kernel.domain.validation import Money
from ybj_treatment.rules.assistance import (
    POLICY,
    PSN_IDET_TYPES,
    SEED,
    AssistancePolicy,
    CandidateRow,
    IdentifiedType,
    PsnIdetType,
    Strict,
    SubsidyKind,
    assistance_amount,
    check_funds_within_scope,
    compliant_selfpay,
    dedupe_subsidy,
    identity_reasons,
    same_person_same_name,
    spot_check_draw,
    spot_checked,
    subsidy_amount,
    subsidy_standard,
    yuan,
)


class DedupeInput(Strict):
    """The departments' lists, as imported."""

    candidates: list[CandidateRow] = Field(min_length=1, description="需资助人员名单（各部门）")

    @field_validator("candidates")
    @classmethod
    def _names_agree(cls, value: list[CandidateRow]) -> list[CandidateRow]:
        same_person_same_name(value)
        return value


class KeptRow(BaseModel):
    """One person kept on the 拟资助人员名单."""

    certno: str
    psn_name: str
    psn_idet_type: str
    sbsy_kind: SubsidyKind = Field(description="资助方式 (full 全额资助, fixed 定额资助)")
    sbsy_std: Money = Field(description="资助标准（元）")
    dept_names: list[str] = Field(description="提供部门")


class DroppedRow(BaseModel):
    """A department row left out, and why."""

    certno: str
    psn_idet_type: str
    dept_name: str | None
    reason: str


class DedupeOutput(BaseModel):
    """拟资助人员名单: one row a person, at the higher standard."""

    kept: list[KeptRow]
    dropped: list[DroppedRow]
    kept_cnt: int = Field(description="拟资助人数")
    sbsy_sumamt: Money = Field(description="资助标准合计（元）")


def dedupe_rule(policy: AssistancePolicy = POLICY) -> Rule[DedupeInput, DedupeOutput]:
    """R21 就高原则."""

    def fn(inp: DedupeInput, _: RuleContext) -> DedupeOutput:
        kept, dropped = dedupe_subsidy([r.model_dump() for r in inp.candidates], policy)
        total = sum((yuan(r["sbsy_std"]) for r in kept), Decimal("0.00"))
        return DedupeOutput(
            kept=[KeptRow.model_validate(r) for r in kept],
            dropped=[DroppedRow.model_validate(r) for r in dropped],
            kept_cnt=len(kept),
            sbsy_sumamt=total,
        )

    return Rule(
        id="assistance_subsidy_dedupe",
        process_id="P054",
        name_zh="参保资助名单就高去重（示例资助标准）",
        name_en="subsidy candidates de-duplicated at the higher standard (example standards)",
        source_zh="「导入部门提供需资助人员名单——比对生成拟资助人员名单（按照就高原则去重并确定资助标准）」",
        source_ref=f"{SEED} L2093-2096",
        input_model=DedupeInput,
        output_model=DedupeOutput,
        fn=fn,
        example={
            "candidates": [
                {
                    "certno": "52011519920808004X",
                    "psn_name": "张丽",
                    "psn_idet_type": "04",
                    "dept_name": "乡村振兴部门",
                },
                {"certno": "52011519920808004X", "psn_name": "张丽", "psn_idet_type": "03", "dept_name": "民政部门"},
            ]
        },
        parameters=policy.describe(),
    )


class SpotCheckInput(Strict):
    """A 公示批次 reviewed by the county: its number and the people in it."""

    pub_batch_no: str = Field(min_length=1, max_length=40, description="公示批次号")
    certnos: list[str] = Field(min_length=1, description="批次人员证件号码")


class Draw(BaseModel):
    """One person's draw."""

    certno: str
    draw: Decimal = Field(description="抽签值 [0,1)")
    sampled: bool = Field(description="是否抽中复核")


class SpotCheckOutput(BaseModel):
    """Whom the 镇村干部 check."""

    ratio: Decimal = Field(description="抽查比例（示例）")
    total: int
    sampled_cnt: int
    sampled: list[str] = Field(description="抽中复核人员（证件号码）")
    draws: list[Draw]


def spot_check_rule(policy: AssistancePolicy = POLICY) -> Rule[SpotCheckInput, SpotCheckOutput]:
    """R22 按一定比例抽查复核."""

    def fn(inp: SpotCheckInput, _: RuleContext) -> SpotCheckOutput:
        draws = [
            Draw(certno=c.upper(), draw=spot_check_draw(inp.pub_batch_no, c), sampled=spot_checked(inp.pub_batch_no, c))
            for c in inp.certnos
        ]
        sampled = [d.certno for d in draws if d.sampled]
        return SpotCheckOutput(
            ratio=policy.spot_check_ratio, total=len(draws), sampled_cnt=len(sampled), sampled=sampled, draws=draws
        )

    return Rule(
        id="assistance_spot_check",
        process_id="P054",
        name_zh="县级按比例抽查复核（示例比例）",
        name_en="county spot check of a public-notice batch (example ratio)",
        source_zh="「县级经办人员对审核人员审核情况进行审查、组织镇村干部按一定比例抽查复核，属实的，进行审批」",
        source_ref=f"{SEED} L2255-2258",
        input_model=SpotCheckInput,
        output_model=SpotCheckOutput,
        fn=fn,
        example={"pub_batch_no": "520115-202612-01", "certnos": ["52011519850312002X", "52011519920808004X"]},
        parameters={"spot_check_ratio": str(policy.spot_check_ratio), "example": True},
    )


class IdentityInput(Strict):
    """人员属性, and for an 优抚对象 the 残疾等级."""

    psn_idet_type: PsnIdetType = Field(description="人员属性")
    disabled_soldier_grade: int | None = Field(default=None, ge=1, le=10, description="残疾军人残疾等级")


class IdentityOutput(Verdict):
    """Whether the person is an 已明确身份救助对象."""

    psn_idet_type_name: str


def identity_rule() -> Rule[IdentityInput, IdentityOutput]:
    """R23 已明确身份救助对象."""

    def fn(inp: IdentityInput, _: RuleContext) -> IdentityOutput:
        reasons = identity_reasons(inp.psn_idet_type, inp.disabled_soldier_grade)
        return IdentityOutput(
            allowed=not reasons, reasons=reasons, psn_idet_type_name=PSN_IDET_TYPES[inp.psn_idet_type]
        )

    return Rule(
        id="assistance_identified_recipient",
        process_id="P054",
        name_zh="已明确身份救助对象认定",
        name_en="identified medical-assistance recipient",
        source_zh="「特困供养人员、孤儿、最低生活保障家庭成员、建档立卡脱贫人口、20世纪60年代初精减退职老职工、家庭经济困难"
        "的精神障碍患者、肇事肇祸的精神障碍患者、艾滋病人和艾滋病机会性感染者、享受抚恤补助的优抚对象（不含一至六级残疾军"
        "人）等已明确身份救助对象」",
        source_ref=f"{SEED} L2052-2059",
        input_model=IdentityInput,
        output_model=IdentityOutput,
        fn=fn,
        example={"psn_idet_type": "09", "disabled_soldier_grade": 5},
        parameters={"psn_idet_types": dict(PSN_IDET_TYPES), "excluded_disability_grades": [1, 6]},
    )


class SubsidyAmountInput(Strict):
    """缴费后单个资助: the 身份属性 and what the person paid."""

    psn_idet_type: IdentifiedType = Field(description="身份属性")
    psn_clct_amt: Money = Field(gt=0, description="缴费金额（元）")


class SubsidyAmountOutput(BaseModel):
    """系统计算生成的资助信息."""

    sbsy_kind: SubsidyKind
    sbsy_std: Money = Field(description="资助标准（元，示例）")
    sbsy_amt: Money = Field(description="应资助金额（元）")


def subsidy_amount_rule(policy: AssistancePolicy = POLICY) -> Rule[SubsidyAmountInput, SubsidyAmountOutput]:
    """应资助金额."""

    def fn(inp: SubsidyAmountInput, _: RuleContext) -> SubsidyAmountOutput:
        kind, standard = subsidy_standard(inp.psn_idet_type, policy)
        amount = subsidy_amount(inp.psn_idet_type, inp.psn_clct_amt, policy)
        return SubsidyAmountOutput(sbsy_kind=kind, sbsy_std=standard, sbsy_amt=amount)

    return Rule(
        id="assistance_subsidy_amount",
        process_id="P054",
        name_zh="缴费后单个资助应资助金额（示例资助标准）",
        name_en="subsidy owed after payment (example standards)",
        source_zh="「系统计算生成资助信息（包括姓名、身份证、身份属性、缴费金额、应资助金额、收款人“一卡通”银行账户信息）」",
        source_ref=f"{SEED} L2128-2131",
        input_model=SubsidyAmountInput,
        output_model=SubsidyAmountOutput,
        fn=fn,
        example={"psn_idet_type": "03", "psn_clct_amt": "400.00"},
        parameters=policy.describe(),
    )


class AssistanceAmountInput(Strict):
    """结算信息 of one visit and the patient's 人员属性."""

    psn_idet_type: PsnIdetType = Field(description="人员属性")
    inscp_scp_amt: Money = Field(description="符合政策范围金额（元）")
    hifp_pay: Money = Field(description="基本医疗保险统筹基金支出（元）")
    hifmi_pay: Money = Field(default=Decimal("0.00"), description="居民大病保险资金支出（元）")
    hifob_pay: Money = Field(default=Decimal("0.00"), description="职工大额医疗费用补助基金支出（元）")

    @model_validator(mode="after")
    def _funds_within_scope(self) -> AssistanceAmountInput:
        check_funds_within_scope(self.inscp_scp_amt, self.hifp_pay, self.hifmi_pay, self.hifob_pay)
        return self


class AssistanceAmountOutput(BaseModel):
    """生成救助金额."""

    compliant_selfpay_amt: Money = Field(description="就医合规个人自付费用（元）")
    asst_ratio: Decimal = Field(description="救助比例（示例）")
    maf_pay: Money = Field(description="医疗救助基金支出（救助金额，元）")


def assistance_amount_rule(policy: AssistancePolicy = POLICY) -> Rule[AssistanceAmountInput, AssistanceAmountOutput]:
    """救助金额 (系统一站式)."""

    def fn(inp: AssistanceAmountInput, _: RuleContext) -> AssistanceAmountOutput:
        selfpay = compliant_selfpay(inp.inscp_scp_amt, inp.hifp_pay, inp.hifmi_pay, inp.hifob_pay)
        return AssistanceAmountOutput(
            compliant_selfpay_amt=selfpay,
            asst_ratio=policy.assistance_ratios[inp.psn_idet_type],
            maf_pay=assistance_amount(inp.psn_idet_type, selfpay, policy),
        )

    return Rule(
        id="assistance_amount",
        process_id="P054",
        name_zh="医疗救助金额（系统一站式，示例救助比例）",
        name_en="medical assistance owed for a visit (one-stop, example ratios)",
        source_zh="「医疗救助费用结算管理——生成救助金额——保存——按规定与患者结算医疗费用」; the flowchart's boxes "
        "「系统一站式」 (定点医疗机构) and 「经办人手工核」 (非定点医疗机构)",
        source_ref=f"{SEED} L2155-2157, L2315-2321",
        input_model=AssistanceAmountInput,
        output_model=AssistanceAmountOutput,
        fn=fn,
        example={"psn_idet_type": "03", "inscp_scp_amt": "10000.00", "hifp_pay": "6000.00", "hifmi_pay": "1000.00"},
        parameters=policy.describe(),
    )


RULES: tuple[Rule[Any, Any], ...] = (
    dedupe_rule(),
    spot_check_rule(),
    identity_rule(),
    subsidy_amount_rule(),
    assistance_amount_rule(),
)
