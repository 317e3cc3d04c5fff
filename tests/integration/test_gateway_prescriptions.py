"""An e-prescription on the real platform (Kafka, PostgreSQL, real SM2/SM3/SM4): a hospital uploads it through the
public entry point (S085, role `institution`), the citizen's channel finds it (item 85) and sends it to a pharmacy that
takes e-prescriptions (item 86 lists it; item 82 opens S082 through the SDK), the pharmacy uploads the purchase (S085
购药登记), and items 83, 84, 85 and 88 read its life back through the query service, the 证件号码 masked."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.integration.channels import admitted_channel, until
from tests.integration.conftest import Api
from tests.integration.enrollment_steps import new_resident
from ybj_dev.demo import Seeder, Staff
from ybj_dev.platform import Platform

pytestmark = pytest.mark.integration

HOSPITAL_SYSTEM = ("his-h52010200001", "institution", "520100")
PHARMACY_SYSTEM = ("pos-p52010200001", "institution", "520100")
HOSPITAL, PHARMACY = "H52010200001", "P52010200001"  # the P065 / P066 examples; S086's example enables the pharmacy
CST = timezone(timedelta(hours=8))


def _upload(api: Api, who: tuple[str, str, str], variant: str, data: dict[str, Any]) -> dict[str, Any]:
    """An institution's upload (S085) through the public entry point; it completes at once."""
    body = {"process": "S085", "variant": variant, "data": data}
    response = api.client.post("/api/v1/cases", json=body, headers=api.headers(who))
    assert response.status_code == 201, response.text
    ack: dict[str, Any] = response.json()
    assert ack["stage"] == "completed", ack
    return ack


def test_an_e_prescription_issued_chosen_through_a_channel_and_bought_is_read_back_masked(
    api: Api, platform: Platform
) -> None:
    with httpx.Client(base_url=platform.url(), timeout=30) as client:
        seeder = Seeder(client, Staff(platform.run_dir / "keys"))
        for process in ("P065", "P066", "S086"):  # the demo's cases, if the demo has run: same keys, same cases
            assert seeder.walk_example(process)["stage"] == "completed"
    certno, psn_no = new_resident(api, "刘洋")
    person = {"psn_cert_type": "01", "certno": certno, "psn_name": "刘洋"}
    hi_rxno = f"RX{random.randint(10**17, 10**18 - 1)}"
    issued_at = datetime.now(CST).replace(tzinfo=None, microsecond=0) - timedelta(minutes=1)
    _upload(
        api,
        HOSPITAL_SYSTEM,
        "issue",
        {
            **person,
            "hi_rxno": hi_rxno,
            "fixmedins_code": HOSPITAL,
            "prsc_dept_name": "心血管内科",
            "dr_code": "D52010200123",
            "dr_name": "王强",
            "diag_code": "I10.X00",
            "diag_name": "原发性高血压",
            "drugs": [
                {
                    "hilist_code": "XC08CAA148A001010101571",
                    "hilist_name": "苯磺酸氨氯地平片",
                    "drug_spec": "5mg*28片",
                    "drug_cnt": "2",
                    "drug_unit": "盒",
                    "medc_way": "口服",
                    "used_frqu": "每日1次",
                    "sin_doscnt": "5mg",
                }
            ],
            "prsc_time": issued_at.isoformat(),
            "valid_days": 3,
        },
    )
    masked = f"{certno[:6]}{'*' * 8}{certno[-4:]}"

    with httpx.Client(timeout=30) as http:
        channel = admitted_channel(api, platform, http, range(82, 90), admdvs="520100")
        pharmacies = until(lambda: channel.call(86, {"admdvs": "520102"}), lambda a: a["total"] > 0)
        assert PHARMACY in [p["fixmedins_code"] for p in pharmacies["items"]]

        mine = until(lambda: channel.call(85, person), lambda a: a["open_hi_rxno"] == hi_rxno)
        assert (mine["certno"], mine["prescriptions"][0]["status_name"]) == (masked, "已开具")

        chosen = channel.call(82, {**person, "hi_rxno": hi_rxno, "fixmedins_code": PHARMACY})
        assert (chosen["process_id"], chosen["stage"], chosen["status"]) == ("S082", "completed", "已流转")
        assert chosen["acceptance_no"]

        detail = until(lambda: channel.call(83, {**person, "hi_rxno": hi_rxno}), lambda a: a["status"] == "transferred")
        assert (detail["certno"], detail["pharmacy"]["fixmedins_code"]) == (masked, PHARMACY)
        assert detail["drugs"][0]["hilist_name"] == "苯磺酸氨氯地平片"

        bought_at = datetime.now(CST).replace(tzinfo=None, microsecond=0)
        money = {"medfee_sumamt": "57.60", "hifp_pay": "28.80", "acct_pay": "0.00", "psn_cash_pay": "28.80"}
        dispensed = {"hi_rxno": hi_rxno, "fixmedins_code": PHARMACY, "disp_time": bought_at.isoformat(), **money}
        _upload(api, PHARMACY_SYSTEM, "dispense", dispensed)

        records = until(lambda: channel.call(88, person), lambda a: a["total"] == 1)
        assert (records["certno"], records["records"][0]["hi_rxno"]) == (masked, hi_rxno)
        assert {k: records["records"][0][k] for k in money} == money
        messages = channel.call(84, {**person, "hi_rxno": hi_rxno})["messages"]
        assert [m["status"] for m in messages] == ["dispensed", "transferred", "issued"]
        assert "贵阳大药房云岩店" in messages[1]["text_zh"]
        listed = channel.call(85, person)
        assert (listed["prescriptions"][0]["status"], listed["open_hi_rxno"]) == ("dispensed", None)
        for answer in (mine, chosen, detail, records, listed):
            assert certno not in str(answer)
        assert psn_no not in str(detail)
