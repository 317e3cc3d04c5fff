"""名单导入: a stage taking lists of people inside one case (P004 失业人员参保登记) as a workbook of one sheet per list."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.unit.gwt import application, staff
from ybj_enrollment.application import EnrollmentApplication
from ybj_kernel.adapters.spreadsheets_columns import list_sheets, list_stage
from ybj_kernel.adapters.spreadsheets_reader import read_lists
from ybj_kernel.adapters.spreadsheets_template import lists_template_xlsx
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.identity import certno_check_digit
from ybj_kernel.entrypoints.batches_api import BatchLimits, batches_router
from ybj_kernel.entrypoints.http_common import current_actor, install_error_handlers
from ybj_kernel.errors import InvalidInput

P004 = EnrollmentApplication.default_definitions()["P004"]
UNIT = {"emp_no": "52010099000002", "emp_name": "贵阳市失业金代缴医疗虚拟单位（示例）"}
REG = staff("reg-1", "registrar")


def person(i: int) -> dict[str, Any]:
    """A newly unemployed woman born on a different day each row, with a valid 居民身份证号."""
    born = date(1980, 1, 1) + timedelta(days=i)
    stem = f"520115{born:%Y%m%d}032"
    return {"certno": stem + certno_check_digit(stem), "psn_name": f"失业{i}", "gend": "2 女", "brdy": born}


def template(stage: str | None = None) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(lists_template_xlsx(P004, "offline", stage, max_rows=100)))


def filled(sheets: dict[str, list[dict[str, Any]]], stage: str | None = None) -> bytes:
    wb = template(stage)
    for title, rows in sheets.items():
        ws = wb[title]
        codes = [str(c.value) for c in ws[2]]
        ws.delete_rows(3)  # the example row
        for row in rows:
            ws.append([row.get(code) for code in codes])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_lists_template_has_a_sheet_per_list_named_in_chinese_with_the_item_models_columns() -> None:
    wb = template()
    assert wb.sheetnames == ["新参保人员", "续保人员", "代码表", "说明"]
    new = wb["新参保人员"]
    assert [c.value for c in new[2]] == [
        "psn_cert_type", "certno", "psn_name", "gend", "naty", "brdy", "fir_work_date", "begndate",
    ]  # fmt: skip
    assert [c.value for c in new[1]][:4] == ["证件类型", "*证件号码", "*姓名", "*性别"]
    assert [c.value for c in new[3]][1:4] == ["52011519920808004X", "张丽", "2 女"]  # the stage example's first item
    assert [c.value for c in wb["续保人员"][2]] == [
        "psn_cert_type",
        "certno",
        "psn_no",
        "psn_name",
        "resu_date",
        "resu_rea",
    ]
    gend = next(v for v in new.data_validations.dataValidation if "D3" in str(v.sqref))
    codes = wb["代码表"]
    column = str(gend.formula1).split("!")[1].split(":")[0].replace("$", "")[0]
    assert [codes[f"{column}{r}"].value for r in (1, 2, 3)] == ["1 男", "2 女", "9"]
    notes = [r[0] for r in wb["说明"].iter_rows(values_only=True)]
    assert any("失业人员虚拟单位编号（emp_no）" in str(n) for n in notes)  # the fields sent as data


def test_the_next_stages_template_is_its_persons_sheet_and_a_stage_without_lists_is_refused() -> None:
    assert template("suspend_contribution").sheetnames == ["停保人员", "代码表", "说明"]
    with pytest.raises(InvalidInput) as err:
        list_stage(P004, "offline", "contribution_assessment")
    assert (err.value.code, err.value.field) == ("NO_ROW_LISTS", "stage")


def test_a_filled_workbook_reads_back_into_both_lists_and_a_blank_sheet_is_an_empty_list() -> None:
    people = [person(i) for i in range(3)]
    content = filled({"新参保人员": [{**p, "begndate": "2026-12-01"} for p in people], "续保人员": []})
    read = read_lists(io.BytesIO(content), list_sheets(list_stage(P004, "offline", None).input), max_rows=100,
                      max_unpacked_bytes=10**8)  # fmt: skip
    assert read.lists["resumptions"] == []
    assert [(n, v["certno"], v["gend"], v["brdy"]) for n, v in read.lists["new_enrollments"]] == [
        (3 + i, p["certno"], "2", p["brdy"].isoformat()) for i, p in enumerate(people)
    ]


def client(who: Actor) -> tuple[Any, TestClient]:
    app = application(EnrollmentApplication)
    api = FastAPI()
    install_error_handlers(api)
    api.include_router(batches_router(app, BatchLimits(max_rows=100)))
    api.dependency_overrides[current_actor] = lambda: who
    return app, TestClient(api)


def upload(http: TestClient, content: bytes, mode: str = "valid_rows") -> Any:
    files = {"file": ("失业人员名单.xlsx", content, "application/octet-stream")}
    form = {"process": "P004", "variant": "offline", "mode": mode, "data": json.dumps(UNIT, ensure_ascii=False)}
    return http.post("/api/v1/batches", data=form, files=files)


def test_an_upload_opens_one_case_with_the_good_rows_naming_each_bad_row_by_sheet_row_and_field() -> None:
    _, http = client(REG)
    rows = [{**person(i), "begndate": "2026-12-01"} for i in range(4)]
    rows[2] = {**rows[2], "gend": "1 男"}  # a man's gender for a woman's 身份证号
    content = filled({"新参保人员": rows})

    refused = upload(http, content, "all_or_nothing")
    assert refused.status_code == 201, refused.text
    assert (refused.json()["total"], refused.json()["accepted"], refused.json()["case_ids"]) == (4, 0, [])

    first = upload(http, content)
    assert first.status_code == 201, first.text
    batch = first.json()
    assert (batch["total"], batch["accepted"], batch["rejected"], len(batch["case_ids"])) == (4, 3, 1, 1)
    assert [(e["row"], e["field"], e["code"]) for e in batch["errors"]] == [(5, "新参保人员/gend", "INVALID_FIELD")]
    assert "工作表“新参保人员”第 5 行" in batch["errors"][0]["message_zh"]
    again = upload(http, content)
    assert (again.status_code, again.json()["case_ids"]) == (200, batch["case_ids"])
    assert http.get(f"/api/v1/batches/{batch['batch_id']}").json() == batch


def test_the_next_stage_is_done_with_the_persons_sheet_and_one_bad_row_does_nothing() -> None:
    app, http = client(REG)
    people = [{**person(i), "begndate": "2026-12-01"} for i in range(3)]
    case_id = upload(http, filled({"新参保人员": people})).json()["case_ids"][0]
    case = app.get_case(UUID(case_id))
    assert (case.stage, len(case.data["new_enrollments"])) == ("suspend_contribution", 3)
    stop = {"insutype": "310", "paus_date": "2026-12-31", "paus_rea": "再就业"}

    def rows(sheet_rows: list[dict[str, Any]]) -> Any:
        files = {"file": ("停保.xlsx", filled({"停保人员": sheet_rows}, "suspend_contribution"), "application/x")}
        form = {"action": "suspend_contribution", "expected_version": str(case.version), "data": json.dumps(stop)}
        return http.post(f"/api/v1/cases/{case_id}/rows", data=form, files=files)

    bad = rows([{"certno": people[0]["certno"]}, {"psn_cert_type": "99", "certno": people[1]["certno"]}])
    assert bad.status_code == 422, bad.text
    assert [(e["row"], e["field"]) for e in bad.json()["errors"]] == [(4, "停保人员/psn_cert_type")]
    assert app.get_case(UUID(case_id)).version == case.version  # nothing done

    done = rows([{"certno": people[0]["certno"]}])
    assert done.status_code == 200, done.text
    assert (done.json()["stage"], done.json()["rows"]) == ("contribution_assessment", {"persons": 1})
    assert app.get_case(UUID(case_id)).data["persons"][0]["certno"] == people[0]["certno"]
