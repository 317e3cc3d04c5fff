"""The gRPC command API of a domain service (ybj.v1.CaseCommands); errors map as grpc_common describes.

Importing this module raises ImportError while the stubs in ybj_kernel.grpc_gen are not generated
(`make proto`); the callers then serve HTTP only.
"""

from __future__ import annotations

import logging
from uuid import UUID

import grpc

from ybj_kernel.application import CaseAck, CaseApplication
from ybj_kernel.auth import TokenVerifier
from ybj_kernel.domain.engine import Command
from ybj_kernel.entrypoints import measured
from ybj_kernel.entrypoints.grpc_common import (
    MAX_COMMENT,
    MAX_HEADER_VALUE,
    actor_from,
    check_length,
    guarded,
    new_server,
    parse_data,
)
from ybj_kernel.errors import InvalidInput
from ybj_kernel.grpc_gen.ybj.v1 import cases_pb2, cases_pb2_grpc

log = logging.getLogger(__name__)
SERVICE_NAME: str = cases_pb2.DESCRIPTOR.services_by_name["CaseCommands"].full_name


class CaseCommandsService(cases_pb2_grpc.CaseCommandsServicer):
    """Serves ybj.v1.CaseCommands with the service's CaseApplication."""

    def __init__(self, app: CaseApplication, verifier: TokenVerifier) -> None:
        self._app = app
        self._verifier = verifier

    def CreateCase(self, request: cases_pb2.CreateCaseRequest, context: grpc.ServicerContext) -> cases_pb2.CaseAck:  # noqa: N802 (gRPC method name)
        """Open a case (登记)."""
        return guarded(context, lambda: self._create(request, context))

    def ActOnCase(self, request: cases_pb2.ActOnCaseRequest, context: grpc.ServicerContext) -> cases_pb2.CaseAck:  # noqa: N802 (gRPC method name)
        """Apply one action to a case at its expected version."""
        return guarded(context, lambda: self._act(request, context))

    def _create(self, request: cases_pb2.CreateCaseRequest, context: grpc.ServicerContext) -> cases_pb2.CaseAck:
        who = actor_from(self._verifier, context)
        key = request.idempotency_key if request.HasField("idempotency_key") else None
        correlation = request.correlation_id if request.HasField("correlation_id") else None
        check_length(key, "idempotency_key", MAX_HEADER_VALUE)
        check_length(correlation, "correlation_id", MAX_HEADER_VALUE)
        data = parse_data(request.data_json)
        ack = measured.create_case(
            self._app, request.process, data, who, idempotency_key=key or None, correlation_id=correlation or None
        )
        return _to_ack(ack)

    def _act(self, request: cases_pb2.ActOnCaseRequest, context: grpc.ServicerContext) -> cases_pb2.CaseAck:
        who = actor_from(self._verifier, context)
        case_id = _case_id(request.case_id)
        comment = request.comment if request.HasField("comment") else None
        correlation = request.correlation_id if request.HasField("correlation_id") else None
        check_length(comment, "comment", MAX_COMMENT)
        check_length(correlation, "correlation_id", MAX_HEADER_VALUE)
        if request.expected_version < 1:
            raise InvalidInput(
                "INVALID_REQUEST",
                "请求格式错误：expected_version 必须大于等于 1",
                "malformed request: expected_version must be at least 1",
                "expected_version",
            )
        cmd = Command(request.action, request.expected_version, comment, parse_data(request.data_json))
        ack = measured.act(self._app, case_id, who, cmd, correlation_id=correlation or None)
        return _to_ack(ack)


def start_grpc_server(app: CaseApplication, verifier: TokenVerifier, port: int, host: str = "127.0.0.1") -> grpc.Server:
    """Start serving ybj.v1.CaseCommands and grpc.health.v1 on host:port and return the running server."""
    server = new_server(host, port, (SERVICE_NAME,))
    cases_pb2_grpc.add_CaseCommandsServicer_to_server(CaseCommandsService(app, verifier), server)
    server.start()
    log.info("gRPC %s listening on %s:%s", SERVICE_NAME, host, port)
    return server


def _case_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise InvalidInput(
            "INVALID_REQUEST",
            "请求格式错误：case_id 不是有效的 UUID",
            "malformed request: case_id is not a UUID",
            "case_id",
        ) from None


def _to_ack(ack: CaseAck) -> cases_pb2.CaseAck:
    return cases_pb2.CaseAck(
        case_id=ack.case_id,
        acceptance_no=ack.acceptance_no,
        process_id=ack.process_id,
        stage=ack.stage,
        version=ack.version,
    )
