"""The two command routes read their request themselves (command_api.py) and answer what FastAPI's parameter handling
answered: a case created and acted on; a 422 in the platform's shape for a body that is missing, not declared JSON,
not JSON or not valid, a header too long, a case id that is not a UUID; a 401 without a token; and the OpenAPI
document still describes their bodies and parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.gwt import application
from tests.unit.test_kernel_growth import App
from ybj_kernel.auth import TokenVerifier, ensure_dev_keys, issue_token
from ybj_kernel.entrypoints.command_api import create_command_api

CASES = "/api/v1/cases"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    folder: Path = tmp_path_factory.mktemp("keys")
    ensure_dev_keys(folder / "private.pem", folder / "public.pem")
    return (folder / "private.pem").read_bytes(), (folder / "public.pem").read_bytes()


@pytest.fixture
def client(keys: tuple[bytes, bytes]) -> TestClient:
    api = create_command_api(application(App), TokenVerifier(keys[1]), lambda: {"postgresql": "ok"})
    return TestClient(api)


def _as(keys: tuple[bytes, bytes], user: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(keys[0], user, [role], '520000')}"}


def _created(client: TestClient, keys: tuple[bytes, bytes]) -> dict[str, Any]:
    body = {"process": "P998", "data": {"psn_no": "P9"}, "materials": ["登记表"]}
    response = client.post(CASES, json=body, headers={**_as(keys, "u-1", "registrar"), "X-Correlation-Id": "c-1"})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_case_is_created_and_approved_through_the_routes(client: TestClient, keys: tuple[bytes, bytes]) -> None:
    created = _created(client, keys)
    assert (created["process_id"], created["version"]) == ("P998", 1)
    approve = {"action": "approve", "expected_version": 1}
    response = client.post(
        f"{CASES}/{created['case_id']}/actions", json=approve, headers=_as(keys, "u-2", "first_reviewer")
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2


def test_the_same_idempotency_key_gives_the_same_case(client: TestClient, keys: tuple[bytes, bytes]) -> None:
    headers = {**_as(keys, "u-1", "registrar"), "Idempotency-Key": "k-1"}
    body = {"process": "P998", "data": {"psn_no": "P9"}, "materials": ["登记表"]}
    first = client.post(CASES, json=body, headers=headers)
    again = client.post(CASES, json=body, headers=headers)
    assert first.json()["case_id"] == again.json()["case_id"]


@pytest.mark.parametrize(
    ("content", "content_type", "field", "says"),
    [
        (b"", "application/json", None, "Field required"),
        (b'{"process": "P998"', "application/json", "18", "JSON decode error"),
        (b'{"process": "P998", "data": {}}', "text/plain", None, "valid dictionary"),
        (b'{"process": "P998", "data": {}}', None, None, "valid dictionary"),
        (b"[1, 2]", "application/json", None, "object"),
        (b'{"data": {}}', "application/json", "process", "Field required"),
        (b'{"process": "P998", "data": {}, "materials": "form"}', "application/json", "materials", "array"),
    ],
)
def test_a_body_it_cannot_take_is_a_422_naming_what_is_wrong(
    client: TestClient,
    keys: tuple[bytes, bytes],
    content: bytes,
    content_type: str | None,
    field: str | None,
    says: str,
) -> None:
    headers = _as(keys, "u-1", "registrar")
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = client.post(CASES, content=content, headers=headers)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert (answer["code"], answer["field"]) == ("INVALID_REQUEST", field)
    assert says in answer["message_en"]
    assert answer["message_zh"]


def test_a_header_too_long_or_a_case_id_not_a_uuid_is_a_422(client: TestClient, keys: tuple[bytes, bytes]) -> None:
    headers = {**_as(keys, "u-1", "registrar"), "Idempotency-Key": "k" * 201}
    response = client.post(CASES, json={"process": "P998", "data": {}}, headers=headers)
    assert (response.status_code, response.json()["field"]) == (422, "header.idempotency-key")
    approve = {"action": "approve", "expected_version": 1}
    for bad in ("not-a-uuid", "1234-5678123456781234-567812345678"):
        response = client.post(f"{CASES}/{bad}/actions", json=approve, headers=_as(keys, "u-2", "first_reviewer"))
        assert (response.status_code, response.json()["field"]) == (422, "path.case_id"), bad


def test_without_a_token_it_is_a_401(client: TestClient) -> None:
    response = client.post(CASES, json={"process": "P998", "data": {}})
    assert response.status_code == 401
    assert response.json()["code"]


def test_the_openapi_document_describes_the_command_bodies_and_headers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    create = paths[CASES]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert {"process", "data", "variant", "materials", "advance"} <= set(schema["properties"])
    assert {p["name"] for p in create["parameters"]} == {"authorization", "idempotency-key", "x-correlation-id"}
    act = paths[f"{CASES}/{{case_id}}/actions"]["post"]
    assert {"action", "expected_version"} <= set(
        act["requestBody"]["content"]["application/json"]["schema"]["required"]
    )
    assert {(p["name"], p["in"]) for p in act["parameters"]} >= {("case_id", "path"), ("authorization", "header")}
