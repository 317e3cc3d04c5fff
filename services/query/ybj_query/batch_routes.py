"""批量 at the public entry point: templates and uploads passed to the owning service, batch actions, the queue as xlsx.

GET  /api/v1/processes/{id}/template.xlsx    passed whole to the service of the process
POST /api/v1/batches                         the multipart upload passed whole (byte for byte) to that service
POST /api/v1/cases/{case_id}/rows           a lists template (P004's 停保人员 …) passed whole to the case's service
GET  /api/v1/batches/{batch_id}[/report.xlsx] routed by the batch id's `<service>-` prefix, without probing
POST /api/v1/cases/batch-actions             批量审核: each item forwarded as its own action to the case's service
                                             and checked there on its own (role, 不相容岗位, 医保区划, version)
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from starlette.requests import ClientDisconnect
from starlette.types import Message

from ybj_kernel.adapters.spreadsheets_export import XLSX_MEDIA_TYPE, table_xlsx
from ybj_kernel.adapters.spreadsheets_reader import FileTooLarge
from ybj_kernel.auth import TokenVerifier
from ybj_kernel.entrypoints.http_common import xlsx_download
from ybj_kernel.errors import InvalidInput, NotFound, YbjError
from ybj_kernel.settings import Settings
from ybj_query import reads
from ybj_query.audit_routes import refuse_oversight
from ybj_query.forwarding import Answer, Forwarder, ProcessRegistry
from ybj_query.passthrough import service_in_read_model

# A whole file checked and saved in one transaction takes a while: about 2.5 s per 1,000 P019 rows measured here.
UPLOAD_TIMEOUT_SECONDS = 300
# Items of one batch action answered at once (several cases in flight; one case's items always in order).
ACTIONS_IN_FLIGHT = 8
XLSX: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "an .xlsx"}}
_UPLOAD_SCHEMA = {
    "type": "object",
    "required": ["process", "file"],
    "properties": {
        "process": {"type": "string", "description": "流程编号, e.g. P019", "example": "P019"},
        "file": {"type": "string", "format": "binary", "description": "the filled template (.xlsx)"},
        "variant": {"type": "string", "description": "办理模式; default: the first with a batch stage"},
        "mode": {"type": "string", "enum": ["valid_rows", "all_or_nothing"], "default": "valid_rows"},
        "data": {"type": "string", "description": "名单模板 (P004): the opening stage's other fields as a JSON object"},
    },
}
UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _UPLOAD_SCHEMA}}}
}
_ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message_zh", "message_en"],
    "properties": {
        "code": {"type": "string"},
        "message_zh": {"type": "string"},
        "message_en": {"type": "string"},
        "field": {"type": ["string", "null"]},
    },
}
# Besides the errors every route of the entry point documents (api.ERROR_RESPONSES: 401 403 404 409 422 503).
UPLOAD_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "同一用户再次上传同一文件：原批次，不重复办理 / the same file again: the same batch",
        "content": {"application/json": {}},
    },
    201: {"description": "批次已导入：行数、错误行（行号、字段、原因）、已受理的案件 / the batch as imported"},
    413: {
        "description": "文件过大 / the file is too large",
        "content": {"application/json": {"schema": _ERROR_SCHEMA}},
    },
}

_ROWS_SCHEMA = {
    "type": "object",
    "required": ["file", "action", "expected_version"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "the stage's filled lists template (.xlsx)"},
        "action": {"type": "string", "description": "the stage's action", "example": "suspend_contribution"},
        "expected_version": {"type": "integer", "minimum": 1},
        "data": {"type": "string", "description": "the stage's other fields as a JSON object"},
        "comment": {"type": "string", "maxLength": 2000},
    },
}
ROWS_DOC: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _ROWS_SCHEMA}}}
}
ROWS_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "环节已办理：案件当前环节和版本 / the stage done: where the case stands"},
    413: UPLOAD_ANSWERS[413],
}


class BatchActionItem(BaseModel):
    """One action of a batch: the same as POST /api/v1/cases/{case_id}/actions, with the case named."""

    case_id: UUID
    action: str = Field(min_length=1, max_length=60, examples=["approve"])
    expected_version: int = Field(ge=1)
    comment: str | None = Field(default=None, max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict)


class BatchActions(BaseModel):
    """POST /api/v1/cases/batch-actions body (at most Settings.batch_max_actions items, 500 unless configured)."""

    items: list[BatchActionItem] = Field(min_length=1, json_schema_extra={"maxItems": 500})


class ItemResult(BaseModel):
    """How one item went: the case's new stage and version, or the error its service answered."""

    case_id: str
    ok: bool
    stage: str | None = None
    version: int | None = None
    status: int | None = None
    error: dict[str, Any] | None = None


class BatchActionResults(BaseModel):
    """Per item, in the order sent."""

    results: list[ItemResult]


def batch_router(
    forwarder: Forwarder,
    registry: ProcessRegistry,
    engine: Engine,
    verifier: TokenVerifier,
    settings: Settings | None = None,
) -> APIRouter:
    """The entry point's batch routes (limits from `settings`, by default the process's YBJ_* environment)."""
    router = APIRouter()
    limits = settings or _settings()

    async def process_service(process_id: str) -> str:
        process = registry.cached(process_id)
        if process is None:
            process = await asyncio.to_thread(registry.get, process_id)
        return str(process["service"])

    def batch_service(batch_id: str) -> str:
        service = batch_id.partition("-")[0]
        if service not in forwarder.services:
            raise NotFound("BATCH_NOT_FOUND", f"批次 {batch_id} 不存在", f"no batch {batch_id}", "batch_id")
        return service

    @router.get("/api/v1/processes/{process_id}/template.xlsx", responses=XLSX)
    async def template(process_id: str, request: Request) -> Response:
        """The batch template (批量导入模板) of a process's batch variant (`?variant=`, default the first one)."""
        service = await process_service(process_id)
        return await forwarder.pass_through(
            service, "GET", request.url.path, query=request.url.query, headers=request.headers
        )

    @router.post("/api/v1/batches", status_code=201, responses=UPLOAD_ANSWERS, openapi_extra=UPLOAD_DOC)
    async def upload(request: Request) -> Response:
        """Upload a filled template: 201 with the batch (200 and the same batch for the same file again)."""
        verifier.actor(request.headers.get("authorization"))  # a 401 before a large body is read, not after
        refuse_oversight(verifier, request.headers.get("authorization"))
        raw = await _bounded_body(request, limits.batch_max_bytes)
        process = await _form_field(request, raw, "process")
        service = await process_service(process)
        return await forwarder.pass_through(
            service,
            "POST",
            "/api/v1/batches",
            body=raw,
            headers=request.headers,
            timeout_seconds=UPLOAD_TIMEOUT_SECONDS,
        )

    @router.post("/api/v1/cases/{case_id}/rows", responses=ROWS_ANSWERS, openapi_extra=ROWS_DOC)
    async def case_rows(case_id: UUID, request: Request) -> Response:
        """Do a case's stage with the lists in a filled lists template (multipart: file, action, expected_version,
        data?, comment?): 200 with where the case stands; a 422 lists every bad row (sheet, row, field)."""
        verifier.actor(request.headers.get("authorization"))
        refuse_oversight(verifier, request.headers.get("authorization"))
        raw = await _bounded_body(request, limits.batch_max_bytes)
        found = str(case_id)
        service = forwarder.service_of(found) or await asyncio.to_thread(service_in_read_model, engine, found)
        # A case just opened may not be in the read model yet: then each service is asked in turn.
        for candidate in [service] if service is not None else list(forwarder.services):
            answer = await forwarder.pass_through(
                candidate,
                "POST",
                request.url.path,
                body=raw,
                headers=request.headers,
                timeout_seconds=UPLOAD_TIMEOUT_SECONDS,
            )
            if service is not None or not _case_not_found(answer):
                return answer
        raise NotFound("CASE_NOT_FOUND", "案件不存在", "no such case", "case_id")

    @router.get("/api/v1/batches/{batch_id}")
    async def batch(batch_id: str, request: Request) -> Response:
        """A batch: total, accepted, rejected, every bad row's field and reason, and the cases opened."""
        return await forwarder.pass_through(batch_service(batch_id), "GET", request.url.path, headers=request.headers)

    @router.get("/api/v1/batches/{batch_id}/report.xlsx", responses=XLSX)
    async def report(batch_id: str, request: Request) -> Response:
        """The uploaded rows with 结果 and 错误原因 (field and reason in Chinese) for each bad row."""
        return await forwarder.pass_through(batch_service(batch_id), "GET", request.url.path, headers=request.headers)

    @router.post("/api/v1/cases/batch-actions", response_model=BatchActionResults)
    async def batch_actions(body: BatchActions, request: Request) -> dict[str, Any]:
        """批量审核: each item acted on by its case's service on its own; one item refused does not stop the others."""
        refuse_oversight(verifier, request.headers.get("authorization"))
        limit = limits.batch_max_actions
        if len(body.items) > limit:
            raise InvalidInput(
                "TOO_MANY_ITEMS",
                f"一次最多批量办理 {limit} 件，本次 {len(body.items)} 件，请分批提交",
                f"at most {limit} items in one batch of actions, got {len(body.items)}",
                "items",
            )
        results: list[dict[str, Any] | None] = [None] * len(body.items)
        by_case: dict[UUID, list[int]] = {}
        for i, item in enumerate(body.items):
            by_case.setdefault(item.case_id, []).append(i)
        gate = asyncio.Semaphore(ACTIONS_IN_FLIGHT)

        async def one_case(indexes: Sequence[int]) -> None:
            async with gate:
                for i in indexes:  # one case's items in the order sent: the second sees the first's version
                    results[i] = await _act(forwarder, engine, body.items[i], request.headers)

        await asyncio.gather(*(one_case(ix) for ix in by_case.values()))
        return {"results": results}

    return router


async def _act(
    forwarder: Forwarder, engine: Engine, item: BatchActionItem, headers: Mapping[str, str]
) -> dict[str, Any]:
    case_id = str(item.case_id)
    # The standard library's encoder: it writes any integer and escapes lone surrogates, both of which JSON may carry
    # (orjson refuses them), and the service reads the item as it would its own request.
    command = json.dumps(
        {"action": item.action, "expected_version": item.expected_version, "comment": item.comment, "data": item.data}
    ).encode()
    path = f"/api/v1/cases/{case_id}/actions"
    try:
        service = forwarder.service_of(case_id) or await asyncio.to_thread(service_in_read_model, engine, case_id)
        answer: Answer | None
        if service is not None:
            answer = await forwarder.forward(service, path, command, headers)
        else:
            answer = await forwarder.find_case_service(case_id, command, headers)
    except YbjError as err:
        return {"case_id": case_id, "ok": False, "status": err.status, "error": err.to_dict()}
    if answer is None:
        error = NotFound("CASE_NOT_FOUND", "案件不存在", "no such case", "case_id")
        return {"case_id": case_id, "ok": False, "status": 404, "error": error.to_dict()}
    decoded = orjson.loads(answer.body)
    if answer.status == 200 and isinstance(decoded, dict):
        return {"case_id": case_id, "ok": True, "stage": decoded.get("stage"), "version": decoded.get("version")}
    return {"case_id": case_id, "ok": False, "status": answer.status, "error": decoded}


def _case_not_found(answer: Response) -> bool:
    if answer.status_code != 404:
        return False
    try:
        body = orjson.loads(bytes(answer.body))
    except orjson.JSONDecodeError:
        return False
    return isinstance(body, dict) and body.get("code") == "CASE_NOT_FOUND"


async def _bounded_body(request: Request, limit: int) -> bytes:
    """The request body, refused with a 413 as soon as it grows past `limit` (never read whole first)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
    except ClientDisconnect:
        raise InvalidInput("INVALID_REQUEST", "上传中断", "the upload was interrupted", "file") from None
    return b"".join(chunks)


def _too_large(limit: int) -> FileTooLarge:
    return FileTooLarge(
        "FILE_TOO_LARGE",
        f"上传文件超过 {limit // 1_000_000} MB，请拆分后分批上传",
        f"the upload is larger than {limit // 1_000_000} MB: split it into several files",
        "file",
    )


async def _form_field(request: Request, raw: bytes, name: str) -> str:
    """One text field of a multipart (or urlencoded) body already read, or a 422 naming it."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    try:
        form = await Request(request.scope, replay).form()
        value = form.get(name)
    except Exception:  # a malformed multipart body: Starlette's parser raises several kinds
        value = None
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise InvalidInput(
            "INVALID_REQUEST",
            f"请求应为 multipart/form-data，并包含 {name} 字段",
            f"the request must be multipart/form-data with a {name} field",
            name,
        )
    return value.strip()


# The work queue as a workbook (GET /api/v1/cases?format=xlsx).

WORK_QUEUE_COLUMNS = (
    ("acceptance_no", "受理号"),
    ("process_id", "流程编号"),
    ("process_name", "业务名称"),
    ("variant", "办理模式"),
    ("stage", "当前环节"),
    ("stage_name", "环节名称"),
    ("status", "状态"),
    ("admdvs", "医保区划"),
    ("due_on", "办理时限"),
    ("name", "姓名/单位名称"),
    ("certno", "证件号码"),
    ("emp_no", "单位编号"),
    ("version", "版本"),
    ("created_by", "受理人"),
    ("last_actor", "最后办理人"),
    ("created_at", "受理时间"),
    ("updated_at", "更新时间"),
    ("case_id", "案件编号"),
)


def work_queue(
    engine: Engine,
    registry: ProcessRegistry,
    scope: str,
    as_format: str,
    *,
    process: str | None,
    stage: str | None,
    admdvs: str | None,
    page: int,
    page_size: int,
    overdue_on: date | None,
) -> dict[str, Any] | Response:
    """One page of the work queue as JSON, or (format=xlsx) every case the filters select as a workbook.

    An export holds at most Settings.export_max_rows cases (20,000 unless configured): more is a 422 asking for
    narrower filters, never a truncated list presented as whole.
    """
    if as_format != "xlsx":
        return reads.work_queue(
            engine,
            scope,
            process=process,
            stage=stage,
            admdvs=admdvs,
            page=page,
            page_size=page_size,
            overdue_on=overdue_on,
            counts_on=date.today(),
        )
    limit = _settings().export_max_rows
    found = reads.work_queue(
        engine,
        scope,
        process=process,
        stage=stage,
        admdvs=admdvs,
        page=1,
        page_size=limit + 1,
        overdue_on=overdue_on,
        max_page_size=limit + 1,
    )
    if found["total"] > limit:
        raise InvalidInput(
            "TOO_MANY_ROWS",
            f"符合条件的案件有 {found['total']} 件，超过一次导出的上限 {limit} 件，请缩小筛选条件",
            f"{found['total']} cases match, more than the {limit} one export holds: narrow the filters",
            "format",
        )
    return work_queue_xlsx(found["items"], registry)


@functools.cache
def _settings() -> Settings:
    return Settings()


def work_queue_xlsx(items: Sequence[Mapping[str, Any]], registry: ProcessRegistry) -> Response:
    """The work queue's rows (as the JSON lists them) as an .xlsx with Chinese headers."""
    try:
        definitions = {p["id"]: p for p in registry.all()}
    except YbjError:  # a service is down: the names are left out, the rows are still the read model's
        definitions = {}

    def row(item: Mapping[str, Any]) -> dict[str, Any]:
        process = definitions.get(str(item["process_id"]), {})
        stages = {s["key"]: s["name_zh"] for s in process.get("stages", [])}
        variants = {v["key"]: v["name_zh"] for v in process.get("variants", []) if isinstance(v, dict)}
        data = item.get("data") or {}
        return {
            **item,
            "process_name": process.get("name_zh"),
            "variant": variants.get(str(item.get("variant")), item.get("variant")),
            "stage_name": stages.get(str(item["stage"])),
            "name": data.get("psn_name") or data.get("emp_name"),
            "certno": data.get("certno"),
            "emp_no": data.get("emp_no"),
            "created_by": _who(item.get("created_by")),
            "last_actor": _who(item.get("last_actor")),
        }

    content = table_xlsx("待办案件", WORK_QUEUE_COLUMNS, (row(i) for i in items))
    return xlsx_download(content, "待办案件.xlsx", fallback="work-queue.xlsx")


def _who(actor: Any) -> Any:
    return actor.get("user_id") if isinstance(actor, Mapping) else actor
