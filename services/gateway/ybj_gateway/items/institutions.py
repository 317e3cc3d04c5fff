"""Items 54 定点药店信息查询 and 55 定点医疗机构信息查询: public information about designated institutions.

Read through the query service (treatment's `institution` registry as projected); no personal data. A channel may
narrow the list to a 医保区划; the answer lists, for each institution in effect, its code, name, level (hospitals),
医保区划 and address as registered, at most the first page (50) with the total.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.served import Served
from ybj_kernel.domain.validation import validate_input

PUBLIC_FIELDS = ("fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "admdvs", "addr", "status")


class Area(BaseModel):
    """Which 医保区划's institutions (all the channel may see when left out)."""

    admdvs: str | None = Field(default=None, pattern=r"^\d{6}$", description="医保区划")


def _institutions(call: ItemCall, fixmedins_type: str) -> dict[str, Any]:
    asked = validate_input(Area, call.business)
    found = call.reads.institutions(
        fixmedins_type, asked.get("admdvs"), call.app_id, str(call.channel.get("admdvs") or "")
    )
    rows = [i.get("state") or i for i in found.get("items") or []]
    items = [{k: row[k] for k in PUBLIC_FIELDS if row.get(k) is not None} for row in rows]
    return {"items": items, "total": int(found.get("total", len(items)))}


def pharmacies(call: ItemCall) -> dict[str, Any]:
    """定点药店 (fixmedins_type 2)."""
    return _institutions(call, "2")


def hospitals(call: ItemCall) -> dict[str, Any]:
    """定点医疗机构 (fixmedins_type 1)."""
    return _institutions(call, "1")


SERVED = {54: Served(pharmacies), 55: Served(hospitals)}
