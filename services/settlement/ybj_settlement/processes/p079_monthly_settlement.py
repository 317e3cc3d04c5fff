"""P079 两定月结算: 申报 → 接收 → 违规扣款 → 生成 → 初审 → 复审 → 打印 → 合单 → 推送FES → 拨付 → 回写.

Amounts are Decimal yuan with fen precision. 申报 (declared) − 扣款 (deductions) = 应拨 (payable);
拨付 must pay exactly the payable amount.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.domain.validation import Admdvs, Money, bilingual
from ybj_kernel.errors import InvalidInput

CENT = Decimal("0.01")


class Declaration(BaseModel):
    """定点医药机构申请清算上月记账医疗费用."""

    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$", description="定点医药机构编号 (H/P + 11 位)")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="定点医药机构名称")
    admdvs: Admdvs = Field(description="统筹区医保区划")
    setl_ym: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$", description="结算年月 (YYYYMM)")
    insutype: Literal["310", "390", "510"] = Field(default="310", description="险种类型")
    setl_cnt: int = Field(ge=0, description="结算笔数")
    declared_amount: Money = Field(description="申报金额（元）")

    @field_validator("setl_ym")
    @classmethod
    def _past_month(cls, value: str, info: ValidationInfo) -> str:
        if value >= today_of(info).strftime("%Y%m"):
            raise bilingual("只能申请清算本月以前的记账费用", "setl_ym must be a month before the current one")
        return value


class Deduction(BaseModel):
    """One violation deduction: ordinary (违规扣款) or a multiple penalty (倍数处罚性扣款)."""

    kind: Literal["ordinary", "penalty"] = Field(description="ordinary 违规扣款 / penalty 倍数处罚性扣款")
    amount: Money = Field(description="扣款金额（元）")
    reason: str = Field(min_length=1, max_length=500, description="扣款原因")
    source: Literal["manual", "audit", "intelligent_review"] = Field(
        default="manual", description="违规处罚扣款 / 医疗费用审核扣款 / 智能审核扣款"
    )


class Deductions(BaseModel):
    """违规扣款处理: zero or more deductions against this declaration."""

    deductions: list[Deduction] = Field(default_factory=list, max_length=1000)


class Merge(BaseModel):
    """月结算合单: the merged summary number that the signed paper carries."""

    merge_no: str = Field(min_length=1, max_length=40, description="汇总合单号")


class FesPush(BaseModel):
    """银医互联推送拨付: the finance interface serial number checked against the paper."""

    fes_serial_no: str = Field(min_length=1, max_length=40, description="财务接口流水号")


class Disbursement(BaseModel):
    """财务拨付: what finance actually paid."""

    disbursed_amount: Money = Field(description="实拨金额（元）")
    bank_voucher_no: str = Field(min_length=1, max_length=40, description="银行凭证号")


class WriteBack(BaseModel):
    """回写财务处理标识."""

    finance_flag: Literal["1"] = Field(default="1", description="财务处理标识 (1 已拨付)")


def total_deductions(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """Sum ordinary and penalty deductions; together they may not exceed what was declared."""
    items = step.get("deductions", [])
    ordinary = sum((Decimal(d["amount"]) for d in items if d["kind"] == "ordinary"), Decimal(0))
    penalty = sum((Decimal(d["amount"]) for d in items if d["kind"] == "penalty"), Decimal(0))
    total = ordinary + penalty
    if total > Decimal(current["declared_amount"]):
        raise InvalidInput(
            "DEDUCTION_EXCEEDS_DECLARED",
            "扣款合计超过申报金额",
            "total deductions exceed the declared amount",
            "deductions",
        )
    return {"ordinary_deduction": _yuan(ordinary), "penalty_deduction": _yuan(penalty), "deduction_total": _yuan(total)}


def payable(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
    """应拨金额 = 申报金额 − 扣款合计."""
    deducted = Decimal(current.get("deduction_total", "0"))
    return {"payable_amount": _yuan(Decimal(current["declared_amount"]) - deducted)}


def check_disbursed(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """拨付 must pay exactly the payable amount (金额须与签批单据一致)."""
    if Decimal(step["disbursed_amount"]) != Decimal(current["payable_amount"]):
        raise InvalidInput(
            "AMOUNT_MISMATCH",
            f"实拨金额与应拨金额 {current['payable_amount']} 不一致",
            f"disbursed amount differs from the payable amount {current['payable_amount']}",
            "disbursed_amount",
        )


def _yuan(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


P079 = ProcessDefinition(
    id="P079",
    slug="institution_monthly_settlement",
    name_zh="基本医疗保险（生育保险）定点医药机构费用月结算",
    service="settlement",
    stages=(
        Stage(
            "declare",
            "定点医药机构申请清算上月记账医疗费用",
            ("institution",),
            "SettlementDeclared",
            input=Declaration,
            example={
                "fixmedins_code": "H52010000001",
                "fixmedins_name": "贵阳市第一人民医院",
                "admdvs": "520102",
                "setl_ym": "202609",
                "setl_cnt": 12,
                "declared_amount": "100000.50",
            },
        ),
        Stage("receive", "月结算接收", ("registrar",), "DeclarationReceived"),
        Stage(
            "violation_deduction",
            "违规扣款处理",
            ("auditor",),
            "ViolationDeductionApplied",
            input=Deductions,
            derive=total_deductions,
            example={"deductions": [{"kind": "ordinary", "amount": "100.25", "reason": "超限价"}]},
        ),
        Stage("generate", "月结算生成", ("registrar",), "SettlementGenerated", derive=payable),
        Stage("first_review", "月结算初审", ("first_reviewer",), "FirstReviewApproved", review=True),
        Stage("second_review", "月结算复审", ("second_reviewer",), "SecondReviewApproved", review=True),
        Stage("print_slips", "月结算报表查询打印（拨付单据）", ("registrar",), "DisbursementSlipsPrinted"),
        Stage(
            "merge_and_print",
            "月结算合单及打印",
            ("registrar",),
            "SummaryMerged",
            input=Merge,
            example={"merge_no": "HD001"},
        ),
        Stage(
            "push_to_fes",
            "银医互联推送拨付",
            ("registrar",),
            "DisbursementPushedToFes",
            input=FesPush,
            example={"fes_serial_no": "F1"},
        ),
        Stage(
            "disburse",
            "财务核对后进行拨付",
            ("finance",),
            "Disbursed",
            input=Disbursement,
            checks=(check_disbursed,),
            example={"disbursed_amount": "99900.25", "bank_voucher_no": "B1"},
        ),
        Stage("write_back", "回写财务处理标识", ("system", "finance"), "DisbursementWrittenBack", input=WriteBack),
    ),
)
