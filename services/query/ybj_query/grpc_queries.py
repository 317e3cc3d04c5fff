"""The gRPC query API (ybj.v1.CaseQueries): the HTTP read endpoints over the same read models.

Importing this module raises ImportError while the stubs in ybj_kernel.grpc_gen are not generated
(`make proto`); the query service then serves HTTP only. Errors map to gRPC status codes as in
ybj_kernel.entrypoints.grpc_commands.
"""

from __future__ import annotations

import logging
from typing import Any

import grpc
from sqlalchemy import Engine

from ybj_kernel.auth import TokenVerifier
from ybj_kernel.entrypoints.grpc_common import actor_from, dump_data, guarded, new_server
from ybj_kernel.errors import InvalidInput
from ybj_kernel.grpc_gen.ybj.v1 import cases_pb2, cases_pb2_grpc
from ybj_query import reads

log = logging.getLogger(__name__)

SERVICE_NAME: str = cases_pb2.DESCRIPTOR.services_by_name["CaseQueries"].full_name
DEFAULT_PAGE_SIZE = 50


def case_view(row: dict[str, Any]) -> cases_pb2.CaseView:
    """A read-model case (as reads returns it) as a CaseView message."""
    return cases_pb2.CaseView(**_fields(row))


def history_entry(row: dict[str, Any]) -> cases_pb2.HistoryEntry:
    """One audit-trail entry (as reads returns it) as a HistoryEntry message."""
    return cases_pb2.HistoryEntry(**_fields(row))


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    """Message fields from a read dict: `data` becomes `data_json`; None means unset."""
    fields = {k: v for k, v in row.items() if k != "data" and v is not None}
    fields["data_json"] = dump_data(row.get("data") or {})
    return fields


def _page_arg(value: int, field: str, default: int, limit: int) -> int:
    if value == 0:
        return default
    if not 1 <= value <= limit:
        raise InvalidInput(
            "INVALID_REQUEST",
            f"请求格式错误：{field} 必须在 1 到 {limit} 之间",
            f"malformed request: {field} must be between 1 and {limit}",
            field,
        )
    return value


class CaseQueriesService(cases_pb2_grpc.CaseQueriesServicer):
    """Serves ybj.v1.CaseQueries from the read models, scoped to the caller's 医保区划."""

    def __init__(self, engine: Engine, verifier: TokenVerifier) -> None:
        self._engine = engine
        self._verifier = verifier

    def GetCase(self, request: cases_pb2.GetCaseRequest, context: grpc.ServicerContext) -> cases_pb2.CaseView:  # noqa: N802 (gRPC method name)
        """One case as it stands."""

        def run() -> cases_pb2.CaseView:
            who = actor_from(self._verifier, context)
            return case_view(reads.case_view(self._engine, request.case_id, who.admdvs))

        return guarded(context, run)

    def GetHistory(self, request: cases_pb2.GetHistoryRequest, context: grpc.ServicerContext) -> cases_pb2.CaseHistory:  # noqa: N802 (gRPC method name)
        """The audit trail of a case."""

        def run() -> cases_pb2.CaseHistory:
            who = actor_from(self._verifier, context)
            rows = reads.case_history(self._engine, request.case_id, who.admdvs)
            return cases_pb2.CaseHistory(entries=[history_entry(r) for r in rows])

        return guarded(context, run)

    def ListCases(self, request: cases_pb2.ListCasesRequest, context: grpc.ServicerContext) -> cases_pb2.CasePage:  # noqa: N802 (gRPC method name)
        """A page of a work queue."""

        def run() -> cases_pb2.CasePage:
            who = actor_from(self._verifier, context)
            found = reads.work_queue(
                self._engine,
                who.admdvs,
                process=request.process if request.HasField("process") else None,
                stage=request.stage if request.HasField("stage") else None,
                admdvs=request.admdvs if request.HasField("admdvs") else None,
                page=_page_arg(request.page, "page", 1, 2**31 - 1),
                page_size=_page_arg(request.page_size, "page_size", DEFAULT_PAGE_SIZE, reads.MAX_PAGE_SIZE),
            )
            return cases_pb2.CasePage(
                items=[case_view(r) for r in found["items"]],
                total=found["total"],
                page=found["page"],
                page_size=found["page_size"],
            )

        return guarded(context, run)

    def GetProgress(self, request: cases_pb2.GetProgressRequest, context: grpc.ServicerContext) -> cases_pb2.Progress:  # noqa: N802 (gRPC method name)
        """A case's progress by 受理号 (no token needed)."""
        return guarded(context, lambda: cases_pb2.Progress(**reads.progress(self._engine, request.acceptance_no)))


def start_grpc_server(engine: Engine, verifier: TokenVerifier, port: int, host: str = "127.0.0.1") -> grpc.Server:
    """Start serving ybj.v1.CaseQueries and grpc.health.v1 on host:port and return the running server."""
    server = new_server(host, port, (SERVICE_NAME,))
    cases_pb2_grpc.add_CaseQueriesServicer_to_server(CaseQueriesService(engine, verifier), server)
    server.start()
    log.info("gRPC %s listening on %s:%s", SERVICE_NAME, host, port)
    return server
