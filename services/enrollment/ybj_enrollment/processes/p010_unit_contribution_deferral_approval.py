"""P010 单位缓交认定: 书面申请 → 中心领导、局领导审查批准 → 单位缓缴认定, which records the deferral on the unit (E07).

「原则上基本医疗保险费不予缓缴」: a unit asks in writing, giving its reason, for at most 2 months (rule
`deferral_period`, the same function staff try, run as the application is validated). The approval stage records both
leaders (「经中心领导、局领导审查批准后方可缓缴」): it cannot be completed without the two of them, two different
people. Stepping the completed case back (or cancelling it) withdraws the deferral.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_enrollment.registries.codes import Insutype
from ybj_enrollment.rule_models import Period
from ybj_enrollment.rules import RULES
from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.rules import evaluate, refusal
from ybj_kernel.domain.validation import bilingual


class DeferralApplication(BaseModel):
    """书面申请: the unit (单位编号、单位名称), 缓缴险种, the months asked for and why."""

    emp_no: str = Field(min_length=1, max_length=30, description="单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="单位名称")
    insutype: Insutype = Field(default="310", description="缓缴险种 (310 职工基本医疗保险, 510 生育保险)")
    begn_ym: Period = Field(description="开始年月 (YYYYMM)")
    end_ym: Period = Field(description="结束年月 (YYYYMM，含)")
    appl_rea: str = Field(min_length=1, max_length=500, description="申请缓缴原因（单位暂时经济困难的特殊原因）")

    @model_validator(mode="after")
    def _at_most_two_months(self, info: ValidationInfo) -> DeferralApplication:
        """R04 缓缴期限, through the rule staff try: a refusal names end_ym, as the trial shows it."""
        period = {"start_ym": self.begn_ym, "end_ym": self.end_ym}
        if (error := refusal(evaluate(RULES.get("deferral_period"), period, today_of(info)))) is not None:
            raise error
        return self


class LeaderApproval(BaseModel):
    """中心领导、局领导审查批准: both leaders, and when each signed."""

    center_leader: str = Field(min_length=1, max_length=50, description="中心领导（审查批准人）")
    center_approved_on: date = Field(description="中心领导批准日期")
    bureau_leader: str = Field(min_length=1, max_length=50, description="局领导（审查批准人）")
    bureau_approved_on: date = Field(description="局领导批准日期")
    opinion: str | None = Field(default=None, max_length=500, description="审批意见")

    @field_validator("center_approved_on", "bureau_approved_on")
    @classmethod
    def _not_in_the_future(cls, value: date, info: ValidationInfo) -> date:
        if value > today_of(info):
            raise bilingual("批准日期不能晚于今天", f"{info.field_name} cannot be after today")
        return value

    @field_validator("bureau_leader")
    @classmethod
    def _two_leaders(cls, value: str, info: ValidationInfo) -> str:
        if value.strip() == str(info.data.get("center_leader", "")).strip():
            raise bilingual(
                "中心领导和局领导须分别审查批准，不能为同一人",
                "the centre's and the bureau's leaders must be two people",
            )
        return value


class DeferralRegistration(BaseModel):
    """缓缴认定信息: 缓交类型、认定方向、认定类型 (缓缴险种 and the months are those approved)."""

    defer_type: str = Field(pattern=r"^\d{1,3}$", description="缓交类型 (代码，按国家代码表)")
    idet_dir: Literal["1"] = Field(default="1", description="认定方向 (1 认定缓缴)")
    idet_type: Literal["1", "2"] = Field(description="认定类型 (1 单位暂时经济困难, 2 国家特殊规定)")


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The unit's deferral (E07), for the 险种 and months the leaders approved, with who approved it."""
    deferral = {
        "insutype": data["insutype"],
        "begn_ym": data["begn_ym"],
        "end_ym": data["end_ym"],
        "defer_type": data["defer_type"],
        "idet_dir": data["idet_dir"],
        "idet_type": data["idet_type"],
        "approved_by": [data["center_leader"], data["bureau_leader"]],
    }
    return [Effect("employer", str(data["emp_no"]), "record_deferral", deferral)]


P010 = ProcessDefinition(
    id="P010",
    slug="unit_contribution_deferral_approval",
    name_zh="单位缓交认定",
    service="enrollment",
    materials=(Material("缓缴医疗保险费申请（加盖单位公章）"),),
    stages=(
        Stage(
            "apply",
            "用人单位向医保经办机构提出书面申请",
            ("applicant", "registrar"),  # the unit itself, or the counter keying in its written application
            "DeferralApplied",
            input=DeferralApplication,
            example={
                "emp_no": "52010213594430",  # P001's example unit
                "emp_name": "贵阳云岩数智科技有限公司",
                "insutype": "310",
                "begn_ym": "202701",
                "end_ym": "202702",
                "appl_rea": "受灾停产，暂时经济困难",
            },
        ),
        Stage(
            "leader_approval",
            "中心领导、局领导审查批准",
            ("approver",),
            "DeferralApproved",
            review=True,
            input=LeaderApproval,
            example={
                "center_leader": "王明",
                "center_approved_on": "2026-12-02",
                "bureau_leader": "赵刚",
                "bureau_approved_on": "2026-12-03",
            },
        ),
        Stage(
            "register",
            "单位缓缴认定（填写缓缴认定信息，保存）",
            ("registrar",),
            "Registered",
            input=DeferralRegistration,
            example={"defer_type": "1", "idet_dir": "1", "idet_type": "1"},
        ),
    ),
    effects=effects,
)
