"""Tables as Excel workbooks: the work queue, registry lists, a batch's error report.

One sheet named after the table. Row 1 holds the Chinese headers (what a clerk reads), row 2 the field codes (what
a re-import and a program read: the batch reader finds the code row by its codes), data from row 3 on. Headers are
frozen and filtered. Numbers, booleans and dates are written as such; everything else (Decimal money included) as
text, so certno, emp_no and 区划 codes keep their leading zeros, money keeps its exact digits, and a value that starts
like a formula (`=`, `+`, `-`, `@`) is stored as text and never evaluated (no formula injection through exported
data). Rows are streamed (openpyxl's write-only mode): a long list never sits in memory as cell objects.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
CODE_FONT = Font(color="808080", size=9)
BAD_FILL = PatternFill("solid", fgColor="FCE4E4")
MAX_SHEET_TITLE = 31  # Excel's limit
_INVALID_TITLE = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))
_MAX_WIDTH = 60


def sheet_title(text: str) -> str:
    """A legal sheet title: Excel forbids `[]:*?/\\` and more than 31 characters."""
    return (text.translate(_INVALID_TITLE).strip() or "Sheet")[:MAX_SHEET_TITLE]


def cell_value(value: Any) -> Any:
    """A Python value as it goes into a cell: numbers, booleans and dates natively, everything else as text."""
    if value is None:
        return None
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool | int | float | datetime | date):
        return value
    if isinstance(value, Decimal):
        return str(value)  # exact: money stays as written (yuan with two places), never a binary float
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(str(cell_value(v)) for v in value)
    if isinstance(value, Mapping):
        return "；".join(f"{k}: {cell_value(v)}" for k, v in value.items())
    return _clean(str(value))


def _clean(text: str) -> str:
    # XML 1.0 forbids most control characters (openpyxl raises on them); keep tab, newline and carriage return.
    return "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")


def write_text(cell: Cell, value: Any) -> None:
    """Write a value into a cell, strings stored as text (number format `@`, never a formula)."""
    v = cell_value(value)
    cell.value = v
    if isinstance(v, str):
        cell.number_format = "@"
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    elif isinstance(v, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(v, date):
        cell.number_format = "yyyy-mm-dd"


def cell_at(ws: Worksheet, row: int, column: int) -> Cell:
    """The cell at row, column of an ordinary (not streamed) sheet without merged cells."""
    cell = ws.cell(row=row, column=column)
    assert isinstance(cell, Cell), "no merged cells in a written sheet"
    return cell


def display_width(text: str) -> int:
    """Roughly how many character widths a text takes (a Chinese character takes two)."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def header_cells(ws: WriteOnlyWorksheet, columns: Sequence[tuple[str, str]]) -> tuple[list[Cell], list[Cell]]:
    """The two header rows of a streamed sheet: Chinese headers, then the field codes (an empty code: no field)."""
    top, below = [], []
    for i, (code, header) in enumerate(columns, start=1):
        t = WriteOnlyCell(ws)
        write_text(t, header)
        t.font = HEADER_FONT
        t.fill = HEADER_FILL
        top.append(t)
        b = WriteOnlyCell(ws)
        if code:
            write_text(b, code)
        b.font = CODE_FONT
        below.append(b)
        width = max(display_width(header), display_width(code)) + 4
        cast(Worksheet, ws).column_dimensions[get_column_letter(i)].width = min(width, _MAX_WIDTH)
    return top, below


def text_row(ws: WriteOnlyWorksheet, values: Sequence[Any], fill: PatternFill | None = None) -> list[Any]:
    """One data row of a streamed sheet: plain values where openpyxl writes them right, cells where it would not."""
    cells: list[Any] = []
    for value in values:
        v = cell_value(value)
        if fill is None and (v is None or isinstance(v, bool | int | float) or (isinstance(v, str) and v[:1] != "=")):
            cells.append(v)  # the fast path: a plain value (a string is stored as text; only "=" makes a formula)
            continue
        cell = WriteOnlyCell(ws)
        write_text(cell, v)
        if fill is not None:
            cell.fill = fill
        cells.append(cell)
    return cells


def saved(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def table_xlsx(title_zh: str, columns: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A one-sheet workbook: `columns` are (field code, Chinese header); each row is read by field code."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title(title_zh))
    codes = [code for code, _ in columns]
    ws.freeze_panes = "A3"
    top, below = header_cells(ws, columns)
    ws.append(top)
    ws.append(below)
    last = 2
    for row in rows:
        ws.append(text_row(ws, [row.get(code) for code in codes]))
        last += 1
    if codes:  # written with the sheet's tail, after the rows: it can cover them all
        ws.auto_filter.ref = f"A2:{get_column_letter(len(codes))}{last}"
    return saved(wb)
