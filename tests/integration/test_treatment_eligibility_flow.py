"""Treatment decides on enrollment's facts, learnt from its events on real Kafka, never from its code or tables.

A person enrolled in enrollment becomes eligible in treatment only once the event has arrived; a filing for someone
whose insurance was terminated is refused; a termination after a filing flags the filing for review, naming the
enrollment event; and the same enrollment events delivered again change nothing.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import date
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer

from tests.integration.conftest import Api, valid_certno, wait_until
from tests.integration.enrollment_steps import (
    REG,
    in_treatments_view,
    new_certno,
    new_employee,
    new_employer,
    new_resident,
    read_until,
)
from tests.integration.kafka_reader import records
from ybj_dev.platform import DOMAIN_SERVICES, REACTING_SERVICES, Platform

pytestmark = pytest.mark.integration

REVIEWER = ("gy-fr-21", "first_reviewer", "520000")


def _filing(certno: str, name: str, begndate: str = "2026-12-01") -> dict[str, Any]:
    """P044 异地安置登记 for a person insured in 贵阳."""
    return {
        "certno": certno,
        "psn_name": name,
        "admdvs": "520102",
        "resettle_admdvs": "440300",
        "begndate": begndate,
    }


def _in_view(api: Api, certno: str) -> dict[str, Any]:
    """Treatment's view of the person, as its events reached the read side."""
    found: dict[str, Any] = in_treatments_view(api, certno, lambda e: e["in_effect"])
    return found


def _reactor_lines(platform: Platform) -> list[str]:
    index = len(DOMAIN_SERVICES) + 2 + REACTING_SERVICES.index("treatment")
    port = platform.env("treatment", index)["YBJ_METRICS_PORT"]
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return [line for line in text.splitlines() if line.startswith("ybj_reactions_total")]


def _reactor_metric(platform: Platform, outcome: str) -> float:
    """The reactor's count of events with this outcome (the exposition orders the labels as it likes)."""
    for line in _reactor_lines(platform):
        if f'outcome="{outcome}"' in line and 'service="treatment"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_person_becomes_eligible_in_treatment_only_after_enrollments_event_arrives(api: Api) -> None:
    unknown = valid_certno(
        f"5201021970{random.randint(1, 12):02d}{random.randint(10, 28)}{random.randint(0, 49) * 2 + 1:03d}"
    )
    refused = api.create("P044", _filing(unknown, "吴刚"), REG)
    assert refused.status_code == 409, refused.text
    assert (refused.json()["code"], refused.json()["field"]) == ("NOT_INSURED", "certno")
    assert unknown in refused.json()["message_zh"]

    certno, psn_no = new_resident(api)
    view = _in_view(api, certno)
    assert view["state"]["relations"]["390"]["status"] == "active"
    case = api.create("P044", {**_filing(certno, "周敏"), "admdvs": "520115"}, REG)
    assert case.status_code == 201, case.text
    assert case.json()["stage"] == "review"
    assert api.step(case.json(), REVIEWER, "approve", comment="材料齐全")["stage"] == "completed"
    filings = read_until(api, f"/api/v1/persons/{psn_no}/filings", lambda f: f["current"] is not None)
    assert filings["current"]["begndate"] == "2026-12-01"


def _person_events(platform: Platform, psn_no: str) -> list[dict[str, Any]]:
    topic = f"{platform.topic_prefix}.enrollment.events"
    found = [orjson.loads(r.value) for r in records(platform.kafka_bootstrap, topic) if r.value]
    return [e for e in found if e.get("registry") == "person" and e.get("subject") == psn_no]


def test_a_termination_flags_the_filing_and_a_terminated_person_is_refused(api: Api, platform: Platform) -> None:
    emp_no = new_employer(api, "贵阳花溪康达物流有限公司")
    certno = new_certno()
    psn_no = new_employee(api, emp_no, certno)
    _in_view(api, certno)
    filing = api.create("P044", _filing(certno, "陈静", "2026-12-02"), REG)
    assert filing.status_code == 201, filing.text
    api.step(filing.json(), REVIEWER, "approve", comment="材料齐全")
    read_until(api, f"/api/v1/persons/{psn_no}/filings", lambda f: f["current"] is not None)

    # Enrollment terminates her 职工 relation (P017 一次性清退 after an injection).
    unit = {"emp_no": emp_no, "emp_name": "贵阳花溪康达物流有限公司", "certno": certno, "insutype": "310"}
    injected = {**unit, "quota_flag": "1", "inject_type": "1", "inject_date": "2026-12-01", "inject_amt": "100.00"}
    assert api.create("P012", injected, REG).status_code == 201
    stop = date.today().isoformat()  # her relation began on 2026-12-01, after the filing's 2026-12-02 it ends today
    case = api.create(
        "P017", {"certno": certno, "psn_name": "陈静", "stop_date": stop, "stop_rea": "调往省外工作"}, REG
    )
    assert case.status_code == 201, case.text
    withdrawal = {
        "wdrw_rea": "2",
        "balc": "100.00",
        "bank_name": "中国工商银行贵阳花溪支行",
        "bank_acct": "6222020200112345678",
        "intr_begndate": "2026-12-01",
    }
    step = api.step(case.json(), REG, "register_withdrawal", withdrawal)
    step = api.step(step, ("gy-rev-21", "second_reviewer", "520000"), "approve", comment="复核无误")
    step = api.step(step, ("ybj-system", "system", "520000"), "settle_interest", {"intr_enddate": stop})
    settled = api.wait_visible(step["case_id"], step["version"])["data"]["stl_intr_amt"]
    assert api.step(step, REG, "add_interest", {"intr_amt": settled})["stage"] == "completed"

    flagged = read_until(
        api, f"/api/v1/persons/{psn_no}/filings", lambda f: any(h["op"] == "flag_for_review" for h in f["history"]), 30
    )
    flag = next(h for h in flagged["history"] if h["op"] == "flag_for_review")
    assert flag["args"]["insutype"] == "310"
    terminated = [e for e in _person_events(platform, psn_no) if e["eventname"] == "EnrollmentTerminated"]
    assert [e["id"] for e in terminated] == [flag["args"]["cause_event_id"]]
    assert flagged["current"]["review_flags"][0]["cause_event_id"] == flag["args"]["cause_event_id"]

    # After her relation ended, a filing from a later date is refused, naming her.
    later = api.create("P044", _filing(certno, "陈静", "2027-01-05"), ("gy-reg-22", "registrar", "520000"))
    assert later.status_code == 409, later.text
    assert later.json()["code"] in ("NOT_INSURED", "FILING_IN_EFFECT")


def test_the_same_enrollment_events_delivered_again_change_nothing(api: Api, platform: Platform) -> None:
    certno, psn_no = new_resident(api)
    before = _in_view(api, certno)
    topic = f"{platform.topic_prefix}.enrollment.events"
    mine = [
        r
        for r in records(platform.kafka_bootstrap, topic)
        if r.value and (e := orjson.loads(r.value)).get("registry") == "person" and e.get("subject") == psn_no
    ]
    assert mine, "the person's enrollment events are on the topic"
    unchanged = _reactor_metric(platform, "unchanged")

    async def replay() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=platform.kafka_bootstrap)
        await producer.start()
        try:
            for r in mine:
                await producer.send_and_wait(topic, r.value, key=r.key)
        finally:
            await producer.stop()

    asyncio.run(replay())
    wait_until(
        lambda: _reactor_metric(platform, "unchanged") >= unchanged + len(mine),
        30,
        lambda: f"the reactor never read the replayed events: {_reactor_lines(platform)}",
    )
    time.sleep(0.5)
    after = in_treatments_view(api, certno, lambda e: True)
    assert after["version"] == before["version"]
    assert after["state"] == before["state"]
