"""Every treatment rule is listed and triable at /api/v1/rules on its own example, and the OpenAPI document shows
each trial's input with its nested rows written out (a list of candidates to de-duplicate, the lines of a claim)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ybj_kernel.domain.rules import run
from ybj_kernel.entrypoints.http_common import install_error_handlers
from ybj_kernel.entrypoints.rules_api import inlined, rules_router
from ybj_treatment.application import TreatmentApplication

TODAY = date(2026, 12, 5)
RULES = TreatmentApplication.rules


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(rules_router(RULES, lambda: TODAY))
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("rule_id", sorted(r.id for r in RULES))
def test_each_rule_is_triable_on_its_example_and_gives_what_the_function_gives(
    client: TestClient, rule_id: str
) -> None:
    rule = RULES.get(rule_id)
    response = client.post(f"/api/v1/rules/{rule_id}/trial", json=dict(rule.example))
    assert response.status_code == 200, response.text
    assert response.json() == run(rule, dict(rule.example), TODAY)


def test_nested_inputs_are_documented_in_place(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    body = document["paths"]["/api/v1/rules/assistance_subsidy_dedupe/trial"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert "$defs" not in schema
    assert "$ref" not in str(schema)
    assert {r.id for r in RULES} >= {"reimbursement_settlement", "assistance_subsidy_dedupe"}


def test_a_recursive_input_model_is_refused_naming_the_rule() -> None:
    recursive: dict[str, Any] = {
        "$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}},
        "$ref": "#/$defs/Node",
    }
    with pytest.raises(ValueError, match="tree"):
        inlined(recursive, "tree")
