"""The public HTTP entry point: queries served from the read models, commands forwarded to their service."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date
from functools import partial
from typing import Annotated, Any, Literal

import httpx
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine, text

from ybj_kernel.auth import TokenVerifier
from ybj_kernel.entrypoints.http_common import (
    PARAMETER_CHECKS,
    CurrentActor,
    install_error_handlers,
    install_metrics,
)
from ybj_kernel.errors import NotFound
from ybj_kernel.settings import Settings
from ybj_query import reads
from ybj_query.audit_routes import AccessRecorder, audit_router, refuse_oversight
from ybj_query.batch_routes import XLSX, batch_router, work_queue
from ybj_query.dev_sign_in import dev_sign_in_router
from ybj_query.forwarding import Forwarder, ProcessRegistry, json_object, relayed
from ybj_query.ltc_reads import ltc_router
from ybj_query.overdue import install_overdue_metric
from ybj_query.overview_reads import overview_router
from ybj_query.passthrough import passthrough_router, service_in_read_model
from ybj_query.person_case_reads import person_case_router
from ybj_query.prescription_reads import prescription_router
from ybj_query.reference import reference_router
from ybj_query.web_assets import web_router


def create_query_api(
    engine: Engine,
    verifier: TokenVerifier,
    client: httpx.Client,
    service_urls: dict[str, str],
    kafka_bootstrap: str,
) -> FastAPI:
    """Build the public API app (default http://127.0.0.1:8080, OpenAPI at /docs)."""
    registry = ProcessRegistry(client, service_urls)
    forwarder = Forwarder(service_urls)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await forwarder.close()

    api = FastAPI(
        title="ybj 医保经办平台",
        version="1",
        description="Queries from the read models; commands forwarded to the domain services.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        dependencies=PARAMETER_CHECKS,
    )
    install_error_handlers(api)
    install_metrics(api)
    install_overdue_metric(engine)
    api.state.verifier = verifier

    @api.get("/healthz")
    def healthz() -> JSONResponse:
        checks = _health(engine, kafka_bootstrap, client, service_urls)
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    @api.get("/api/v1/processes")
    def processes() -> list[dict[str, Any]]:
        return registry.all()

    @api.get("/api/v1/processes/{process_id}", responses={404: {"description": "没有该业务流程 / no such process"}})
    def process(process_id: str) -> dict[str, Any]:
        """One process as its service describes it: stages, every action at every position with its roles, every event."""
        found = next((p for p in registry.all() if p["id"] == process_id), None)
        if found is None:
            raise NotFound("UNKNOWN_PROCESS", f"没有业务流程 {process_id}", f"no process {process_id}", "process_id")
        return found

    # Commands pass through asynchronously, as bytes; only the process id (create) or the case's service
    # (act) is looked up: from memory, else the read model or the services, off the event loop.
    @api.post("/api/v1/cases", status_code=201, openapi_extra=_body_doc("CreateCase"))
    async def create_case(request: Request) -> Response:
        refuse_oversight(verifier, request.headers.get("authorization"))
        raw = await request.body()
        process_id = str(json_object(raw).get("process", ""))
        process = registry.cached(process_id)
        if process is None:
            process = await asyncio.to_thread(registry.get, process_id)
        return relayed(await forwarder.forward(process["service"], "/api/v1/cases", raw, request.headers))

    @api.post("/api/v1/cases/{case_id}/actions", openapi_extra=_body_doc("ActOnCase"))
    async def act(case_id: str, request: Request) -> Response:
        refuse_oversight(verifier, request.headers.get("authorization"))
        raw = await request.body()
        json_object(raw)
        path = f"/api/v1/cases/{case_id}/actions"
        service = forwarder.service_of(case_id) or await asyncio.to_thread(service_in_read_model, engine, case_id)
        if service is not None:
            return relayed(await forwarder.forward(service, path, raw, request.headers))
        response = await forwarder.find_case_service(case_id, raw, request.headers)
        if response is None:
            raise NotFound("CASE_NOT_FOUND", "案件不存在", "no such case", "case_id")
        return relayed(response)

    api.state.access = access = AccessRecorder(engine)
    routers = (
        passthrough_router(forwarder, registry, engine),
        batch_router(forwarder, registry, engine, verifier),
        audit_router(forwarder, access, engine),
        person_case_router(engine, registry),  # a person's cases, visits, account year (the channel items' reads)
        ltc_router(engine, forwarder),  # 长护险
        prescription_router(engine),  # 电子处方
        reference_router(engine),  # 药品耗材、限价、政策文件、经办机构 (reference data from files)
        dev_sign_in_router(Settings()),  # /api/v1/dev/users, /token: only when YBJ_DEV_SIGN_IN=true (make run, tests)
        web_router(),  # /console/*, /h5/* from YBJ_WEB_DIR (default <repo>/web/dist)
        overview_router(engine, forwarder, registry),  # 运行概览: GET /api/v1/overview
    )
    for router in routers:
        api.include_router(router)

    @api.get("/api/v1/cases", response_model=None, responses=XLSX)
    def list_cases(
        who: CurrentActor,
        process: Annotated[
            str | None, Query(pattern=r"^[PS]\d{3}$", description="流程编号 P001–P092（S+事项号：无指南事项的流程）")
        ] = None,
        stage: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]*$")] = None,
        admdvs: Annotated[str | None, Query(pattern=r"^\d{6}$", description="医保区划（6 位）")] = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
        overdue: Annotated[
            bool, Query(description="只列超过环节时限的案件 / only cases past their stage's deadline")
        ] = False,
        as_format: Annotated[
            Literal["json", "xlsx"],
            Query(alias="format", description="xlsx: every matching case (not one page) as an Excel workbook"),
        ] = "json",
    ) -> dict[str, Any] | Response:
        """The work queue (overdue cases first); `overdue=true` is the overdue queue; `format=xlsx` exports it."""
        return work_queue(
            engine,
            registry,
            who.admdvs,
            as_format,
            process=process,
            stage=stage,
            admdvs=admdvs,
            page=page,
            page_size=page_size,
            overdue_on=date.today() if overdue else None,
        )

    @api.get("/api/v1/progress/{acceptance_no}")
    def get_progress(acceptance_no: str) -> dict[str, Any]:
        found = reads.progress(engine, acceptance_no)
        try:
            definition = registry.get(found["process_id"])
        except Exception:
            return found
        names = {s["key"]: s["name_zh"] for s in definition["stages"]}
        return {**found, "process_name_zh": definition["name_zh"], "stage_name_zh": names.get(found["stage"])}

    return api


# The deepest page of a list (paging further is a 422, never a database error).
MAX_PAGE = 100_000
_ERROR_BODY = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["code", "message_zh", "message_en"],
                "properties": {
                    "code": {"type": "string"},
                    "message_zh": {"type": "string"},
                    "message_en": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                },
            }
        }
    }
}
# Every route may answer these, always as {code, message_zh, message_en, field?}.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "未登录或令牌无效 / no valid token", **_ERROR_BODY},
    403: {"description": "无权操作（角色、医保区划、不相容岗位） / not allowed", **_ERROR_BODY},
    404: {"description": "不存在 / not found", **_ERROR_BODY},
    409: {"description": "与当前状态或版本冲突 / conflicts with the current state or version", **_ERROR_BODY},
    422: {"description": "输入有误（字段、原因） / invalid input, naming the field", **_ERROR_BODY},
    503: {"description": "依赖暂不可用，稍后重试 / unavailable, retry later", **_ERROR_BODY},
}


def _health(engine: Engine, kafka_bootstrap: str, client: httpx.Client, service_urls: dict[str, str]) -> dict[str, str]:
    """Every dependency's state, probed at once, not one after the other: with PostgreSQL away every service's own
    check waits for its timeout, and one after the other they added up past a prober's patience."""
    probes: dict[str, Callable[[], object]] = {
        "postgresql": lambda: _ping_db(engine),
        "kafka": lambda: _ping_kafka(kafka_bootstrap),
        **{service: partial(_ping_http, client, f"{url}/healthz") for service, url in service_urls.items()},
    }
    with ThreadPoolExecutor(max_workers=len(probes)) as pool:
        futures = {name: pool.submit(_check, probe) for name, probe in probes.items()}
        return {name: future.result() for name, future in futures.items()}


def _check(probe: Callable[[], object]) -> str:
    try:
        probe()
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    return "ok"


def _body_doc(model: str) -> dict[str, Any]:
    """OpenAPI for a pass-through body: the schema the domain service validates it against."""
    schemas = {
        "CreateCase": {
            "type": "object",
            "required": ["process", "data"],
            "properties": {
                "process": {"type": "string", "example": "P079"},
                "variant": {"type": "string", "description": "办理模式 key (GET /api/v1/processes/{id} lists them)"},
                "materials": {"type": "array", "items": {"type": "string"}, "description": "所需材料 confirmed"},
                "data": {"type": "object"},
            },
        },
        "ActOnCase": {
            "type": "object",
            "required": ["action", "expected_version"],
            "properties": {
                "action": {"type": "string", "example": "approve"},
                "expected_version": {"type": "integer", "minimum": 1},
                "comment": {"type": "string"},
                "data": {"type": "object"},
            },
        },
    }
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schemas[model]}}}}


def _ping_http(client: httpx.Client, url: str) -> None:
    client.get(url, timeout=2).raise_for_status()


def _ping_db(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _ping_kafka(bootstrap: str) -> None:
    host, port = bootstrap.split(",", maxsplit=1)[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=2):
        pass
