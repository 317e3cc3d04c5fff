"""Every rule of every service is listed and triable at /api/v1/rules on its own example, and the OpenAPI document
shows each trial's input with its nested rows written out (a list of candidates to de-duplicate, the lines of a claim)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.unit.gwt import SERVICE_APPS
from ybj_kernel.domain.rules import RuleBook, run
from ybj_kernel.entrypoints.http_common import install_error_handlers
from ybj_kernel.entrypoints.rules_api import inlined, rules_router

TODAY = date(2026, 12, 5)
BOOKS: dict[str, RuleBook] = {app.service: app.rules for app in SERVICE_APPS}
EVERY_RULE = [(service, rule.id) for service, book in BOOKS.items() for rule in book]


def _client(book: RuleBook) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(rules_router(book, lambda: TODAY))
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return _client(BOOKS["treatment"])


@pytest.mark.parametrize(("service", "rule_id"), EVERY_RULE, ids=[f"{s}:{r}" for s, r in EVERY_RULE])
def test_each_rule_is_triable_on_its_example_and_gives_what_the_function_gives(service: str, rule_id: str) -> None:
    rule = BOOKS[service].get(rule_id)
    response = _client(BOOKS[service]).post(f"/api/v1/rules/{rule_id}/trial", json=dict(rule.example))
    assert response.status_code == 200, response.text
    assert response.json() == run(rule, dict(rule.example), TODAY)


def test_nested_inputs_are_documented_in_place(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    body = document["paths"]["/api/v1/rules/assistance_subsidy_dedupe/trial"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert "$defs" not in schema
    assert "$ref" not in str(schema)
    assert {r.id for r in BOOKS["treatment"]} >= {"reimbursement_settlement", "assistance_subsidy_dedupe"}


def test_a_recursive_input_model_is_refused_naming_the_rule() -> None:
    recursive: dict[str, Any] = {
        "$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}},
        "$ref": "#/$defs/Node",
    }
    with pytest.raises(ValueError, match="tree"):
        inlined(recursive, "tree")
