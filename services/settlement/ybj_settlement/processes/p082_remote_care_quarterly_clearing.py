"""P082 异地就医医疗费用季度清算: 省异地就医结算中心下发 → 统筹区初审 → 复审, 「每个季度开始月15日前」.

The seed: 「每个季度开始月15日前对省异地就医结算中心季度清算对本统筹区清算数据进行初审、复审确认」. Both reviews are due
on the 15th of the month the data arrive in (the first month of the quarter); the seed says no 顺延, so none.
The clearing data are lines per counterpart 统筹区: what this area owes (应付, its insured treated elsewhere) and what
it is owed (应收); the totals and the net add up to the fen.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.deadlines import DayOfMonth
from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.domain.validation import Admdvs, Money
from ybj_settlement.processes.institution_monthly_settlement import yuan

BY_15TH = DayOfMonth(15, roll_forward=False)  # 「季度开始月15日前」


class ClearingLine(BaseModel):
    """One counterpart 统筹区's figure in the quarter."""

    counterpart_admdvs: Admdvs = Field(description="对方统筹区医保区划")
    direction: Literal["payable", "receivable"] = Field(
        description="payable 应付（本地参保人异地就医）/ receivable 应收"
    )
    setl_cnt: int = Field(ge=0, description="结算笔数")
    amount: Money = Field(description="清算金额（元）")


class QuarterlyClearing(BaseModel):
    """省异地就医结算中心下发的本统筹区季度清算数据."""

    admdvs: Admdvs = Field(description="本统筹区医保区划")
    clr_quarter: str = Field(pattern=r"^\d{4}Q[1-4]$", description="清算季度 (YYYYQn)")
    lines: list[ClearingLine] = Field(min_length=1, max_length=5000, description="清算数据")


def totals(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """应付合计, 应收合计 and 净额 (应收 − 应付; negative: this area pays)."""
    pay = sum((Decimal(x["amount"]) for x in step["lines"] if x["direction"] == "payable"), Decimal(0))
    receive = sum((Decimal(x["amount"]) for x in step["lines"] if x["direction"] == "receivable"), Decimal(0))
    return {"payable_total": yuan(pay), "receivable_total": yuan(receive), "net_amount": yuan(receive - pay)}


P082 = ProcessDefinition(
    id="P082",
    slug="remote_care_quarterly_clearing",
    name_zh="异地就医医疗费用季度清算",
    service="settlement",
    stages=(
        Stage(
            "provincial_clearing_issued",
            "省异地就医结算中心下发季度清算数据",
            ("remote_settlement_center",),
            "QuarterlyClearingIssued",
            input=QuarterlyClearing,
            derive=totals,
            example={
                "admdvs": "520102",
                "clr_quarter": "2026Q3",
                "lines": [
                    {"counterpart_admdvs": "530102", "direction": "payable", "setl_cnt": 3, "amount": "12000.10"},
                    {"counterpart_admdvs": "510104", "direction": "receivable", "setl_cnt": 2, "amount": "8000.05"},
                ],
            },
        ),
        Stage(
            "first_review", "统筹区清算数据初审", ("first_reviewer",), "FirstReviewApproved", review=True, due=BY_15TH
        ),
        Stage(
            "second_review",
            "统筹区清算数据复审",
            ("second_reviewer",),
            "SecondReviewApproved",
            review=True,
            due=BY_15TH,
        ),
    ),
)
