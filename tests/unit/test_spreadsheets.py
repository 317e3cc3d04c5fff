"""批量 templates and uploads: what a clerk downloads, fills in and uploads, and what a wrong file gets back."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tests.unit.gwt import application, staff
from ybj_enrollment.application import EnrollmentApplication
from ybj_enrollment.processes.p019_resident_enrollment import PERSON_EXAMPLE
from ybj_kernel.adapters.spreadsheets_columns import batch_columns, batch_example, batch_variant, rows_in_case
from ybj_kernel.adapters.spreadsheets_export import table_xlsx
from ybj_kernel.adapters.spreadsheets_reader import FileTooLarge, UploadedRows, read_batch
from ybj_kernel.adapters.spreadsheets_template import template_xlsx
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.identity import certno_check_digit
from ybj_kernel.entrypoints.batches_api import BatchLimits, batches_router
from ybj_kernel.entrypoints.http_common import current_actor, install_error_handlers
from ybj_kernel.errors import InvalidInput, YbjError

P019 = EnrollmentApplication.default_definitions()["P019"]
COLUMNS = batch_columns(P019, "batch")
EXAMPLE = batch_example(P019, "batch")
UNIT = {"emp_no": "52011500001", "emp_name": "金华园社区", "admdvs": "520115"}
REG = staff("reg-1", "registrar")


def resident(i: int) -> dict[str, Any]:
    """A resident born on a different day each row, with a valid 居民身份证号 (a woman: even 17th digit)."""
    born = date(1960, 1, 1) + timedelta(days=i)
    first17 = f"520115{born:%Y%m%d}{i % 1000:03d}"[:16] + "2"
    certno = first17 + certno_check_digit(first17)
    return {**UNIT, **PERSON_EXAMPLE, "certno": certno, "brdy": born.isoformat(), "psn_name": f"居民{i}"}


def template() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(template_xlsx(P019, "batch", max_rows=100)))


def filled(rows: list[dict[str, Any]], *, keep_example: bool = True) -> bytes:
    """The downloaded template with rows typed in below the example row, each value as the clerk types it."""
    wb = template()
    ws = wb["导入数据"]
    codes = [c.value for c in ws[2]]
    if not keep_example:
        ws.delete_rows(3)
    for row in rows:
        ws.append([row.get(str(code)) for code in codes])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read(content: bytes, max_rows: int = 100, max_unpacked: int = 10**8) -> UploadedRows:
    return read_batch(io.BytesIO(content), COLUMNS, max_rows=max_rows, max_unpacked_bytes=max_unpacked, example=EXAMPLE)


def refused(content: bytes, **limits: int) -> YbjError:
    with pytest.raises(YbjError) as err:
        read(content, **limits)
    return err.value


# The template


def test_the_template_names_every_column_of_the_batch_stages_in_chinese_with_its_code() -> None:
    ws = template()["导入数据"]
    assert [c.value for c in ws[2]] == [
        *("emp_no", "emp_name", "emp_mgt_type", "admdvs"),  # 参保属地信息录入
        *("psn_cert_type", "certno", "psn_name", "naty", "gend", "brdy", "tel", "bank_acct", "insutype"),
        *("begndate", "fst_insu_ym", "psn_type", "clct_grade", "clct_way", "max_acct_prd"),
    ]
    headers = dict(zip([c.value for c in ws[2]], [c.value for c in ws[1]], strict=True))
    assert (headers["certno"], headers["gend"], headers["tel"]) == ("*证件号码", "*性别", "联系电话")


def test_code_columns_have_a_dropdown_of_code_and_name() -> None:
    wb = template()
    ws = wb["导入数据"]
    letter = {c.value: get_column_letter(i) for i, c in enumerate(ws[2], start=1)}
    dropdowns = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    gend = dropdowns[f"{letter['gend']}3"]
    sheet, cells = str(gend.formula1).split("!")
    first, last = cells.replace("$", "").split(":")
    items = [c.value for row in wb[sheet.strip("'")][f"{first}:{last}"] for c in row]
    assert (gend.type, items) == ("list", ["1 男", "2 女", "9"])
    assert wb[sheet.strip("'")].sheet_state == "hidden"
    assert set(dropdowns) == {f"{letter[c]}3" for c in ("psn_cert_type", "gend", "insutype")}


def test_the_example_row_is_the_stages_example_with_dates_as_dates_and_codes_with_their_names() -> None:
    ws = template()["导入数据"]
    example = {str(code.value): cell.value for code, cell in zip(ws[2], ws[3], strict=True) if cell.value is not None}
    assert example["certno"] == "52011519850312002X"
    assert example["gend"] == "2 女"
    assert example["brdy"] == datetime(1985, 3, 12)  # a date cell
    assert example["fst_insu_ym"] == "202601"  # 年月 as text
    assert ws["F3"].number_format == "@"  # certno written as text


def test_the_notes_sheet_gives_each_columns_format() -> None:
    notes = {r[0]: r for r in template()["说明"].iter_rows(values_only=True) if r[0]}
    assert notes["brdy"][1:4] == ("出生日期", "是", "日期 YYYY-MM-DD")
    assert notes["fst_insu_ym"][3] == "年月 YYYYMM"
    assert "2 女" in str(notes["gend"][3])
    assert notes["psn_cert_type"][4] == "按 01"  # left blank: 居民身份证


def test_a_process_without_a_batch_mode_and_an_unknown_variant_are_clear_errors() -> None:
    definitions = EnrollmentApplication.default_definitions()
    with pytest.raises(InvalidInput) as err:
        batch_variant(definitions["P001"], None)
    assert (err.value.code, err.value.field) == ("NO_BATCH_MODE", "process")
    with pytest.raises(InvalidInput) as err:
        batch_variant(P019, "single")
    assert (err.value.code, err.value.field) == ("NO_BATCH_MODE", "variant")
    with pytest.raises(InvalidInput) as err:
        batch_variant(P019, "bulk")
    assert (err.value.code, err.value.field) == ("UNKNOWN_VARIANT", "variant")
    assert batch_variant(P019, None) == "batch"  # the first variant with a batch stage
    # P004's batch stages take lists of people inside one case: a lists template (test_spreadsheet_lists.py)
    assert batch_variant(definitions["P004"], "offline") == "offline"
    assert rows_in_case(definitions["P004"], "offline")
    assert not rows_in_case(P019, "batch")


# Reading a filled template


def test_a_filled_template_reads_back_into_the_values_typed_in() -> None:
    people = [resident(i) for i in range(3)]
    typed = [
        {**people[0], "brdy": date.fromisoformat(people[0]["brdy"]), "gend": "2 女"},  # a date cell, a dropdown item
        {**people[1], "gend": "2", "begndate": "2026/1/1", "fst_insu_ym": date(2026, 1, 1), "tel": 13800000000},
        {**people[2], "gend": "女", "max_acct_prd": 202612, "begndate": "2026年1月1日", "psn_name": "  居民2 "},
    ]
    uploaded = read(filled(typed))
    assert [n for n, _ in uploaded.rows] == [4, 5, 6]  # Excel row numbers; the unchanged example row is skipped
    assert uploaded.skipped_example
    assert [values for _, values in uploaded.rows] == [
        people[0],
        {**people[1], "tel": "13800000000"},
        people[2],
    ]


def test_the_same_rows_give_the_same_fingerprint_and_other_rows_another() -> None:
    rows = [resident(i) for i in range(3)]
    assert read(filled(rows)).fingerprint == read(filled(rows)).fingerprint
    assert read(filled(rows)).fingerprint != read(filled(rows[:2])).fingerprint


def test_a_number_too_long_for_excel_is_passed_on_for_the_model_to_refuse_not_guessed() -> None:
    person = resident(1)
    uploaded = read(filled([{**person, "certno": float(person["certno"][:17] + "1")}]))
    assert isinstance(uploaded.rows[0][1]["certno"], float)  # a str field refuses it with the row and field


def test_a_workbook_written_by_another_program_reads_the_same() -> None:
    """Streamed writers (openpyxl's write-only mode, many exporters) leave out the sheet's size: read all the same."""
    people = [resident(i) for i in range(3)]
    content = table_xlsx("导入数据", [(c.code, c.name_zh) for c in COLUMNS], people)
    assert [values for _, values in read(content).rows] == people
    assert refused(table_xlsx("导入数据", [(c.code, c.name_zh) for c in COLUMNS], people * 2), max_rows=5).code == (
        "TOO_MANY_ROWS"
    )


def test_blank_rows_are_skipped_and_the_example_overwritten_is_a_row() -> None:
    rows = [resident(1), {}, resident(2)]
    uploaded = read(filled(rows, keep_example=False))
    assert [n for n, _ in uploaded.rows] == [3, 5]


# What a wrong file gets back


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    for content in (
        "certno,psn_name\n52011519850312002X,王芳\n".encode(),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
    ):
        err = refused(content)
        assert (err.status, err.code, err.field) == (422, "NOT_XLSX", "file")
    assert ".xls" in refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600).message_zh


def test_a_damaged_workbook_is_refused() -> None:
    content = filled([resident(1)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as damaged:
        for part in source.infolist():
            data = source.read(part)
            damaged.writestr(part, data[: len(data) // 2] if part.filename.endswith("sheet1.xml") else data)
    assert refused(buffer.getvalue()).code == "NOT_XLSX"
    assert refused(content[: len(content) // 2]).code == "NOT_XLSX"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as plain:
        plain.writestr("readme.txt", "not a workbook")
    assert refused(archive.getvalue()).code == "NOT_XLSX"


def test_a_workbook_that_is_not_this_processs_template_is_refused_naming_the_column() -> None:
    other = table_xlsx("单位列表", [("uscc", "统一社会信用代码")], [{"uscc": "91520100MA6DKXYZ2A"}])
    err = refused(other)
    assert (err.code, err.field) == ("NOT_A_TEMPLATE", "file")
    partial = table_xlsx("居民", [("certno", "证件号码"), ("psn_name", "姓名")], [resident(1)])
    assert refused(partial).code == "MISSING_COLUMN"

    wb = template()
    ws: Worksheet = wb["导入数据"]
    ws.cell(row=2, column=ws.max_column + 1, value="salary")
    assert (refused(_saved(wb)).code, refused(_saved(wb)).field) == ("UNKNOWN_COLUMN", "salary")

    wb = template()
    wb["导入数据"].delete_cols(6)  # certno
    err = refused(_saved(wb))
    assert (err.code, err.field) == ("MISSING_COLUMN", "certno")
    assert "证件号码" in err.message_zh


def test_an_empty_template_is_refused() -> None:
    assert refused(template_xlsx(P019, "batch", max_rows=100)).code == "EMPTY_SHEET"  # only the example row
    assert refused(filled([], keep_example=False)).code == "EMPTY_SHEET"


def test_too_many_rows_and_a_workbook_unpacking_too_large_are_refused() -> None:
    content = filled([resident(i) for i in range(6)])
    err = refused(content, max_rows=5)
    assert (err.status, err.code, err.field) == (422, "TOO_MANY_ROWS", "file")
    assert "5" in err.message_zh
    assert len(read(content, max_rows=6).rows) == 6
    big = refused(content, max_unpacked=10_000)
    assert isinstance(big, FileTooLarge)
    assert (big.status, big.code) == (413, "FILE_TOO_LARGE")


# Over HTTP, on the domain service


def client(app: CaseApplication, who: Actor, limits: BatchLimits | None = None) -> TestClient:
    api = FastAPI()
    install_error_handlers(api)
    api.include_router(batches_router(app, limits or BatchLimits(max_rows=1000)))
    api.dependency_overrides[current_actor] = lambda: who
    return TestClient(api)


def upload(http: TestClient, content: bytes, **form: str) -> Any:
    files = {"file": ("居民批量参保.xlsx", content, "application/octet-stream")}
    return http.post("/api/v1/batches", data={"process": "P019", **form}, files=files)


def test_an_upload_opens_the_good_rows_reports_the_bad_ones_and_the_same_file_again_is_the_same_batch() -> None:
    app = application(EnrollmentApplication)
    http = client(app, REG)
    rows = [resident(i) for i in range(8)]
    rows[2] = {**rows[2], "gend": "1"}  # a man's gender for a woman's 身份证号
    rows[5] = {k: v for k, v in rows[5].items() if k != "psn_name"}
    content = filled(rows)

    first = upload(http, content)
    assert first.status_code == 201, first.text
    batch = first.json()
    assert batch["batch_id"].startswith("enrollment-")
    assert (batch["total"], batch["accepted"], batch["rejected"]) == (8, 6, 2)
    assert [(e["row"], e["field"], e["code"]) for e in batch["errors"]] == [
        (6, "gend", "INVALID_FIELD"),
        (9, "psn_name", "MISSING_FIELD"),
    ]
    again = upload(http, content)
    assert (again.status_code, again.json()["batch_id"], again.json()["case_ids"]) == (
        200,
        batch["batch_id"],
        batch["case_ids"],
    )
    assert http.get(f"/api/v1/batches/{batch['batch_id']}").json() == batch

    report = http.get(f"/api/v1/batches/{batch['batch_id']}/report.xlsx")
    assert report.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(report.content))["错误报告"]
    outcome = {r[0]: (r[1], r[2]) for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert outcome[4] == ("已导入", None)
    assert outcome[6][0] == "未导入"
    assert str(outcome[6][1]).startswith("性别（gend）：性别与身份证号不一致")
    assert outcome[9] == ("未导入", "姓名（psn_name）：缺少必填字段：psn_name")


def test_the_template_and_upload_errors_over_http() -> None:
    app = application(EnrollmentApplication)
    http = client(app, REG, BatchLimits(max_rows=3))
    answer = http.get("/api/v1/processes/P019/template.xlsx")
    assert answer.status_code == 200
    assert "filename*=UTF-8''P019-batch" in answer.headers["content-disposition"]
    assert http.get("/api/v1/processes/P999/template.xlsx").status_code == 404
    assert http.get("/api/v1/processes/P001/template.xlsx").json()["code"] == "NO_BATCH_MODE"
    assert upload(http, b"not a workbook").json()["code"] == "NOT_XLSX"
    assert upload(http, filled([resident(i) for i in range(4)])).json()["code"] == "TOO_MANY_ROWS"
    assert upload(http, filled([resident(1)]), mode="sometimes").status_code == 422
    assert http.get("/api/v1/batches/enrollment-not-a-uuid").json()["code"] == "BATCH_NOT_FOUND"
    assert http.get("/api/v1/batches/treatment-6f1c0e1e-7d5c-4f51-9a39-6cf4b1c0a111").status_code == 404


def test_all_or_nothing_imports_nothing_and_a_wrong_role_is_refused_before_the_file_is_read() -> None:
    app = application(EnrollmentApplication)
    rows = [resident(i) for i in range(4)]
    rows[1] = {**rows[1], "certno": "52011519600102001X"}
    answer = upload(client(app, REG), filled(rows), mode="all_or_nothing")
    assert (answer.status_code, answer.json()["accepted"], answer.json()["case_ids"]) == (201, 0, [])
    assert upload(client(app, REG), filled(rows)).json()["accepted"] == 3  # then row by row: another batch

    reviewer = upload(client(app, staff("rev-1", "first_reviewer")), b"anything")
    assert (reviewer.status_code, reviewer.json()["code"]) == (403, "WRONG_ROLE")
    other = client(app, staff("reg-9", "registrar", "530100"))
    batch_id = upload(client(app, REG), filled(rows[:1])).json()["batch_id"]
    assert other.get(f"/api/v1/batches/{batch_id}").status_code == 403


def _saved(wb: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
