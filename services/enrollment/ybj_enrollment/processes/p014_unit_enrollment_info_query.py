"""P014 参保单位参保信息查询: a one-step case that records who looked up which unit, and why (an auditable query).

The answers (基本信息、缴费明细、职工列表、变更历史信息、征集单信息) are the registry reads, GET /api/v1/employers/{emp_no}
and /api/v1/registries/employer/{emp_no}/history; the case checks that the unit is on the register, changing nothing,
so that a query for an unknown 单位编号 is refused (404 EMPLOYER_NOT_FOUND on emp_no).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect

UnitQueryItem = Literal["basic", "contributions", "employees", "changes", "collection_bills"]
UNIT_QUERY_ITEMS: tuple[UnitQueryItem, ...] = ("basic", "contributions", "employees", "changes", "collection_bills")


class UnitQuery(BaseModel):
    """单位综合查询: 单位编号, what is looked at, and the unit's 经办人 who asked (单位经办人办理)."""

    emp_no: str = Field(min_length=1, max_length=30, description="单位编号")
    qry_items: list[UnitQueryItem] = Field(
        default_factory=lambda: list(UNIT_QUERY_ITEMS),
        min_length=1,
        description="查询内容 (basic 基本信息, contributions 缴费明细, employees 职工列表, changes 变更历史信息, "
        "collection_bills 征集单信息)",
    )
    agnter_name: str | None = Field(default=None, max_length=50, description="单位经办人姓名")
    agnter_certno: str | None = Field(default=None, max_length=50, description="单位经办人证件号码")


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """A read-only check: the unit is on the register, whatever its status (nothing is recorded on it)."""
    return [Effect("employer", str(data["emp_no"]), "check_exists", {})]


P014 = ProcessDefinition(
    id="P014",
    slug="unit_enrollment_info_query",
    name_zh="参保单位参保信息查询",
    service="enrollment",
    materials=(
        Material("参保单位提交公函"),
        Material("经办人居民身份证原件（单位经办人办理）", required=False, condition_zh="单位经办人办理"),
    ),
    stages=(
        Stage(
            "query",
            "单位综合查询（基本信息、缴费明细、职工列表、变更历史信息、征集单信息）",
            ("registrar",),
            "UnitInfoQueried",
            input=UnitQuery,
            example={"emp_no": "52010213594430", "agnter_name": "李娜"},  # P001's example unit and its contact
        ),
    ),
    effects=effects,
)
