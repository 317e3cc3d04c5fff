"""P085 集采结余奖励清算: 集采数据接收 → 药品或耗材结余奖励生成 → 初审 → 复审 → 拨付打印 → 合单 → FES → 拨付 → 回写.

「采集各家定点医疗机构药品和耗材相关集中采购使用及相关数据信息」「核算定点医疗机构药品和耗材结余奖励，初审、复审后
拨付」. One case is one institution's drugs (variant 药品集采结余奖励) or consumables (耗材集采结余奖励) for a year:
生成 runs the rule `P085.procurement_surplus_reward` with the variant's kind (留用比例 per kind: EXAMPLE policy, the
seed gives none), keeping its input and output; 拨付 pays exactly the `reward`. The 考核系数 is the material
「定点医疗机构结余奖励考核结果」, received with the 招采子系统's data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.rules import run
from ybj_kernel.domain.validation import Admdvs
from ybj_settlement.documents.cycles import P085_DOCUMENTS
from ybj_settlement.processes.institution_monthly_settlement import payout_stages
from ybj_settlement.rules.cycles import PROCUREMENT_REWARD
from ybj_settlement.rules.cycles_models import ProcurementItem

DRUG = frozenset({"drug"})
CONSUMABLE = frozenset({"consumable"})


class ProcurementData(BaseModel):
    """集采数据接收: what the 招采子系统 pushes for one institution and year, and its 结余奖励考核结果."""

    fixmedins_code: str = Field(pattern=r"^H\d{11}$", description="定点医疗机构编号 (H + 11 位)")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="定点医疗机构名称")
    admdvs: Admdvs = Field(description="统筹区医保区划")
    year: int = Field(ge=2000, le=2100, description="清算年度")
    items: list[ProcurementItem] = Field(min_length=1, max_length=5000, description="集采品种使用数据")
    assessment_coef: Decimal = Field(ge=0, le=1, max_digits=5, decimal_places=4, description="结余奖励考核系数")


def reward_of(kind: Literal["drug", "consumable"]) -> Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]:
    """结余奖励生成 for `kind`: the rule on the received items, its figures copied flat."""

    def generate(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
        raw = {
            "year": current["year"],
            "kind": kind,
            "items": [dict(i) for i in current["items"]],
            "assessment_coef": str(current["assessment_coef"]),
        }
        out = run(PROCUREMENT_REWARD, raw, date(int(current["year"]), 1, 1))
        return {"kind": kind, "item_cnt": len(raw["items"]), "reward_input": raw, "reward_output": out, **out}

    return generate


def _reviews_and_print(prefix: str, kind_zh: str, variants: frozenset[str]) -> tuple[Stage, ...]:
    return (
        Stage(
            f"{prefix}_reward_first_review",
            f"{kind_zh}集采结余奖励初审",
            ("first_reviewer",),
            "FirstReviewApproved",
            review=True,
            variants=variants,
        ),
        Stage(
            f"{prefix}_reward_second_review",
            f"{kind_zh}集采结余奖励复审",
            ("second_reviewer",),
            "SecondReviewApproved",
            review=True,
            variants=variants,
        ),
        Stage(
            f"{prefix}_reward_print",
            f"{kind_zh}集采结余奖励拨付查询及打印",
            ("registrar",),
            "DisbursementSlipsPrinted",
            variants=variants,
        ),
    )


P085 = ProcessDefinition(
    id="P085",
    slug="centralized_procurement_surplus_reward_clearing",
    name_zh="集采结余奖励清算",
    service="settlement",
    variants=(Variant("drug", "药品集采结余奖励"), Variant("consumable", "耗材集采结余奖励")),
    materials=(Material("定点医疗机构结余奖励考核结果"),),
    documents=P085_DOCUMENTS,
    stages=(
        Stage(
            "receive_procurement_data",
            "集采数据接收（接收招采子系统推送的各定点医疗机构药品和耗材集中采购使用及相关数据）",
            ("system",),
            "ProcurementDataReceived",
            input=ProcurementData,
            example={
                "fixmedins_code": "H52010000001",
                "fixmedins_name": "贵阳市第一人民医院",
                "admdvs": "520102",
                "year": 2026,
                "items": [
                    {"name": "集采品种甲（示例）", "expected_amount": "30000.00", "actual_amount": "12000.33"},
                    {"name": "集采品种乙（示例）", "expected_amount": "8000.00", "actual_amount": "8500.00"},
                ],
                "assessment_coef": "0.95",
            },
        ),
        Stage(
            "drug_reward_generation",
            "药品集采结余奖励生成（系统根据药品集采结余奖励细则核算）",
            ("system",),
            "RewardGenerated",
            derive=reward_of("drug"),
            variants=DRUG,
        ),
        *_reviews_and_print("drug", "药品", DRUG),
        Stage(
            "consumable_reward_generation",
            "耗材集采结余奖励生成（系统根据耗材集采结余奖励细则核算）",
            ("system",),
            "RewardGenerated",
            derive=reward_of("consumable"),
            variants=CONSUMABLE,
        ),
        *_reviews_and_print("consumable", "耗材", CONSUMABLE),
        # surplus 17999.67 (the overrun of 品种乙 does not offset), × 0.50 × 0.95 = 8549.84 for either kind: example
        *payout_stages("reward", "8549.84", merge_name="药品耗材集采结余奖励拨付合单及打印"),
    ),
)
