"""The supervision service's own HTTP routes: the F8 inspections' sample as Excel (documents/f8_workbook.py)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response

from ybj_kernel.application import CaseApplication
from ybj_kernel.entrypoints.case_workbooks import WORKBOOK_ERRORS, case_workbook
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_supervision.documents.f8_sample import SAMPLE_LIST
from ybj_supervision.documents.f8_workbook import sample_xlsx
from ybj_supervision.processes.p073_routine_inspection import P073
from ybj_supervision.processes.p074_special_inspection import P074
from ybj_supervision.processes.p075_on_site_inspection import P075
from ybj_supervision.processes.p076_year_end_inspection import P076

# The processes of the shared flow f8_settlement_detail_inspection: each case holds its F8 records and a sample.
F8_PROCESSES = frozenset(p.id for p in (P073, P074, P075, P076))


def inspections_router(app: CaseApplication) -> APIRouter:
    """GET /api/v1/inspections/{case_id}/sample.xlsx."""
    router = APIRouter(tags=["inspections 检查"])

    @router.get("/api/v1/inspections/{case_id}/sample.xlsx", responses=WORKBOOK_ERRORS)
    def inspection_sample(case_id: UUID, who: CurrentActor) -> Response:
        """F8费用结算明细抽查样本 of an inspection case (P073-P076) as Excel, one row a sampled record in the draw's
        order, for the staff who may print the case's 抽查清单."""
        return case_workbook(
            app,
            case_id,
            who,
            processes=F8_PROCESSES,
            form=SAMPLE_LIST.name,
            render=sample_xlsx,
            what_zh="F8费用结算明细抽查样本",
            what_en="F8 sample",
        )

    return router
