"""运行概览 (GET /api/v1/overview) on read models of its own: the counts PostgreSQL makes per day (北京时间), stage and
month, limited to the caller's 医保区划, and the channel series from the gateway's access log (a stand-in gateway)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, insert

from ybj_dev import infra
from ybj_kernel.auth import TokenVerifier, ensure_dev_keys, issue_token
from ybj_kernel.entrypoints.http_common import install_error_handlers
from ybj_query.consumer import create_schema
from ybj_query.forwarding import Forwarder
from ybj_query.models import cases, history, registry_entries
from ybj_query.overview_reads import ACCESS_LOG_LIMIT, channel_days, months_back, overview_router

pytestmark = pytest.mark.integration

TODAY = date(2026, 12, 10)
GUIYANG, NANMING, ZUNYI = "520100", "520102", "520300"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    env = infra.infra_up(infra.default_run_dir())
    name = f"ybj_overview_{uuid.uuid4().hex[:8]}"
    dsn = infra.create_database(env["YBJ_PG_DSN"], name)
    engine = create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    create_schema(engine)
    _given(engine)
    yield engine
    engine.dispose()
    infra.drop_database(env["YBJ_PG_DSN"], name)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _case(process: str, admdvs: str, created: str, stage: str, **extra: Any) -> dict[str, Any]:
    case_id = str(uuid.uuid4())
    return {
        "case_id": case_id,
        "service": extra.pop("service", "enrollment"),
        "process_id": process,
        "acceptance_no": f"A{case_id[:12]}",
        "admdvs": admdvs,
        "stage": stage,
        "variant": None,
        "due_on": extra.pop("due_on", None),
        "version": 1,
        "data": extra.pop("data", {}),
        "layers": [],
        "created_by": "gy-reg-01",
        "last_actor": "gy-reg-01",
        "created_at": _at(created),
        "updated_at": _at(created),
    }


def _event(case: Mapping[str, Any], version: int, when: str, stage_from: str, stage_to: str) -> dict[str, Any]:
    return {
        "case_id": case["case_id"],
        "version": version,
        "event_id": str(uuid.uuid4()),
        "event_type": "test",
        "event_name": "Moved",
        "action": "approve",
        "stage_from": stage_from,
        "stage_to": stage_to,
        "actor": "gy-fr-01",
        "actor_role": "first_reviewer",
        "admdvs": case["admdvs"],
        "time": _at(when),
        "comment": None,
        "data": {},
        "correlation_id": "c",
        "causation_id": "c",
    }


def _channel(app_id: str, admdvs: str) -> dict[str, Any]:
    return {
        "registry": "channel",
        "key": app_id,
        "entry_id": str(uuid.uuid4()),
        "service": "gateway",
        "version": 1,
        "in_effect": True,
        "state": {"app_id": app_id, "admdvs": admdvs, "status": "active"},
        "case_id": str(uuid.uuid4()),
        "updated_at": _at("2026-12-01T00:00:00+00:00"),
        "emp_nos": [],
        "admdvs": admdvs,
    }


def _given(engine: Engine) -> None:
    # Opened 2026-12-01 北京时间, the second one at 01:30 there (still 11-30 in UTC).
    a = _case("P019", NANMING, "2026-12-01T01:00:00+00:00", "completed")
    b = _case("P019", NANMING, "2026-11-30T17:30:00+00:00", "first_review", due_on=date(2026, 12, 5))
    c = _case("P001", ZUNYI, "2026-12-02T02:00:00+00:00", "first_review", due_on=date(2026, 12, 1))
    d = _case("P019", NANMING, "2026-12-03T02:00:00+00:00", "first_review", due_on=TODAY)  # due today: not yet late
    old = _case("P019", NANMING, "2026-10-01T02:00:00+00:00", "completed")  # before the 30 days
    pay = {"service": "settlement"}
    paid = {"pay_sumamt": "1000.00", "paid_sumamt": "900.50"}
    p = _case("P027", GUIYANG, "2026-11-01T02:00:00+00:00", "completed", data=paid, **pay)
    q = _case("P030", GUIYANG, "2026-12-01T02:00:00+00:00", "completed", data={"pay_sumamt": "250.25"}, **pay)
    back = _case("P027", GUIYANG, "2026-11-02T02:00:00+00:00", "bank_return", data={"pay_sumamt": "7.00"}, **pay)
    long_ago = _case("P027", GUIYANG, "2025-10-01T02:00:00+00:00", "completed", data={"pay_sumamt": "5.00"}, **pay)
    events = [
        _event(a, 2, "2026-12-03T17:00:00+00:00", "first_review", "completed"),  # 12-04 01:00 北京时间
        _event(a, 3, "2026-12-06T02:00:00+00:00", "completed", "completed"),  # an amendment: no new completion
        _event(old, 2, "2026-10-02T02:00:00+00:00", "first_review", "completed"),
        _event(p, 2, "2026-11-15T02:00:00+00:00", "bank_return", "completed"),
        _event(q, 2, "2026-12-02T02:00:00+00:00", "payment_confirmation", "completed"),
        _event(back, 2, "2026-11-20T02:00:00+00:00", "bank_return", "completed"),
        _event(back, 3, "2026-11-21T02:00:00+00:00", "completed", "bank_return"),  # stepped back: not paid
        _event(long_ago, 2, "2025-10-15T02:00:00+00:00", "bank_return", "completed"),
    ]
    with engine.begin() as conn:
        conn.execute(insert(cases), [a, b, c, d, old, p, q, back, long_ago])
        conn.execute(insert(history), events)
        conn.execute(insert(registry_entries), [_channel("ch_gy", GUIYANG), _channel("ch_zy", ZUNYI)])


LOG = [
    {"at": "2026-12-09T03:00:00+00:00", "app_id": "ch_gy", "outcome": "OK"},
    {"at": "2026-12-09T02:00:00+00:00", "app_id": "ch_gy", "outcome": "SIGNATURE_INVALID"},
    {"at": "2026-12-08T17:00:00+00:00", "app_id": "ch_zy", "outcome": "OK"},  # 12-09 01:00 北京时间
    {"at": "2026-12-08T03:00:00+00:00", "app_id": "", "outcome": "MALFORMED"},  # names no channel
]


class StandInGateway(Forwarder):
    """The gateway's access-log route, answering LOG (or a refusal), and what it was asked."""

    def __init__(self, status: int = 200) -> None:
        super().__init__({"gateway": "http://gateway.invalid"})
        self.status = status
        self.asked: list[str] = []

    async def pass_through(self, service: str, method: str, path: str, **kwargs: Any) -> Response:
        self.asked.append(f"{method} {service} {path}?{kwargs.get('query', '')}")
        if self.status != 200:
            body = {"code": "WRONG_ROLE", "message_zh": "查询访问日志需要经办、审计或省局角色", "message_en": "no"}
            return Response(orjson.dumps(body), status_code=self.status)
        return Response(orjson.dumps({"items": LOG}), status_code=200)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys")
    ensure_dev_keys(folder / "private.pem", folder / "public.pem")
    return folder


def _client(engine: Engine, keys: Path, gateway: Forwarder | None) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.state.verifier = TokenVerifier((keys / "public.pem").read_bytes())
    app.include_router(overview_router(engine, gateway, today=lambda: TODAY))
    return TestClient(app)


def _get(client: TestClient, keys: Path, role: str, admdvs: str, **params: Any) -> Any:
    token = issue_token((keys / "private.pem").read_bytes(), "someone", [role], admdvs)
    return client.get("/api/v1/overview", params=params, headers={"Authorization": f"Bearer {token}"})


def test_cases_opened_and_completed_per_day_in_beijing_time_within_the_division(engine: Engine, keys: Path) -> None:
    found = _get(_client(engine, keys, None), keys, "registrar", GUIYANG).json()
    assert found["since_day"] == "2026-11-11"
    opened = {(r["day"], r["process_id"]): r["count"] for r in found["cases"]["opened"]}
    # Two P019 on 12-01 (one at 01:30 北京时间, still 11-30 in UTC); 遵义's P001 is not 贵阳's; October's is too old.
    assert opened == {("2026-12-01", "P019"): 2, ("2026-12-03", "P019"): 1, ("2026-12-01", "P030"): 1}
    completed = {(r["day"], r["process_id"]): r["count"] for r in found["cases"]["completed"]}
    # 17:00 UTC on 12-03 is 12-04 in 北京时间; the amendment of 12-06 is no new completion; a completion later stepped
    # back (P027 on 11-20) still happened that day.
    assert completed == {
        ("2026-11-15", "P027"): 1,
        ("2026-11-20", "P027"): 1,
        ("2026-12-02", "P030"): 1,
        ("2026-12-04", "P019"): 1,
    }


def test_overdue_by_stage_counts_only_deadlines_passed_before_today(engine: Engine, keys: Path) -> None:
    mine = _get(_client(engine, keys, None), keys, "first_reviewer", GUIYANG).json()["overdue"]
    assert mine == [{"process_id": "P019", "stage": "first_review", "count": 1}]
    province = _get(_client(engine, keys, None), keys, "oversight", "520000").json()["overdue"]
    assert {(r["process_id"], r["count"]) for r in province} == {("P019", 1), ("P001", 1)}


def test_payments_per_month_are_the_completed_fund_payment_chains_with_the_amount_paid(
    engine: Engine, keys: Path
) -> None:
    found = _get(_client(engine, keys, None), keys, "finance", GUIYANG).json()
    assert found["since_month"] == "2026-01"
    assert found["payments"] == [
        {"month": "2026-11", "process_id": "P027", "count": 1, "amount_fen": 90050},  # the 回盘's, not the summary's
        {"month": "2026-12", "process_id": "P030", "count": 1, "amount_fen": 25025},
    ]  # the chain stepped back after completing is not paid; the one of 2025 is outside the 12 months
    elsewhere = _get(_client(engine, keys, None), keys, "finance", ZUNYI).json()
    assert elsewhere["payments"] == []


def test_channel_requests_and_refusals_per_day_come_from_the_gateway_for_the_channels_of_the_division(
    engine: Engine, keys: Path
) -> None:
    gateway = StandInGateway()
    client = _client(engine, keys, gateway)
    mine = _get(client, keys, "registrar", GUIYANG).json()["channels"]
    assert mine["available"] is True
    assert mine["truncated"] is False
    assert mine["items"] == [{"day": "2026-12-09", "requests": 2, "refusals": 1}]  # ch_gy only
    assert gateway.asked == [
        "GET gateway /api/v1/gateway/access-log?since=2026-11-11T00%3A00%3A00%2B08%3A00&limit=1000"
    ]
    province = _get(client, keys, "oversight", "520000").json()["channels"]["items"]
    assert province == [
        {"day": "2026-12-08", "requests": 1, "refusals": 1},  # naming no channel: the province's
        {"day": "2026-12-09", "requests": 3, "refusals": 1},
    ]


def test_a_gateway_refusal_leaves_the_channel_series_out_and_says_why(engine: Engine, keys: Path) -> None:
    found = _get(_client(engine, keys, StandInGateway(status=403)), keys, "registrar", GUIYANG).json()
    assert found["channels"] == {"available": False, "reason_zh": "查询访问日志需要经办、审计或省局角色", "items": []}
    assert found["cases"]["opened"]  # the rest still answers
    without = _get(_client(engine, keys, None), keys, "registrar", GUIYANG).json()
    assert without["channels"]["available"] is False


def test_only_staff_and_oversight_may_read_the_overview(engine: Engine, keys: Path) -> None:
    client = _client(engine, keys, None)
    assert _get(client, keys, "applicant", GUIYANG).status_code == 403
    assert _get(client, keys, "oversight", GUIYANG).status_code == 200
    assert _get(client, keys, "registrar", GUIYANG, days=0).status_code == 422


def test_a_log_answered_to_its_limit_counts_only_the_days_it_covers_whole() -> None:
    start = datetime(2026, 12, 8, 20, tzinfo=UTC)  # 12-09 04:00 北京时间, going back a minute a record
    records = [
        {"at": (start - timedelta(minutes=i)).isoformat(), "app_id": "ch_gy", "outcome": "OK" if i % 2 else "DENIED"}
        for i in range(ACCESS_LOG_LIMIT)
    ]  # the oldest, 1000 minutes earlier, is 12-08 11:21 北京时间: 12-08 may hold more than the log gave
    found = channel_days(records, {"ch_gy": GUIYANG}, "5201", date(2026, 11, 11))
    assert found["truncated"] is True
    assert found["complete_from"] == "2026-12-09"
    assert found["items"] == [{"day": "2026-12-09", "requests": 241, "refusals": 121}]


def test_the_months_counted_back_start_on_the_first_of_a_month() -> None:
    assert months_back(date(2026, 12, 5), 12) == date(2026, 1, 1)
    assert months_back(date(2026, 3, 31), 3) == date(2026, 1, 1)
    assert months_back(date(2026, 3, 31), 4) == date(2025, 12, 1)
    assert months_back(date(2026, 1, 1), 1) == date(2026, 1, 1)
