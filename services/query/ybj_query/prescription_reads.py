"""E-prescription reads at the entry point (service items 82-89), from the registry read models projected off
treatment's `prescription` and `rx_pharmacy` events.

- `GET /api/v1/prescriptions?certno=`: a person's e-prescriptions in effect, newest issued first (`status` narrows it:
  `dispensed` is the 购药记录 of item 88), each with its state and status messages.
- `GET /api/v1/prescriptions/{hi_rxno}`: one e-prescription (items 83, 84, 87), with the version it stands on.
- `GET /api/v1/prescription-pharmacies?admdvs=`: the designated pharmacies that take e-prescriptions (item 86), each
  with its public fields as the `institution` registry holds them.

A person's prescriptions are health data: every read of them goes to the access log, and a reader sees only those
issued in their own 医保区划.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import Engine, desc, func, or_, select

from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.identity import admdvs_covers
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_kernel.errors import Forbidden
from ybj_query import registry_queries as q
from ybj_query.models import registry_entries
from ybj_query.reads import reading, scope_prefix
from ybj_query.registry_reads import PASSED, Page, PageSize, may_read

_E = registry_entries.c
PRESCRIPTION, RX_PHARMACY = "prescription", "rx_pharmacy"
Status = Literal["issued", "transferred", "dispensed", "revoked", "expired"]


def prescriptions_of(
    engine: Engine, scope: str, certno: str, status: str | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """The person's prescriptions in effect issued in the reader's 医保区划, newest first; and how many."""
    query = select(registry_entries).where(
        _E.registry == PRESCRIPTION,
        _E.certno == certno,
        _E.in_effect,
        _E.admdvs.startswith(scope_prefix(scope)),
    )
    if status:
        query = query.where(_E.state["status"].as_string() == status)
    with reading(engine) as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        ordered = query.order_by(desc(_E.state["prsc_time"].as_string()), _E.key)
        rows = conn.execute(ordered.limit(limit).offset(offset)).all()
    return int(total), [q.view(r) for r in rows]


def rx_pharmacies(
    engine: Engine, scope: str, admdvs: str | None, on: date, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """The pharmacies taking e-prescriptions on `on` (enabled from a day not after it, not closed by then), in the
    reader's 医保区划, by code, each with its institution's public fields and address; and how many."""
    day = on.isoformat()
    query = select(registry_entries).where(
        _E.registry == RX_PHARMACY,
        _E.in_effect,
        _E.admdvs.startswith(scope_prefix(scope)),
        _E.state["begndate"].as_string() <= day,
        or_(_E.state["status"].as_string() == "enabled", _E.state["enddate"].as_string() > day),
    )
    if admdvs:
        query = query.where(_E.admdvs.startswith(scope_prefix(admdvs)))
    with reading(engine) as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.order_by(_E.key).limit(limit).offset(offset)).all()
        codes = [r.key for r in rows]
        found = conn.execute(
            select(_E.key, _E.state).where(_E.registry == "institution", _E.in_effect, _E.key.in_(codes))
        ).all()
    institutions = {r.key: r.state for r in found}
    items = []  # public fields only: no bank account, no parameters
    for row in rows:
        inst = institutions.get(row.key) or {}
        items.append(
            {
                **{k: inst.get(k, row.state.get(k)) for k in ("fixmedins_code", "fixmedins_name", "admdvs")},
                "status": inst.get("status"),  # the institution's: active, or paused (not to be chosen)
                "addr": (inst.get("info") or {}).get("addr"),
                "rx_begndate": row.state.get("begndate"),
            }
        )
    return int(total), items


def prescription_router(engine: Engine) -> APIRouter:
    """GET /api/v1/prescriptions, /api/v1/prescriptions/{hi_rxno}, /api/v1/prescription-pharmacies."""
    router = APIRouter()

    @router.get("/api/v1/prescriptions", responses=PASSED)
    async def prescriptions(
        who: CurrentActor,
        request: Request,
        certno: Annotated[str, Query(min_length=1, max_length=50, description="证件号码")],
        status: Annotated[Status | None, Query(description="处方状态（dispensed: 购药记录）")] = None,
        page: Page = 1,
        page_size: PageSize = 50,
    ) -> dict[str, Any]:
        """A person's e-prescriptions, newest issued first: `{items, total, page, page_size}` (items 85, 88)."""
        may_read(who)
        await _logged(request, who, "prescriptions", certno.upper())
        total, items = await asyncio.to_thread(
            prescriptions_of, engine, who.admdvs, certno.upper(), status, page_size, (page - 1) * page_size
        )
        return {"items": items, "total": total, "page": page, "page_size": page_size}

    @router.get("/api/v1/prescriptions/{hi_rxno}", responses=PASSED)
    async def prescription(hi_rxno: str, who: CurrentActor, request: Request) -> dict[str, Any]:
        """One e-prescription as it stands, its status messages in its state (items 83, 84, 87)."""
        may_read(who)
        found = await asyncio.to_thread(q.entry, engine, PRESCRIPTION, hi_rxno.upper())
        admdvs = str(found["state"].get("admdvs") or "")
        if admdvs and not admdvs_covers(who.admdvs, admdvs):
            raise Forbidden(
                "OUT_OF_ADMDVS", f"无权查看医保区划 {admdvs} 的记录", f"not your admdvs ({admdvs})", "admdvs"
            )
        await _logged(request, who, PRESCRIPTION, found["key"])
        return found

    @router.get("/api/v1/prescription-pharmacies", responses=PASSED)
    async def prescription_pharmacies(
        who: CurrentActor,
        admdvs: Annotated[str | None, Query(pattern=r"^\d{6}$", description="医保区划")] = None,
        page: Page = 1,
        page_size: PageSize = 50,
    ) -> dict[str, Any]:
        """The designated pharmacies that take e-prescriptions today, by code: `{items, total, page, page_size}`."""
        may_read(who)
        total, items = await asyncio.to_thread(
            rx_pharmacies, engine, who.admdvs, admdvs, date.today(), page_size, (page - 1) * page_size
        )
        return {"items": items, "total": total, "page": page, "page_size": page_size}

    return router


async def _logged(request: Request, who: Actor, what: str, key: str) -> None:
    access = getattr(request.app.state, "access", None)
    if access is not None:
        await access.arecord(who, request, what, key)
