"""P083 医疗机构年终总控清算: 总控参数维护（年初） and 年度总控清算拨付（年终）, one case an institution and year.

年初: 「每个清算年度年初，总控参数维护人员根据行政部门批复的年度医保付费总额控制指标在业务信息系统中逐条设置或批量
导入各定点医疗机构该年度各项总额控制参数」 → 初审 → 复审 → 年度预算额参数生成 (rule `P083.global_budget`) →
「月结算额度年中可调整」 (optional) → 预算额度初审 → 复审.
年终: 核算参数生成 (the approved budget and the year's actual fund expenditure) → 年度总控核算 (rule
`P083.year_end_clearing`, preliminary) → 调整 (optional) → 调整初审/复审 → 年度总控清算 (the rule with the adjustment)
→ 清算初审/复审 → 清算表打印 → 合单 → 推送FES → 拨付 (exactly `final_amount`) → 回写.
Formulas and ratios are EXAMPLE policy (policy/cycles.yaml): the seed gives none.
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_settlement.documents.cycles import P083_DOCUMENTS
from ybj_settlement.processes.institution_monthly_settlement import payout_stages
from ybj_settlement.processes.p083_fields import (
    AccountingAdjustment,
    AccountingParameters,
    BudgetBase,
    GrowthParameters,
    QuotaAdjustment,
    accounted,
    adjusted,
    budget_generated,
    cleared,
    quotas_adjusted,
)

SETUP = frozenset({"budget_setup"})
YEAR_END = frozenset({"year_end_clearing"})
INSTITUTION = {
    "fixmedins_code": "H52010000001",
    "fixmedins_name": "贵阳市第一人民医院",
    "admdvs": "520102",
    "year": 2026,
}
# 12555800.00 redistributed: six months of 1000000.00, five of 1092633.33 and 1092633.35 in December (示例).
ADJUSTED_QUOTAS = ["1000000.00"] * 6 + ["1092633.33"] * 5 + ["1092633.35"]

P083 = ProcessDefinition(
    id="P083",
    slug="global_budget_year_end_clearing",
    name_zh="医疗机构年终总控清算",
    service="settlement",
    variants=(
        Variant("budget_setup", "总控参数维护（年初）"),
        Variant("year_end_clearing", "年度总控清算拨付（年终）"),
    ),
    materials=(Material("《XX年度医疗保险付费总额控制指标参数表》"),),
    documents=P083_DOCUMENTS,
    stages=(
        Stage(
            "growth_parameters_entry",
            "年度医保基金支出测算增幅录入（逐条录入或批量导入）",
            ("registrar",),
            "GrowthParametersEntered",
            input=GrowthParameters,
            batch=True,
            variants=SETUP,
            example={
                **INSTITUTION,
                "begin_period": "202601",
                "end_period": "202612",
                "control_type": "住院总额（示例）",
                "visit_ratio_coef": "1.02",
                "avg_cost_coef": "0.98",
                "growth_rate": "0.05",
                "high_cost_growth_rate": "0.03",
            },
        ),
        Stage(
            "growth_parameters_first_review",
            "年度医保基金支出测算增幅初审",
            ("first_reviewer",),
            "FirstReviewApproved",
            review=True,
            variants=SETUP,
        ),
        Stage(
            "growth_parameters_second_review",
            "年度医保基金支出测算增幅复审",
            ("second_reviewer",),
            "SecondReviewApproved",
            review=True,
            variants=SETUP,
        ),
        Stage(
            "budget_generation",
            "年度预算额参数生成（录入总控年度，生成年度各定点医疗机构预算额度）",
            ("registrar",),
            "BudgetGenerated",
            input=BudgetBase,
            derive=budget_generated,
            variants=SETUP,
            example={"base_fund_expenditure": "12000000.00", "high_cost_base": "2000000.00"},
        ),
        Stage(
            "monthly_quota_adjustment",
            "年度月结算额度调整（月结算额度年中可调整）",
            ("registrar",),
            "MonthlyQuotaAdjusted",
            optional=True,
            input=QuotaAdjustment,
            derive=quotas_adjusted,
            variants=SETUP,
            example={"monthly_quotas": ADJUSTED_QUOTAS, "reason": "上半年门诊量下降（示例）"},
        ),
        Stage(
            "budget_first_review",
            "年度预算额度初审",
            ("first_reviewer",),
            "BudgetFirstReviewApproved",
            review=True,
            variants=SETUP,
        ),
        Stage(
            "budget_second_review",
            "年度预算额度复审",
            ("second_reviewer",),
            "BudgetSecondReviewApproved",
            review=True,
            variants=SETUP,
        ),
        Stage(
            "accounting_parameters_generation",
            "年度总控核算参数生成（考核结束后、年终清算前）",
            ("registrar",),
            "AccountingParametersGenerated",
            input=AccountingParameters,
            variants=YEAR_END,
            example={**INSTITUTION, "budget": "12546400.00", "actual_fund_expenditure": "12000000.00"},
        ),
        Stage(
            "global_budget_accounting",
            "年度总控核算（初步计算付费总额控制奖励或分担金额）",
            ("registrar",),
            "GlobalBudgetAccounted",
            derive=accounted,
            variants=YEAR_END,
        ),
        Stage(
            "accounting_adjustment",
            "年度总控核算调整（根据相关政策调整奖励或分担金额）",
            ("registrar",),
            "AccountingAdjusted",
            optional=True,
            input=AccountingAdjustment,
            checks=(adjusted,),
            variants=YEAR_END,
            example={"adjustment": "-3200.00", "adjustment_reason": "年度考核扣减（示例）"},
        ),
        Stage(
            "adjustment_first_review",
            "年度总控分担奖励调整初审（逐条或批量）",
            ("first_reviewer",),
            "AdjustmentFirstReviewApproved",
            review=True,
            batch=True,
            variants=YEAR_END,
        ),
        Stage(
            "adjustment_second_review",
            "年度总控分担奖励调整复审（逐条或批量）",
            ("second_reviewer",),
            "AdjustmentSecondReviewApproved",
            review=True,
            batch=True,
            variants=YEAR_END,
        ),
        Stage(
            "clearing",
            "年度总控清算（计算生成最终年度总控奖励或分担金额）",
            ("registrar",),
            "ClearingCalculated",
            derive=cleared,
            variants=YEAR_END,
        ),
        Stage(
            "clearing_first_review",
            "年终总控清算初审（逐条或批量）",
            ("first_reviewer",),
            "ClearingFirstReviewApproved",
            review=True,
            batch=True,
            variants=YEAR_END,
        ),
        Stage(
            "clearing_second_review",
            "年终总控清算复审（逐条或批量）",
            ("second_reviewer",),
            "ClearingSecondReviewApproved",
            review=True,
            batch=True,
            variants=YEAR_END,
        ),
        Stage(
            "print_clearing_statement",
            "年终总控清算表查询打印（逐条或批量打印定点医疗机构总控清算表）",
            ("registrar",),
            "ClearingStatementPrinted",
            batch=True,
            variants=YEAR_END,
        ),
        *payout_stages(
            "final_amount",
            "270000.00",  # reward min(546400.00 × 0.50, 10% of the budget) = 273200.00, adjusted by −3200.00
            variants=YEAR_END,
            merge_name="年终总控清算汇总合单打印（按总控年度、机构编码、经办起止时间、机构类型、连锁机构合单，打印汇总单审核签批）",
        ),
    ),
)
