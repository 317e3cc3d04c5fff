"""S086 电子处方流转定点药店开通/关闭: which designated pharmacies take e-prescriptions (item 86 lists them).

Service item 86 电子处方开通定点机构查询 has no guide, and the `institution` registry has no e-prescription flag
(DOMAIN §4.3 asks for one); the project adds this one-step process kept by the bureau's registrar, so that the list is
changed only by cases and each 开通 and 关闭 stands in the `rx_pharmacy` entry's history.

- `enable` 开通: a designated pharmacy (定点零售药店) whose 医药服务 are open, from a start date (default: today).
- `disable` 关闭: from a day (default: today); patients can no longer choose it for new 流转 (S082).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_treatment.registries.institutions import (
    EXAMPLE_PHARMACY,
    INSTITUTION,
    PHARMACY,
    about,
    check_active,
    institution_of,
)
from ybj_treatment.registries.prescriptions import FixmedinsCode
from ybj_treatment.registries.rx_pharmacies import RX_PHARMACY_REGISTRY

ENABLE, DISABLE = "enable", "disable"


class EnableForm(BaseModel):
    """开通: the pharmacy and from when."""

    fixmedins_code: FixmedinsCode = Field(description="定点零售药店编号")
    begndate: date | None = Field(default=None, description="开通日期（默认当天）")

    @model_validator(mode="after")
    def _from_today(self, info: ValidationInfo) -> EnableForm:
        if self.begndate is None:
            self.begndate = today_of(info)
        return self


class DisableForm(BaseModel):
    """关闭: the pharmacy and from when."""

    fixmedins_code: FixmedinsCode = Field(description="定点零售药店编号")
    enddate: date | None = Field(default=None, description="关闭日期（默认当天）")

    @model_validator(mode="after")
    def _from_today(self, info: ValidationInfo) -> DisableForm:
        if self.enddate is None:
            self.enddate = today_of(info)
        return self


def _an_open_pharmacy(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    check_active(institution_of(step, kind=PHARMACY))


def _a_pharmacy(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    institution_of(step, kind=PHARMACY)


def effects(data: Mapping[str, Any], variant: str | None) -> Sequence[Effect]:
    """开通 or 关闭 on the pharmacy's `rx_pharmacy` entry."""
    key = str(data["fixmedins_code"])
    if variant == DISABLE:
        return [Effect(RX_PHARMACY_REGISTRY, key, "disable", {"enddate": data["enddate"]})]
    args = {k: data[k] for k in ("fixmedins_code", "fixmedins_name", "admdvs", "begndate")}
    return [Effect(RX_PHARMACY_REGISTRY, key, "enable", args)]


S086 = ProcessDefinition(
    id="S086",
    slug="e_prescription_pharmacy",
    name_zh="电子处方流转定点药店开通/关闭",
    service="treatment",
    variants=(Variant(ENABLE, "开通电子处方流转"), Variant(DISABLE, "关闭电子处方流转")),
    stages=(
        Stage(
            ENABLE,
            "经办人员为定点零售药店开通电子处方流转",
            ("registrar",),
            "RxPharmacyEnablementRegistered",
            input=EnableForm,
            variants=frozenset({ENABLE}),
            lookups=(INSTITUTION,),
            checks=(_an_open_pharmacy,),
            derive=about,
            example={"fixmedins_code": EXAMPLE_PHARMACY, "begndate": "2026-12-01"},
        ),
        Stage(
            DISABLE,
            "经办人员关闭定点零售药店的电子处方流转",
            ("registrar",),
            "RxPharmacyDisablementRegistered",
            input=DisableForm,
            variants=frozenset({DISABLE}),
            lookups=(INSTITUTION,),
            checks=(_a_pharmacy,),
            derive=about,
            example={"fixmedins_code": EXAMPLE_PHARMACY},
        ),
    ),
    effects=effects,
)
