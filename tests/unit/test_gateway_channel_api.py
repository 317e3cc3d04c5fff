"""The gateway's HTTP routes on its in-memory application: a channel provisioned through the bureau's route (its key
pair generated, the private key shown once), then calling items through the SDK; every answer signed by the platform,
every refusal with its own code, the access log and the metrics; key rotation with both keys working in the overlap."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from tests.unit.gwt import Scenario, application, staff
from ybj_channel.client import ChannelClient, ChannelRefused
from ybj_channel.envelope import open_sealed, seal, verify
from ybj_gateway import items
from ybj_gateway.admin_api import admin_router
from ybj_gateway.application import GatewayApplication
from ybj_gateway.channel_api import channel_router
from ybj_gateway.channel_service import ChannelService
from ybj_gateway.credentials import derive_sm4_key
from ybj_gateway.in_memory import MemoryAccessLog, MemoryReplayGuard
from ybj_gateway.processes.p092_convenience_service_channel_access import P092
from ybj_gateway.registries.channels import CHANNEL
from ybj_kernel.application import CaseApplication
from ybj_kernel.auth import TokenVerifier, ensure_dev_keys, issue_token
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.entrypoints.http_common import install_error_handlers
from ybj_kernel.errors import NotFound
from ybj_kernel.sm2 import SM2Key, generate_key

MASTER = bytes(range(32, 64))  # an example master secret, for these tests only
CHANNEL_IP = "10.52.3.10"
APP_ID = "ch_zyybwxgzh"
ACCEPTANCE_NO = "50520300202612070000001"
PERSON = {"psn_cert_type": "01", "certno": "520102198804150036", "psn_name": "刘洋"}  # P044's example person


class Reads:
    """The query service's reads as items.call.QueryReads, answering from fixed example data."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, ...]] = []

    def progress(self, acceptance_no: str) -> dict[str, Any]:
        self.asked.append(("progress", acceptance_no))
        if acceptance_no != ACCEPTANCE_NO:
            raise NotFound(
                "ACCEPTANCE_NO_NOT_FOUND", "受理号不存在", "no case with this acceptance number", "acceptance_no"
            )
        return {
            "acceptance_no": acceptance_no,
            "process_id": "P019",
            "stage": "review",
            "status": "办理中",
            "case_id": "x",
        }

    def get(self, path: str, params: Mapping[str, str] | None, app_id: str, admdvs: str) -> dict[str, Any]:
        self.asked.append(("get", path))
        raise NotFound("NOT_FOUND", "没有", "none")

    def annual_statement(self, psn_no: str, year: int, app_id: str, admdvs: str) -> dict[str, Any]:
        self.asked.append(("statement", psn_no, str(year)))
        sums = {"medfee_sumamt": 35050, "hifp_pay": 21030, "acct_pay": 0, "psn_cash_pay": 14020, "fulamt_ownpay_amt": 0}
        return {"psn_no": psn_no, "year": year, "records": 5, "reversals": 1, **sums}

    def institutions(self, fixmedins_type: str, admdvs: str | None, app_id: str, channel_admdvs: str) -> dict[str, Any]:
        self.asked.append(("institutions", fixmedins_type, admdvs or ""))
        row = {"fixmedins_code": f"{'HP'[int(fixmedins_type) - 1]}52010200001", "fixmedins_name": "示例", "legrep": "x"}
        return {
            "items": [{"key": row["fixmedins_code"], "state": {**row, "fixmedins_type": fixmedins_type}}],
            "total": 1,
        }

    def person_by_certno(self, certno: str, app_id: str, admdvs: str) -> dict[str, Any] | None:
        self.asked.append(("person", certno, app_id))
        if certno != PERSON["certno"]:
            return None
        relation = {
            "insutype": "390",
            "status": "active",
            "begndate": "2026-01-01",
            "emp_no": "E1",
            "clct_base": 350000,
        }
        state = {"psn_name": "刘洋", "certno": certno, "psn_cert_type": "01", "tel": "13800001234"}
        return {"key": "52000000000001", "state": state, "enrollments": [relation]}


@pytest.fixture(scope="module")
def jwt_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    folder: Path = tmp_path_factory.mktemp("keys")
    private, public = folder / "jwt-private.pem", folder / "jwt-public.pem"
    ensure_dev_keys(private, public)
    return private.read_bytes(), public.read_bytes()


class Gateway:
    """One gateway process on the in-memory application, with its HTTP routes and the bureau's tokens."""

    def __init__(self, jwt: tuple[bytes, bytes], environment: str = "test", shared: Gateway | None = None) -> None:
        self.app: CaseApplication = (
            shared.app if shared else application(GatewayApplication, today=datetime.now(UTC).date())
        )
        self.platform: SM2Key = shared.platform if shared else generate_key()
        # One event store and one nonce store, whichever process answers.
        self.replays: MemoryReplayGuard = shared.replays if shared else MemoryReplayGuard()
        self.access, self.reads, self.jwt = MemoryAccessLog(), Reads(), jwt
        sm4_key_of = functools.partial(derive_sm4_key, MASTER)
        service = ChannelService(
            lambda app_id: self.app.look(CHANNEL, app_id),
            self.replays,
            sm4_key_of,
            self.platform,
            environment,
            self.reads,
            self.access,
        )
        api = FastAPI()
        install_error_handlers(api)
        api.state.verifier = TokenVerifier(jwt[1])
        api.include_router(channel_router(service))
        api.include_router(admin_router(self.app, sm4_key_of, self.platform, self.access.recent))
        self.http = TestClient(api, client=(CHANNEL_IP, 50000))

    def token(self, role: str = "provincial_bureau", admdvs: str = "520000") -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.jwt[0], f'{role}-1', [role], admdvs)}"}

    def client(self, notice: dict[str, Any], private_key: str | None = None) -> ChannelClient:
        """The channel's SDK client, configured from its 开通通知 as the example's key file holds it."""
        return ChannelClient(
            "http://testserver",
            notice["app_id"],
            private_key or notice["private_key"],
            notice["public_key"],
            bytes.fromhex(notice["sm4_key"]),
            notice["platform_public_key"],
            self.http,
        )


def admitted(gateway: Gateway) -> tuple[Scenario, dict[str, Any]]:
    """A P092 case walked to 配置, provisioned through the gateway's route with a generated key pair, then completed."""
    case = Scenario(gateway.app, P092).walk_to("provision_channel")
    version = gateway.app.get_case(case.case_id).version  # type: ignore[arg-type]
    answer = gateway.http.post(
        f"/api/v1/gateway/cases/{case.case_id}/provision",
        json={"expected_version": version, "data": {}, "generate_key_pair": True},
        headers=gateway.token(),
    )
    assert answer.status_code == 200, answer.text
    case.walk_to(COMPLETED)
    return case, answer.json()


@pytest.fixture
def gateway(jwt_keys: tuple[bytes, bytes]) -> Gateway:
    return Gateway(jwt_keys)


def test_provisioning_shows_the_generated_private_key_once_and_keeps_only_the_public_one(gateway: Gateway) -> None:
    case, notice = admitted(gateway)
    assert notice["app_id"] == APP_ID
    assert notice["stage"] == "deliver_credentials"
    assert notice["platform_public_key"] == gateway.platform.public_hex
    assert len(notice["private_key"]) == 64
    assert len(bytes.fromhex(notice["sm4_key"])) == 16
    events = str([e.__dict__ for e in gateway.app.events.get(case.case_id)])  # type: ignore[arg-type]
    assert notice["public_key"] in events
    assert notice["private_key"] not in events
    assert notice["sm4_key"] not in events
    assert notice["private_key"] not in str(gateway.app.look(CHANNEL, APP_ID))


def test_the_credentials_route_gives_the_same_sm4_key_to_the_provincial_bureau_only(gateway: Gateway) -> None:
    case, notice = admitted(gateway)
    path = f"/api/v1/gateway/cases/{case.case_id}/credentials"
    shown = gateway.http.get(path, headers=gateway.token()).json()
    assert [k["sm4_key"] for k in shown["keys"]] == [notice["sm4_key"]]
    assert "private_key" not in str(shown)
    assert gateway.http.get(path, headers=gateway.token("registrar")).status_code == 403


def test_a_channel_calls_its_granted_items_through_the_sdk_and_verifies_the_platforms_answers(gateway: Gateway) -> None:
    _, notice = admitted(gateway)
    with gateway.client(notice) as channel:
        items = channel.items()
        progress = channel.call(114, {"acceptance_no": ACCEPTANCE_NO})
        insured = channel.call(68, PERSON)
    assert len(items) == 114
    assert [i["no"] for i in items if i["granted"]] == [68, 114]
    assert progress == {"acceptance_no": ACCEPTANCE_NO, "process_id": "P019", "stage": "review", "status": "办理中"}
    assert insured["certno"] == "520102********0036"
    assert insured["insurances"] == [
        {
            "insutype": "390",
            "status": "active",
            "begndate": "2026-01-01",
            "insutype_name": "城乡居民基本医疗保险",
            "status_name": "参保缴费",
        }
    ]
    assert ("person", PERSON["certno"], APP_ID) in gateway.reads.asked


def test_a_persons_year_of_expenses_and_the_designated_institutions(gateway: Gateway) -> None:
    case, notice = admitted(gateway)
    case.when(
        staff("p", "provincial_bureau"), "change_grants", {"new_interfaces": [54, 55, 108, 113]}, comment="扩大"
    ).then(events=["ChannelGrantsChanged"], stage=COMPLETED)
    with gateway.client(notice) as channel:
        so_far = channel.call(108, {**PERSON, "year": 2026})
        summary = channel.call(113, {**PERSON, "year": 2026})
        pharmacies = channel.call(54, {"admdvs": "520102"})
        hospitals = channel.call(55, {})
        with pytest.raises(ChannelRefused) as someone_else:
            channel.call(108, {**PERSON, "psn_name": "张三"})
    assert so_far == {
        "psn_name": "刘洋",
        "certno": "520102********0036",
        "year": 2026,
        "settlements": 3,  # five records, one of them a reversal of another
        "medfee_sumamt": "350.50",
        "hifp_pay": "210.30",
    }
    assert (summary["psn_cash_pay"], summary["acct_pay"], summary["fulamt_ownpay_amt"]) == ("140.20", "0.00", "0.00")
    assert ("statement", "52000000000001", "2026") in gateway.reads.asked
    assert pharmacies["items"] == [{"fixmedins_code": "P52010200001", "fixmedins_name": "示例", "fixmedins_type": "2"}]
    assert hospitals["items"][0]["fixmedins_code"] == "H52010200001"  # public fields only (no 法定代表人)
    assert ("institutions", "2", "520102") in gateway.reads.asked
    assert someone_else.value.code == "PERSON_NOT_MATCHED"


def test_a_citizen_sees_only_their_own_data(gateway: Gateway) -> None:
    _, notice = admitted(gateway)
    with gateway.client(notice) as channel:
        for named in ({**PERSON, "psn_name": "张三"}, {**PERSON, "certno": "11010519491231002X"}):
            with pytest.raises(ChannelRefused) as refused:
                channel.call(68, named)
            assert (refused.value.code, refused.value.http_status) == ("PERSON_NOT_MATCHED", 404)


def _refused(call: Any) -> tuple[str, int]:
    with pytest.raises(ChannelRefused) as refused:
        call()
    return refused.value.code, refused.value.http_status


def test_items_not_granted_unknown_or_not_served_yet_are_refused_with_their_own_codes(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(items.HANDLERS, 1)  # an item of the table no module serves
    case, notice = admitted(gateway)
    with gateway.client(notice) as channel:
        assert _refused(lambda: channel.call(70, {})) == ("ITEM_NOT_GRANTED", 403)
        assert _refused(lambda: channel.call(115, {})) == ("UNKNOWN_ITEM", 404)
        case.when(
            staff("p", "provincial_bureau"), "change_grants", {"new_interfaces": [1, 68, 114]}, comment="扩大"
        ).then(events=["ChannelGrantsChanged"], stage=COMPLETED)
        assert _refused(lambda: channel.call(1, {})) == ("ITEM_NOT_AVAILABLE", 501)
        assert _refused(lambda: channel.call(114, {"acceptance_no": "1234567890"})) == ("ACCEPTANCE_NO_NOT_FOUND", 404)
        assert _refused(lambda: channel.call(114, {})) == ("MISSING_FIELD", 422)


def test_a_suspended_then_revoked_channel_is_refused_on_its_next_request(gateway: Gateway) -> None:
    case, notice = admitted(gateway)
    bureau = staff("p", "provincial_bureau")
    with gateway.client(notice) as channel:
        case.when(bureau, "suspend", comment="检查").then(events=["ChannelSuspended"], stage=COMPLETED)
        assert _refused(lambda: channel.call(114, {"acceptance_no": ACCEPTANCE_NO})) == ("CHANNEL_SUSPENDED", 403)
        case.when(bureau, "resume").then(events=["ChannelResumed"], stage=COMPLETED)
        assert channel.call(114, {"acceptance_no": ACCEPTANCE_NO})["status"] == "办理中"
        case.when(bureau, "revoke", comment="停止").then(events=["ChannelRevoked"], stage=COMPLETED)
        assert _refused(lambda: channel.call(114, {"acceptance_no": ACCEPTANCE_NO})) == ("CHANNEL_REVOKED", 403)


def test_a_replayed_request_is_refused_even_on_another_gateway_process(
    gateway: Gateway, jwt_keys: tuple[bytes, bytes]
) -> None:
    _, notice = admitted(gateway)
    other = Gateway(jwt_keys, shared=gateway)  # a second process: same event store and the same shared nonce store
    sealed = seal(
        APP_ID,
        {"acceptance_no": ACCEPTANCE_NO},
        notice["private_key"],
        notice["public_key"],
        bytes.fromhex(notice["sm4_key"]),
        item_no=114,
    )
    assert gateway.http.post("/channel/v1/items/114", json=sealed).status_code == 200
    replayed = other.http.post("/channel/v1/items/114", json=sealed)
    assert replayed.status_code == 409
    assert open_sealed(replayed.json(), gateway.platform.public_hex, None)["code"] == "NONCE_REUSED"


def test_a_request_signed_for_one_item_is_refused_at_another(gateway: Gateway) -> None:
    _, notice = admitted(gateway)
    keys = (notice["private_key"], notice["public_key"], bytes.fromhex(notice["sm4_key"]))
    for item_no in (68, None):  # signed for another item, or for none
        sealed = seal(APP_ID, {"acceptance_no": ACCEPTANCE_NO}, *keys, item_no=item_no)
        answer = gateway.http.post("/channel/v1/items/114", json=sealed)
        assert answer.status_code == 400
        assert open_sealed(answer.json(), gateway.platform.public_hex, None)["code"] == "MALFORMED"


def test_every_refusal_is_a_signed_envelope_even_for_a_body_that_is_no_envelope(gateway: Gateway) -> None:
    for body in (b"not json", b"[1, 2]", b'{"appId": "ch_nobody"}'):
        answer = gateway.http.post("/channel/v1/items/114", content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400
        assert verify(answer.json(), gateway.platform.public_hex)
        assert open_sealed(answer.json(), gateway.platform.public_hex, None)["code"] == "MALFORMED"


def test_an_unknown_channel_a_foreign_address_and_test_credentials_on_production_are_refused(
    gateway: Gateway, jwt_keys: tuple[bytes, bytes]
) -> None:
    _, notice = admitted(gateway)
    sm4 = bytes.fromhex(notice["sm4_key"])
    stranger = seal("ch_nobody", {}, notice["private_key"], notice["public_key"], None, item_no=114)
    answer = gateway.http.post("/channel/v1/items/114", json=stranger)
    assert (answer.status_code, open_sealed(answer.json(), gateway.platform.public_hex, None)["code"]) == (
        401,
        "UNKNOWN_CHANNEL",
    )
    elsewhere = TestClient(gateway.http.app, client=("192.0.2.1", 50000))
    answer = elsewhere.post(
        "/channel/v1/items/114", json=seal(APP_ID, {}, notice["private_key"], notice["public_key"], sm4, item_no=114)
    )
    assert open_sealed(answer.json(), gateway.platform.public_hex, None)["code"] == "IP_NOT_ALLOWED"
    production = Gateway(jwt_keys, environment="production", shared=gateway)
    with production.client(notice) as channel:
        assert _refused(lambda: channel.call(114, {"acceptance_no": ACCEPTANCE_NO})) == (
            "TEST_CREDENTIALS_ON_PRODUCTION",
            403,
        )


def test_a_promoted_channel_works_on_production(gateway: Gateway, jwt_keys: tuple[bytes, bytes]) -> None:
    case, notice = admitted(gateway)
    case.when(staff("p", "provincial_bureau"), "promote", {"production_opinion": "同意上线"}).then(
        events=["ProductionAccessApproved"], stage=COMPLETED
    )
    production = Gateway(jwt_keys, environment="production", shared=gateway)
    with production.client(notice) as channel:
        assert channel.call(114, {"acceptance_no": ACCEPTANCE_NO})["stage"] == "review"


def test_during_a_key_rotation_no_request_fails_and_after_the_overlap_only_the_new_key_works(gateway: Gateway) -> None:
    case, notice = admitted(gateway)
    overlap_end = datetime.now(UTC) + timedelta(hours=1)
    version = gateway.app.get_case(case.case_id).version  # type: ignore[arg-type]
    rotated = gateway.http.post(
        f"/api/v1/gateway/cases/{case.case_id}/rotate-key",
        json={
            "expected_version": version,
            "data": {"overlap_until": overlap_end.isoformat()},
            "generate_key_pair": True,
        },
        headers=gateway.token(),
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()
    assert new["sm4_key"] != notice["sm4_key"]
    with gateway.client(notice) as old_channel, gateway.client(new) as new_channel:
        for channel in (old_channel, new_channel, old_channel, new_channel):  # interleaved, as a channel rolls over
            assert channel.call(114, {"acceptance_no": ACCEPTANCE_NO})["status"] == "办理中"
    case.when(
        staff("p", "provincial_bureau"),
        "rotate_key",
        {"new_public_key": _third_key(), "overlap_until": datetime.now(UTC).isoformat()},
    ).then(events=["ChannelKeyRotated"], stage=COMPLETED)
    keys = gateway.app.look(CHANNEL, APP_ID)["keys"]  # type: ignore[index]
    assert [k["valid_until"] is not None for k in keys] == [True, True, False]  # the overlap of both earlier keys ended


def _third_key() -> str:
    return generate_key().public_hex


def test_the_platform_key_is_published_and_every_decision_is_logged_and_counted(gateway: Gateway) -> None:
    _, notice = admitted(gateway)
    published = gateway.http.get("/channel/v1/platform-key").json()
    assert (published["publicKey"], published["signType"]) == (gateway.platform.public_hex, "SM2")
    before = (
        REGISTRY.get_sample_value("ybj_gateway_requests_total", {"app_id": APP_ID, "item": "114", "outcome": "OK"}) or 0
    )
    with gateway.client(notice) as channel:
        channel.call(114, {"acceptance_no": ACCEPTANCE_NO})
        _refused(lambda: channel.call(70, {}))
    after = REGISTRY.get_sample_value("ybj_gateway_requests_total", {"app_id": APP_ID, "item": "114", "outcome": "OK"})
    assert after == before + 1
    logged = gateway.http.get("/api/v1/gateway/access-log", params={"app_id": APP_ID}, headers=gateway.token("auditor"))
    assert [(r["item"], r["outcome"], r["status"]) for r in logged.json()["items"]] == [
        ("70", "ITEM_NOT_GRANTED", 403),
        ("114", "OK", 200),
    ]
    assert gateway.http.get("/api/v1/gateway/access-log", headers=gateway.token("applicant")).status_code == 403
