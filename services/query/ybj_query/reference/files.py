"""Reading a reference file's rows: CSV (UTF-8, with or without BOM, or GB18030 as Chinese Excel saves it) or an .xlsx
workbook (openpyxl, read-only, streamed: the national drug file has six figures of rows). Rows come out as (line, cell
values), the line being the file's own (the CSV line a record starts on, the sheet's row number), so that a problem
is named where the operator will look for it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from ybj_query.reference.checking import HEADER_ROWS_SEARCHED, ImportRefused, RowProblem

Rows = Iterator[tuple[int, Sequence[Any]]]
SUFFIXES = (".csv", ".xlsx", ".xlsm")


def read_rows(path: Path) -> Rows:
    """Every row of the file, with its line; refused when the file is of another type or cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise _file_problem(
            f"不支持的文件类型 {suffix or '（无扩展名）'}：应为 .csv 或 .xlsx", f"unsupported file type {suffix!r}"
        )
    if not path.is_file():
        raise _file_problem(f"文件不存在：{path}", f"no such file: {path}")
    return _csv_rows(path) if suffix == ".csv" else _xlsx_rows(path)


def peek(rows: Rows, count: int = HEADER_ROWS_SEARCHED) -> tuple[list[tuple[int, Sequence[Any]]], Rows]:
    """The first `count` rows (to find the header among), and the rows after them."""
    head = []
    for row in rows:
        head.append(row)
        if len(head) == count:
            break
    return head, rows


def _csv_rows(path: Path) -> Rows:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise _file_problem(
                "文件编码无法识别：应为 UTF-8 或 GB18030", "the file is neither UTF-8 nor GB18030"
            ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for values in reader:
        yield start, values
        start = reader.line_num + 1


def _xlsx_rows(path: Path) -> Rows:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged package; each means the same to an operator
        raise _file_problem(
            "文件已损坏或不是 Excel 工作簿（.xlsx）", f"not a readable .xlsx ({type(exc).__name__})"
        ) from None
    try:
        sheet: Any = workbook.worksheets[0]
        yield from enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
    finally:
        workbook.close()


def _file_problem(zh: str, en: str) -> ImportRefused:
    return ImportRefused([RowProblem(0, "", zh, en)])
