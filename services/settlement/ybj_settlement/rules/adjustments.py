"""P078 违规扣款: how much a violation deducts, and which amount the deduction reduces (DOMAIN R19).

「系统针对违规项目扣款信息对应扣减参保人医保统筹区或医保分中心应结算金额，针对倍数处罚性扣款直接扣除医药机构申报结算金额」
(seeds/001 L4183-4186). The fields are 「违规金额，扣款倍数、应扣款金额」; the seeds do not give the 「扣款规则」 themselves.
Assumed here (DOMAIN R19 [A]): 应扣款金额 = 违规金额 × 扣款倍数, rounded half up to the fen; an ordinary 违规扣款 has the
multiple 1 and reduces the 统筹区/分中心 amount (`pool`); a 倍数处罚性扣款 has a multiple above 1 and comes off the
institution's declared amount (`declared`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.rules import Reason, Rule, RuleContext, Verdict
from ybj_kernel.domain.validation import Money

CENT = Decimal("0.01")
KINDS_ZH = {"ordinary": "违规扣款", "penalty": "倍数处罚性扣款"}
REDUCES_ZH = {"pool": "医保统筹区/医保分中心应结算金额", "declared": "医药机构申报结算金额"}


def fen(yuan: Decimal) -> int:
    """Yuan (fen precision) as integer fen, half up: the one place amounts are rounded."""
    return int((yuan / CENT).to_integral_value(ROUND_HALF_UP))


def yuan(amount_fen: int) -> str:
    """Integer fen as a yuan string with two decimals."""
    return str((Decimal(amount_fen) * CENT).quantize(CENT))


class DeductionInput(BaseModel):
    """违规金额, 扣款倍数 and the kind of deduction."""

    vola_amt: Money = Field(gt=0, description="违规金额（元）")
    multiple: Decimal = Field(gt=0, le=100, max_digits=6, decimal_places=2, description="扣款倍数")
    kind: Literal["ordinary", "penalty"] = Field(description="ordinary 违规扣款 / penalty 倍数处罚性扣款")


class DeductionOutput(Verdict):
    """应扣款金额 and the amount it reduces."""

    deduct_amt: str = Field(description="应扣款金额（元）")
    deduct_fen: int = Field(description="应扣款金额（分）")
    reduces: Literal["pool", "declared"] = Field(description="pool 统筹区/分中心应结算金额, declared 机构申报结算金额")
    reduces_zh: str


def deduction(data: DeductionInput, _ctx: RuleContext) -> DeductionOutput:
    """应扣款金额 = 违规金额 × 扣款倍数; an ordinary deduction has the multiple 1, a penalty one above 1."""
    amount = fen(data.vola_amt * data.multiple)
    reduces: Literal["pool", "declared"] = "declared" if data.kind == "penalty" else "pool"
    reasons = []
    if data.kind == "ordinary" and data.multiple != 1:
        reasons.append(
            Reason(
                code="ORDINARY_MULTIPLE_NOT_ONE",
                message_zh=f"违规扣款（非倍数处罚）的扣款倍数应为1，录入为{data.multiple}",
                message_en=f"an ordinary deduction has the multiple 1, not {data.multiple}",
                field="multiple",
            )
        )
    if data.kind == "penalty" and data.multiple <= 1:
        reasons.append(
            Reason(
                code="PENALTY_MULTIPLE_TOO_LOW",
                message_zh=f"倍数处罚性扣款的扣款倍数应大于1，录入为{data.multiple}",
                message_en=f"a penalty deduction has a multiple above 1, not {data.multiple}",
                field="multiple",
            )
        )
    return DeductionOutput(
        allowed=not reasons,
        reasons=reasons,
        deduct_amt=yuan(amount),
        deduct_fen=amount,
        reduces=reduces,
        reduces_zh=REDUCES_ZH[reduces],
    )


DEDUCTION: Rule[DeductionInput, DeductionOutput] = Rule(
    id="violation_deduction",
    process_id="P078",
    name_zh="违规扣款核算（应扣款金额及扣减对象）",
    name_en="Violation deduction: the amount and what it reduces",
    source_zh=(
        "「系统针对违规项目扣款信息对应扣减参保人医保统筹区或医保分中心应结算金额，"
        "针对倍数处罚性扣款直接扣除医药机构申报结算金额」；「违规金额，扣款倍数、应扣款金额」"
    ),
    source_ref="seeds/001 L4183-4186, L4201",
    input_model=DeductionInput,
    output_model=DeductionOutput,
    fn=deduction,
    example={"vola_amt": "1234.57", "multiple": "2", "kind": "penalty"},
    also_applies_to=("P079",),
    parameters={
        "rounding": "ROUND_HALF_UP to the fen",
        "ordinary_multiple": "1",
        "assumed": "应扣款金额 = 违规金额 × 扣款倍数",
    },
)

RULES: tuple[Rule[Any, Any], ...] = (DEDUCTION,)
