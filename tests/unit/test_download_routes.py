"""Excel downloads of the domain services' own routes: settlement's P021 differences and supervision's F8 sample, read
from the case, for staff who may print its forms, once the list exists; the download records nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from uuid import uuid4

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.unit.gwt import Scenario, given
from ybj_kernel.adapters.spreadsheets_export import XLSX_MEDIA_TYPE
from ybj_kernel.application import CaseApplication
from ybj_kernel.auth import TokenVerifier, ensure_dev_keys, issue_token
from ybj_kernel.domain.process import COMPLETED
from ybj_kernel.entrypoints.http_common import install_error_handlers
from ybj_settlement.http import reconciliation_router
from ybj_supervision.http import inspections_router

RouterFactory = Callable[[CaseApplication], APIRouter]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    folder: Path = tmp_path_factory.mktemp("keys")
    private, public = folder / "jwt-private.pem", folder / "jwt-public.pem"
    ensure_dev_keys(private, public)
    return private.read_bytes(), public.read_bytes()


class Service:
    """A service's HTTP app with one router, checking real tokens as the service does."""

    def __init__(self, case: Scenario, router: RouterFactory, keys: tuple[bytes, bytes]) -> None:
        api = FastAPI()
        install_error_handlers(api)
        api.state.verifier = TokenVerifier(keys[1])
        api.include_router(router(case.app))
        self.client, self.private, self.case = TestClient(api), keys[0], case

    def get(self, path: str, role: str | None = "registrar", admdvs: str = "520000") -> Any:
        headers = {}
        if role is not None:
            headers["Authorization"] = f"Bearer {issue_token(self.private, f'{role}-dl', [role], admdvs)}"
        return self.client.get(path, headers=headers)


def rows_of(answer: Any) -> list[list[Any]]:
    assert (answer.status_code, answer.headers["content-type"]) == (200, XLSX_MEDIA_TYPE), answer.text
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def differences(case: Scenario) -> str:
    return f"/api/v1/reconciliations/{case.case_id}/differences.xlsx"


def sample(case: Scenario) -> str:
    return f"/api/v1/inspections/{case.case_id}/sample.xlsx"


def test_a_reconciliations_differences_download_one_row_a_difference(keys: tuple[bytes, bytes]) -> None:
    case = given("P021", at=COMPLETED)
    assert case.case_id is not None
    before = case.app.get_case(case.case_id)
    answer = Service(case, reconciliation_router, keys).get(differences(case))
    rows = rows_of(answer)
    data = case.data()
    assert rows[0][0] == "误差类型"
    assert rows[1][0] == "kind_zh"  # the field codes under the headers
    body = rows[2:]
    assert len(body) == data["difference_count"] == len(data["reconciliation"]["differences"]) > 0
    assert [(r[1], r[-1]) for r in body] == [
        (d["certno"], d["diff_amt"]) for d in data["reconciliation"]["differences"]
    ]
    disposition = unquote(answer.headers["content-disposition"])
    assert before.acceptance_no in disposition
    assert "征缴实收对账误差明细.xlsx" in disposition
    assert case.app.get_case(case.case_id).version == before.version  # a download records nothing


def test_the_differences_wait_for_the_comparison_and_belong_to_p021_only(keys: tuple[bytes, bytes]) -> None:
    early = given("P021", at="export_and_compare")
    answer = Service(early, reconciliation_router, keys).get(differences(early))
    assert (answer.status_code, answer.json()["code"]) == (409, "DOCUMENT_NOT_AVAILABLE")
    other = given("P079", at="print_slips")
    answer = Service(other, reconciliation_router, keys).get(differences(other))
    assert (answer.status_code, answer.json()["code"]) == (404, "NO_SUCH_WORKBOOK")
    missing = Service(other, reconciliation_router, keys).get(f"/api/v1/reconciliations/{uuid4()}/differences.xlsx")
    assert (missing.status_code, missing.json()["code"]) == (404, "CASE_NOT_FOUND")


@pytest.mark.parametrize(
    ("role", "admdvs", "status", "code"),
    [
        (None, "520000", 401, None),  # no token
        ("institution", "520000", 403, "WRONG_ROLE"),  # not staff of the process
        ("registrar", "530000", 403, "OUT_OF_ADMDVS"),  # staff of another province
    ],
)
def test_the_differences_need_staff_of_the_case(
    keys: tuple[bytes, bytes], role: str | None, admdvs: str, status: int, code: str | None
) -> None:
    case = given("P021", at=COMPLETED)
    answer = Service(case, reconciliation_router, keys).get(differences(case), role, admdvs)
    assert answer.status_code == status
    if code is not None:
        assert answer.json()["code"] == code


@pytest.mark.parametrize("pid", ["P073", "P074", "P075", "P076"])
def test_an_inspections_sample_downloads_in_the_draws_order(keys: tuple[bytes, bytes], pid: str) -> None:
    case = given(pid, at="inspect")
    rows = rows_of(Service(case, inspections_router, keys).get(sample(case), "auditor"))
    data = case.data()
    assert (rows[0][0], rows[1][0]) == ("结算ID", "setl_id")
    assert [r[0] for r in rows[2:]] == data["sample"]
    assert len(rows[2:]) == data["sample_cnt"] > 0
    by_id = {r["setl_id"]: r for r in data["records"]}
    assert [r[11] for r in rows[2:]] == [str(by_id[s]["medfee_sumamt"]) for s in data["sample"]]  # 医疗费总额


def test_the_sample_is_for_auditors_of_f8_cases(keys: tuple[bytes, bytes]) -> None:
    case = given("P073", at=COMPLETED)
    service = Service(case, inspections_router, keys)
    assert len(rows_of(service.get(sample(case), "auditor"))) == 2 + len(case.data()["sample"])
    refused = service.get(sample(case), "registrar")
    assert (refused.status_code, refused.json()["code"]) == (403, "WRONG_ROLE")
    assert service.get(sample(case), None).status_code == 401
    complaint = given("P077", at="decision")
    answer = Service(complaint, inspections_router, keys).get(sample(complaint), "auditor")
    assert (answer.status_code, answer.json()["code"]) == (404, "NO_SUCH_WORKBOOK")
