"""P007 单位征缴基数申报: a unit declares its employees' 缴费工资 for a month, one row (one case) per employee.

The batch upload (导盘模式) is the usual way in; the single form declares one employee. Completing a row sets the
person's 核定基数 for that 险种 and month; stepping it back restores the base it replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import Field

from ybj_enrollment.processes.fields import PersonLookup, fen
from ybj_enrollment.registries.codes import Insutype, psn_no_for
from ybj_enrollment.rule_models import Period
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Uniqueness
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Money


class WageDeclaration(PersonLookup):
    """单位信息 (单位编号、单位名称) and one line of 工资申报信息: the employee, 险种, 申报年月 and 申报工资."""

    emp_no: str = Field(min_length=1, max_length=30, description="单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="单位名称")
    psn_name: str | None = Field(default=None, max_length=50, description="姓名（选填，随申报保存）")
    insutype: Insutype = Field(default="310", description="险种类型 (310 职工基本医疗保险, 510 生育保险)")
    ym: Period = Field(description="申报年月 (YYYYMM)")
    decl_wage: Money = Field(description="申报工资（元）")


def person_number(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The employee's 人员编号, found from the 证件号码 when not given."""
    return {"psn_no": step.get("psn_no") or psn_no_for(step["certno"])}


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The unit must be registered and open; the base is set for a person insured under this unit only."""
    base = {
        "insutype": data["insutype"],
        "ym": data["ym"],
        "amount": fen(Decimal(str(data["decl_wage"]))),
        "emp_no": data["emp_no"],
    }
    return [
        Effect("employer", str(data["emp_no"]), "check_open", {}),
        Effect("person", str(data["psn_no"]), "set_contribution_base", base),
    ]


# One declaration in effect per person, 险种 and month: a wrong one is stepped back (or cancelled) and declared
# again, so two rows of one file for the same person and month are caught as duplicates.
BASE_DECLARATION = Uniqueness(
    scope="contribution_base_declaration",
    key=lambda d: f"{d['psn_no']}:{d['insutype']}:{d['ym']}",
    field="certno",
    message_zh="该人员本险种本月已有缴费工资申报",
    message_en="this person already has a wage declaration for this insurance type and month",
)

P007 = ProcessDefinition(
    id="P007",
    slug="unit_contribution_base_declaration",
    name_zh="单位征缴基数申报",
    service="enrollment",
    materials=(
        Material("《职工基本医疗保险参保登记表》（加盖单位公章）"),
        Material("职工工资发放花名册（加盖单位公章）"),
        Material("缴费工资电子盘"),
    ),
    stages=(
        Stage(
            "declare_base",
            "缴费工资申报核定（批量模式，导盘模式导入工资申报信息，保存）",
            ("registrar",),
            "ContributionBaseDeclared",
            input=WageDeclaration,
            derive=person_number,
            unique=BASE_DECLARATION,
            batch=True,
            example={
                "emp_no": "52010213594430",  # P001's example unit
                "emp_name": "贵阳云岩数智科技有限公司",
                "certno": "520102199003070022",  # P002's example employee
                "psn_name": "陈静",
                "insutype": "310",
                "ym": "202612",
                "decl_wage": "6800.00",
            },
        ),
    ),
    effects=effects,
)
