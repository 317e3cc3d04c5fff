"""The public HTTP entry point: queries served from the read models, commands forwarded to their service."""

from __future__ import annotations

import socket
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import httpx
from fastapi import Body, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, select, text

from ybj_kernel.auth import TokenVerifier
from ybj_kernel.entrypoints.http_common import CurrentActor, install_error_handlers, install_metrics
from ybj_query import reads
from ybj_query.gateway import Gateway, ProcessRegistry, relayed
from ybj_query.models import cases


def create_query_api(
    engine: Engine, verifier: TokenVerifier, client: httpx.Client, service_urls: dict[str, str], kafka_bootstrap: str
) -> FastAPI:
    """Build the public API app (default http://127.0.0.1:8080, OpenAPI at /docs)."""
    api = FastAPI(
        title="ybj 医保经办平台",
        version="1",
        description="Queries from the read models; commands forwarded to the domain services.",
    )
    install_error_handlers(api)
    install_metrics(api)
    registry = ProcessRegistry(client, service_urls)
    gateway = Gateway(client, service_urls)
    api.state.verifier = verifier

    @api.get("/healthz")
    def healthz() -> JSONResponse:
        checks = {"postgresql": _check(lambda: _ping_db(engine)), "kafka": _check(lambda: _ping_kafka(kafka_bootstrap))}
        for service, url in service_urls.items():
            checks[service] = _check(partial(_ping_http, client, f"{url}/healthz"))
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    @api.get("/api/v1/processes")
    def processes() -> list[dict[str, Any]]:
        return registry.all()

    # Plain `def` routes: the forwarding client is synchronous and runs in FastAPI's thread pool.
    @api.post("/api/v1/cases", status_code=201)
    def create_case(body: Annotated[dict[str, Any], Body()], request: Request) -> JSONResponse:
        process = registry.get(str(body.get("process", "")))
        response = gateway.forward(process["service"], "/api/v1/cases", body, dict(request.headers))
        return relayed(response)

    @api.post("/api/v1/cases/{case_id}/actions")
    def act(case_id: str, body: Annotated[dict[str, Any], Body()], request: Request) -> JSONResponse:
        headers = dict(request.headers)
        with reads.reading(engine) as conn:
            service = conn.execute(select(cases.c.service).where(cases.c.case_id == case_id)).scalar()
        if service is not None:
            response = gateway.forward(service, f"/api/v1/cases/{case_id}/actions", body, headers)
        else:
            found = gateway.find_case_service(case_id, body, headers)
            if found is None:
                return JSONResponse(
                    {
                        "code": "CASE_NOT_FOUND",
                        "message_zh": "案件不存在",
                        "message_en": "no such case",
                        "field": "case_id",
                    },
                    status_code=404,
                )
            response = found[1]
        return relayed(response)

    @api.get("/api/v1/cases/{case_id}")
    def get_case(case_id: str, who: CurrentActor) -> dict[str, Any]:
        return reads.case_view(engine, case_id, who.admdvs)

    @api.get("/api/v1/cases/{case_id}/history")
    def get_history(case_id: str, who: CurrentActor) -> list[dict[str, Any]]:
        return reads.case_history(engine, case_id, who.admdvs)

    @api.get("/api/v1/cases")
    def list_cases(
        who: CurrentActor,
        process: str | None = None,
        stage: str | None = None,
        admdvs: str | None = None,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        return reads.work_queue(
            engine, who.admdvs, process=process, stage=stage, admdvs=admdvs, page=page, page_size=page_size
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


def _check(probe: Callable[[], object]) -> str:
    try:
        probe()
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    return "ok"


def _ping_http(client: httpx.Client, url: str) -> None:
    client.get(url, timeout=2).raise_for_status()


def _ping_db(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _ping_kafka(bootstrap: str) -> None:
    host, port = bootstrap.split(",", maxsplit=1)[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=2):
        pass
