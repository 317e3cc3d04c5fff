"""`make run` seeds demo cases through the public API; seeding twice changes nothing."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Api
from ybj_dev import demo
from ybj_dev.platform import Platform

pytestmark = pytest.mark.integration


def test_demo_seed_walks_cases_of_every_domain_and_is_repeatable(api: Api, platform: Platform) -> None:
    first = demo.seed(platform.url(), platform.run_dir / "keys")
    enrollment = {"P001", "P002", "P006", "P007", "P010", "P012", "P016", "P017", "P019"}
    assert {a["process_id"] for a in first} == {*enrollment, "P044", "P072", "P079"}
    stages = {(a["process_id"], a["stage"]) for a in first}
    assert ("P079", "completed") in stages  # one settlement went all the way to 回写
    assert ("P079", "first_review") in stages  # and one was stepped back by the second reviewer
    assert ("P019", "cancelled") in stages
    assert {("P016", "issue_contact_letter"), ("P017", "second_review"), ("P010", "leader_approval")} <= stages
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
