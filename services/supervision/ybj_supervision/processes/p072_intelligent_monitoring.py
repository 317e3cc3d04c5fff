"""P072 智能监控: 疑点登记 → 初审 → (申诉) → 复审 → 合议 → 补差 → 关闭.

A suspicious claim screened by the rules engine is opened as a case; reviewers mark it 违规 or 不违规.
What the panel finds not in violation is sent to settlement for 补差 (compensation); what it confirms as a violation is put
in force as a `violation` when the case closes, and settlement deducts it (P078, 智能审核扣款).

A case is one visit (mdtrt_id and rule_code given), or one institution's month of the monitoring rules' hits
(rules/monitoring_cases.py): then `hits` lists them, and the 疑点金额 is their sum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, Money
from ybj_kernel.errors import InvalidInput

VIOLATION = "violation"  # supervision's registry of confirmed violations (screening.py)


class SuspicionEvidence(BaseModel):
    """违规依据: a settlement and the indexes of its lines (none: the record as a whole)."""

    setl_id: str = Field(min_length=1, max_length=40, description="结算ID")
    line_idx: list[int] = Field(default_factory=list, description="费用明细序号（从0起）")


class SuspicionHit(BaseModel):
    """One monitoring rule's hit, as the case holds it (money in yuan)."""

    rule_id: str = Field(min_length=1, max_length=60, description="规则编码")
    rule_name: str = Field(min_length=1, max_length=100, description="规则名称")
    vola_cont: str = Field(min_length=1, max_length=1000, description="违规内容")
    vola_amt: Money = Field(description="违规金额（元）")
    sev_deg: int = Field(ge=1, le=3, description="严重程度 (1 提示, 2 一般, 3 严重)")
    psn_no: str = Field(min_length=1, max_length=40, description="人员编号")
    mdtrt_id: str = Field(min_length=1, max_length=40, description="就诊流水号")
    vola_evid: list[SuspicionEvidence] = Field(min_length=1, description="违规依据")


class Suspicion(BaseModel):
    """A 就诊疑点 from intelligent monitoring: which visit, which rule, how much is at stake.

    Or one institution's month of hits (`hits`): then the visit and the rule may be left out, and the 疑点金额 is the
    hits' sum.
    """

    task_type: str = Field(min_length=1, max_length=30, description="任务类型")
    task_name: str = Field(min_length=1, max_length=200, description="任务名称")
    mdtrt_id: str | None = Field(default=None, min_length=1, max_length=40, description="就诊流水号")
    setl_id: str | None = Field(default=None, max_length=40, description="结算ID")
    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$", description="定点医药机构编号")
    psn_no: str | None = Field(default=None, max_length=40, description="人员编号")
    rule_code: str | None = Field(default=None, min_length=1, max_length=60, description="违规规则编码")
    admdvs: Admdvs = Field(description="行政区划")
    suspect_amount: Money = Field(description="疑点金额（元），初审前暂扣")
    setl_ym: str | None = Field(default=None, pattern=r"^\d{4}(0[1-9]|1[0-2])$", description="结算年月（按月登记）")
    hits: list[SuspicionHit] = Field(default_factory=list, description="监控规则疑点（按机构、月份登记）")
    screening_key: str | None = Field(
        default=None, max_length=60, description="监控批次（机构:结算年月:序号，系统按月登记时填写）"
    )


class Verdict(BaseModel):
    """A review's finding: in violation or not, and the amount in violation (违规金额)."""

    is_violation: bool = Field(description="是否违规")
    vola_amt: Money = Field(default=Decimal(0), description="违规金额（元）")
    opinion: str | None = Field(default=None, max_length=1000, description="审核意见")


class PanelVerdict(Verdict):
    """合议's finding, which settlement deducts when it is a violation: the kind, multiple, fund and month."""

    kind: Literal["ordinary", "penalty"] = Field(
        default="ordinary", description="ordinary 违规扣款（减统筹区应结算）/ penalty 倍数处罚性扣款（减机构申报额）"
    )
    multiple: Decimal = Field(default=Decimal(1), gt=0, le=100, max_digits=6, decimal_places=2, description="扣款倍数")
    fund_type: Literal["310100", "390100", "510100"] | None = Field(
        default=None, description="扣款基金类型（认定违规时必填）"
    )
    deduct_ym: str | None = Field(
        default=None, pattern=r"^\d{4}(0[1-9]|1[0-2])$", description="扣款所属清算年月（不填为疑点的结算年月）"
    )


class Appeal(BaseModel):
    """定点机构提交申诉数据."""

    appeal_reason: str = Field(min_length=1, max_length=2000, description="申诉理由")
    attachments: list[str] = Field(default_factory=list, max_length=20, description="附件编号")


def check_suspicion(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A single visit names its visit and rule; a month of hits adds up to its 疑点金额."""
    hits = step.get("hits") or []
    if not hits:
        for name, zh in (("mdtrt_id", "就诊流水号"), ("rule_code", "违规规则编码")):
            if not step.get(name):
                raise InvalidInput(
                    "MISSING_FIELD", f"未列疑点明细时须填写{zh}", f"{name} is required when no hits are listed", name
                )
        return
    total = sum((Decimal(str(h["vola_amt"])) for h in hits), Decimal(0))
    if total != Decimal(str(step["suspect_amount"])):
        raise InvalidInput(
            "INVALID_SUSPECT_AMOUNT",
            f"疑点金额应等于各疑点违规金额之和（{total}）",
            f"suspect_amount must equal the sum of the hits' vola_amt ({total})",
            "suspect_amount",
        )


def check_verdict(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A violation needs an amount no larger than the suspicion; no violation means zero."""
    amount = Decimal(step["vola_amt"])
    if step["is_violation"] and not Decimal(0) < amount <= Decimal(current["suspect_amount"]):
        raise InvalidInput(
            "INVALID_VIOLATION_AMOUNT",
            "违规金额应大于0且不超过疑点金额",
            "vola_amt must be above 0 and at most the suspect amount",
            "vola_amt",
        )
    if not step["is_violation"] and amount != 0:
        raise InvalidInput(
            "INVALID_VIOLATION_AMOUNT",
            "认定不违规时违规金额应为0",
            "vola_amt must be 0 when there is no violation",
            "vola_amt",
        )


def check_panel_verdict(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A confirmed violation says which fund it is deducted from, and for which month."""
    check_verdict(current, step)
    if not step["is_violation"]:
        return
    if not step.get("fund_type"):
        raise InvalidInput("MISSING_FIELD", "认定违规时须填写扣款基金类型", "fund_type is required", "fund_type")
    if not (step.get("deduct_ym") or current.get("setl_ym")):
        raise InvalidInput(
            "MISSING_FIELD",
            "疑点未按月登记，认定违规时须填写扣款所属清算年月",
            "deduct_ym is required when the suspicion has no setl_ym",
            "deduct_ym",
        )


def violation_key(data: Mapping[str, Any]) -> str:
    """The confirmed violation's key: the monitoring batch, or the institution, visit and rule of a single suspicion."""
    return str(data.get("screening_key") or f"{data['fixmedins_code']}:{data.get('mdtrt_id')}:{data.get('rule_code')}")


def confirmed_violation(data: Mapping[str, Any], _variant: str | None) -> Sequence[Effect]:
    """Closed after 合议 found a violation: it is in force as a `violation`, which settlement deducts (P078)."""
    if not data.get("is_violation") or Decimal(str(data.get("vola_amt", "0"))) <= 0:
        return []
    ym = str(data.get("deduct_ym") or data["setl_ym"])
    first = date(int(ym[:4]), int(ym[4:]), 1)
    last = date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)
    args = {
        "fixmedins_code": data["fixmedins_code"],
        "admdvs": data["admdvs"],
        "setl_ym": ym,
        "vola_amt": str(data["vola_amt"]),
        "kind": data.get("kind") or "ordinary",
        "multiple": str(data.get("multiple") or "1"),
        "fund_type": data["fund_type"],
        "vola_begndate": first.isoformat(),
        "vola_enddate": last.isoformat(),
        "task_name": data["task_name"],
        "hit_count": len(data.get("hits") or []),
        "mdtrt_id": data.get("mdtrt_id"),
    }
    return [Effect(VIOLATION, violation_key(data), "confirm", args)]


def compensation(current: Mapping[str, Any], _step: Mapping[str, Any]) -> dict[str, Any]:
    """补差金额 = 疑点金额 − 合议认定的违规金额: what settlement pays back to the institution."""
    amount = Decimal(current["suspect_amount"]) - Decimal(current.get("vola_amt", "0"))
    return {"compensation_amount": str(amount.quantize(Decimal("0.01")))}


P072 = ProcessDefinition(
    id="P072",
    slug="intelligent_monitoring_review",
    name_zh="智能监控",
    service="supervision",
    # The catalogue lists the stages after screening; a case opens when the rules engine flags a visit.
    stages=(
        Stage(
            "register",
            "智能监控疑点登记",
            ("system", "auditor"),
            "Registered",
            input=Suspicion,
            checks=(check_suspicion,),
            example={
                "task_type": "事后审核",
                "task_name": "10月门诊",
                "mdtrt_id": "MD1",
                "fixmedins_code": "H52010000001",
                "rule_code": "R1",
                "admdvs": "520102",
                "suspect_amount": "1840.00",
            },
        ),
        Stage(
            "first_review",
            "初审（标识违规或不违规）",
            ("first_reviewer",),
            "FirstReviewCompleted",
            review=True,
            input=Verdict,
            checks=(check_verdict,),
            example={"is_violation": True, "vola_amt": "840.00"},
        ),
        Stage(
            "appeal",
            "定点机构提交申诉数据",
            ("institution",),
            "AppealSubmitted",
            optional=True,
            input=Appeal,
            example={"appeal_reason": "非重复收费"},
        ),
        Stage(
            "second_review",
            "复审",
            ("second_reviewer",),
            "SecondReviewCompleted",
            review=True,
            input=Verdict,
            checks=(check_verdict,),
            example={"is_violation": True, "vola_amt": "840.00"},
        ),
        Stage(
            "collegial_review",
            "合议",
            ("panel",),
            "CollegialReviewCompleted",
            review=True,
            input=PanelVerdict,
            checks=(check_panel_verdict,),
            example={"is_violation": True, "vola_amt": "840.00", "fund_type": "310100", "deduct_ym": "202611"},
        ),
        Stage(
            "compensation",
            "补差（不违规数据发送结算系统补差清算）",
            ("system", "auditor"),
            "CompensationSentToSettlement",
            derive=compensation,
        ),
        Stage("close", "关闭", ("auditor",), "CaseClosed"),
    ),
    effects=confirmed_violation,
)
