"""Registry reads at the entry point: employers, persons, contributions, accounts and any entry's history, answered
from the registry read models (projected from the registry events every domain service publishes); `as_of` reads go
to the owning service, which rebuilds the entry from its own store (the one the audit chain vouches for).

Reads of persons, accounts and employers are written to the access log. The read models follow the services within
moments: a read right after a command may not see it yet (404 or the version before).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from ybj_kernel.adapters.spreadsheets_export import table_xlsx
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.roles import OVERSIGHT, STAFF_ROLES
from ybj_kernel.entrypoints.http_common import CurrentActor, xlsx_download
from ybj_kernel.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
    Unavailable,
    YbjError,
)
from ybj_query import registry_queries as q
from ybj_query.forwarding import Forwarder

# Which service owns each registry (DOMAIN.md §1.0).
REGISTRY_SERVICES = {
    **dict.fromkeys(
        (
            "employer",
            "person",
            "account",
            "uscc",
            "certno",
            "fund_income",
            "income_document",
            "resident_subsidy",
            "mutual_aid",
        ),
        "enrollment",
    ),
    **dict.fromkeys(
        (
            "institution",
            "chain_group",
            "physician",
            "expert",
            "filing",
            "qualification",
            "benefit_payment",
            "special_drug_eligibility",
            "assistance_subsidy",
            "insured",
            "insured_psn_no",
            "ltc_eligibility",
            "prescription",
            "rx_pharmacy",
        ),
        "treatment",
    ),
    **dict.fromkeys(
        (
            "settlement_record",
            "institution_month",
            "deduction",
            "payable",
            "contributions_by_person",
            "contributions_by_month",
        ),
        "settlement",
    ),
    **dict.fromkeys(("screened_person", "monitoring_month", "violation"), "supervision"),
    "channel": "gateway",
}
# Reads of these are written to the access log (who looked at which person, account, employer or 共济关系).
LOGGED_REGISTRIES = frozenset({"person", "account", "employer", "mutual_aid"})
READ_ROLES = STAFF_ROLES | {OVERSIGHT}
MAX_PAGE = 100_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PASSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "未登录 / no valid token"},
    403: {"description": "无权查询 / not allowed"},
    404: {"description": "不存在（或尚未同步） / not found (or not yet visible)"},
    422: {"description": "输入有误 / invalid input"},
    503: {"description": "服务暂不可用 / unavailable, retry"},
}
LISTED: dict[int | str, dict[str, Any]] = {
    **PASSED,
    200: {"content": {"application/json": {}, XLSX: {}}, "description": "a page (JSON) or the whole list (xlsx)"},
}
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Query(ge=1, le=200)]
Format = Annotated[Literal["json", "xlsx"], Query(description="xlsx: the whole list as an Excel workbook")]
AsOf = Annotated[str | None, Query(description="RFC 3339: as recorded then (rebuilt by the owning service)")]

# The columns of the exported lists: (field code, Chinese header).
EMPLOYER_COLUMNS = (
    ("emp_no", "单位编号"),
    ("emp_name", "单位名称"),
    ("uscc", "统一社会信用代码"),
    ("admdvs", "参保所属医保区划"),
    ("emp_type", "单位类型"),
    ("status", "单位状态"),
    ("contact_name", "联系人"),
    ("tel", "联系电话"),
    ("addr", "地址"),
    ("updated_at", "更新时间"),
)
PERSON_COLUMNS = (
    ("psn_no", "人员编号"),
    ("psn_name", "姓名"),
    ("certno", "证件号码"),
    ("gend", "性别"),
    ("brdy", "出生日期"),
    ("emp_no", "单位编号"),
    ("insutype", "险种"),
    ("status", "参保状态"),
    ("begndate", "开始日期"),
    ("clct_base", "缴费基数（分）"),
)
ACCOUNT_COLUMNS = (
    ("on", "日期"),
    ("kind", "收支类型"),
    ("kind_zh", "收支类型名称"),
    ("amount", "金额（分）"),
    ("balance_after", "余额（分）"),
    ("summary", "摘要"),
    ("insutype", "险种"),
)
# Code labels for the workbook (the enrollment registries' codes, ybj_enrollment/registries/codes.py).
EMPLOYER_STATUS_ZH = {"normal": "正常", "paused": "暂停", "deregistered": "注销", "merged": "已合并"}
RELATION_STATUS_ZH = {
    "active": "参保缴费",
    "suspended": "暂停缴费",
    "stopped": "停保",
    "terminated": "终止参保",
    "retired": "退休",
}


class _Reads:
    """What every registry route does: check the role, read the read model (or the owning service, as of a moment),
    and log reads of persons, accounts and employers."""

    def __init__(self, forwarder: Forwarder, engine: Engine) -> None:
        self.forwarder = forwarder
        self.engine = engine

    async def logged(self, request: Request, who: Actor, registry: str, key: str, what: str | None = None) -> None:
        access = getattr(request.app.state, "access", None)
        if access is not None and registry in LOGGED_REGISTRIES:
            await access.arecord(who, request, what or registry, key)

    async def now(self, registry: str, key: str, who: Actor, request: Request) -> dict[str, Any]:
        may_read(who)
        found = await asyncio.to_thread(q.entry, self.engine, registry, key)
        await self.logged(request, who, registry, key)
        return found

    async def then(self, registry: str, key: str, as_of: str, who: Actor, request: Request) -> dict[str, Any]:
        """As it stood at `as_of`: the owning service rebuilds it from its own store."""
        service = REGISTRY_SERVICES.get(registry) or await asyncio.to_thread(q.service_of, self.engine, registry, key)
        if service is None:
            raise NotFound("UNKNOWN_REGISTRY", f"没有登记簿 {registry}", f"no registry {registry}", "registry")
        answer = await self.forwarder.pass_through(
            service,
            "GET",
            f"/api/v1/registries/{registry}/{key}",
            query=urlencode({"as_of": as_of}),
            headers=request.headers,
        )
        body = orjson.loads(answer.body)
        if answer.status_code != 200:
            raise as_error(answer.status_code, body)
        await self.logged(request, who, registry, key, f"{registry}-as-of")
        return dict(body)

    async def by_index(self, index: str, value: str, registry: str, who: Actor, request: Request) -> dict[str, Any]:
        may_read(who)
        found = await asyncio.to_thread(q.entry_by_index, self.engine, index, value, registry)
        await self.logged(request, who, registry, found["key"])
        return found


def registry_router(forwarder: Forwarder, engine: Engine) -> APIRouter:
    """GET /api/v1/employers…, /api/v1/persons…, /api/v1/registries/{registry}/{key}[/history]."""
    router = APIRouter()
    reads = _Reads(forwarder, engine)
    _entry_routes(router, reads)
    _list_routes(router, reads)
    return router


def _entry_routes(router: APIRouter, reads: _Reads) -> None:
    engine, now, then = reads.engine, reads.now, reads.then

    @router.get("/api/v1/employers/{emp_no}", responses=PASSED)
    async def employer(emp_no: str, who: CurrentActor, request: Request, as_of: AsOf = None) -> dict[str, Any]:
        """参保单位: its information, status and merge/split lineage, as it stands (service items 4-7)."""
        if as_of is not None:
            return await then("employer", emp_no, as_of, who, request)
        return await now("employer", emp_no, who, request)

    @router.get("/api/v1/persons/{psn_no}", responses=PASSED)
    async def person(psn_no: str, who: CurrentActor, request: Request, as_of: AsOf = None) -> dict[str, Any]:
        """参保人: identity and 参保关系 per 险种 (service items 1-2, 8-14, 68); `as_of`: as it stood then."""
        if as_of is not None:
            return with_enrollments(await then("person", psn_no, as_of, who, request))
        return with_enrollments(await now("person", psn_no, who, request))

    @router.get("/api/v1/persons/{psn_no}/contributions", responses=PASSED)
    async def contributions(psn_no: str, who: CurrentActor, request: Request) -> dict[str, Any]:
        """核定基数 and 缴费记录 by period and 险种, newest period first (service items 58, 67, 71)."""
        state = (await now("person", psn_no, who, request))["state"]
        records = sorted(state.get("contributions", {}).values(), key=lambda c: (c["ym"], c["insutype"]), reverse=True)
        bases = [
            {"insutype": k.split(":")[0], "ym": k.split(":")[1], "amount": v}
            for k, v in sorted(state.get("bases", {}).items(), key=lambda kv: kv[0].split(":")[1], reverse=True)
        ]
        return {"psn_no": psn_no, "bases": bases, "contributions": records}

    @router.get("/api/v1/persons/{psn_no}/account", responses=LISTED, response_model=None)
    async def account(
        psn_no: str,
        who: CurrentActor,
        request: Request,
        page: Page = 1,
        page_size: PageSize = 50,
        format: Format = "json",
    ) -> dict[str, Any] | Response:
        """个人账户: balance in fen and 收支明细, newest first, paginated (service items 16, 70, 72); `format=xlsx`:
        the whole 收支明细 (at most 10,000 entries) as a workbook."""
        may_read(who)
        if format == "xlsx":
            found = await asyncio.to_thread(q.account_page, engine, psn_no, 1, q.EXPORT_MAX_ROWS + 1)
            await reads.logged(request, who, "account", psn_no)
            q.export_rows(found["total"])
            return workbook(f"个人账户收支明细 {psn_no}", ACCOUNT_COLUMNS, found["entries"])
        found = await asyncio.to_thread(q.account_page, engine, psn_no, page, page_size)
        await reads.logged(request, who, "account", psn_no)
        return found

    @router.get("/api/v1/registries/{registry}/{key}", responses=PASSED)
    async def registry_entry(
        registry: str, key: str, who: CurrentActor, request: Request, as_of: AsOf = None
    ) -> dict[str, Any]:
        """Any registry entry as it stands (or stood at `as_of`), with the version it stands on."""
        if as_of is not None:
            return await then(registry, key, as_of, who, request)
        try:
            return await now(registry, key, who, request)
        except NotFound as missing:
            raise unknown_or(registry, missing) from None

    @router.get("/api/v1/registries/{registry}/{key}/history", responses=PASSED)
    async def registry_history(registry: str, key: str, who: CurrentActor, request: Request) -> list[dict[str, Any]]:
        """Every change of a registry entry, oldest first, with the case that made it, its JSON Patch and the state after
        it."""
        may_read(who)
        try:
            found = await asyncio.to_thread(q.history, engine, registry, key)
        except NotFound as missing:
            raise unknown_or(registry, missing) from None
        await reads.logged(request, who, registry, key, f"{registry}-history")
        return found


def _list_routes(router: APIRouter, reads: _Reads) -> None:
    engine, logged, by_index = reads.engine, reads.logged, reads.by_index

    @router.get("/api/v1/employers", responses=LISTED, response_model=None)
    async def employers(
        who: CurrentActor,
        request: Request,
        uscc: Annotated[str | None, Query(min_length=18, max_length=18, description="统一社会信用代码")] = None,
        emp_name: Annotated[str | None, Query(min_length=1, max_length=200, description="单位名称（包含）")] = None,
        admdvs: Annotated[str | None, Query(pattern=r"^\d{6}$", description="参保所属医保区划")] = None,
        page: Page = 1,
        page_size: PageSize = 50,
        format: Format = "json",
    ) -> dict[str, Any] | Response:
        """`uscc` alone: the employer holding that 统一社会信用代码 (answered as `/employers/{emp_no}`).

        Otherwise a list of the employers of the caller's 医保区划, by 单位编号: `emp_name` is a part of the name,
        `uscc` and `admdvs` narrow it; `{items, total, page, page_size}`, or with `format=xlsx` the whole list
        (at most 10,000 rows) as an Excel workbook.
        """
        if uscc and not emp_name and not admdvs and format == "json":
            return await by_index("uscc", uscc, "employer", who, request)
        may_read(who)
        size, skip = (q.EXPORT_MAX_ROWS + 1, 0) if format == "xlsx" else (page_size, (page - 1) * page_size)
        total, items = await asyncio.to_thread(
            q.employers, engine, who.admdvs, uscc=uscc, emp_name=emp_name, admdvs=admdvs, limit=size, offset=skip
        )
        filters = urlencode({k: v for k, v in (("uscc", uscc), ("emp_name", emp_name), ("admdvs", admdvs)) if v})
        await logged(request, who, "employer", filters or "*", "employer-list")
        if format == "xlsx":
            q.export_rows(total)
            rows = [{**i["state"], "emp_no": i["key"], "updated_at": i["updated_at"]} for i in items]
            for row in rows:
                row["status"] = EMPLOYER_STATUS_ZH.get(row.get("status") or "", row.get("status"))
            return workbook("参保单位", EMPLOYER_COLUMNS, rows)
        return {"items": items, "total": total, "page": page, "page_size": page_size}

    @router.get("/api/v1/persons", responses=LISTED, response_model=None)
    async def persons(
        who: CurrentActor,
        request: Request,
        certno: Annotated[str | None, Query(min_length=1, max_length=50, description="证件号码")] = None,
        emp_no: Annotated[str | None, Query(min_length=1, max_length=30, description="单位编号")] = None,
        psn_name: Annotated[str | None, Query(min_length=1, max_length=50, description="姓名（包含）")] = None,
        page: Page = 1,
        page_size: PageSize = 50,
        format: Format = "json",
    ) -> dict[str, Any] | Response:
        """`certno`: the insured person holding that 证件号码, with their enrollments per 险种.

        `emp_no`: the unit's persons (参保关系 not ended), by 人员编号, `psn_name` a part of the name;
        `{items, total, page, page_size}`, or with `format=xlsx` the whole list, one row per 参保关系 at the unit.
        """
        if certno is not None:
            return with_enrollments(await by_index("certno", certno.upper(), "person", who, request))
        if emp_no is None:
            raise InvalidInput("MISSING_FILTER", "请提供证件号码或单位编号", "give certno or emp_no", "certno")
        may_read(who)
        size, skip = (q.EXPORT_MAX_ROWS + 1, 0) if format == "xlsx" else (page_size, (page - 1) * page_size)
        total, items = await asyncio.to_thread(
            q.persons_of_unit, engine, who.admdvs, emp_no, psn_name=psn_name, limit=size, offset=skip
        )
        await logged(request, who, "person", emp_no, "person-list")
        if format == "xlsx":
            q.export_rows(total)
            return workbook(f"参保人员 {emp_no}", PERSON_COLUMNS, person_rows(items, emp_no))
        return {"items": [with_enrollments(i) for i in items], "total": total, "page": page, "page_size": page_size}


def unknown_or(registry: str, missing: NotFound) -> NotFound:
    """Nothing found: a registry no service is known to own is named as such, else the entry is missing."""
    if registry in REGISTRY_SERVICES:
        return missing
    return NotFound("UNKNOWN_REGISTRY", f"没有登记簿 {registry}", f"no registry {registry}", "registry")


def may_read(who: Actor) -> None:
    if not set(who.roles) & READ_ROLES:
        raise Forbidden(
            "WRONG_ROLE", "查询登记簿需要经办或审计角色", "reading registries needs a staff or oversight role"
        )


def with_enrollments(found: dict[str, Any]) -> dict[str, Any]:
    """A person with their 参保关系 listed per 险种 (`enrollments`, by 险种 code) beside the state."""
    relations = found["state"].get("relations") or {}
    return {**found, "enrollments": [relations[k] for k in sorted(relations)]}


def person_rows(items: list[dict[str, Any]], emp_no: str) -> list[dict[str, Any]]:
    """One row per 参保关系 at the unit."""
    rows = []
    for item in items:
        state = item["state"]
        for relation in with_enrollments(item)["enrollments"]:
            if relation.get("emp_no") != emp_no or relation.get("enddate"):
                continue
            status = relation.get("status")
            rows.append(
                {
                    **{k: state.get(k) for k in ("psn_name", "certno", "gend", "brdy")},
                    **relation,
                    "psn_no": item["key"],
                    "status": RELATION_STATUS_ZH.get(status or "", status),
                }
            )
    return rows


def workbook(title_zh: str, columns: tuple[tuple[str, str], ...], rows: list[dict[str, Any]]) -> Response:
    """An exported list as an .xlsx download (the file named after the list, in UTF-8)."""
    return xlsx_download(table_xlsx(title_zh, columns, rows), f"{title_zh}.xlsx", fallback="registry.xlsx")


def as_error(status: int, body: Any) -> YbjError:
    """A service's error answer as the same error here."""
    kinds: dict[int, type[YbjError]] = {
        401: Unauthenticated,
        403: Forbidden,
        404: NotFound,
        409: Conflict,
        422: InvalidInput,
        503: Unavailable,
    }
    kind = kinds.get(status, YbjError)
    detail = body if isinstance(body, dict) else {}
    return kind(
        str(detail.get("code", "UPSTREAM")),
        str(detail.get("message_zh", "服务返回错误")),
        str(detail.get("message_en", f"the service answered {status}")),
        detail.get("field"),
    )
