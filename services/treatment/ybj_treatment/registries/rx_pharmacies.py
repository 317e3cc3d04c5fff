"""电子处方流转定点药店 (service item 86): the `rx_pharmacy` registry, keyed by 定点医药机构编号 `fixmedins_code`.

Which designated pharmacies take e-prescriptions. The `institution` registry (E18) has no such flag (its designations
are the seeds' five), and DOMAIN §4.3 asks for 「an institution service flag」: it is kept here, beside the institution,
changed only by S086 (电子处方流转定点药店开通/关闭), so that every 开通 and 关闭 stands in the entry's history and item 86
lists the pharmacies enabled as the cases left them. A patient may choose (S082 处方购药) only a pharmacy enabled here
that is also a designated pharmacy in effect with 药店购药 open.

    {"fixmedins_code", "fixmedins_name", "admdvs", "status": "enabled" | "disabled", "begndate", "enddate"?}

`begndate`: from when it takes e-prescriptions; `enddate`: the day it stopped (set by 关闭). Re-enabling opens a new
period (the history keeps the old one).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Lookup
from ybj_kernel.domain.registry import Op, Registry
from ybj_kernel.errors import Conflict
from ybj_treatment.registries.institutions import fixmedins_code_of
from ybj_treatment.registries.prescriptions import FixmedinsCode

RX_PHARMACY_REGISTRY = "rx_pharmacy"
ENABLED, DISABLED = "enabled", "disabled"
STATUS_ZH = {ENABLED: "已开通", DISABLED: "已关闭"}


class Enablement(BaseModel):
    """开通电子处方流转: the pharmacy, as registered, from its start date."""

    fixmedins_code: FixmedinsCode
    fixmedins_name: str = Field(min_length=1, max_length=200)
    admdvs: str = Field(pattern=r"^\d{6}$")
    begndate: date = Field(description="开通日期")


class Disablement(BaseModel):
    """关闭电子处方流转, from the day given."""

    enddate: date = Field(description="关闭日期")


def _enable(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("status") == ENABLED:
        raise Conflict(
            "ALREADY_ENABLED",
            f"定点零售药店 {args['fixmedins_code']} 已开通电子处方流转（自 {state['begndate']} 起）",
            f"pharmacy {args['fixmedins_code']} already takes e-prescriptions (from {state['begndate']})",
            "fixmedins_code",
        )
    state.clear()
    state.update(args, status=ENABLED)


def _disable(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("status") != ENABLED:
        raise Conflict(
            "NOT_ENABLED",
            "该定点零售药店未开通电子处方流转，不能关闭",
            "the pharmacy does not take e-prescriptions",
            "fixmedins_code",
        )
    if str(args["enddate"]) < str(state["begndate"]):
        raise Conflict(
            "ENDDATE_BEFORE_BEGNDATE",
            f"关闭日期 {args['enddate']} 早于开通日期 {state['begndate']}",
            f"enddate {args['enddate']} is before begndate {state['begndate']}",
            "enddate",
        )
    state.update(status=DISABLED, enddate=str(args["enddate"]))


RX_PHARMACIES = Registry(
    RX_PHARMACY_REGISTRY,
    "电子处方流转定点药店",
    {
        "enable": Op("开通电子处方流转", "RxPharmacyEnabled", Enablement, _enable),
        "disable": Op("关闭电子处方流转", "RxPharmacyDisabled", Disablement, _disable, True),
    },
    frozenset({"enable"}),
)


def enabled_on(state: Mapping[str, Any] | None, on: date) -> bool:
    """Whether the pharmacy takes e-prescriptions on `on`: enabled from a day not after it, or closed only later."""
    if not state or not state.get("begndate") or str(state["begndate"]) > on.isoformat():
        return False
    return state.get("status") == ENABLED or on.isoformat() < str(state.get("enddate") or "")


RX_PHARMACY_FACT = "rx_pharmacy"
RX_PHARMACY = Lookup(RX_PHARMACY_FACT, RX_PHARMACY_REGISTRY, key=fixmedins_code_of)
