"""Excel downloads through the public entry point on real Kafka and PostgreSQL: a P021 reconciliation's differences
(settlement) and a P073 inspection's F8 sample (supervision), each after walking the process's example case, passed
through by the query service with the owning service's token checks."""

from __future__ import annotations

import io
import random
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.integration.conftest import Api
from ybj_dev.demo import Seeder, Staff
from ybj_kernel.adapters.spreadsheets_export import XLSX_MEDIA_TYPE

pytestmark = pytest.mark.integration

REGISTRAR = ("gy-reg-51", "registrar", "520000")
AUDITOR = ("gy-aud-51", "auditor", "520000")
INSTITUTION = ("H52010000001", "institution", "520000")


def walked(api: Api, process: str) -> dict[str, Any]:
    """The process's example case walked to its end through the entry point, as the read model shows it."""
    with httpx.Client(base_url=api.platform.url(), timeout=30) as client:
        seeder = Seeder(client, Staff(api.key_dir))
        ack = seeder.walk_example(process, key=f"downloads-{process.lower()}-{random.randint(0, 10**8):08d}")
    assert ack["stage"] == "completed", ack
    return api.wait_visible(ack["case_id"], ack["version"])


def sheet_rows(answer: httpx.Response) -> list[list[Any]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX_MEDIA_TYPE
    assert answer.headers["content-disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_a_reconciliations_differences_download_through_the_entry_point(api: Api) -> None:
    case = walked(api, "P021")
    path = f"/api/v1/reconciliations/{case['case_id']}/differences.xlsx"
    rows = sheet_rows(api.client.get(path, headers=api.headers(REGISTRAR)))
    expected = case["data"]["reconciliation"]["differences"]
    assert rows[0][0] == "误差类型"
    assert len(rows[2:]) == case["data"]["difference_count"] == len(expected) > 0
    assert [(r[0], r[1], r[-1]) for r in rows[2:]] == [(d["kind_zh"], d["certno"], d["diff_amt"]) for d in expected]
    assert api.client.get(path).status_code == 401
    assert api.client.get(path, headers=api.headers(INSTITUTION)).json()["code"] == "WRONG_ROLE"


def test_an_inspections_sample_downloads_through_the_entry_point(api: Api) -> None:
    case = walked(api, "P073")
    path = f"/api/v1/inspections/{case['case_id']}/sample.xlsx"
    rows = sheet_rows(api.client.get(path, headers=api.headers(AUDITOR)))
    sample = case["data"]["sample"]
    assert (rows[0][0], rows[1][0]) == ("结算ID", "setl_id")
    assert [r[0] for r in rows[2:]] == sample
    assert len(sample) == case["data"]["sample_cnt"] > 0
    refused = api.client.get(path, headers=api.headers(REGISTRAR))
    assert (refused.status_code, refused.json()["code"]) == (403, "WRONG_ROLE")
    wrong_kind = api.client.get(
        f"/api/v1/reconciliations/{case['case_id']}/differences.xlsx", headers=api.headers(REGISTRAR)
    )
    assert wrong_kind.status_code == 404  # a supervision case is not settlement's
