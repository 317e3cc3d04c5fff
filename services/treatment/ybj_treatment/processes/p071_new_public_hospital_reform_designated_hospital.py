"""P071 新增公改指定医院: 提请银海公司 → 银海公司公改目录匹配灌注.

With the 申请书 and 「相关部门出具的纳入贵阳市城市公立医院综合改革医院的文件」 (its 文号 is entered), the registrar asks
银海公司, which 「对应医院收费标准进行公改目录匹配灌注，开放成为贵州省定点医疗机构城市公立医院综合改革指定医院」.
Completion designates the hospital `public_reform` from the date the catalogue went live. Only an admitted, active
hospital not yet designated can be asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_treatment.registries.institutions import (
    EXAMPLE_HOSPITAL,
    INSTITUTION,
    INSTITUTION_REGISTRY,
    PUBLIC_REFORM,
    FixmedinsCode,
    about,
    designable,
)


class VendorRequest(BaseModel):
    """提请银海公司: the hospital and the document that brings it into the 城市公立医院综合改革."""

    fixmedins_code: FixmedinsCode = Field(description="定点医疗机构编号")
    doc_no: str = Field(min_length=1, max_length=100, description="纳入城市公立医院综合改革医院的文件文号")


class CatalogueMatching(BaseModel):
    """公改目录匹配灌注: the date the matched catalogue took effect."""

    begndate: date = Field(description="开放日期")


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The hospital becomes a 城市公立医院综合改革指定医院 from the 开放日期."""
    args = {"kind": PUBLIC_REFORM, "begndate": data["begndate"], "detail": {"doc_no": data["doc_no"]}}
    return [Effect(INSTITUTION_REGISTRY, str(data["fixmedins_code"]), "designate", args)]


P071 = ProcessDefinition(
    id="P071",
    slug="new_public_hospital_reform_designated_hospital",
    name_zh="新增公改指定医院",
    service="treatment",
    materials=(
        Material("贵州省定点医疗机构城市公立医院综合改革指定医院申请书"),
        Material("相关部门出具的纳入贵阳市城市公立医院综合改革医院的文件"),
    ),
    stages=(
        Stage(
            "request_vendor",
            "提请银海公司",
            ("registrar",),
            "VendorRequested",
            input=VendorRequest,
            lookups=(INSTITUTION,),
            checks=(designable(PUBLIC_REFORM),),
            derive=about,
            example={"fixmedins_code": EXAMPLE_HOSPITAL, "doc_no": "筑医改办〔2026〕5号"},  # example 文号
        ),
        Stage(
            "catalogue_matching",
            "银海公司对应医院收费标准进行公改目录匹配灌注，开放成为城市公立医院综合改革指定医院",
            ("vendor",),
            "CatalogueMatched",
            input=CatalogueMatching,
            example={"begndate": "2026-12-01"},
        ),
    ),
    effects=effects,
)
