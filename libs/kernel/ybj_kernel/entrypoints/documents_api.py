"""Printed forms over HTTP: list a case's forms, and issue one as a PDF (recording DocumentIssued with its SM3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response

from ybj_kernel.adapters.pdf import render_pdf
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.documents import (
    CaseView,
    available_documents,
    document_content,
    document_named,
    issued_event_data,
)
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_kernel.sm3 import sm3_hex

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "未登录 / no valid token"},
    403: {"description": "无权打印 / not allowed"},
    404: {"description": "案件或单据不存在 / no such case or form"},
    409: {"description": "当前环节不能打印该单据 / not available at this stage"},
}


def documents_router(app: CaseApplication) -> APIRouter:
    """GET /api/v1/cases/{id}/documents and GET /api/v1/cases/{id}/documents/{name} (a PDF)."""
    router = APIRouter()

    @router.get("/api/v1/cases/{case_id}/documents", responses=_ERRORS)
    def list_documents(case_id: UUID, who: CurrentActor) -> list[dict[str, Any]]:
        """The forms the process declares, and whether each can be printed now."""
        view = case_view(app, case_id, who.user_id)
        p = app.definition(view.process_id)
        ready = {d.name for d in available_documents(p.documents, view)}
        return [{"name": d.name, "title_zh": d.title_zh, "available": d.name in ready} for d in p.documents]

    @router.get(
        "/api/v1/cases/{case_id}/documents/{name}",
        responses={**_ERRORS, 200: {"content": {"application/pdf": {}}, "description": "the form as a PDF"}},
    )
    def issue_document(case_id: UUID, name: str, who: CurrentActor) -> Response:
        """Print a form with the case's data, 受理号 and 校验码; the history records its SM3 digest."""
        view = case_view(app, case_id, who.user_id)
        spec = document_named(app.definition(view.process_id).documents, name, view)
        content = document_content(spec, view)
        pdf = render_pdf(content)
        digest = sm3_hex(pdf)
        app.record_document(case_id, who, issued_event_data(content, digest), view.version)
        headers = {
            "X-Document-SM3": digest,
            "X-Verification-Code": content.verification_code,
            "Content-Disposition": f'inline; filename="{content.acceptance_no}-{name}.pdf"',
        }
        return Response(pdf, media_type="application/pdf", headers=headers)

    return router


def case_view(app: CaseApplication, case_id: UUID, user_id: str) -> CaseView:
    """The case as a form sees it, printed now by `user_id`."""
    case = app.get_case(case_id)
    p = app.definition(case.process_id)
    return CaseView(
        case_id=str(case.id),
        process_id=p.id,
        process_name_zh=p.name_zh,
        acceptance_no=case.acceptance_no,
        admdvs=case.admdvs,
        stage=case.stage,
        version=case.version,
        data=case.data,
        issued_at=datetime.now(UTC).replace(microsecond=0),
        issued_by=user_id,
        variant=case.variant,
    )
