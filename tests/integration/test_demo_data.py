"""`make run` seeds demo cases through the public API; seeding twice changes nothing."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Api
from ybj_dev import demo
from ybj_dev.platform import Platform

pytestmark = pytest.mark.integration


def test_demo_seed_walks_cases_of_every_domain_and_is_repeatable(api: Api, platform: Platform) -> None:
    first = demo.seed(platform.url(), platform.run_dir / "keys")
    enrollment = {"P001", "P002", "P003", "P006", "P007", "P010", "P012", "P016", "P017", "P019"}
    treatment = {"P044", "P045", "P048", "P049", "P060", "P063", "P065", "P066", "P069", "P090"}
    settlement, supervision = {"P027", "P079", "P083", "P086"}, {"P072", "P073", "P077"}
    assert {a["process_id"] for a in first} == {*enrollment, *treatment, *settlement, *supervision}
    stages = {(a["process_id"], a["stage"]) for a in first}
    assert ("P079", "completed") in stages  # one settlement went all the way to 回写
    assert ("P079", "first_review") in stages  # and one was stepped back by the second reviewer
    assert ("P019", "cancelled") in stages
    assert {("P016", "issue_contact_letter"), ("P017", "second_review"), ("P010", "leader_approval")} <= stages
    assert {("P049", "completed"), ("P048", "settlement_review"), ("P063", "param_review")} <= stages
    assert {("P083", "completed"), ("P086", "first_review"), ("P027", "recheck_level_2")} <= stages
    assert {("P073", "completed"), ("P077", "review")} <= stages
    again = demo.seed(platform.url(), platform.run_dir / "keys")
    assert again == first
    paid = next(a for a in first if a["process_id"] == "P079" and a["stage"] == "completed")
    view = api.wait_visible(paid["case_id"], paid["version"])
    assert view["data"]["payable_amount"] == "1258700.36"


def test_the_demo_unit_and_employee_are_in_the_registries(api: Api, platform: Platform) -> None:
    demo.seed(platform.url(), platform.run_dir / "keys")
    reader = api.headers(("demo-reader", "oversight", "520000"))
    unit = api.client.get("/api/v1/employers", params={"uscc": "91520102MA6DKQ123T"}, headers=reader)
    assert unit.status_code == 200, unit.text
    person = api.client.get("/api/v1/persons", params={"certno": "520102199003070022"}, headers=reader)
    assert person.status_code == 200, person.text


def test_the_demo_institutions_filing_and_claims_are_readable(api: Api, platform: Platform) -> None:
    demo.seed(platform.url(), platform.run_dir / "keys")
    reader = api.headers(("demo-reader", "oversight", "520000"))
    hospitals = api.wait_read("/api/v1/institutions", ("demo-reader", "oversight", "520000"), fixmedins_type="1")
    assert "H52010200001" in {i["key"] for i in hospitals.json()["items"]}
    special = api.client.get("/api/v1/institutions", params={"designation": "special_drug"}, headers=reader).json()
    assert [i["key"] for i in special["items"]] == ["H52010200001"]
    inpatient = api.client.get("/api/v1/institutions", params={"service": "21"}, headers=reader).json()  # 普通住院
    assert [i["key"] for i in inpatient["items"]] == ["H52010200001"]
    assert api.client.get("/api/v1/institutions/P52010200001", headers=reader).json()["state"]["fixmedins_type"] == "2"
    liu = api.client.get("/api/v1/persons", params={"certno": "520102198804150036"}, headers=reader).json()
    filings = api.client.get(f"/api/v1/persons/{liu['key']}/filings", headers=reader).json()
    assert filings["current"]["status"] == "in_effect"
    wang = api.client.get("/api/v1/persons", params={"certno": "52011519850312002X"}, headers=reader).json()
    claims = api.client.get(f"/api/v1/persons/{wang['key']}/reimbursements", headers=reader).json()
    assert {(c["process_id"], c["stage"]) for c in claims["items"]} >= {
        ("P049", "completed"),
        ("P048", "settlement_review"),
    }
    workbook = api.client.get(
        f"/api/v1/persons/{wang['key']}/reimbursements", params={"format": "xlsx"}, headers=reader
    )
    assert workbook.status_code == 200
    assert workbook.content[:2] == b"PK"
