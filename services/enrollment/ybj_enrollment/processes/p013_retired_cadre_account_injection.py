"""P013 退休老干账户注入: injections into retired veteran cadres' 个人账户, imported, checked, then saved.

Batch only (导盘模式 or 勾选模式): the upload opens one case per person at 导入信息校验 (the system's check of the
row), then 保存 (register_injection) completes it and records the 注入 entry in fen. The amount follows
「退休（职）人员按其退休时享受待遇和工龄，比照在职人员同档标准注入」: the 同档标准 a month times the months from
开始时间 to 结束时间. The seeds give no standard, so `EXAMPLE_STANDARDS` below is example data to be configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from ybj_enrollment.processes.p012_personal_account_injection import (
    PERSON,
    UNIT,
    InjectionUnit,
    injection_effects,
    psn_no_of,
)
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, bilingual
from ybj_kernel.errors import InvalidInput

MAX_MONTHS = 120  # one row's span: a technical bound on the case's size, not a policy number


@dataclass(frozen=True)
class InjectionStandards:
    """在职人员同档标准 (元/月) by 待遇档次. EXAMPLE VALUES: the seeds give no standard; each 统筹区 sets its own."""

    monthly: Mapping[str, Decimal] = field(
        default_factory=lambda: MappingProxyType(
            {"1": Decimal("300.00"), "2": Decimal("200.00"), "3": Decimal("150.00")}  # examples only
        )
    )


EXAMPLE_STANDARDS = InjectionStandards()


def months_between(begin: date, end: date) -> int:
    """Months from 开始时间 to 结束时间, both months counted."""
    return (end.year - begin.year) * 12 + end.month - begin.month + 1


class RetireeInjection(InjectionUnit):
    """注入信息: 险种类型、定额标志、参保所属医保区划、注入日期、开始时间、结束时间, and the 档次 of the standard."""

    insu_admdvs: Admdvs = Field(description="参保所属医保区划")
    begndate: date = Field(description="开始时间")
    enddate: date = Field(description="结束时间")
    trt_grade: str = Field(min_length=1, max_length=6, description="待遇档次（比照在职人员同档标准）")

    @field_validator("enddate")
    @classmethod
    def _span(cls, value: date, info: ValidationInfo) -> date:
        begin = info.data.get("begndate")
        if begin is not None and value < begin:
            raise bilingual("结束时间不能早于开始时间", "enddate cannot be before begndate")
        if begin is not None and months_between(begin, value) > MAX_MONTHS:
            raise bilingual(f"一次注入不能超过 {MAX_MONTHS} 个月", f"one injection covers at most {MAX_MONTHS} months")
        return value


def standard_amount(
    _current: Mapping[str, Any], step: Mapping[str, Any], standards: InjectionStandards = EXAMPLE_STANDARDS
) -> dict[str, Any]:
    """导入信息校验: the 档次 must have a standard; the amount is that standard a month times the months."""
    monthly = standards.monthly.get(str(step["trt_grade"]))
    if monthly is None:
        raise InvalidInput(
            "NO_INJECTION_STANDARD",
            f"待遇档次 {step['trt_grade']} 没有配置同档注入标准",
            f"no injection standard is configured for grade {step['trt_grade']}",
            "trt_grade",
        )
    months = months_between(date.fromisoformat(step["begndate"]), date.fromisoformat(step["enddate"]))
    return {
        "psn_no": psn_no_of(step),
        "months": months,
        "monthly_std": str(monthly),
        "inject_amt": str(monthly * months),
    }


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """An 注入 entry on the retiree's account, with the 统筹区 and the period it covers."""
    detail = {
        "insu_admdvs": str(data["insu_admdvs"]),
        "begndate": str(data["begndate"]),
        "enddate": str(data["enddate"]),
        "trt_grade": str(data["trt_grade"]),
    }
    return injection_effects(data, "退休老干账户注入", detail)


P013 = ProcessDefinition(
    id="P013",
    slug="retired_veteran_cadre_account_injection",
    name_zh="退休老干账户注入",
    service="enrollment",
    variants=(Variant("import", "导盘模式"), Variant("select", "勾选模式")),
    materials=(Material("医保电子凭证或医保卡"), Material("经办人身份证原件")),
    stages=(
        Stage(
            "validate_import",
            "导入信息校验",
            # The system checks each imported row; the registrar's upload (or ticked list) is what opens it.
            ("system", "registrar"),
            "ImportValidated",
            input=RetireeInjection,
            derive=standard_amount,
            batch=True,
            example={
                **UNIT,
                **PERSON,
                "insutype": "310",
                "quota_flag": "1",
                "insu_admdvs": "520102",
                "inject_date": "2026-12-01",
                "begndate": "2026-01-01",
                "enddate": "2026-12-31",
                "trt_grade": "2",
            },
        ),
        Stage(
            "register_injection",
            "退休老干账户注入（批量模式，填写注入信息，保存）",
            ("registrar",),
            "AccountInjectionRegistered",
            batch=True,
        ),
    ),
    effects=effects,
)
