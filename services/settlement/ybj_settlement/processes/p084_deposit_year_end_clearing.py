"""P084 保证金年终清算: 预留比例维护 → 初审 → 复审 → 评分登记 → 核算 → 清算初审 → 复审 → 拨付单 → 合单 → FES → 拨付 → 回写.

「年初，业务经办人员根据服务协议中约定在系统内对定点医药机构保证金预留比例进行设定」「年中，业务经办人员根据检查情况
录入定点医药机构因违规扣分分值」「年终，业务经办人员根据年度考核结果，录入考核评分及扣分分值」「系统自动核算年度保证金
应扣金额和实际应拨返还保证金金额」: 核算 runs the rule `P084.deposit_clearing` (deductions per point: EXAMPLE policy,
the seed gives none) on the ratio, the year's settled amount and the scores, keeping its input and output; 拨付 pays
exactly the 实际应拨返还保证金 (`refund`). The variants are the seed's two ways of entering the ratio and the scores,
手工逐条录入 and 批量导入 (《保证金预留比例表》《年度考核评分表》); the figures and the checks are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.rules import run
from ybj_kernel.domain.validation import Admdvs, Money
from ybj_settlement.documents.cycles import P084_DOCUMENTS
from ybj_settlement.processes.institution_monthly_settlement import payout_stages
from ybj_settlement.rules.cycles import DEPOSIT_CLEARING


class DepositRatio(BaseModel):
    """预留保证金比例维护: 年度, 医药机构编号, 预留保证金比例 (from the 服务协议)."""

    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$", description="医药机构编号 (H 医疗机构 / P 零售药店)")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="医药机构名称")
    admdvs: Admdvs = Field(description="统筹区医保区划")
    year: int = Field(ge=2000, le=2100, description="年度")
    deposit_ratio: Decimal = Field(ge=0, le=1, max_digits=6, decimal_places=4, description="预留保证金比例")


class ScoreEntry(BaseModel):
    """One 扣分: 年中 from an inspection (年中检查评分表) or 年终 with the annual assessment."""

    when: Literal["mid_year", "year_end"] = Field(description="mid_year 年中检查 / year_end 年终考核")
    points: Decimal = Field(gt=0, le=100, max_digits=5, decimal_places=2, description="扣分分值")
    reason: str = Field(min_length=1, max_length=500, description="扣分原因")


class ScoreRegistration(BaseModel):
    """考核检查评分登记: the annual score and every 扣分 of the year."""

    annual_score: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2, description="年度考核评分")
    deductions: list[ScoreEntry] = Field(default_factory=list, max_length=200, description="扣分分值登记")


class Accounting(BaseModel):
    """年度保证金核算: the year's 月结算应拨总额 the deposit was reserved from (from the monthly settlements)."""

    settled_amount: Money = Field(description="年度月结算应拨总额（元）")


def points_total(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """扣分分值 = the sum of the year's entries (the rule refuses more than 100)."""
    total = sum((Decimal(str(d["points"])) for d in step.get("deductions", [])), Decimal("0"))
    return {"violation_points": str(total)}


def deposit_accounted(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """`P084.deposit_clearing` on the case's ratio, scores and the settled amount; its figures copied flat."""
    raw = {
        "year": current["year"],
        "deposit_ratio": str(current["deposit_ratio"]),
        "settled_amount": str(step["settled_amount"]),
        "annual_score": str(current["annual_score"]),
        "violation_points": str(current["violation_points"]),
    }
    out = run(DEPOSIT_CLEARING, raw, date(int(current["year"]), 1, 1))
    return {"accounting_input": raw, "accounting_output": out, **out}


P084 = ProcessDefinition(
    id="P084",
    slug="deposit_year_end_clearing",
    name_zh="保证金年终清算",
    service="settlement",
    variants=(Variant("manual", "手工逐条录入"), Variant("import", "批量导入")),
    materials=(
        Material("《定点医疗机构保证金预留比例表》", required=False, condition_zh="定点医疗机构"),
        Material("《定点零售药店保证金预留比例表》", required=False, condition_zh="定点零售药店"),
        Material("《定点医疗机构年中检查评分表》", required=False, condition_zh="定点医疗机构有年中检查扣分的"),
        Material("《定点零售药店年中检查评分表》", required=False, condition_zh="定点零售药店有年中检查扣分的"),
        Material("《定点医疗机构年度考核评分表》", required=False, condition_zh="定点医疗机构"),
        Material("《定点零售药店年度考核评分表》", required=False, condition_zh="定点零售药店"),
    ),
    documents=P084_DOCUMENTS,
    stages=(
        Stage(
            "deposit_ratio_setting",
            "预留保证金比例维护（年初，根据服务协议手工逐条录入或批量导入保证金预留比例）",
            ("registrar",),
            "DepositRatioSet",
            input=DepositRatio,
            batch=True,
            example={
                "fixmedins_code": "H52010000001",
                "fixmedins_name": "贵阳市第一人民医院",
                "admdvs": "520102",
                "year": 2026,
                "deposit_ratio": "0.05",
            },
        ),
        Stage(
            "deposit_ratio_first_review",
            "保证金预留比例维护初审",
            ("first_reviewer",),
            "FirstReviewApproved",
            review=True,
        ),
        Stage(
            "deposit_ratio_second_review",
            "保证金预留比例维护复审",
            ("second_reviewer",),
            "SecondReviewApproved",
            review=True,
        ),
        Stage(
            "score_registration",
            "考核检查评分登记（年中录入违规扣分分值，年终录入年度考核评分及扣分分值；逐条录入或批量导入）",
            ("registrar",),
            "AssessmentScoreRegistered",
            input=ScoreRegistration,
            derive=points_total,
            batch=True,
            example={
                "annual_score": "86.5",
                "deductions": [
                    {"when": "mid_year", "points": "1.5", "reason": "串换项目（示例）"},
                    {"when": "year_end", "points": "0.5", "reason": "资料不全（示例）"},
                ],
            },
        ),
        Stage(
            "deposit_accounting",
            "年度保证金核算（系统根据全年度考核评分汇总数及保证金清算规定自动计算）",
            ("system",),
            "DepositAccounted",
            input=Accounting,
            derive=deposit_accounted,
            example={"settled_amount": "1200000.50"},
        ),
        Stage(
            "clearing_first_review", "保证金清算初审", ("first_reviewer",), "ClearingFirstReviewApproved", review=True
        ),
        Stage(
            "clearing_second_review",
            "保证金清算复审",
            ("second_reviewer",),
            "ClearingSecondReviewApproved",
            review=True,
        ),
        Stage(
            "print_slips",
            "保证金拨付单查询打印（逐条查询或者批量检索打印）",
            ("registrar",),
            "DisbursementSlipsPrinted",
            batch=True,
        ),
        # reserved 60000.03 (1200000.50 × 5%), deducted 9% (3.5 points under 90 × 2% + 2 points × 1%): example
        *payout_stages(
            "refund", "54600.03", merge_name="保证金拨付汇总合单打印（生成拨付汇总表合单，打印汇总单审核签批）"
        ),
    ),
)
