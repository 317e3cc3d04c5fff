"""批量 end to end through the public entry point, on real Kafka and PostgreSQL: a template downloaded, filled in and
uploaded; the batch and its report; the same file again; all_or_nothing; wrong files; 批量审核; the queue as xlsx.
"""

from __future__ import annotations

import io
import itertools
import os
import random
import time
from datetime import date, timedelta
from typing import Any

import httpx
import openpyxl
import pytest

from tests.integration.conftest import Api, valid_certno, wait_until
from tests.integration.enrollment_steps import new_resident

pytestmark = pytest.mark.integration

REG = ("bt-reg-01", "registrar", "520100")
FIRST = ("bt-fr-01", "first_reviewer", "520100")
READER = ("bt-aud-01", "auditor", "520000")
UNIT = {"emp_no": "52011500001", "emp_name": "观山湖区金华园社区", "admdvs": "520115"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _resident(i: int, seq: int) -> dict[str, Any]:
    """A resident born on a different day each row, a woman (even 17th digit), with a valid 居民身份证号."""
    born = date(1950, 1, 1) + timedelta(days=i)
    certno = valid_certno(f"520115{born:%Y%m%d}{seq:02d}2")
    return {
        **UNIT,
        "certno": certno,
        "psn_name": f"居民{i}",
        "naty": "01",
        "gend": "2 女",
        "brdy": born,
        "begndate": "2026-01-01",
        "fst_insu_ym": "202601",
        "psn_type": "11",
        "clct_grade": "1",
        "clct_way": "1",
        "max_acct_prd": "202612",
    }


_SEQUENCE = itertools.count(random.randint(10, 80))  # another set of people for each call: none enrolled twice


def _people(n: int) -> list[dict[str, Any]]:
    """n residents born on consecutive days from 1950 on (20,000 rows reach 2009)."""
    seq = next(_SEQUENCE)
    start = random.randint(0, 1_000)
    return [_resident(start + i, seq) for i in range(n)]


def _template(api: Api) -> bytes:
    answer = api.client.get("/api/v1/processes/P019/template.xlsx", params={"variant": "batch"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    return answer.content


def _filled(template: bytes, rows: list[dict[str, Any]]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb["导入数据"]
    codes = [str(c.value) for c in ws[2]]
    ws.delete_rows(3)  # the example row: the first resident goes there
    for row in rows:
        ws.append([row.get(code) for code in codes])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _upload(api: Api, content: bytes, mode: str = "valid_rows", who: tuple[str, str, str] = REG) -> httpx.Response:
    return api.client.post(
        "/api/v1/batches",
        data={"process": "P019", "variant": "batch", "mode": mode},
        files={"file": ("居民批量参保.xlsx", content, XLSX)},
        headers=api.headers(who),
        timeout=300,
    )


def _p019_cases(api: Api) -> set[str]:
    answer = api.client.get(
        "/api/v1/cases", params={"process": "P019", "format": "xlsx"}, headers=api.headers(READER), timeout=60
    )
    assert answer.status_code == 200, answer.text
    ws = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert ws is not None
    assert [c.value for c in ws[1]][:3] == ["受理号", "流程编号", "业务名称"]  # Chinese headers, codes below
    codes = [c.value for c in ws[2]]
    column = codes.index("case_id")
    return {str(r[column]) for r in ws.iter_rows(min_row=3, values_only=True)}


def test_a_filled_template_becomes_cases_with_a_report_of_the_bad_rows(api: Api) -> None:
    people = _people(300)
    bad: dict[int, str] = {}  # Excel row → the field named
    for i in (10, 50, 90, 130):
        people[i] = {**people[i], "certno": people[i]["certno"][:17] + ("0" if people[i]["certno"][17] != "0" else "1")}
        bad[i + 3] = "certno"  # data from Excel row 3
    for i, field in ((20, "psn_name"), (60, "naty"), (140, "begndate")):
        people[i] = {k: v for k, v in people[i].items() if k != field}
        bad[i + 3] = field
    for i, earlier in ((200, 0), (250, 1), (299, 2)):  # the same person twice in one file: the later row is refused
        people[i] = dict(people[earlier])
        bad[i + 3] = "certno"
    content = _filled(_template(api), people)

    started = time.monotonic()
    first = _upload(api, content)
    took = time.monotonic() - started
    assert first.status_code == 201, first.text
    batch = first.json()
    print(f"\n300 rows imported through the entry point in {took:.2f} s")
    assert batch["batch_id"].startswith("enrollment-")
    assert (batch["total"], batch["accepted"], batch["rejected"]) == (300, 290, 10)
    assert {(e["row"], e["field"]) for e in batch["errors"]} == set(bad.items())
    assert first.headers["location"] == f"/api/v1/batches/{batch['batch_id']}"

    shown = api.client.get(f"/api/v1/batches/{batch['batch_id']}", headers=api.headers(REG))
    assert (shown.status_code, shown.json()) == (200, batch)
    report = api.client.get(f"/api/v1/batches/{batch['batch_id']}/report.xlsx", headers=api.headers(REG))
    assert (report.status_code, report.headers["content-type"]) == (200, XLSX)
    sheet = openpyxl.load_workbook(io.BytesIO(report.content))["错误报告"]
    reasons = {r[0]: str(r[2]) for r in sheet.iter_rows(min_row=3, values_only=True) if r[1] == "未导入"}
    assert set(reasons) == set(bad)
    assert all(f"（{field}）：" in reasons[row] for row, field in bad.items())
    assert reasons[23].startswith("姓名（psn_name）：缺少必填字段")
    assert "重复" in reasons[203]

    # The good rows are cases in the work queue (as the read model catches up), exported as a workbook.
    wait_until(lambda: set(batch["case_ids"]) <= _p019_cases(api), 60, "the batch's cases reach the work queue")

    before = _p019_cases(api)
    again = _upload(api, content)
    assert (again.status_code, again.json()["batch_id"], again.json()["case_ids"]) == (
        200,
        batch["batch_id"],
        batch["case_ids"],
    )
    time.sleep(2)  # a case the second upload had opened would reach the work queue by now
    assert _p019_cases(api) == before  # nothing new from it


def test_all_or_nothing_with_one_bad_row_imports_nothing(api: Api) -> None:
    people = _people(20)
    people[7] = {**people[7], "gend": "1"}  # a man's code for a woman's 身份证号
    answer = _upload(api, _filled(_template(api), people), mode="all_or_nothing")
    assert answer.status_code == 201, answer.text
    batch = answer.json()
    assert (batch["accepted"], batch["rejected"], batch["case_ids"]) == (0, 1, [])
    assert [(e["row"], e["field"]) for e in batch["errors"]] == [(10, "gend")]
    nobody = api.client.get("/api/v1/persons", params={"certno": people[0]["certno"]}, headers=api.headers(READER))
    assert nobody.status_code == 404


def test_wrong_files_get_clear_errors(api: Api) -> None:
    not_xlsx = _upload(api, "certno,psn_name\n52011519850312002X,王芳\n".encode())
    assert (not_xlsx.status_code, not_xlsx.json()["code"], not_xlsx.json()["field"]) == (422, "NOT_XLSX", "file")
    empty = _upload(api, _template(api))  # downloaded and uploaded as it is: only the example row
    assert (empty.status_code, empty.json()["code"]) == (422, "EMPTY_SHEET")
    assert empty.json()["message_zh"]
    assert empty.json()["message_en"]
    unknown = api.client.get("/api/v1/processes/P999/template.xlsx")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "UNKNOWN_PROCESS")
    single = api.client.get("/api/v1/processes/P001/template.xlsx")
    assert (single.status_code, single.json()["code"]) == (422, "NO_BATCH_MODE")
    nothing = api.client.get(
        "/api/v1/batches/enrollment-00000000-0000-0000-0000-000000000000", headers=api.headers(REG)
    )
    assert (nothing.status_code, nothing.json()["code"]) == (404, "BATCH_NOT_FOUND")


def test_too_many_rows_are_refused_quickly(api: Api) -> None:
    """A 50,000-row file is refused once the reader passes the limit (YBJ_BATCH_MAX_ROWS), not after reading it all."""
    from openpyxl import Workbook

    codes = [str(c.value) for c in openpyxl.load_workbook(io.BytesIO(_template(api)))["导入数据"][2]]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("导入数据")
    ws.append(codes)
    ws.append(codes)
    person = _resident(1, 1)
    values = [str(person.get(code, "")) for code in codes]
    for _ in range(50_000):
        ws.append(values)
    buffer = io.BytesIO()
    wb.save(buffer)
    started = time.monotonic()
    answer = _upload(api, buffer.getvalue())
    took = time.monotonic() - started
    print(f"\n50,000-row file ({len(buffer.getvalue()) // 1000} kB) refused in {took:.2f} s")
    assert (answer.status_code, answer.json()["code"]) == (422, "TOO_MANY_ROWS"), answer.text
    assert took < 30


def _p044(api: Api, i: int) -> dict[str, Any]:
    certno, _ = new_resident(api, f"批量审核{i}")  # insured, as treatment learns from enrollment's events
    filing = {
        "certno": certno,
        "psn_name": f"批量审核{i}",
        "admdvs": "520115",
        "resettle_admdvs": "440300",
        "begndate": "2026-12-01",
    }
    answer = api.create("P044", filing, REG)
    assert answer.status_code == 201, answer.text
    case: dict[str, Any] = answer.json()
    return case


def test_batch_actions_answer_each_item_on_its_own(api: Api) -> None:
    cases = [_p044(api, i) for i in range(4)]
    items = [
        {"case_id": cases[0]["case_id"], "action": "approve", "expected_version": cases[0]["version"]},
        {"case_id": cases[1]["case_id"], "action": "approve", "expected_version": cases[1]["version"] + 1},  # stale
        {"case_id": cases[2]["case_id"], "action": "approve", "expected_version": cases[2]["version"], "comment": "齐"},
        {"case_id": cases[3]["case_id"], "action": "print_slips", "expected_version": cases[3]["version"]},
    ]
    answer = api.client.post("/api/v1/cases/batch-actions", json={"items": items}, headers=api.headers(FIRST))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["case_id"] for r in results] == [c["case_id"] for c in cases]
    assert [r["ok"] for r in results] == [True, False, True, False]
    assert (results[0]["stage"], results[0]["version"]) == ("completed", cases[0]["version"] + 1)
    assert (results[1]["status"], results[1]["error"]["code"]) == (409, "STALE_VERSION")
    assert (results[3]["status"], results[3]["error"]["code"]) == (409, "ACTION_NOT_ALLOWED")

    # The registrar who opened them may not approve them (不相容岗位), each refused on its own.
    own = api.client.post(
        "/api/v1/cases/batch-actions",
        json={
            "items": [{"case_id": cases[1]["case_id"], "action": "approve", "expected_version": cases[1]["version"]}]
        },
        headers=api.headers(("bt-reg-01", "first_reviewer", "520100")),
    )
    assert own.json()["results"][0]["error"]["code"] == "SEPARATION_OF_DUTIES"
    too_many = [items[0]] * 501
    refused = api.client.post("/api/v1/cases/batch-actions", json={"items": too_many}, headers=api.headers(FIRST))
    assert (refused.status_code, refused.json()["code"]) == (422, "TOO_MANY_ITEMS")


@pytest.mark.skipif(not os.environ.get("YBJ_BATCH_TIMING"), reason="timing run: YBJ_BATCH_TIMING=1000 (rows)")
def test_timing_of_a_large_batch(api: Api) -> None:
    """How long a large file takes through the entry point (rows from YBJ_BATCH_TIMING); every row a case."""
    rows = int(os.environ["YBJ_BATCH_TIMING"])
    content = _filled(_template(api), _people(rows))
    started = time.monotonic()
    answer = _upload(api, content)
    took = time.monotonic() - started
    print(f"\n{rows} rows ({len(content) // 1000} kB) imported through the entry point in {took:.2f} s")
    assert answer.status_code == 201, answer.text
    assert answer.json()["accepted"] == rows
