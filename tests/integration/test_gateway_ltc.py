"""长护险 on the real platform: a channel admitted through P092 applies for a 失能评定 for an insured employee through
item 78 (SDK, real SM2/SM3/SM4), the bureau's assessor and approver take it through 评定 and 结论 at the public entry
point, and the channel reads the outcome back through items 75, 77, 80 and 81 (and the directory through 79), each
answer from the query service's read models after treatment's events crossed Kafka."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from tests.integration.channels import admitted_channel, until
from tests.integration.conftest import Api
from tests.integration.enrollment_steps import in_treatments_view, new_certno, new_employee, new_employer
from ybj_dev.platform import Platform

pytestmark = pytest.mark.integration

ASSESSOR = ("ltc-pg-01", "auditor", "520000")
APPROVER = ("ltc-sp-01", "approver", "520000")
LTC_ITEMS = [75, 76, 77, 78, 79, 80, 81]


def _queued(api: Api, acceptance_no: str, stage: str) -> dict[str, Any]:
    """The case in the bureau's work queue at `stage`."""
    listed = api.wait_read(
        "/api/v1/cases",
        ASSESSOR,
        until=lambda r: r.status_code == 200 and any(c["acceptance_no"] == acceptance_no for c in r.json()["items"]),
        process="S078",
        stage=stage,
    )
    found: dict[str, Any] = next(c for c in listed.json()["items"] if c["acceptance_no"] == acceptance_no)
    return found


def test_a_channels_disability_application_is_assessed_concluded_and_read_back(api: Api, platform: Platform) -> None:
    certno = new_certno()
    psn_no = new_employee(
        api, new_employer(api, f"长护测试单位{random.randint(0, 10**6)}"), certno
    )  # 职工 from 2026-12-01
    in_treatments_view(api, certno, lambda e: "310" in (e["state"].get("relations") or {}))
    person = {"psn_cert_type": "01", "certno": certno, "psn_name": "陈静"}

    with httpx.Client(timeout=30) as http:
        channel = admitted_channel(api, platform, http, LTC_ITEMS, admdvs="520300")
        listed = channel.call(79, {"admdvs": "520100", "care_mode": "home"})
        assert listed["example"] is True
        assert "L52010200001" in {i["care_inst_code"] for i in listed["items"]}

        applied = channel.call(
            78,
            {
                **person,
                "care_mode": "home",
                "care_needs": "脑梗后遗症，卧床，进食、翻身需协助",
                "care_inst_code": "L52010200001",
                "agent_name": "王敏",
                "agent_rlts": "女儿",
            },
        )
        assert (applied["process_id"], applied["stage"]) == ("S078", "assess")
        assert applied["certno"] == f"{certno[:6]}{'*' * 8}{certno[-4:]}"
        waiting = until(lambda: channel.call(77, person), lambda a: a["total"] == 1)
        assert waiting["applications"][0]["acceptance_no"] == applied["acceptance_no"]
        assert waiting["applications"][0]["status"] == "办理中"

        case = _queued(api, applied["acceptance_no"], "assess")
        case = api.step(case, ASSESSOR, "assess", {"adl_score": 15, "assessor_name": "李评定"})
        assert case["stage"] == "conclude"
        case = api.step(case, APPROVER, "approve", {}, comment="评定属实")
        assert case["stage"] == "completed"

        conclusion = until(lambda: channel.call(75, person), lambda a: a["assessed"])
        assert conclusion["conclusion"]["disability_level_name"] == "重度失能二级"
        assert conclusion["conclusion"]["adl_score"] == 15
        assert conclusion["conclusion"]["validity"] == "有效"
        progress = until(lambda: channel.call(77, person), lambda a: a["applications"][0]["status"] == "已办结")
        assert progress["applications"][0]["disability_level_name"] == "重度失能二级"
        plan = channel.call(80, person)["care_plan"]
        assert (plan["plan_code"], plan["hours_per_month"]) == ("LTC-P4", 38)
        subscription = channel.call(81, person)["subscription"]
        assert (subscription["care_inst_code"], subscription["status_name"]) == ("L52010200001", "已订购")
        assert channel.call(76, person)["care_institution"]["care_inst_name"] == "云岩区康宁护理院（示例）"

    history = api.client.get(f"/api/v1/persons/{psn_no}/ltc", headers=api.headers(APPROVER))
    assert history.status_code == 200, history.text
    assert [h["event"] for h in history.json()["history"]] == ["LtcEligibilityGranted"]
