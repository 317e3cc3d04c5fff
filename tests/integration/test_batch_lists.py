"""名单导入 end to end through the public entry point: P004's lists template downloaded, its 新参保人员 sheet filled
and uploaded as ONE case (a bad row reported, the good ones kept), then that case's 停保人员 sheet uploaded to its
next stage."""

from __future__ import annotations

import io
import json
import random
from datetime import date, timedelta
from typing import Any

import httpx
import openpyxl
import pytest

from tests.integration.conftest import Api, valid_certno

pytestmark = pytest.mark.integration

REG = ("bl-reg-01", "registrar", "520100")
UNIT = {"emp_no": "52010099000002", "emp_name": "贵阳市失业金代缴医疗虚拟单位（示例）"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _people(n: int) -> list[dict[str, Any]]:
    """n women born on days no other run picks (the person registry keeps them enrolled)."""
    start = random.randint(0, 15_000)
    seq = random.randint(10, 99)
    found = []
    for i in range(n):
        born = date(1960, 1, 1) + timedelta(days=start + i)
        found.append(
            {
                "certno": valid_certno(f"520115{born:%Y%m%d}{seq:02d}2"),
                "psn_name": f"失业{i}",
                "gend": "2 女",
                "brdy": born,
                "begndate": "2026-12-01",
            }
        )
    return found


def _template(api: Api, stage: str | None = None) -> bytes:
    params = {"variant": "offline", **({"stage": stage} if stage else {})}
    answer = api.client.get("/api/v1/processes/P004/template.xlsx", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    return answer.content


def _filled(template: bytes, sheet: str, rows: list[dict[str, Any]]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb[sheet]
    codes = [str(c.value) for c in ws[2]]
    ws.delete_rows(3)  # the example row
    for row in rows:
        ws.append([row.get(code) for code in codes])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _upload(api: Api, content: bytes) -> httpx.Response:
    return api.client.post(
        "/api/v1/batches",
        data={"process": "P004", "variant": "offline", "mode": "valid_rows", "data": json.dumps(UNIT)},
        files={"file": ("失业人员名单.xlsx", content, XLSX)},
        headers=api.headers(REG),
        timeout=120,
    )


def test_a_lists_template_opens_one_case_and_the_next_stages_sheet_moves_it_on(api: Api) -> None:
    template = _template(api)
    assert openpyxl.load_workbook(io.BytesIO(template)).sheetnames[:2] == ["新参保人员", "续保人员"]
    people = _people(4)
    people[3] = {**people[3], "gend": "1 男"}  # a man's gender for a woman's 身份证号: refused, named
    first = _upload(api, _filled(template, "新参保人员", people))
    assert first.status_code == 201, first.text
    batch = first.json()
    assert (batch["total"], batch["accepted"], batch["rejected"], len(batch["case_ids"])) == (4, 3, 1, 1)
    assert [(e["row"], e["field"]) for e in batch["errors"]] == [(6, "新参保人员/gend")]
    case_id = batch["case_ids"][0]
    view = api.wait_visible(case_id, 1)
    assert view["stage"] == "suspend_contribution"
    assert [p["certno"] for p in view["data"]["new_enrollments"]] == [p["certno"] for p in people[:3]]

    stop = _filled(_template(api, "suspend_contribution"), "停保人员", [{"certno": people[0]["certno"]}])
    done = api.client.post(
        f"/api/v1/cases/{case_id}/rows",
        data={
            "action": "suspend_contribution",
            "expected_version": str(view["version"]),
            "data": json.dumps({"insutype": "310", "paus_date": "2026-12-31", "paus_rea": "再就业"}),
        },
        files={"file": ("停保人员.xlsx", stop, XLSX)},
        headers=api.headers(REG),
        timeout=60,
    )
    assert done.status_code == 200, done.text
    assert (done.json()["stage"], done.json()["rows"]) == ("contribution_assessment", {"persons": 1})
    moved = api.wait_visible(case_id, view["version"] + 1)
    assert moved["stage"] == "contribution_assessment"
    assert moved["data"]["persons"][0]["certno"] == people[0]["certno"]
