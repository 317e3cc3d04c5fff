"""Treatment reads at the entry point: designated institutions (service items 54, 55, 59, 66, 86, 91), and a person's
remote-care filing, benefit qualifications and reimbursement claims, from the read models projected off treatment's
published events (its registry entries and its cases).

A person's filing and qualifications are one entry each, keyed by 人员编号, with every change in their history (a
revoked filing and the one before it stand there); reimbursement claims are the person's cases of the treatment
processes that pay money, newest first, with where each stands. Reads of a person's records go to the access log.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine, desc, func, select

from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.identity import admdvs_covers
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_kernel.errors import Forbidden, NotFound
from ybj_query import registry_queries as q
from ybj_query.models import cases, registry_entries
from ybj_query.reads import reading, scope_prefix, status_of
from ybj_query.registry_reads import LISTED, PASSED, Format, Page, PageSize, may_read, workbook

_E, _C = registry_entries.c, cases.c
# The treatment processes whose cases are a person's claims for money (零星报销, 生育, 医疗救助).
CLAIM_PROCESSES = ("P048", "P049", "P050", "P051", "P052", "P053", "P054")
INSTITUTION_COLUMNS = (
    ("fixmedins_code", "定点医药机构编号"),
    ("fixmedins_name", "定点医药机构名称"),
    ("fixmedins_type", "机构类型"),
    ("hosp_lv", "医院等级"),
    ("admdvs", "医保区划"),
    ("status", "状态"),
    ("services_open", "开通的医保服务"),
    ("designations", "指定类别"),
)
CLAIM_COLUMNS = (
    ("acceptance_no", "受理号"),
    ("process_id", "业务"),
    ("stage", "环节"),
    ("status", "状态"),
    ("fixmedins_code", "定点医药机构编号"),
    ("total", "医疗费用总额（元）"),
    ("fund_pay", "统筹支付（元）"),
    ("updated_at", "更新时间"),
)
FIXMEDINS_TYPE_ZH = {"1": "定点医疗机构", "2": "定点零售药店"}


def institutions(
    engine: Engine,
    scope: str,
    *,
    fixmedins_type: str | None,
    admdvs: str | None,
    service: str | None,
    designation: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    """Institutions in effect in the caller's 医保区划, filtered, by 机构编号; and how many."""
    query = select(registry_entries).where(
        _E.registry == "institution", _E.in_effect, _E.admdvs.startswith(scope_prefix(scope))
    )
    if fixmedins_type:
        query = query.where(_E.state["fixmedins_type"].as_string() == fixmedins_type)
    if admdvs:
        query = query.where(_E.admdvs.startswith(scope_prefix(admdvs)))
    if service:
        query = query.where(_E.state["services"][service]["open"].as_boolean().is_(True))
    if designation:
        query = query.where(_E.state["designations"][designation].is_not(None))
    with reading(engine) as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.order_by(_E.key).limit(limit).offset(offset)).all()
    return int(total), [q.view(r) for r in rows]


def claims(engine: Engine, scope: str, psn_no: str, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """The person's claim cases in the caller's 医保区划, newest first; and how many."""
    query = select(cases).where(
        _C.process_id.in_(CLAIM_PROCESSES),
        _C.data["psn_no"].as_string() == psn_no,
        _C.admdvs.startswith(scope_prefix(scope)),
    )
    with reading(engine) as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.order_by(desc(_C.created_at)).limit(limit).offset(offset)).all()
    return int(total), [_claim(r) for r in rows]


def _claim(row: Any) -> dict[str, Any]:
    data = row.data or {}
    return {
        "case_id": row.case_id,
        "acceptance_no": row.acceptance_no,
        "process_id": row.process_id,
        "variant": row.variant,
        "stage": row.stage,
        "status": status_of(row.stage),
        "admdvs": row.admdvs,
        "fixmedins_code": data.get("fixmedins_code"),
        "total": data.get("medfee_sumamt"),
        "fund_pay": data.get("hifp_pay"),
        "version": row.version,
        "updated_at": row.updated_at.isoformat(),
    }


def treatment_router(engine: Engine) -> APIRouter:
    """GET /api/v1/institutions[/{fixmedins_code}], /api/v1/persons/{psn_no}/filings|qualifications|reimbursements."""
    router = APIRouter()

    @router.get("/api/v1/institutions", responses=LISTED, response_model=None)
    async def institution_list(
        who: CurrentActor,
        fixmedins_type: Annotated[str | None, Query(pattern=r"^[12]$", description="1 医疗机构, 2 零售药店")] = None,
        admdvs: Annotated[str | None, Query(pattern=r"^\d{6}$", description="医保区划")] = None,
        service: Annotated[str | None, Query(max_length=30, description="开通的医保服务（如门诊统筹）")] = None,
        designation: Annotated[
            str | None, Query(max_length=30, description="指定类别：remote_care, major_disease, special_drug …")
        ] = None,
        page: Page = 1,
        page_size: PageSize = 50,
        format: Format = "json",
    ) -> dict[str, Any] | Response:
        """定点医药机构 of the caller's 医保区划, by 机构编号: `{items, total, page, page_size}`, or with `format=xlsx`
        the whole list as an Excel workbook (services items 54, 55, 59, 66, 86, 91)."""
        may_read(who)
        size, skip = (q.EXPORT_MAX_ROWS + 1, 0) if format == "xlsx" else (page_size, (page - 1) * page_size)
        total, items = await asyncio.to_thread(
            institutions,
            engine,
            who.admdvs,
            fixmedins_type=fixmedins_type,
            admdvs=admdvs,
            service=service,
            designation=designation,
            limit=size,
            offset=skip,
        )
        if format == "xlsx":
            q.export_rows(total)
            return workbook("定点医药机构", INSTITUTION_COLUMNS, [institution_row(i["state"]) for i in items])
        return {"items": items, "total": total, "page": page, "page_size": page_size}

    @router.get("/api/v1/institutions/{fixmedins_code}", responses=PASSED)
    async def institution(fixmedins_code: str, who: CurrentActor) -> dict[str, Any]:
        """One 定点医药机构 as it stands: identity, level, services opened, designations, parameters, chain group."""
        may_read(who)
        found = await asyncio.to_thread(q.entry, engine, "institution", fixmedins_code)
        _check_scope(who, found)
        return found

    async def person_entry(registry: str, psn_no: str, who: Actor, request: Request) -> dict[str, Any]:
        may_read(who)
        await _logged(request, who, registry, psn_no)
        try:
            found = await asyncio.to_thread(q.entry, engine, registry, psn_no)
            history = await asyncio.to_thread(q.history, engine, registry, psn_no)
        except NotFound:
            return {"psn_no": psn_no, "current": None, "history": []}
        _check_scope(who, found)
        return {
            "psn_no": psn_no,
            "current": found["state"] if found["in_effect"] else None,
            "version": found["version"],
            "history": [{k: h[k] for k in ("version", "event", "op", "case_id", "time", "args")} for h in history],
        }

    @router.get("/api/v1/persons/{psn_no}/filings", responses=PASSED)
    async def filings(psn_no: str, who: CurrentActor, request: Request) -> dict[str, Any]:
        """异地就医备案: the filing in effect (`current`, null when none) and every change of it, oldest first."""
        return await person_entry("filing", psn_no, who, request)

    @router.get("/api/v1/persons/{psn_no}/qualifications", responses=PASSED)
    async def qualifications(psn_no: str, who: CurrentActor, request: Request) -> dict[str, Any]:
        """待遇资格 (门慢门特, 重大疾病 …): those in effect (`current`) and every change, oldest first."""
        return await person_entry("qualification", psn_no, who, request)

    @router.get("/api/v1/persons/{psn_no}/reimbursements", responses=LISTED, response_model=None)
    async def reimbursements(
        psn_no: str,
        who: CurrentActor,
        request: Request,
        page: Page = 1,
        page_size: PageSize = 50,
        format: Format = "json",
    ) -> dict[str, Any] | Response:
        """The person's claims (零星报销, 生育, 医疗救助), newest first, with where each stands; `format=xlsx`: all."""
        may_read(who)
        await _logged(request, who, "reimbursements", psn_no)
        size, skip = (q.EXPORT_MAX_ROWS + 1, 0) if format == "xlsx" else (page_size, (page - 1) * page_size)
        total, items = await asyncio.to_thread(claims, engine, who.admdvs, psn_no, size, skip)
        if format == "xlsx":
            q.export_rows(total)
            return workbook(f"报销记录 {psn_no}", CLAIM_COLUMNS, items)
        return {"psn_no": psn_no, "items": items, "total": total, "page": page, "page_size": page_size}

    return router


def institution_row(state: dict[str, Any]) -> dict[str, Any]:
    """One institution as a row of the exported list, codes in words."""
    services = state.get("services") or {}
    return {
        **{k: state.get(k) for k, _ in INSTITUTION_COLUMNS},
        "fixmedins_type": FIXMEDINS_TYPE_ZH.get(str(state.get("fixmedins_type")), state.get("fixmedins_type")),
        "services_open": "、".join(sorted(k for k, v in services.items() if (v or {}).get("open"))),
        "designations": "、".join(sorted(state.get("designations") or {})),
    }


def _check_scope(who: Actor, found: dict[str, Any]) -> None:
    admdvs = (found.get("state") or {}).get("admdvs")
    if isinstance(admdvs, str) and not admdvs_covers(who.admdvs, admdvs):
        raise Forbidden("OUT_OF_ADMDVS", f"无权查看医保区划 {admdvs} 的记录", f"not your admdvs ({admdvs})", "admdvs")


async def _logged(request: Request, who: Actor, what: str, key: str) -> None:
    access = getattr(request.app.state, "access", None)
    if access is not None:
        await access.arecord(who, request, what, key)
