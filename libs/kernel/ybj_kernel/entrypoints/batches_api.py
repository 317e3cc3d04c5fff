"""批量 over HTTP on a domain service: a variant's template, an uploaded workbook imported, the batch and its report.

GET  /api/v1/processes/{id}/template.xlsx?variant=   the template (spreadsheets_template.py)
POST /api/v1/batches                                 multipart: process, file, variant?, mode? → 201 (200: the same
                                                     file again by the same user: the same batch, nothing new)
POST /api/v1/cases/{case_id}/rows                   multipart: file, action, expected_version, data?, comment?: a
                                                     later stage of one case done with the lists in the file
GET  /api/v1/batches/{batch_id}                      the batch: counts, errors by row and field, cases opened
GET  /api/v1/batches/{batch_id}/report.xlsx          every uploaded row with 结果 and 错误原因

A batch id is `<service>-<uuid>`: the entry point routes it by its prefix.

A stage whose input holds lists of rows (P004's 新参保人员、续保人员、停保人员) has a lists template (one sheet per
list, `?stage=`); uploaded to POST /api/v1/batches it opens ONE case (the opening stage's other fields in `data`),
uploaded to POST /api/v1/cases/{case_id}/rows it does that case's later stage.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from ybj_kernel.adapters.spreadsheets_columns import (
    Column,
    batch_columns,
    batch_example,
    batch_stages,
    batch_variant,
    list_example,
    list_sheets,
    list_stage,
    rows_in_case,
)
from ybj_kernel.adapters.spreadsheets_export import XLSX_MEDIA_TYPE
from ybj_kernel.adapters.spreadsheets_reader import FileTooLarge, UploadedLists, read_batch, read_lists
from ybj_kernel.adapters.spreadsheets_report import report_xlsx
from ybj_kernel.adapters.spreadsheets_template import lists_template_xlsx, template_xlsx
from ybj_kernel.application import CaseApplication
from ybj_kernel.batch_import import describe_list_batch, list_command, run_list_batch
from ybj_kernel.domain.batch_record import BatchImport
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.identity import admdvs_covers
from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.entrypoints.http_common import CurrentActor, xlsx_download
from ybj_kernel.entrypoints.measured import act
from ybj_kernel.errors import Forbidden, InvalidInput, NotFound, YbjError
from ybj_kernel.settings import Settings

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "未登录 / no valid token"},
    403: {"description": "无权办理或查看 / not allowed"},
    404: {"description": "业务流程或批次不存在 / no such process or batch"},
    422: {"description": "文件或参数有误（不是 xlsx、不是本业务模板、无数据、行数超限、无批量模式） / invalid file"},
    503: {"description": "服务暂不可用 / unavailable, retry"},
}
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    200: {"description": "同一用户再次上传同一文件：原批次，不重复办理 / the same file again: the same batch"},
    413: {"description": "文件过大 / the file is too large"},
}
ROWS_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    404: {"description": "案件不存在 / no such case"},
    409: {"description": "版本或当前环节不符 / conflicts with the case's version or stage"},
    413: {"description": "文件过大 / the file is too large"},
    422: {"description": "文件或名单有误：errors 列出每个错误行（工作表、行号、字段、原因），未办理 / invalid rows"},
}
XLSX_ANSWER: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "an .xlsx"}}
BatchMode = Literal["valid_rows", "all_or_nothing"]


@dataclass(frozen=True)
class BatchLimits:
    """Bounds on one upload (Settings.batch_*; examples chosen for this deployment, not policy)."""

    max_rows: int = 1_000
    max_bytes: int = 20_000_000
    max_unpacked_bytes: int = 300_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> BatchLimits:
        """The limits the service's settings give."""
        return cls(settings.batch_max_rows, settings.batch_max_bytes, settings.batch_max_unpacked_bytes)


def batches_router(app: CaseApplication, limits: BatchLimits | None = None) -> APIRouter:
    """The batch routes of one domain service."""
    bounds = limits or BatchLimits.from_settings(Settings())
    router = APIRouter()

    @router.get("/api/v1/processes/{process_id}/template.xlsx", responses={**ERRORS, **XLSX_ANSWER})
    def template(
        process_id: str,
        variant: Annotated[
            str | None, Query(max_length=60, description="办理模式; default: the first batch one")
        ] = None,
        stage: Annotated[
            str | None,
            Query(max_length=60, description="名单环节 (a stage taking lists of rows); default: the first batch one"),
        ] = None,
    ) -> Response:
        """The batch template of a process's batch variant: Chinese names, field codes, example row, dropdowns, 说明.

        A stage taking lists of rows inside one case (P004) gets a sheet per list instead."""
        p = app.definition(process_id)
        chosen = batch_variant(p, variant)
        if stage is not None or rows_in_case(p, chosen):
            found = list_stage(p, chosen, stage)
            content = lists_template_xlsx(p, chosen, found.key, max_rows=bounds.max_rows)
            return xlsx_download(content, f"{p.id}{'-' + chosen if chosen else ''}-{found.key}-名单导入模板.xlsx")
        content = template_xlsx(p, chosen, max_rows=bounds.max_rows)
        return xlsx_download(content, f"{p.id}{'-' + chosen if chosen else ''}-批量导入模板.xlsx")

    @router.post("/api/v1/batches", status_code=201, responses=UPLOAD_ERRORS)
    def upload(
        who: CurrentActor,
        process: Annotated[str, Form(max_length=20, description="流程编号, e.g. P019")],
        file: Annotated[UploadFile, File(description="the filled template (.xlsx)")],
        variant: Annotated[
            str | None, Form(max_length=60, description="办理模式; default: the first batch one")
        ] = None,
        mode: Annotated[BatchMode, Form(description="valid_rows: import the good rows; all_or_nothing")] = "valid_rows",
        data: Annotated[
            str | None,
            Form(max_length=100_000, description="名单模板: the opening stage's other fields as a JSON object"),
        ] = None,
    ) -> JSONResponse:
        """Import a filled template: every row checked as a single case would be; the good rows become cases.

        A lists template (P004) opens one case: its opening input is `data` with each sheet's good rows as its list."""
        p = app.definition(process)
        chosen = batch_variant(p, variant)
        for stage in batch_stages(p, chosen):
            who.acting_as(stage.roles)  # refused before the file is read, not row by row
        _refuse_too_large(file, bounds)
        if rows_in_case(p, chosen):
            return _upload_lists(app, p, chosen, file, who, mode, _json_object(data), bounds)
        uploaded = read_batch(
            file.file,
            batch_columns(p, chosen),
            max_rows=bounds.max_rows,
            max_unpacked_bytes=bounds.max_unpacked_bytes,
            example=batch_example(p, chosen),
        )
        # The mode is part of what makes "the same upload": a file refused whole may then be imported row by row.
        fingerprint = hashlib.sha256(f"{mode}:{uploaded.fingerprint}".encode()).hexdigest()
        outcome = app.import_batch(
            p.id, chosen, uploaded.rows, who, mode=mode, fingerprint=fingerprint, file_name=file.filename or ""
        )
        described = outcome.batch.describe(app.service)
        return JSONResponse(
            described,
            status_code=201 if outcome.created else 200,
            headers={"Location": f"/api/v1/batches/{described['batch_id']}"},
        )

    @router.post("/api/v1/cases/{case_id}/rows", responses=ROWS_ERRORS)
    def rows(
        case_id: UUID,
        who: CurrentActor,
        file: Annotated[UploadFile, File(description="the filled lists template of the stage (.xlsx)")],
        action: Annotated[str, Form(min_length=1, max_length=60, description="the stage's action, e.g. suspend")],
        expected_version: Annotated[int, Form(ge=1, le=2**31 - 1)],
        data: Annotated[
            str | None, Form(max_length=100_000, description="the stage's other fields as a JSON object")
        ] = None,
        comment: Annotated[str | None, Form(max_length=2000)] = None,
    ) -> JSONResponse:
        """Do a case's stage with the lists in the file (a sheet per list): every row must be good, else a 422 lists
        each bad row (sheet, row, field) and nothing is done."""
        _refuse_too_large(file, bounds)
        case = app.get_case(case_id)
        p = app.definition(case.process_id)
        stage = _stage_of_action(p, case.variant, action)
        uploaded = _read_lists(file, stage, bounds)
        cmd = list_command(app, case_id, action, expected_version, _json_object(data), uploaded.lists, comment)
        ack = act(app, case_id, who, cmd, correlation_id=None)
        return JSONResponse(
            {
                "case_id": ack.case_id,
                "acceptance_no": ack.acceptance_no,
                "process_id": ack.process_id,
                "stage": ack.stage,
                "version": ack.version,
                "rows": {code: len(found) for code, found in uploaded.lists.items()},
            }
        )

    @router.get("/api/v1/batches/{batch_id}", responses=ERRORS)
    def batch(batch_id: str, who: CurrentActor) -> dict[str, Any]:
        """A batch: counts, every bad row's field and reason, and the cases it opened."""
        found = _batch(app, batch_id, who)
        if any("sheet" in row for row in found.rows):
            return describe_list_batch(found, app.service)
        return found.describe(app.service)

    @router.get("/api/v1/batches/{batch_id}/report.xlsx", responses={**ERRORS, **XLSX_ANSWER})
    def report(batch_id: str, who: CurrentActor) -> Response:
        """Every uploaded row as read, 已导入 or 未导入, and each bad row's fields and reasons in Chinese."""
        found = _batch(app, batch_id, who)
        content = report_xlsx(
            _report_columns(app, found),
            found.rows,
            found.errors,
            imported_rows=found.mode != "all_or_nothing" or not found.errors,
        )
        return xlsx_download(content, f"{found.process_id}-批量导入结果-{found.id}.xlsx")

    return router


def _batch(app: CaseApplication, batch_id: str, who: Actor) -> BatchImport:
    service, _, raw = batch_id.partition("-")
    found = None
    if service == app.service:
        try:
            found = app.find_batch(UUID(raw))
        except ValueError:
            found = None
    if not isinstance(found, BatchImport):  # an unknown id, or the id of a case or registry entry
        raise NotFound("BATCH_NOT_FOUND", f"批次 {batch_id} 不存在", f"no batch {batch_id}", "batch_id")
    uploader = found.actor
    if who.user_id != uploader.get("user_id") and not admdvs_covers(who.admdvs, str(uploader.get("admdvs", ""))):
        raise Forbidden(
            "BATCH_OUT_OF_SCOPE",
            "无权查看其他医保区划的批次",
            "you may not see a batch uploaded in another 医保区划",
            "batch_id",
        )
    return found


def _refuse_too_large(file: UploadFile, bounds: BatchLimits) -> None:
    if file.size is not None and file.size > bounds.max_bytes:
        raise FileTooLarge(
            "FILE_TOO_LARGE",
            f"文件超过 {bounds.max_bytes // 1_000_000} MB，请拆分后分批上传",
            f"the file is larger than {bounds.max_bytes // 1_000_000} MB: split it into several files",
            "file",
        )


def _json_object(data: str | None) -> dict[str, Any]:
    if data is None or not data.strip():
        return {}
    try:
        found = orjson.loads(data)
    except orjson.JSONDecodeError:
        found = None
    if not isinstance(found, dict):
        raise InvalidInput("INVALID_REQUEST", "data 应为 JSON 对象", "data must be a JSON object", "data")
    return found


def _stage_of_action(p: ProcessDefinition, variant: str | None, action: str) -> Stage:
    found = next((s for s in p.path(variant) if s.action == action), None)
    if found is None or not list_sheets(found.input):
        raise InvalidInput(
            "NO_ROW_LISTS",
            f"{p.id} 的动作 {action} 不录入名单，不能上传名单",
            f"{p.id}'s action {action} takes no lists of rows",
            "action",
        )
    return found


def _read_lists(file: UploadFile, stage: Stage, bounds: BatchLimits) -> UploadedLists:
    sheets = list_sheets(stage.input)
    return read_lists(
        file.file,
        sheets,
        max_rows=bounds.max_rows,
        max_unpacked_bytes=bounds.max_unpacked_bytes,
        examples={s.code: list_example(stage, s) for s in sheets},
    )


def _upload_lists(
    app: CaseApplication,
    p: ProcessDefinition,
    variant: str | None,
    file: UploadFile,
    who: Actor,
    mode: BatchMode,
    data: dict[str, Any],
    bounds: BatchLimits,
) -> JSONResponse:
    """A lists template uploaded as a batch: ONE case opened with the opening stage's lists from the file."""
    opening = p.path(variant)[0]
    if not list_sheets(opening.input):
        raise InvalidInput(
            "ROWS_IN_CASE",
            f"{p.id}{p.name_zh}的名单在案件的后续环节录入：请先受理案件，再向 /api/v1/cases/{{case_id}}/rows 上传名单",
            f"{p.id}'s lists belong to a later stage of a case: open the case, then upload to "
            "/api/v1/cases/{case_id}/rows",
            "process",
        )
    uploaded = _read_lists(file, opening, bounds)
    digest = orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()
    fingerprint = hashlib.sha256(f"{mode}:{digest}:{uploaded.fingerprint}".encode()).hexdigest()
    outcome = run_list_batch(
        app, p.id, variant, data, uploaded.lists, who, mode=mode, fingerprint=fingerprint, file_name=file.filename or ""
    )
    described = describe_list_batch(outcome.batch, app.service)
    return JSONResponse(
        described,
        status_code=201 if outcome.created else 200,
        headers={"Location": f"/api/v1/batches/{described['batch_id']}"},
    )


def _report_columns(app: CaseApplication, found: BatchImport) -> list[Column]:
    if any("sheet" in row for row in found.rows):  # a lists batch: the codes its rows hold
        codes = dict.fromkeys(code for row in found.rows for code in row.get("values", {}))
        return [Column(code, code, False, "text") for code in codes]
    try:
        return batch_columns(app.definition(found.process_id), found.variant)
    except (YbjError, StopIteration):  # the definition changed since: the codes the rows hold, in their order
        codes = dict.fromkeys(code for row in found.rows for code in row.get("values", {}))
        return [Column(code, code, False, "text") for code in codes]
