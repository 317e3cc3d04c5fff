"""P012 个人账户注入: money injected into each listed person's 个人账户, one row (one case) per person.

Batch only (批量模式), 导盘模式 (a file) or 勾选模式 (persons ticked from the unit's list): every row is checked as a
single case and completes at once. Completion checks the unit is registered and open and records an 注入 entry in
fen; a frozen account refuses it (the registry's invariant). Stepping the case back takes the entry out again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from ybj_enrollment.processes.fields import PersonLookup, fen
from ybj_enrollment.registries.codes import Insutype, psn_no_for
from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Money, bilingual

# 注入类型 (codes are this platform's until checked against the national 代码表): the seed's two sources of
# 「医疗补助经费的筹集分为个人帐户注入资金（铺垫资金）和省级国家公务员医疗补助经费」.
INJECT_TYPE_ZH = {"1": "铺垫资金", "2": "公务员医疗补助"}
QUOTA_FLAG_ZH = {"0": "非定额", "1": "定额"}


class InjectionUnit(PersonLookup):
    """单位信息 (单位编号、单位名称) and the person the row injects into."""

    emp_no: str = Field(min_length=1, max_length=30, description="单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="单位名称")
    insutype: Insutype = Field(default="310", description="险种类型 (310 职工基本医疗保险)")
    quota_flag: Literal["0", "1"] = Field(default="1", description="定额标志 (1 定额, 0 非定额)")
    inject_date: date = Field(description="注入日期")

    @field_validator("inject_date")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        if value > today_of(info):
            raise bilingual("注入日期不能晚于今天", "inject_date cannot be after today")
        return value


class Injection(InjectionUnit):
    """注入信息: 险种类型、定额标志、注入类型、注入日期、注入金额."""

    inject_type: Literal["1", "2"] = Field(description="注入类型 (1 铺垫资金, 2 公务员医疗补助)")
    inject_amt: Money = Field(gt=0, description="注入金额（元）")


def psn_no_of(data: Mapping[str, Any]) -> str:
    """The person's 人员编号: as given, or the one their 证件号码 was given at enrollment."""
    return str(data.get("psn_no") or psn_no_for(str(data["certno"])))


def injection_effects(data: Mapping[str, Any], summary: str, detail: dict[str, str]) -> list[Effect]:
    """The unit must be open and the person insured under it; their account takes the amount (fen) as an 注入 entry."""
    psn_no = psn_no_of(data)
    entry = {
        "psn_no": psn_no,
        "kind": "inject",
        "amount": fen(Decimal(str(data["inject_amt"]))),
        "on": data["inject_date"],
        "summary": summary,
        "insutype": data["insutype"],
        "detail": {"emp_no": str(data["emp_no"]), "quota_flag": str(data["quota_flag"]), **detail},
    }
    presence = {"certno": str(data["certno"]), "emp_no": str(data["emp_no"]), "insutype": data["insutype"]}
    return [
        Effect("employer", str(data["emp_no"]), "check_open", {}),
        Effect("person", psn_no, "check_exists", presence),
        Effect("account", psn_no, "move", entry),
    ]


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """An 注入 entry on the person's account."""
    kind = INJECT_TYPE_ZH[str(data["inject_type"])]
    return injection_effects(data, f"个人账户注入（{kind}）", {"inject_type": str(data["inject_type"])})


UNIT = {"emp_no": "52010213594430", "emp_name": "贵阳云岩数智科技有限公司"}  # P001's example unit
PERSON = {"certno": "520102199003070022"}  # P002's example employee

P012 = ProcessDefinition(
    id="P012",
    slug="personal_account_injection",
    name_zh="个人账户注入",
    service="enrollment",
    variants=(Variant("import", "导盘模式"), Variant("select", "勾选模式")),
    materials=(Material("《单位营业执照》原件"), Material("经办人身份证原件")),
    stages=(
        Stage(
            "register_injection",
            "个人账户注入（批量模式，导盘模式或勾选模式：填写注入信息，保存）",
            ("registrar",),
            "AccountInjectionRegistered",
            input=Injection,
            batch=True,
            example={
                **UNIT,
                **PERSON,
                "insutype": "310",
                "quota_flag": "1",
                "inject_type": "1",
                "inject_date": "2026-12-01",
                "inject_amt": "1000.00",
            },
        ),
    ),
    effects=effects,
)
