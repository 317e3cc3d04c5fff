"""H5 sessions and the H5 pages' requests on the gateway's in-memory application: the channel's server opens a session
for one person through the SDK (an envelope, verified like any call), the citizen's page then calls the items the
channel holds an H5 grant for with `Authorization: Session <token>` and plain JSON; the person's identifiers are the
session's whatever the page sends; every decision is in the access log."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.unit.gwt import Scenario, staff
from tests.unit.test_gateway_channel_api import ACCEPTANCE_NO, APP_ID, MASTER, PERSON, Gateway, admitted
from ybj_channel.client import ChannelClient, ChannelRefused
from ybj_gateway.channel_service import ChannelService
from ybj_gateway.credentials import derive_sm4_key
from ybj_gateway.h5_api import h5_router
from ybj_gateway.h5_service import H5Service
from ybj_gateway.h5_sessions import H5Session, forced, new_token, token_hash, token_of
from ybj_gateway.in_memory import MemoryH5Sessions
from ybj_gateway.items import SERVED
from ybj_gateway.items.h5_fields import IDENTIFIERS, ITEM_LABELS, LABELS, field_type, h5_fields
from ybj_gateway.registries.channels import CHANNEL
from ybj_kernel.auth import ensure_dev_keys
from ybj_kernel.domain.process import COMPLETED

SOMEONE_ELSE = {"psn_cert_type": "01", "certno": "11010519491231002X", "psn_name": "张三"}
PHONE_IP = "203.0.113.7"  # a citizen's phone: not on the channel's allowlist, and need not be
SESSION_SECONDS = 1800


class Commands:
    """The platform's commands as items.call.Commands: each case opened is recorded and acknowledged."""

    def __init__(self) -> None:
        self.opened: list[dict[str, Any]] = []

    def open_case(
        self,
        process: str,
        variant: str | None,
        data: Mapping[str, Any],
        app_id: str,
        admdvs: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        self.opened.append({"process": process, "data": dict(data), "app_id": app_id, "key": idempotency_key})
        return {"case_id": "c-1", "acceptance_no": ACCEPTANCE_NO, "process_id": process, "stage": "review"}

    def act(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("no action expected")


class H5Gateway(Gateway):
    """The gateway of test_gateway_channel_api with its H5 routes, commands, and a clock the H5 side can move on."""

    def __init__(self, jwt: tuple[bytes, bytes]) -> None:
        super().__init__(jwt)
        self.commands, self.sessions, self.later = Commands(), MemoryH5Sessions(), timedelta()
        lookup = functools.partial(self.app.look, CHANNEL)
        sm4_key_of = functools.partial(derive_sm4_key, MASTER)
        service = ChannelService(
            lookup, self.replays, sm4_key_of, self.platform, "test", self.reads, self.access, self.commands
        )
        h5 = H5Service(
            service,
            self.sessions,
            lookup,
            self.replays,
            self.access,
            "test",
            SESSION_SECONDS,
            lambda: datetime.now(UTC) + self.later,
        )
        api = self.http.app
        assert isinstance(api, FastAPI)
        api.include_router(h5_router(h5))
        self.phone = TestClient(api, client=(PHONE_IP, 40000))

    def page(self, token: str | None, item: int | str | None = None, body: Any = None, **headers: str) -> Response:
        """What the H5 page sends: the item list (item None) or an item's call, with the session's token."""
        if token is not None:
            headers["Authorization"] = f"Session {token}"
        sent: Response = (
            self.phone.get("/channel/v1/h5/items", headers=headers)
            if item is None
            else self.phone.post(f"/channel/v1/h5/items/{item}", json=body if body is not None else {}, headers=headers)
        )
        return sent


@pytest.fixture(scope="module")
def jwt_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    folder: Path = tmp_path_factory.mktemp("keys")
    private, public = folder / "jwt-private.pem", folder / "jwt-public.pem"
    ensure_dev_keys(private, public)
    return private.read_bytes(), public.read_bytes()


@pytest.fixture
def gateway(jwt_keys: tuple[bytes, bytes]) -> H5Gateway:
    return H5Gateway(jwt_keys)


def granted(gateway: H5Gateway, h5_pages: list[int]) -> tuple[Scenario, ChannelClient]:
    """An admitted channel granted the interfaces 68 and 114 and these H5 pages, and its SDK client."""
    case, notice = admitted(gateway)
    if h5_pages != [114]:  # admitted with the interfaces 68 and 114 and the H5 page 114
        case.when(
            staff("p", "provincial_bureau"),
            "change_grants",
            {"new_interfaces": [68, 114], "new_h5_pages": h5_pages},
            comment="开通 H5",
        ).then(events=["ChannelGrantsChanged"], stage=COMPLETED)
    return case, gateway.client(notice)


def session_for(gateway: H5Gateway, h5_pages: list[int]) -> tuple[Scenario, str]:
    case, channel = granted(gateway, h5_pages)
    with channel:
        return case, str(channel.h5_session(PERSON)["session"])


def test_a_session_is_opened_only_for_the_person_the_registry_holds_under_those_identifiers(
    gateway: H5Gateway,
) -> None:
    _, channel = granted(gateway, [20, 68, 114])
    with channel:
        opened = channel.h5_session(PERSON)
        for named in (SOMEONE_ELSE, {**PERSON, "psn_name": "张三"}):
            with pytest.raises(ChannelRefused) as refused:
                channel.h5_session(named)
            assert (refused.value.code, refused.value.http_status) == ("PERSON_NOT_MATCHED", 404)
    token = opened["session"]
    assert len(token) == 43
    assert token_of(f"Session {token}") == token
    assert opened["h5_url"] == f"/h5/?session={token}"
    lasts = datetime.fromisoformat(opened["expires_at"]) - datetime.now(UTC)
    assert timedelta(minutes=29) < lasts <= timedelta(minutes=30)
    (kept,) = gateway.sessions.sessions.values()
    assert (kept.app_id, kept.person()) == (APP_ID, PERSON)
    assert kept.token_hash == token_hash(token)
    assert token not in repr(gateway.sessions.sessions)  # only its digest is kept


def test_a_channel_granted_no_h5_page_opens_no_session(gateway: H5Gateway) -> None:
    _, channel = granted(gateway, [])
    with channel, pytest.raises(ChannelRefused) as refused:
        channel.h5_session(PERSON)
    assert (refused.value.code, refused.value.http_status) == ("H5_NOT_GRANTED", 403)
    assert not gateway.sessions.sessions


def test_the_page_lists_the_items_granted_as_h5_pages_by_group_with_their_fields(gateway: H5Gateway) -> None:
    _, token = session_for(gateway, [20, 68, 114])
    answer = gateway.page(token)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    listed = answer.json()
    assert listed["person"] == {"psn_name": "刘洋", "certno": "520102********0036"}
    groups = {g["group_zh"]: [i["no"] for i in g["items"]] for g in listed["groups"]}
    assert groups == {"基本医疗保险参保人员异地就医备案": [20], "参保人个人权益服务": [68], "受理进度查询": [114]}
    items = {i["no"]: i for g in listed["groups"] for i in g["items"]}
    assert (items[20]["kind"], items[20]["application"], items[68]["application"]) == ("application", True, False)
    assert items[20]["fields"] == [
        {"key": "admdvs", "label_zh": "参保地医保区划", "type": "text", "example": "520102"},
        {"key": "resettle_admdvs", "label_zh": "安置地医保区划", "type": "text", "example": "330100"},
        {"key": "begndate", "label_zh": "开始日期", "type": "date", "example": "2026-12-01"},
        {"key": "tel", "label_zh": "联系电话", "type": "text", "example": "13800000001"},
    ]
    assert items[68]["fields"] == []  # the person is the session's
    assert items[114]["fields"] == [{"key": "acceptance_no", "label_zh": "受理号", "type": "text"}]
    assert (listed["labels"]["insutype_name"], listed["labels"]["acceptance_no"]) == ("险种", "受理号")


def test_unknown_and_expired_sessions_are_refused(gateway: H5Gateway) -> None:
    _, token = session_for(gateway, [68, 114])
    for sent in (None, new_token(), "not a token"):
        answer = gateway.page(sent, 68)
        assert (answer.status_code, answer.json()["code"]) == (401, "H5_SESSION_UNKNOWN")
    bearer = gateway.phone.get("/channel/v1/h5/items", headers={"Authorization": f"Bearer {token}"})
    assert (bearer.status_code, bearer.json()["code"]) == (401, "H5_SESSION_UNKNOWN")
    assert gateway.page(token, 68).status_code == 200
    gateway.later = timedelta(seconds=SESSION_SECONDS)
    expired = gateway.page(token, 68)
    assert (expired.status_code, expired.json()["code"]) == (401, "H5_SESSION_EXPIRED")
    assert expired.json()["message_zh"].startswith("H5 会话已过期")


def test_an_item_is_served_only_where_the_channel_holds_its_h5_grant(gateway: H5Gateway) -> None:
    _, token = session_for(gateway, [114])  # the interface of 68 is granted, its H5 page is not
    gateway.reads.asked.clear()
    not_granted = gateway.page(token, 68)
    assert (not_granted.status_code, not_granted.json()["code"]) == (403, "ITEM_NOT_GRANTED")
    unknown = gateway.page(token, 115)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "UNKNOWN_ITEM")
    assert gateway.reads.asked == []  # nothing was read


def test_the_session_persons_identifiers_are_forced_whatever_the_page_sends(gateway: H5Gateway) -> None:
    _, token = session_for(gateway, [20, 68, 114])
    gateway.reads.asked.clear()
    insured = gateway.page(token, 68, SOMEONE_ELSE)
    assert insured.status_code == 200, insured.text
    assert (insured.json()["psn_name"], insured.json()["certno"]) == ("刘洋", "520102********0036")
    assert gateway.reads.asked == [("person", PERSON["certno"], APP_ID)]
    filed = {"admdvs": "520102", "resettle_admdvs": "330100", "begndate": "2026-12-01", "tel": "13800000001"}
    applied = gateway.page(token, 20, {**filed, **SOMEONE_ELSE}, **{"Idempotency-Key": "a" * 32})
    assert applied.status_code == 200, applied.text
    assert applied.json() == {
        "acceptance_no": ACCEPTANCE_NO,
        "process_id": "P046",
        "stage": "review",
        "status": "已受理",
    }
    (opened,) = gateway.commands.opened
    assert opened["data"] == {**filed, **PERSON}
    assert opened["app_id"] == APP_ID
    assert opened["key"].endswith("a" * 32)  # a retry of the same submission opens no second case
    assert opened["key"].startswith("h5-")  # never an envelope's nonce
    progress = gateway.page(token, 114, {"acceptance_no": ACCEPTANCE_NO})
    assert progress.json()["status"] == "办理中"


def test_errors_are_plain_json_naming_their_field(gateway: H5Gateway) -> None:
    _, token = session_for(gateway, [114])
    bad = gateway.page(token, 114, {"acceptance_no": "abc"})
    assert bad.status_code == 422
    assert (bad.json()["code"], bad.json()["field"]) == ("INVALID_FIELD", "acceptance_no")
    assert bad.json()["message_zh"]
    not_an_object = gateway.phone.post(
        "/channel/v1/h5/items/114", content=b"[1]", headers={"Authorization": f"Session {token}"}
    )
    assert (not_an_object.status_code, not_an_object.json()["code"]) == (400, "MALFORMED")


def test_a_suspended_or_revoked_channels_sessions_are_refused(gateway: H5Gateway) -> None:
    case, token = session_for(gateway, [114])
    asked = {"acceptance_no": ACCEPTANCE_NO}
    bureau = staff("p", "provincial_bureau")
    case.when(bureau, "suspend", comment="检查").then(events=["ChannelSuspended"], stage=COMPLETED)
    assert (gateway.page(token, 114, asked).status_code, gateway.page(token).json()["code"]) == (
        403,
        "CHANNEL_SUSPENDED",
    )
    case.when(bureau, "resume").then(events=["ChannelResumed"], stage=COMPLETED)
    assert gateway.page(token, 114, asked).status_code == 200
    case.when(bureau, "revoke", comment="停止").then(events=["ChannelRevoked"], stage=COMPLETED)
    assert gateway.page(token, 114, asked).json()["code"] == "CHANNEL_REVOKED"


def test_the_pages_requests_count_in_the_channels_quota(gateway: H5Gateway) -> None:
    _, token = session_for(gateway, [114])
    quota = int(gateway.app.look(CHANNEL, APP_ID)["quota_per_minute"])  # type: ignore[index]
    minute = datetime.now(UTC).replace(second=0, microsecond=0)
    for spent in (minute, minute + timedelta(minutes=1)):  # the quota spent, even if the minute turns meanwhile
        gateway.replays.counts[(APP_ID, spent)] = quota
    limited = gateway.page(token, 114, {"acceptance_no": ACCEPTANCE_NO})
    assert (limited.status_code, limited.json()["code"]) == (429, "RATE_LIMITED")


def test_every_decision_is_in_the_access_log(gateway: H5Gateway) -> None:
    _, token = session_for(gateway, [68, 114])
    gateway.page(token)
    gateway.page(token, 68)
    gateway.page(token, 20)
    gateway.page(new_token(), 68)
    logged = gateway.http.get("/api/v1/gateway/access-log", headers=gateway.token("auditor")).json()["items"]
    rows = [(r["app_id"], r["item"], r["outcome"], r["status"]) for r in reversed(logged)]
    assert rows[-5:] == [
        (APP_ID, "h5-session", "OK", 200),
        (APP_ID, "h5:list", "OK", 200),
        (APP_ID, "h5:68", "OK", 200),
        (APP_ID, "h5:20", "ITEM_NOT_GRANTED", 403),
        ("", "h5:68", "H5_SESSION_UNKNOWN", 401),
    ]
    assert all(isinstance(r["latency_ms"], float) for r in logged)
    assert logged[0]["source_ip"] == PHONE_IP


def test_every_example_field_has_a_chinese_label_and_identifiers_are_never_asked() -> None:
    for no, served in SERVED.items():
        for field in h5_fields(no, served.example):
            assert field["key"] not in IDENTIFIERS
            assert field["key"] in LABELS or (no, field["key"]) in ITEM_LABELS, (no, field["key"])
            assert "${" not in field.get("example", "")
    assert [field_type(v) for v in ("2026-12-01", "x", 2026, True, ["a"], [{"a": 1}])] == [
        "date",
        "text",
        "number",
        "boolean",
        "list",
        "json",
    ]


def test_the_session_header_and_forced_identifiers() -> None:
    token = new_token()
    assert token_of(f"session {token}") == token == token_of(f" Session  {token} ")
    assert token_of(f"Session {token}x") is None
    assert token_of(None) is None
    now = datetime.now(UTC)
    session = H5Session("h", APP_ID, "01", PERSON["certno"], "刘洋", now, now)
    assert forced({**SOMEONE_ELSE, "year": 2026}, session) == {**PERSON, "year": 2026}
