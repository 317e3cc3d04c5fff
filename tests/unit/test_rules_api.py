"""`/api/v1/rules`: staff list the rules, try one (试算) on their inputs, and get the common error body otherwise."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ybj_enrollment.rules import RULES
from ybj_kernel.entrypoints.http_common import install_error_handlers
from ybj_kernel.entrypoints.rules_api import rules_router

ERROR_KEYS = {"code", "message_zh", "message_en", "field"}


class Clock:
    """The application's date, movable by the test."""

    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today


@pytest.fixture
def clock() -> Clock:
    return Clock(date(2026, 12, 5))


@pytest.fixture
def client(clock: Clock) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(rules_router(RULES, clock))
    return TestClient(app, raise_server_exceptions=False)


def test_list_shows_every_rule_with_its_source_and_schemas(client: TestClient) -> None:
    response = client.get("/api/v1/rules")
    assert response.status_code == 200
    listed = {r["id"]: r for r in response.json()}
    assert set(listed) == {r.id for r in RULES}
    late_fee = listed["late_fee"]
    assert late_fee["process_id"] == "P011"
    assert "千分之二" in late_fee["source_zh"]
    assert set(late_fee["input_schema"]["required"]) == {"arrears_amount", "arrears_date", "pay_date"}
    assert "late_fee" in late_fee["output_schema"]["properties"]
    assert late_fee["parameters"] == {"daily_rate": "0.002"}


def test_list_filters_by_process(client: TestClient) -> None:
    assert [r["id"] for r in client.get("/api/v1/rules", params={"process": "P016"}).json()] == ["transfer_deadlines"]
    assert [r["id"] for r in client.get("/api/v1/rules", params={"process": "P005"}).json()] == ["filing_deadline"]
    assert client.get("/api/v1/rules", params={"process": "P999"}).json() == []


def test_one_rule_and_an_unknown_one(client: TestClient) -> None:
    assert client.get("/api/v1/rules/deferral_period").json()["parameters"] == {"max_months": 2}
    missing = client.get("/api/v1/rules/no_such_rule")
    assert missing.status_code == 404
    assert missing.json()["code"] == "RULE_NOT_FOUND"


def test_trial_returns_the_rules_output(client: TestClient) -> None:
    body = {"arrears_amount": "1000.00", "arrears_date": "2026-03-01", "pay_date": "2026-04-01"}
    response = client.post("/api/v1/rules/late_fee/trial", json=body)
    assert response.status_code == 200
    assert response.json() == {"days": 31, "daily_rate": "0.002", "late_fee": "62.00"}


def test_a_refusal_is_a_200_with_its_figures(client: TestClient) -> None:
    response = client.post("/api/v1/rules/deferral_period/trial", json={"start_ym": "2026-03", "end_ym": "2026-05"})
    assert response.status_code == 200
    assert (response.json()["allowed"], response.json()["months"]) == (False, 3)
    assert response.json()["reasons"][0]["code"] == "DEFERRAL_TOO_LONG"


def test_trial_dates_come_from_the_applications_clock(client: TestClient, clock: Clock) -> None:
    first = client.post("/api/v1/rules/filing_deadline/trial", json={"occurred_on": "2026-11-01"}).json()
    clock.today = date(2026, 11, 20)
    second = client.post("/api/v1/rules/filing_deadline/trial", json={"occurred_on": "2026-11-01"}).json()
    assert (first["filed_on"], first["late"]) == ("2026-12-05", True)
    assert (second["filed_on"], second["late"]) == ("2026-11-20", False)


def test_trial_of_an_unknown_rule_is_404(client: TestClient) -> None:
    response = client.post("/api/v1/rules/no_such_rule/trial", json={})
    assert response.status_code == 404
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["code"] == "RULE_NOT_FOUND"


@pytest.mark.parametrize(
    ("rule_id", "body", "field"),
    [
        (
            "late_fee",
            {"arrears_amount": "abc", "arrears_date": "2026-03-01", "pay_date": "2026-04-01"},
            "arrears_amount",
        ),
        ("late_fee", {"arrears_amount": "1", "arrears_date": "2026-03-01", "pay_date": "2026-02-01"}, "pay_date"),
        ("late_fee", {"arrears_amount": "1", "arrears_date": "2026-03-01"}, "pay_date"),
        ("transfer_deadlines", {"accepted_on": "2026-12-15"}, "accepted_on"),
    ],
)
def test_a_bad_field_is_422_naming_it_in_chinese_and_english(
    client: TestClient, rule_id: str, body: dict[str, Any], field: str
) -> None:
    response = client.post(f"/api/v1/rules/{rule_id}/trial", json=body)
    assert response.status_code == 422
    error = response.json()
    assert set(error) == ERROR_KEYS
    assert error["field"] == field
    assert error["message_zh"]
    assert error["message_en"]
    assert field in error["message_en"] or error["code"] == "DATE_OUTSIDE_CALENDAR"


def test_a_body_that_is_not_an_object_is_422_in_the_common_shape(client: TestClient) -> None:
    response = client.post("/api/v1/rules/late_fee/trial", json=[1, 2])
    assert response.status_code == 422
    assert {"code", "message_zh", "message_en"} <= set(response.json())


def test_openapi_documents_each_trials_schema_and_statuses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    late_fee = spec["paths"]["/api/v1/rules/late_fee/trial"]["post"]
    body_schema = late_fee["requestBody"]["content"]["application/json"]["schema"]
    assert set(body_schema["required"]) == {"arrears_amount", "arrears_date", "pay_date"}
    assert set(late_fee["responses"]) == {"200", "422"}
    assert late_fee["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/LateFeeOutput")
    generic = spec["paths"]["/api/v1/rules/{rule_id}/trial"]["post"]
    assert set(generic["responses"]) == {"200", "404", "422"}
    assert set(spec["paths"]["/api/v1/rules/{rule_id}"]["get"]["responses"]) == {"200", "404", "422"}
