"""The gRPC APIs for real: CaseCommands on a settlement application and CaseQueries on the read models.

Both run on a fresh PostgreSQL database of their own, dropped at the end; no Kafka is needed.
"""

from __future__ import annotations

import json
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import grpc
import pytest
from google.protobuf.json_format import MessageToDict
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import Engine, create_engine

from ybj_dev import protogen
from ybj_dev.infra import create_database, default_run_dir, drop_database, infra_up
from ybj_kernel.auth import TokenVerifier, ensure_dev_keys, issue_token
from ybj_kernel.envelope import to_envelope
from ybj_kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated, Unavailable, YbjError
from ybj_kernel.settings import Settings

protogen.main()  # the generated modules below must exist before they are imported

from ybj_kernel.entrypoints import grpc_commands, grpc_common  # noqa: E402
from ybj_kernel.entrypoints.service_main import bootstrap  # noqa: E402
from ybj_kernel.grpc_gen.ybj.v1 import cases_pb2, cases_pb2_grpc  # noqa: E402
from ybj_query import grpc_queries  # noqa: E402
from ybj_query.consumer import create_schema  # noqa: E402
from ybj_query.projection import project  # noqa: E402
from ybj_settlement.application import SettlementApplication  # noqa: E402

pytestmark = pytest.mark.integration

CHINESE = re.compile(r"[\u4e00-\u9fff]")
INSTITUTION = ("h-clerk", "institution", "520100")
REGISTRAR = ("registrar-1", "registrar", "520100")
DECLARATION = {
    "fixmedins_code": "H52010000001",
    "fixmedins_name": "贵阳市第一人民医院",
    "admdvs": "520100",
    "setl_ym": "202609",
    "setl_cnt": 1200,
    "declared_amount": "1234567.89",
}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def failure(call: Callable[[], object]) -> tuple[grpc.StatusCode, dict[str, Any], dict[str, Any]]:
    """Make a call that must fail; return its status, the details JSON and the `ybj-error-bin` JSON."""
    try:
        call()
    except grpc.RpcError as exc:
        error = cast(grpc.Call, exc)
        trailing = dict(error.trailing_metadata() or ())
        raw = trailing.get(grpc_common.ERROR_METADATA_KEY, b"{}")
        return error.code(), json.loads(error.details() or "{}"), json.loads(raw)
    pytest.fail("the call succeeded")


@contextmanager
def _connected(server: grpc.Server, port: int) -> Iterator[grpc.Channel]:
    """A ready channel to a started server; both are shut down afterwards."""
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        grpc.channel_ready_future(channel).result(timeout=10)
        yield channel
    finally:
        channel.close()
        server.stop(grace=None)


@pytest.fixture(scope="module")
def dsn() -> Iterator[str]:
    """A fresh database on the local PostgreSQL server, dropped after the module."""
    server = infra_up(default_run_dir())["YBJ_PG_DSN"]
    name = f"ybj_grpc_{uuid.uuid4().hex[:12]}"
    yield create_database(server, name)
    drop_database(server, name)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, TokenVerifier]:
    """A development key pair: the signing key and a verifier trusting it."""
    folder: Path = tmp_path_factory.mktemp("keys")
    private, public = folder / "jwt-private.pem", folder / "jwt-public.pem"
    ensure_dev_keys(private, public)
    return private.read_bytes(), TokenVerifier(public.read_bytes())


@pytest.fixture(scope="module")
def token(keys: tuple[bytes, TokenVerifier]) -> Callable[[tuple[str, str, str]], tuple[tuple[str, str], ...]]:
    """Call metadata carrying a bearer token for (user, role, admdvs)."""

    def metadata(who: tuple[str, str, str]) -> tuple[tuple[str, str], ...]:
        user, role, admdvs = who
        return (("authorization", f"Bearer {issue_token(keys[0], user, [role], admdvs)}"),)

    return metadata


@pytest.fixture(scope="module")
def commands(dsn: str, keys: tuple[bytes, TokenVerifier]) -> Iterator[grpc.Channel]:
    """A channel to a running CaseCommands server of the settlement service."""
    app = bootstrap(SettlementApplication, Settings(pg_dsn=dsn))
    port = free_port()
    try:
        with _connected(grpc_commands.start_grpc_server(app, keys[1], port), port) as channel:
            yield channel
    finally:
        app.close()
        app._acceptance_numbers.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def engine(dsn: str) -> Iterator[Engine]:
    """A SQLAlchemy engine on the test database with the read-model schema created."""
    eng = create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    create_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def queries(engine: Engine, keys: tuple[bytes, TokenVerifier]) -> Iterator[grpc.Channel]:
    """A channel to a running CaseQueries server on the test read models."""
    port = free_port()
    with _connected(grpc_queries.start_grpc_server(engine, keys[1], port), port) as channel:
        yield channel


def _health(channel: grpc.Channel, service: str) -> int:
    response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
    return int(response.status)


# ---------------------------------------------------------------- commands


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput("INVALID_FIELD", "字段无效", "invalid", "x"), grpc.StatusCode.INVALID_ARGUMENT),
        (Conflict("STALE_VERSION", "版本过期", "stale", "expected_version"), grpc.StatusCode.ABORTED),
        (Conflict("CONCURRENT_UPDATE", "并发更新", "concurrent"), grpc.StatusCode.ABORTED),
        (Conflict("ACTION_NOT_ALLOWED", "不允许", "not allowed", "action"), grpc.StatusCode.FAILED_PRECONDITION),
        (Forbidden("WRONG_ROLE", "角色不符", "wrong role"), grpc.StatusCode.PERMISSION_DENIED),
        (Unauthenticated("NOT_AUTHENTICATED", "未认证", "no token"), grpc.StatusCode.UNAUTHENTICATED),
        (NotFound("CASE_NOT_FOUND", "不存在", "missing"), grpc.StatusCode.NOT_FOUND),
        (Unavailable("STORE_UNAVAILABLE", "不可用", "down"), grpc.StatusCode.UNAVAILABLE),
        (grpc_common.InternalError("INTERNAL", "内部错误", "internal"), grpc.StatusCode.INTERNAL),
    ],
)
def test_status_mapping(error: YbjError, status: grpc.StatusCode) -> None:
    """Domain errors map to the documented gRPC status codes."""
    assert grpc_common.status_for(error) == status


def test_command_server_reports_serving(commands: grpc.Channel) -> None:
    """The standard health service reports SERVING for the server and for ybj.v1.CaseCommands."""
    for service in ("", "ybj.v1.CaseCommands"):
        assert _health(commands, service) == health_pb2.HealthCheckResponse.SERVING


def test_create_receive_and_conflicts(commands: grpc.Channel, token: Callable[..., Any]) -> None:
    """P079 opens at receive, registrar receives it, and stale or disallowed actions fail with their status."""
    stub = cases_pb2_grpc.CaseCommandsStub(commands)
    request = cases_pb2.CreateCaseRequest(
        process="P079", data_json=json.dumps(DECLARATION, ensure_ascii=False), idempotency_key="grpc-test-1"
    )
    ack = stub.CreateCase(request, metadata=token(INSTITUTION), timeout=10)
    assert (ack.process_id, ack.stage, ack.version) == ("P079", "receive", 1)
    assert ack.acceptance_no.startswith("30520100")
    again = stub.CreateCase(request, metadata=token(INSTITUTION), timeout=10)
    assert again.case_id == ack.case_id  # the idempotency key replays the same case

    received = stub.ActOnCase(
        cases_pb2.ActOnCaseRequest(case_id=ack.case_id, action="receive", expected_version=1, comment="已接收"),
        metadata=token(REGISTRAR),
        timeout=10,
    )
    assert (received.case_id, received.stage, received.version) == (ack.case_id, "violation_deduction", 2)

    stale = cases_pb2.ActOnCaseRequest(case_id=ack.case_id, action="receive", expected_version=1)
    code, details, trailing = failure(lambda: stub.ActOnCase(stale, metadata=token(REGISTRAR), timeout=10))
    assert code == grpc.StatusCode.ABORTED
    assert details["code"] == "STALE_VERSION"
    assert details["field"] == "expected_version"
    assert CHINESE.search(details["message_zh"])
    assert "version" in details["message_en"]
    assert trailing == details

    wrong_stage = cases_pb2.ActOnCaseRequest(case_id=ack.case_id, action="disburse", expected_version=2)
    code, details, _ = failure(lambda: stub.ActOnCase(wrong_stage, metadata=token(REGISTRAR), timeout=10))
    assert (code, details["code"]) == (grpc.StatusCode.FAILED_PRECONDITION, "ACTION_NOT_ALLOWED")

    missing = cases_pb2.ActOnCaseRequest(case_id=str(uuid.uuid4()), action="receive", expected_version=1)
    code, details, _ = failure(lambda: stub.ActOnCase(missing, metadata=token(REGISTRAR), timeout=10))
    assert (code, details["code"]) == (grpc.StatusCode.NOT_FOUND, "CASE_NOT_FOUND")


def test_authentication_and_roles(commands: grpc.Channel, token: Callable[..., Any]) -> None:
    """No or a forged token is UNAUTHENTICATED; a registrar may not declare (PERMISSION_DENIED)."""
    stub = cases_pb2_grpc.CaseCommandsStub(commands)
    request = cases_pb2.CreateCaseRequest(process="P079", data_json=json.dumps(DECLARATION))
    code, details, _ = failure(lambda: stub.CreateCase(request, timeout=10))
    assert (code, details["code"], details["field"]) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "NOT_AUTHENTICATED",
        "Authorization",
    )
    forged = (("authorization", "Bearer not.a.token"),)
    code, details, _ = failure(lambda: stub.CreateCase(request, metadata=forged, timeout=10))
    assert (code, details["code"]) == (grpc.StatusCode.UNAUTHENTICATED, "INVALID_TOKEN")
    code, details, _ = failure(lambda: stub.CreateCase(request, metadata=token(REGISTRAR), timeout=10))
    assert (code, details["code"]) == (grpc.StatusCode.PERMISSION_DENIED, "WRONG_ROLE")


@pytest.mark.parametrize(
    ("data_json", "code", "field"),
    [
        (json.dumps({**DECLARATION, "fixmedins_code": "X123"}), "INVALID_FIELD", "fixmedins_code"),
        (json.dumps({k: v for k, v in DECLARATION.items() if k != "setl_cnt"}), "MISSING_FIELD", "setl_cnt"),
        ('{"fixmedins_code": ', "INVALID_JSON", "data_json"),
        ("[1, 2]", "INVALID_JSON", "data_json"),
        ('{"declared_amount": NaN}', "INVALID_JSON", "data_json"),
    ],
)
def test_invalid_data_is_invalid_argument(
    commands: grpc.Channel, token: Callable[..., Any], data_json: str, code: str, field: str
) -> None:
    """Invalid case data or malformed JSON is INVALID_ARGUMENT naming the field, in Chinese and English."""
    stub = cases_pb2_grpc.CaseCommandsStub(commands)
    request = cases_pb2.CreateCaseRequest(process="P079", data_json=data_json)
    status, details, _ = failure(lambda: stub.CreateCase(request, metadata=token(INSTITUTION), timeout=10))
    assert status == grpc.StatusCode.INVALID_ARGUMENT
    assert (details["code"], details["field"]) == (code, field)
    assert CHINESE.search(details["message_zh"])
    assert field in details["message_en"]


# ---------------------------------------------------------------- queries


CASE_ID = str(uuid.uuid4())
ACCEPTANCE_NO = "3052010020261123" + "00000042"


def _envelope(version: int, action: str, stages: tuple[str, str], event: str, data: dict[str, Any]) -> dict[str, Any]:
    """The published envelope of one case event, built the way the relay builds it."""
    who, role = ("h-clerk", "institution") if version == 1 else ("registrar-1", "registrar")
    stored = {
        "originator_id": CASE_ID,
        "originator_version": version,
        "timestamp": datetime(2026, 11, 23, 9, version, tzinfo=UTC),
        "actor": {"user_id": who, "role": role, "admdvs": "520100"},
        "event_name": event,
        "action": action,
        "stage_from": stages[0],
        "stage_to": stages[1],
        "admdvs": "520100",
        "acceptance_no": ACCEPTANCE_NO,
        "correlation_id": "corr-1",
        "causation_id": "cause-1",
        "comment": None if version == 1 else "已接收",
        "data": data,
        "layer": "stage",
    }
    return to_envelope("settlement", stored, "P079")


@pytest.fixture(scope="module")
def projected(engine: Engine) -> str:
    """One P079 case in the read models: declared, then received."""
    with engine.begin() as conn:
        project(conn, _envelope(1, "create", ("declare", "receive"), "SettlementDeclared", DECLARATION))
        project(conn, _envelope(2, "receive", ("receive", "violation_deduction"), "DeclarationReceived", {}))
    return CASE_ID


def test_query_server_reports_serving(queries: grpc.Channel) -> None:
    """The standard health service reports SERVING for the server and for ybj.v1.CaseQueries."""
    for service in ("", "ybj.v1.CaseQueries"):
        assert _health(queries, service) == health_pb2.HealthCheckResponse.SERVING


def test_queries_return_the_projected_case(queries: grpc.Channel, projected: str, token: Callable[..., Any]) -> None:
    """GetCase, GetHistory, ListCases and GetProgress show the case; money stays a decimal string."""
    stub = cases_pb2_grpc.CaseQueriesStub(queries)
    reader = token(("auditor-q", "auditor", "520000"))
    view = stub.GetCase(cases_pb2.GetCaseRequest(case_id=projected), metadata=reader, timeout=10)
    fields = MessageToDict(view, preserving_proto_field_name=True)
    assert (
        fields.items()
        >= {
            "case_id": projected,
            "service": "settlement",
            "process_id": "P079",
            "acceptance_no": ACCEPTANCE_NO,
            "admdvs": "520100",
            "stage": "violation_deduction",
            "status": "办理中",
            "version": 2,
            "created_by": "h-clerk",
            "last_actor": "registrar-1",
        }.items()
    )
    assert json.loads(view.data_json)["declared_amount"] == "1234567.89"
    assert datetime.fromisoformat(view.updated_at) > datetime.fromisoformat(view.created_at)

    history = stub.GetHistory(cases_pb2.GetHistoryRequest(case_id=projected), metadata=reader, timeout=10)
    assert [(e.version, e.action, e.event) for e in history.entries] == [
        (1, "create", "SettlementDeclared"),
        (2, "receive", "DeclarationReceived"),
    ]
    first, second = history.entries
    assert not first.HasField("comment")
    assert second.comment == "已接收"
    assert first.type == "cn.ybj.settlement.case.SettlementDeclared.v1"
    assert json.loads(first.data_json)["fixmedins_code"] == "H52010000001"

    page = stub.ListCases(
        cases_pb2.ListCasesRequest(process="P079", stage="violation_deduction"), metadata=reader, timeout=10
    )
    assert (page.total, page.page, page.page_size, [c.case_id for c in page.items]) == (1, 1, 50, [projected])
    empty = stub.ListCases(cases_pb2.ListCasesRequest(stage="disburse"), metadata=reader, timeout=10)
    assert (empty.total, list(empty.items)) == (0, [])

    progress = stub.GetProgress(cases_pb2.GetProgressRequest(acceptance_no=ACCEPTANCE_NO), timeout=10)
    assert (progress.process_id, progress.stage, progress.status) == ("P079", "violation_deduction", "办理中")


def test_query_errors(queries: grpc.Channel, projected: str, token: Callable[..., Any]) -> None:
    """Another province is PERMISSION_DENIED, a missing token UNAUTHENTICATED, unknown things NOT_FOUND."""
    stub = cases_pb2_grpc.CaseQueriesStub(queries)
    request = cases_pb2.GetCaseRequest(case_id=projected)
    outsider = token(("auditor-yn", "auditor", "530000"))
    code, details, trailing = failure(lambda: stub.GetCase(request, metadata=outsider, timeout=10))
    assert (code, details["code"], details["field"]) == (grpc.StatusCode.PERMISSION_DENIED, "OUT_OF_ADMDVS", "admdvs")
    assert trailing == details
    code, _, _ = failure(lambda: stub.GetHistory(cases_pb2.GetHistoryRequest(case_id=projected), metadata=outsider))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, _, _ = failure(lambda: stub.GetCase(request, timeout=10))
    assert code == grpc.StatusCode.UNAUTHENTICATED
    reader = token(("auditor-q", "auditor", "520000"))
    code, details, _ = failure(
        lambda: stub.GetCase(cases_pb2.GetCaseRequest(case_id=str(uuid.uuid4())), metadata=reader, timeout=10)
    )
    assert (code, details["code"]) == (grpc.StatusCode.NOT_FOUND, "CASE_NOT_FOUND")
    code, details, _ = failure(lambda: stub.GetProgress(cases_pb2.GetProgressRequest(acceptance_no="nope"), timeout=10))
    assert (code, details["code"]) == (grpc.StatusCode.NOT_FOUND, "ACCEPTANCE_NO_NOT_FOUND")
    too_big = cases_pb2.ListCasesRequest(page_size=500)
    code, details, _ = failure(lambda: stub.ListCases(too_big, metadata=reader, timeout=10))
    assert (code, details["field"]) == (grpc.StatusCode.INVALID_ARGUMENT, "page_size")
