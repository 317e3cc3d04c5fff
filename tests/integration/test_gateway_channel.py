"""A channel on the real platform (Kafka, PostgreSQL, real SM2/SM3/SM4): admitted through P092 at the public entry
point (申请 → 市州审核 → 工单 → 省局审批 → 配置 with a key pair generated and shown once → 反馈 → 指导), then calling its
granted items through the SDK against the gateway's own port, each answer verified against the platform's key; a
citizen sees only their own data, masked; an item not granted and a replayed request are refused; revoked, the
channel is refused on its next request."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from tests.integration.channels import client_of
from tests.integration.conftest import Api
from tests.integration.enrollment_steps import new_resident
from ybj_channel.client import ChannelRefused
from ybj_dev.platform import Platform
from ybj_gateway.processes.p092_convenience_service_channel_access import EXAMPLE_APPLICATION, P092

pytestmark = pytest.mark.integration

APPLICANT = ("zy-app-01", "applicant", "520300")
CITY = ("zy-city-01", "municipal_bureau", "520300")
PROVINCE = ("gz-prov-01", "provincial_bureau", "520000")
PROVINCE_2 = ("gz-prov-02", "provincial_bureau", "520000")


def _example(stage: str) -> dict[str, Any]:
    return dict(P092.stage(stage).example)


def _admitted(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """A P092 case walked to completion through the entry point; the 开通通知 of its 配置."""
    system_id = f"itest{random.randint(0, 10**8):08d}"
    application = {
        **EXAMPLE_APPLICATION,
        "system_id": system_id,
        "system_ips": ["127.0.0.1"],
        "interfaces": [55, 68, 108, 114],
    }
    created = api.create("P092", application, APPLICANT)
    assert created.status_code == 201, created.text
    case = created.json()
    case = api.step(case, CITY, "approve", _example("municipal_review"))
    case = api.step(case, CITY, "submit_ticket", _example("submit_ticket"))
    case = api.step(case, PROVINCE, "approve", _example("provincial_approval"))
    provisioned = api.client.post(
        f"/api/v1/gateway/cases/{case['case_id']}/provision",
        json={"expected_version": case["version"], "data": {"quota_per_minute": 600}, "generate_key_pair": True},
        headers=api.headers(PROVINCE_2),
    )
    assert provisioned.status_code == 200, provisioned.text
    notice: dict[str, Any] = provisioned.json()
    assert notice["app_id"] == f"ch_{system_id}"
    assert len(notice["private_key"]) == 64  # shown once: the platform keeps only the public half
    case = {**case, "version": notice["version"]}
    case = api.step(case, PROVINCE, "deliver_credentials", _example("deliver_credentials"))
    case = api.step(case, CITY, "guide_development", _example("guide_development"))
    assert case["stage"] == "completed"
    again = api.client.get(f"/api/v1/gateway/cases/{case['case_id']}/credentials", headers=api.headers(PROVINCE))
    assert again.status_code == 200, again.text
    assert "private_key" not in again.json()
    return case, notice


def test_a_channel_admitted_through_p092_calls_its_granted_items_and_is_refused_once_revoked(
    api: Api, platform: Platform
) -> None:
    certno, _psn_no = new_resident(api, "刘洋")
    case, notice = _admitted(api)
    with httpx.Client(timeout=30) as http:
        channel = client_of(platform, notice, http)
        listed = {item["no"]: item for item in channel.items()}
        assert len(listed) == 114
        assert {no for no, item in listed.items() if item["granted"]} == {55, 68, 108, 114}

        mine = channel.call(68, {"psn_cert_type": "01", "certno": certno, "psn_name": "刘洋"})
        assert mine["certno"] == f"{certno[:6]}{'*' * 8}{certno[-4:]}"  # masked: the first 6 and the last 4
        assert [r["insutype"] for r in mine["insurances"]] == ["390"]
        with pytest.raises(ChannelRefused) as someone_else:
            channel.call(68, {"psn_cert_type": "01", "certno": certno, "psn_name": "张三"})
        assert someone_else.value.code == "PERSON_NOT_MATCHED"

        so_far = channel.call(108, {"psn_cert_type": "01", "certno": certno, "psn_name": "刘洋", "year": 2026})
        assert (so_far["settlements"], so_far["medfee_sumamt"]) == (0, "0.00")  # read through the query service
        hospitals = channel.call(55, {})
        assert all(h["fixmedins_code"].startswith("H") for h in hospitals["items"])
        assert all("legrep_name" not in h for h in hospitals["items"])  # public fields only

        progress = channel.call(114, {"acceptance_no": case["acceptance_no"]})
        assert progress["stage"] == "completed"

        with pytest.raises(ChannelRefused) as not_granted:
            channel.call(113, {"psn_cert_type": "01", "certno": certno, "psn_name": "刘洋"})
        assert (not_granted.value.code, not_granted.value.http_status) == ("ITEM_NOT_GRANTED", 403)

        revoked = api.act(case, PROVINCE, "revoke", comment="渠道停止运营")
        assert revoked.status_code == 200, revoked.text
        with pytest.raises(ChannelRefused) as refused:
            channel.call(114, {"acceptance_no": case["acceptance_no"]})
        assert refused.value.code == "CHANNEL_REVOKED"

    log = api.client.get("/api/v1/gateway/access-log", headers=api.headers(PROVINCE))
    assert log.status_code == 200, log.text
    outcomes = [e["outcome"] for e in log.json()["items"] if e["app_id"] == notice["app_id"]]
    assert "CHANNEL_REVOKED" in outcomes
    assert "ITEM_NOT_GRANTED" in outcomes
