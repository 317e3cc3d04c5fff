"""P086 预付金拨付和清算: 申请 → 核定 → 初审 → 复审 → 拨付生成 → 合单 → 推送FES → 拨付 → 回写 → 年终清算 → 回写 → 全额返还.

核定 runs the rule `P086.prepayment_assessment` (cap in months of last year's average: EXAMPLE policy, the seed gives
none) and keeps its input and output. At the year end 「定点医药机构根据清算通知全额返还年初预拨预付金」: the refund must
equal what was disbursed, to the fen. Forms (documents/cycles.py): 预付金拨付单 from 拨付生成 on, 预付金拨付汇总合单 after
合单, 预付金清算汇总单 after 年终清算. The refund has a voucher field of its own (refund_voucher_no), so the 拨付's
bank_voucher_no still prints on the 合单 after the refund.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.rules import run
from ybj_kernel.domain.validation import Admdvs, Money
from ybj_kernel.errors import InvalidInput
from ybj_settlement.documents.cycles import P086_DOCUMENTS
from ybj_settlement.processes.institution_monthly_settlement import payout_stages
from ybj_settlement.rules.cycles import PREPAYMENT


class Application(BaseModel):
    """《预付金申请书》."""

    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$", description="医药机构编号")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="医药机构名称")
    admdvs: Admdvs = Field(description="统筹区医保区划")
    year: int = Field(ge=2000, le=2100, description="预付年度")
    requested_amount: Money = Field(description="申请预付金额（元）")


class Assessment(BaseModel):
    """预付金核定."""

    prepay_type: Literal["1", "2"] = Field(description="预付金类型 (1 年度预付 / 2 专项预付；示例代码)")
    fund_type: Literal["310", "390"] = Field(description="统筹区基金类型 (310 职工 / 390 居民)")
    monthly_avg_fund_payment: Money = Field(description="上年度月均统筹基金支付额（元）")


class ClearingNotice(BaseModel):
    """年终预付金清算汇总单."""

    clearing_no: str = Field(min_length=1, max_length=40, description="清算汇总单号")


class Refund(BaseModel):
    """全额返还."""

    refund_amount: Money = Field(description="返还金额（元）")
    refund_voucher_no: str = Field(min_length=1, max_length=40, description="返还银行凭证号")


def assessed(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """核定: the rule on the application and the assessment, its input and output kept, the cap and the approved
    amount on top (the 拨付单 prints them)."""
    raw = {
        "year": current["year"],
        "monthly_avg_fund_payment": str(step["monthly_avg_fund_payment"]),
        "requested_amount": str(current["requested_amount"]),
    }
    out = run(PREPAYMENT, raw, date(int(current["year"]), 1, 1))
    return {
        "assessment_input": raw,
        "assessment": out,
        "prepayment_cap": out["cap"],
        "approved_amount": out["approved_amount"],
    }


def full_refund(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """全额返还: exactly what was disbursed."""
    if Decimal(step["refund_amount"]) != Decimal(current["disbursed_amount"]):
        raise InvalidInput(
            "REFUND_NOT_FULL",
            f"须全额返还年初预拨预付金 {current['disbursed_amount']}",
            f"the whole prepayment {current['disbursed_amount']} must be returned",
            "refund_amount",
        )


P086 = ProcessDefinition(
    id="P086",
    slug="prepayment_disbursement_and_clearing",
    name_zh="预付金拨付和清算",
    service="settlement",
    materials=(Material("《预付金申请书》"),),
    stages=(
        Stage(
            "apply",
            "定点医药机构向医保经办机构提交《预付金申请书》",
            ("institution",),
            "Applied",
            input=Application,
            example={
                "fixmedins_code": "H52010000001",
                "fixmedins_name": "贵阳市第一人民医院",
                "admdvs": "520102",
                "year": 2026,
                "requested_amount": "800000.00",
            },
        ),
        Stage(
            "assess",
            "预付金核定",
            ("registrar",),
            "PrepaymentAssessed",
            input=Assessment,
            derive=assessed,
            example={"prepay_type": "1", "fund_type": "310", "monthly_avg_fund_payment": "850000.00"},
        ),
        Stage("first_review", "预付金初审", ("first_reviewer",), "FirstReviewApproved", review=True, batch=True),
        Stage("second_review", "预付金复审", ("second_reviewer",), "SecondReviewApproved", review=True, batch=True),
        Stage("disbursement_generation", "预付金拨付生成（打印拨付单）", ("registrar",), "DisbursementGenerated"),
        *payout_stages("approved_amount", "800000.00", merge_name="预付金拨付汇总合单（打印汇总单审核签批）"),
        Stage(
            "year_end_clearing",
            "年终预付金清算（生成清算汇总单，推送财务）",
            ("registrar",),
            "PrepaymentClearingGenerated",
            input=ClearingNotice,
            example={"clearing_no": "QS001"},
        ),
        Stage("clearing_write_back", "财务回写清算处理标识", ("finance",), "ClearingWrittenBack"),
        Stage(
            "refund",
            "定点医药机构根据清算通知全额返还年初预拨预付金",
            ("institution",),
            "PrepaymentRefunded",
            input=Refund,
            checks=(full_refund,),
            example={"refund_amount": "800000.00", "refund_voucher_no": "R1"},
        ),
    ),
    documents=P086_DOCUMENTS,
)
