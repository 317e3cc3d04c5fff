"""Printing a form over HTTP: the PDF carries the person's name and the 受理号, and its SM3 digest joins the history."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping
from typing import ClassVar
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.unit.gwt import application, staff
from tests.unit.test_kernel_growth import PERSONS, PROCESS
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.documents import DocumentField, DocumentSpec
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.entrypoints.documents_api import documents_router
from ybj_kernel.entrypoints.http_common import current_actor, install_error_handlers
from ybj_kernel.sm3 import sm3_hex

FORM = DocumentSpec(
    "registration_form",
    "参保登记表",
    (DocumentField("psn_no", "人员编号"), DocumentField("psn_name", "姓名")),
    stages=frozenset({"completed"}),
)
PRINTED = dataclasses.replace(PROCESS, documents=(FORM,))


class App(CaseApplication):
    service: ClassVar[str] = "enrollment"
    service_code: ClassVar[str] = "10"
    registries: ClassVar[Mapping[str, Registry]] = {"person": PERSONS}

    @classmethod
    def default_definitions(cls) -> Mapping[str, ProcessDefinition]:
        return {"P998": PRINTED}


def _client(app: CaseApplication, who: Actor) -> TestClient:
    api = FastAPI()
    install_error_handlers(api)
    api.include_router(documents_router(app))
    api.dependency_overrides[current_actor] = lambda: who
    return TestClient(api)


@pytest.fixture
def completed() -> tuple[CaseApplication, str]:
    app = application(App)
    ack = app.create_case(
        "P998", {"psn_no": "P77", "psn_name": "刘晓梅"}, staff("reg-1", "registrar"), materials=("登记表",)
    )
    app.act(UUID(ack.case_id), staff("fr-1", "first_reviewer"), Command("approve", ack.version))
    return app, ack.case_id


def test_a_printed_form_has_the_name_and_acceptance_number_and_its_digest_is_in_the_history(
    completed: tuple[CaseApplication, str],
) -> None:
    app, case_id = completed
    client = _client(app, staff("reg-2", "registrar"))
    listed = client.get(f"/api/v1/cases/{case_id}/documents").json()
    assert listed == [{"name": "registration_form", "title_zh": "参保登记表", "available": True}]
    response = client.get(f"/api/v1/cases/{case_id}/documents/registration_form")
    assert (response.status_code, response.headers["content-type"]) == (200, "application/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    case = app.get_case(UUID(case_id))
    assert "刘晓梅" in text
    assert case.acceptance_no in text
    digest = sm3_hex(response.content)
    assert response.headers["x-document-sm3"] == digest
    issued = [e for e in app.events.get(UUID(case_id)) if getattr(e, "event_name", "") == "DocumentIssued"]
    assert [e.data["sm3"] for e in issued] == [digest]  # type: ignore[attr-defined]
    assert case.stage == "completed"  # printing moves nothing


def test_a_form_not_yet_available_and_a_reader_without_a_staff_role_are_refused(
    completed: tuple[CaseApplication, str],
) -> None:
    app, case_id = completed
    assert (
        _client(app, staff("aud-x", "oversight"))
        .get(f"/api/v1/cases/{case_id}/documents/registration_form")
        .status_code
        == 403
    )
    assert _client(app, staff("reg-2", "registrar")).get(f"/api/v1/cases/{case_id}/documents/nope").status_code == 404
    fresh = app.create_case("P998", {"psn_no": "P78", "psn_name": "周强"}, staff("reg-1", "registrar"))
    answer = _client(app, staff("reg-2", "registrar")).get(f"/api/v1/cases/{fresh.case_id}/documents/registration_form")
    assert (answer.status_code, answer.json()["code"]) == (409, "DOCUMENT_NOT_AVAILABLE")
