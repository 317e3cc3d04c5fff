"""P069 新增特殊药品指定医院: one step, 特药医保药店联网申请资格审批登记, in two variants.

「选择是，则开通医院特殊药品用药资格的同时开通与特药药店联网功能，选择否，则只开通医院特殊药品用药资格」: the variant is
the choice 是否开通特药医保药店. Both designate the hospital `special_drug` from 开始时间 (with `rx_pharmacy_link`);
with 开通, the 特药医保药店 the hospital is linked to may be named (`rx_pharmacy_code`, an admitted, active pharmacy),
and that pharmacy is marked as a 特药医保药店 linked to the hospital. Only an admitted, active hospital can be
designated; 「申请表须经省医保中心审核意见（盖章）」 is the 申请表's own approval, handed in as a material.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Lookup, Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.errors import InvalidInput
from ybj_treatment.registries.institutions import (
    EXAMPLE_HOSPITAL,
    INSTITUTION,
    INSTITUTION_REGISTRY,
    INSTITUTIONS,
    PHARMACY,
    SPECIAL_DRUG,
    FixmedinsCode,
    about,
    designable,
    fixmedins_code_of,
    institution_of,
    simulate,
)

LINK, NO_LINK = "link", "no_link"
RX_PHARMACY = Lookup("rx_pharmacy", INSTITUTION_REGISTRY, key=lambda data: fixmedins_code_of(data, "rx_pharmacy_code"))


class SpecialDrugRegistration(BaseModel):
    """特药医保药店联网申请资格审批登记: 机构编码、开始时间 (and, 开通时, the linked 特药医保药店)."""

    fixmedins_code: FixmedinsCode = Field(description="机构编码")
    begndate: date = Field(description="开始时间")
    rx_pharmacy_code: FixmedinsCode | None = Field(
        default=None, description="联网的特药医保药店编号（开通特药医保药店时）"
    )


def _rx_pharmacy(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The named 特药医保药店 is an admitted, active pharmacy not yet linked to this hospital."""
    if not step.get("rx_pharmacy_code"):
        return
    pharmacy = institution_of(step, kind=PHARMACY, fact="rx_pharmacy", field="rx_pharmacy_code")
    args = {"hospital_code": step["fixmedins_code"], "begndate": step["begndate"]}
    simulate(INSTITUTIONS, pharmacy, "link_rx_pharmacy", args, {"fixmedins_code": "rx_pharmacy_code"})


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """The hospital's 特殊药品用药资格 (with or without 特药药店联网), and the linked pharmacy's mark."""
    code, pharmacy = str(data["fixmedins_code"]), data.get("rx_pharmacy_code")
    link = variant != NO_LINK
    if pharmacy and not link:
        raise InvalidInput(
            "NO_LINK_NO_PHARMACY",
            "选择不开通特药医保药店时，不能指定联网的特药医保药店",
            "without 特药医保药店 linking, no linked pharmacy can be named",
            "rx_pharmacy_code",
        )
    detail = {"rx_pharmacy_link": link, "rx_pharmacies": [pharmacy] if pharmacy else []}
    changes = [
        Effect(
            INSTITUTION_REGISTRY,
            code,
            "designate",
            {"kind": SPECIAL_DRUG, "begndate": data["begndate"], "detail": detail},
        )
    ]
    if pharmacy:
        args = {"hospital_code": code, "begndate": data["begndate"]}
        changes.append(Effect(INSTITUTION_REGISTRY, str(pharmacy), "link_rx_pharmacy", args))
    return changes


P069 = ProcessDefinition(
    id="P069",
    slug="new_special_drug_designated_hospital",
    name_zh="新增特殊药品指定医院",
    service="treatment",
    variants=(Variant(LINK, "开通特药医保药店"), Variant(NO_LINK, "不开通特药医保药店")),
    materials=(
        Material("《贵州省基本医疗保险特殊药品指定医院申请表》"),
        Material("《医疗机构执业许可证》"),
        Material("特殊药品管理制度相关资料"),
        Material("特殊药品相对应疾病诊治专业方向的主任或副主任医师花名册"),
    ),
    stages=(
        Stage(
            "register",
            "特药医保药店联网申请资格审批登记（输入机构编码，录入开始时间，选择是否开通特药医保药店，登记）",
            ("registrar",),
            "Registered",
            input=SpecialDrugRegistration,
            lookups=(INSTITUTION, RX_PHARMACY),
            checks=(designable(SPECIAL_DRUG), _rx_pharmacy),
            derive=about,
            # One example walks both variants, so it names no pharmacy (不开通 refuses one): the 特药医保药店 of the
            # example pharmacy (EXAMPLE_PHARMACY) is linked by a case of the 开通 variant that names it.
            example={"fixmedins_code": EXAMPLE_HOSPITAL, "begndate": "2026-12-01"},
        ),
    ),
    effects=effects,
)
