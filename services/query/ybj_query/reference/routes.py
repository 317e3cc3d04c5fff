"""GET /api/v1/reference[/{kind}[/{key}]]: the reference data the service items read (药品和医用耗材, 限价, 政策文件,
经办机构). Public data: any authenticated caller may read it; every answer says where the rows come from (`source`,
with `example: true` while a kind holds only the shipped example)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import Engine

from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_query.reference import store
from ybj_query.reference.kinds import KINDS, KindName
from ybj_query.reference.rows import CHRGITM_LV_ZH
from ybj_query.registry_reads import PASSED, Page

ReferencePageSize = Annotated[int, Query(ge=1, le=200)]


def reference_router(engine: Engine) -> APIRouter:
    """The reference routes; creates the tables and loads the shipped examples into any empty kind first."""
    store.ensure_reference_data(engine)
    router = APIRouter(tags=["reference"])

    @router.get("/api/v1/reference", responses=PASSED)
    def catalogues(who: CurrentActor) -> dict[str, Any]:
        """Every kind of reference data: its name and where its rows come from (file, rows, example or not)."""
        found = store.sources(engine)
        return {"items": [{"kind": k, "name_zh": v.name_zh, "source": found[k]} for k, v in KINDS.items()]}

    @router.get("/api/v1/reference/{kind}", responses=PASSED)
    def search(
        kind: KindName,
        who: CurrentActor,
        code: Annotated[
            str | None, Query(min_length=1, max_length=40, description="编码（政策文件：文号）的开头")
        ] = None,
        name: Annotated[str | None, Query(min_length=1, max_length=100, description="名称（标题）中的一段")] = None,
        admdvs: Annotated[str | None, Query(pattern=r"^\d{6}$", description="医保区划：该区划内的及覆盖它的")] = None,
        on: Annotated[date | None, Query(description="只列这一天有效的（有开始/结束日期的）")] = None,
        page: Page = 1,
        page_size: ReferencePageSize = 50,
    ) -> dict[str, Any]:
        """A page of a kind's rows by code: `{items, total, page, page_size, source}`."""
        total, items = store.search(
            engine,
            kind,
            code=code,
            name=name,
            admdvs=admdvs,
            on=on,
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        return {
            "kind": kind,
            "items": [_named(i) for i in items],
            "total": total,
            "page": page,
            "page_size": page_size,
            "source": store.sources(engine)[kind],
        }

    @router.get("/api/v1/reference/{kind}/{key}", responses=PASSED)
    def one(
        kind: KindName, key: Annotated[str, Path(min_length=1, max_length=200)], who: CurrentActor
    ) -> dict[str, Any]:
        """One row by its key (a drug's or consumable's code, a policy's 文号, an agency's code)."""
        return {"kind": kind, "item": _named(store.entry(engine, kind, key)), "source": store.sources(engine)[kind]}

    return router


def _named(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its codes in words beside them (医保甲乙类)."""
    if level := row.get("chrgitm_lv"):
        return {**row, "chrgitm_lv_name": CHRGITM_LV_ZH.get(level, level)}
    return row
