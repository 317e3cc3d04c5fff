"""P041 城乡医疗救助资金支出: 收到拨款汇总单 → 复核 → 拨付 (to institutions' 对公账户, or to persons' 「一卡通」).

「县级医疗救助经办机构财务人员收到医疗救助拨款汇总单，复核相关数据无误后，进行医疗救助资金拨付。其中：定点医疗机构申报
医疗救助资金直接划入医疗机构对公账户，个人零星申报医疗救助资金通过“一卡通”进行发放。」 (seeds/001 L1478-1483)
The 汇总单's lines add up to its total to the fen; 复核 confirms 笔数 and 金额; the payout pays exactly the total. The
variant chosen when the 汇总单 is received says whose lines it holds (医疗机构 or 个人) and so which payout follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, model_validator

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.validation import Admdvs, Money
from ybj_kernel.errors import InvalidInput

INSTITUTION, PERSON = "institution_claims", "personal_claims"


class PayeeLine(BaseModel):
    """One payee of the 汇总单: who, the account, the amount."""

    payee_name: str = Field(min_length=1, max_length=200, description="收款人户名（医疗机构名称或救助对象姓名）")
    payee_code: str = Field(min_length=1, max_length=50, description="定点医疗机构编号或救助对象证件号码")
    bank_name: str = Field(min_length=1, max_length=200, description="开户行")
    bank_acct: str = Field(pattern=r"^\d{8,32}$", description="账号（对公账户或“一卡通”账号）")
    amount: Money = Field(gt=0, description="救助金额（元）")


class PaymentSummary(BaseModel):
    """医疗救助拨款汇总单."""

    summary_no: str = Field(pattern=r"^\S{1,40}$", description="拨款汇总单号")
    admdvs: Admdvs = Field(description="县级医保区划")
    lines: list[PayeeLine] = Field(min_length=1, max_length=5000, description="拨款明细")
    total_amt: Money = Field(gt=0, description="拨款合计（元）")

    @model_validator(mode="after")
    def _adds_up(self) -> PaymentSummary:
        total = sum((line.amount for line in self.lines), Decimal("0.00"))
        if total != self.total_amt:
            raise InvalidInput(
                "LINES_DO_NOT_ADD_UP",
                f"拨款明细合计 {total} 元与汇总单合计 {self.total_amt} 元不符",
                f"the lines add up to {total}, not the summary's {self.total_amt}",
                "total_amt",
            )
        return self


class Recheck(BaseModel):
    """复核相关数据: 笔数 and 金额 as counted."""

    line_count: int = Field(ge=1, description="笔数")
    total_amt: Money = Field(gt=0, description="金额（元）")


class Payout(BaseModel):
    """拨付: what was paid, and the bank's voucher or the 一卡通 batch."""

    paid_amt: Money = Field(gt=0, description="实拨金额（元）")
    voucher_no: str = Field(pattern=r"^\S{1,40}$", description="银行凭证号或“一卡通”发放批次号")


def check_recheck(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """笔数 and 金额 are the 汇总单's."""
    if step["line_count"] != len(current["lines"]) or Decimal(step["total_amt"]) != Decimal(current["total_amt"]):
        raise InvalidInput(
            "RECHECK_MISMATCH",
            f"复核笔数/金额与汇总单（{len(current['lines'])}笔，{current['total_amt']}元）不一致",
            f"count/amount differ from the summary ({len(current['lines'])} lines, {current['total_amt']})",
            "total_amt",
        )


def check_payout(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The payout pays exactly the 汇总单's total."""
    if Decimal(step["paid_amt"]) != Decimal(current["total_amt"]):
        raise InvalidInput(
            "AMOUNT_MISMATCH",
            f"实拨金额与汇总单合计 {current['total_amt']} 元不一致",
            f"paid amount differs from the summary's total {current['total_amt']}",
            "paid_amt",
        )


SUMMARY_EXAMPLE = {
    "summary_no": "JZ2026110001",
    "admdvs": "520102",
    "lines": [
        {
            "payee_name": "贵阳市第一人民医院",
            "payee_code": "H52010200001",
            "bank_name": "中国工商银行贵阳中华北路支行",
            "bank_acct": "2402001009200012345",
            "amount": "12345.67",
        },
        {
            "payee_name": "贵阳市第二人民医院",
            "payee_code": "H52010200002",
            "bank_name": "中国建设银行贵阳分行",
            "bank_acct": "52001000000052012345",
            "amount": "2000.33",
        },
    ],
    "total_amt": "14346.00",
}

P041 = ProcessDefinition(
    id="P041",
    slug="medical_assistance_fund_disbursement",
    name_zh="城乡医疗救助资金支出",
    service="settlement",
    variants=(Variant(INSTITUTION, "定点医疗机构申报医疗救助资金"), Variant(PERSON, "个人零星申报医疗救助资金")),
    materials=(Material("医疗救助拨款汇总单"),),
    stages=(
        Stage(
            "receive_summary",
            "县级医疗救助经办机构财务人员收到医疗救助拨款汇总单",
            ("finance",),
            "PaymentSummaryReceived",
            input=PaymentSummary,
            example=SUMMARY_EXAMPLE,
        ),
        Stage(
            "recheck",
            "复核相关数据",
            ("finance",),
            "DisbursementDataConfirmed",
            input=Recheck,
            checks=(check_recheck,),
            example={"line_count": 2, "total_amt": "14346.00"},
        ),
        Stage(
            "disburse_to_institution",
            "医疗救助资金直接划入医疗机构对公账户",
            ("finance",),
            "Disbursed",
            input=Payout,
            checks=(check_payout,),
            variants=frozenset({INSTITUTION}),
            example={"paid_amt": "14346.00", "voucher_no": "YH202611300001"},
        ),
        Stage(
            "disburse_to_person",
            "医疗救助资金通过“一卡通”进行发放",
            ("finance",),
            "Disbursed",
            input=Payout,
            checks=(check_payout,),
            variants=frozenset({PERSON}),
            example={"paid_amt": "14346.00", "voucher_no": "YKT202611300001"},
        ),
    ),
)
