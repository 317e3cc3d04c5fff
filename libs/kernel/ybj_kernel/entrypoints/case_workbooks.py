"""A case's list as an Excel download (导出), beside its printed form: the same staff may have it, at the same stages.

A service route (settlement's reconciliation differences, supervision's F8 sample) names the processes whose cases
have the list, the printed form the list goes with, and how to render the case's data; the download only reads the
case (nothing is recorded: the list is the case's data at this version, as its history holds it).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any
from uuid import UUID

from fastapi.responses import Response

from ybj_kernel.adapters.spreadsheets_export import XLSX_MEDIA_TYPE
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.documents import document_named
from ybj_kernel.domain.engine import Actor, check_may_print
from ybj_kernel.entrypoints.documents_api import case_view
from ybj_kernel.entrypoints.http_common import xlsx_download
from ybj_kernel.errors import NotFound

Render = Callable[[Mapping[str, Any]], bytes]

WORKBOOK_ERRORS: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "the list as an .xlsx workbook"},
    401: {"description": "未登录 / no valid token"},
    403: {"description": "无权导出 / not allowed"},
    404: {"description": "案件不存在或不是该类业务 / no such case of these processes"},
    409: {"description": "当前环节尚无该清单 / not available at this stage"},
}


def case_workbook(
    app: CaseApplication,
    case_id: UUID,
    who: Actor,
    *,
    processes: Collection[str],
    form: str,
    render: Render,
    what_zh: str,
    what_en: str,
) -> Response:
    """The case's list as .xlsx: a case of `processes` (404 otherwise), at a stage where its printed `form` may be
    issued (409 otherwise), for staff who may print it (403 otherwise)."""
    case = app.get_case(case_id)
    if case.process_id not in processes:
        raise NotFound(
            "NO_SUCH_WORKBOOK",
            f"业务{case.process_id}没有{what_zh}（仅限 {'、'.join(sorted(processes))}）",
            f"process {case.process_id} has no {what_en} (only {', '.join(sorted(processes))})",
            "case_id",
        )
    definition = app.definition(case.process_id)
    check_may_print(definition, case, who)
    view = case_view(app, case_id, who.user_id)
    spec = document_named(definition.documents, form, view)
    file_name = f"{case.acceptance_no}-{spec.title_zh}.xlsx"
    return xlsx_download(render(view.data), file_name, fallback=f"{case.acceptance_no}-{form}.xlsx")
