"""An uploaded batch workbook read into rows keyed by field code, each cell typed as its column says.

The file is streamed (openpyxl read-only): a file with too many rows is refused as soon as the row past the limit is
reached, and a file whose parts would unpack beyond a bound (a zip bomb) is refused before any is parsed. What is wrong
with the file as a whole (not an .xlsx, not this process's template, no data, too many rows) is a YbjError naming it;
what is wrong with one cell is left to the stage's model, which reports it with its row and field: a cell the reader
cannot type (a date it does not recognise, a number too long for Excel to keep exactly) is passed on as it was found,
so the model refuses it rather than a guess being imported.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from xml.etree.ElementTree import ParseError, iterparse

import orjson
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from ybj_kernel.adapters.spreadsheets_columns import Column, ListSheet
from ybj_kernel.adapters.spreadsheets_export import sheet_title
from ybj_kernel.errors import InvalidInput, YbjError

# Rows above the code row a sheet may have (the template has one: the Chinese headers).
HEADER_ROWS_SEARCHED = 5
# Columns read beyond the template's own (a few extra columns are reported as unknown, not read for ever).
EXTRA_COLUMNS_READ = 50
# Excel keeps 15 significant digits of a number: a longer one (a certno typed as a number) has already lost digits.
EXACT_DIGITS = 15
# What a damaged package raises while its sheet is streamed (defusedxml's refusals are ValueErrors).
DAMAGED = (ParseError, zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, IndexError, ValueError)
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and other OLE2 files)
_ITEMS = re.compile(r"[,，、;；\s]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEARMONTH = re.compile(r"^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*月?$")
_TRUE = {"是", "true", "1", "y", "yes", "t"}
_FALSE = {"否", "false", "0", "n", "no", "f"}


class FileTooLarge(YbjError):
    """The upload is larger than the service accepts (413)."""

    status = 413


@dataclass(frozen=True)
class UploadedRows:
    """The rows of an upload (Excel row number, values by field code), the columns found, and the rows' digest."""

    rows: list[tuple[int, dict[str, Any]]]
    columns: list[Column]
    fingerprint: str
    skipped_example: bool = False


@dataclass(frozen=True)
class UploadedLists:
    """A lists workbook read: each list field's rows (Excel row number, values by field code), and the rows' digest."""

    lists: dict[str, list[tuple[int, dict[str, Any]]]]
    fingerprint: str


def file_error(code: str, zh: str, en: str, field: str = "file") -> InvalidInput:
    """An error about the uploaded file as a whole."""
    return InvalidInput(code, zh, en, field)


def read_batch(
    source: IO[bytes],
    columns: Sequence[Column],
    *,
    max_rows: int,
    max_unpacked_bytes: int,
    example: Mapping[str, Any] | None = None,
) -> UploadedRows:
    """Read the first sheet that carries a row of this template's field codes; refuse a file that is not one."""
    _check_package(source, max_unpacked_bytes)
    try:
        wb = _open(source)
    except Exception as exc:  # openpyxl raises many kinds on a damaged package; every one means the same to a clerk
        raise file_error(
            "NOT_XLSX",
            "文件已损坏或不是 Excel 工作簿（.xlsx），请用下载的模板填写后上传",
            f"the file is damaged or not an Excel workbook (.xlsx) ({type(exc).__name__})",
        ) from None
    try:
        return _read(wb, columns, max_rows, example)
    except DAMAGED as exc:  # a sheet's XML cut short or garbled: found while streaming it
        raise file_error(
            "NOT_XLSX",
            "文件已损坏，无法读取，请重新保存为 .xlsx 后上传",
            f"the workbook is damaged and cannot be read ({type(exc).__name__})",
        ) from None
    finally:
        wb.close()


def read_lists(
    source: IO[bytes],
    sheets: Sequence[ListSheet],
    *,
    max_rows: int,
    max_unpacked_bytes: int,
    examples: Mapping[str, Mapping[str, Any]] | None = None,
) -> UploadedLists:
    """Read a lists workbook: the sheet titled by each list's Chinese name into that list (a blank or missing sheet:
    no rows), each sheet laid out and typed as `read_batch` reads its one sheet; `examples` by list code."""
    _check_package(source, max_unpacked_bytes)
    try:
        wb = _open(source)
    except Exception as exc:  # as read_batch
        raise file_error(
            "NOT_XLSX",
            "文件已损坏或不是 Excel 工作簿（.xlsx），请用下载的模板填写后上传",
            f"the file is damaged or not an Excel workbook (.xlsx) ({type(exc).__name__})",
        ) from None
    try:
        by_title = {ws.title: ws for ws in wb.worksheets}
        found: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        digest = hashlib.sha256()
        for sheet in sheets:
            ws = by_title.get(sheet_title(sheet.name_zh))
            if ws is None:
                continue
            rows = _sheet_rows(wb, ws, sheet, max_rows, (examples or {}).get(sheet.code))
            found[sheet.code] = rows.rows
            digest.update(f"{sheet.code}:{rows.fingerprint};".encode())
    except DAMAGED as exc:
        raise file_error(
            "NOT_XLSX",
            "文件已损坏，无法读取，请重新保存为 .xlsx 后上传",
            f"the workbook is damaged and cannot be read ({type(exc).__name__})",
        ) from None
    finally:
        wb.close()
    if not found:
        raise file_error(
            "NOT_A_TEMPLATE",
            "文件不是本环节的名单模板：找不到工作表 " + "、".join(sheet_title(s.name_zh) for s in sheets),
            "the workbook is not this stage's lists template: no sheet named " + ", ".join(s.code for s in sheets),
        )
    if not any(found.values()):
        raise file_error(
            "EMPTY_SHEET",
            "模板的各名单中没有填写任何数据行（示例行不计）",
            "no list of the template has rows filled in (the example rows do not count)",
        )
    return UploadedLists(found, digest.hexdigest())


def _sheet_rows(wb: Any, ws: Any, sheet: ListSheet, max_rows: int, example: Mapping[str, Any] | None) -> UploadedRows:
    """One list's sheet: its code row found and checked, its rows typed (none: a blank sheet)."""
    columns = sheet.columns
    by_code = {c.code: c for c in columns}
    rows = ws.iter_rows(values_only=True, max_col=len(columns) + EXTRA_COLUMNS_READ)
    head: list[tuple[Any, ...]] = []
    for values in rows:
        head.append(values)
        if len(head) == HEADER_ROWS_SEARCHED:
            break
    if not any(v not in (None, "") for values in head for v in values):
        return UploadedRows([], columns, hashlib.sha256().hexdigest())  # a blank sheet: an empty list
    try:
        located = _code_row(head, by_code)
        if located is None:
            raise file_error(
                "NOT_A_TEMPLATE",
                "找不到字段代码行（模板第 2 行），请下载模板填写",
                "no row of field codes (row 2 of the template)",
            )
        code_row, layout = located
        read = _layout(layout, by_code)
        _refuse_too_many(wb, ws, code_row + 1, max_rows + 1)
        return _data(rows, head[code_row + 1 :], code_row + 2, read, max_rows, example, allow_empty=True)
    except InvalidInput as err:  # which sheet, for a workbook of several
        title = sheet_title(sheet.name_zh)
        raise InvalidInput(
            err.code, f"工作表“{title}”：{err.message_zh}", f"sheet {sheet.code}: {err.message_en}", err.field
        ) from None


class _Sheet(ReadOnlyWorksheet):
    """A streamed sheet that finds its size without reading it: openpyxl's own parses a whole sheet that lacks a
    <dimension> element (as files written in openpyxl's write-only mode do) just to learn that it has none."""

    def _get_size(self) -> None:
        sheet: Any = self  # openpyxl's private attributes, which its stubs do not declare
        with sheet._get_source() as xml:
            for _, element in iterparse(xml, events=("start",)):
                if element.tag.endswith("}dimension"):
                    bounds = range_boundaries(str(element.get("ref", "")))
                    if None not in bounds:
                        sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row = bounds
                    return
                if element.tag.endswith("}sheetData"):
                    return  # no dimension: the rows say


class _Reader(ExcelReader):
    """openpyxl's reader in read-only mode with `_Sheet` for the worksheets (charts, images and pivots skipped)."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                ws = _Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state or "visible"
                workbook: Any = self.wb
                workbook._sheets.append(ws)


def _open(source: IO[bytes]) -> Any:
    reader = _Reader(source, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _check_package(source: IO[bytes], max_unpacked_bytes: int) -> None:
    head = source.read(8)
    source.seek(0)
    if head.startswith(_OLE2_MAGIC):
        raise file_error(
            "NOT_XLSX",
            "这是旧版 Excel（.xls）文件，请另存为 .xlsx 后上传",
            "this is an old binary Excel file (.xls): save it as .xlsx and upload again",
        )
    try:
        with zipfile.ZipFile(source) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise file_error(
            "NOT_XLSX",
            "文件不是 Excel 工作簿（.xlsx），请用下载的模板填写后上传",
            "the file is not an Excel workbook (.xlsx): fill in the downloaded template and upload it",
        ) from None
    finally:
        source.seek(0)
    if not any(p.filename == "[Content_Types].xml" for p in parts):
        raise file_error(
            "NOT_XLSX",
            "文件是压缩包但不是 Excel 工作簿（.xlsx）",
            "the file is a zip archive but not an Excel workbook (.xlsx)",
        )
    unpacked = sum(p.file_size for p in parts)
    if unpacked > max_unpacked_bytes:
        raise FileTooLarge(
            "FILE_TOO_LARGE",
            f"文件解压后超过 {max_unpacked_bytes // 1_000_000} MB，请拆分后分批上传",
            f"the workbook unpacks to more than {max_unpacked_bytes // 1_000_000} MB: split it into several files",
            "file",
        )


def _read(wb: Any, columns: Sequence[Column], max_rows: int, example: Mapping[str, Any] | None) -> UploadedRows:
    by_code = {c.code: c for c in columns}
    for ws in wb.worksheets:
        rows = ws.iter_rows(values_only=True, max_col=len(columns) + EXTRA_COLUMNS_READ)
        head: list[tuple[Any, ...]] = []
        for values in rows:
            head.append(values)
            if len(head) == HEADER_ROWS_SEARCHED:
                break
        found = _code_row(head, by_code)
        if found is None:
            continue
        code_row, layout = found
        read = _layout(layout, by_code)
        _refuse_too_many(wb, ws, code_row + 1, max_rows + 1)  # + 1: the example row, skipped if left unchanged
        return _data(rows, head[code_row + 1 :], code_row + 2, read, max_rows, example)
    raise file_error(
        "NOT_A_TEMPLATE",
        "文件不是本业务的导入模板：找不到字段代码行（模板第 2 行），请下载模板填写",
        "the workbook is not this process's template: no row of field codes (row 2 of the template)",
    )


def _refuse_too_many(wb: Any, ws: Any, after_row: int, limit: int) -> None:
    """Count the sheet's non-blank rows below the code row in its raw XML, stopping past `limit`: a file far too long
    is refused after a light scan (about ten times faster than reading the cells), before any row is typed."""
    archive, part = getattr(wb, "_archive", None), getattr(ws, "_worksheet_path", None)
    if not isinstance(archive, zipfile.ZipFile) or not isinstance(part, str):
        return  # another openpyxl: the reader's own count still holds the limit
    count = 0
    number = 0
    with archive.open(part) as xml:
        for _, element in iterparse(xml, events=("end",)):
            if not element.tag.endswith("}row"):
                continue
            number = int(element.get("r") or number + 1)
            if number > after_row and any(
                part.text
                for part in element.iter()
                if part.tag.endswith(("}v", "}t"))  # a value, an inline string
            ):
                count += 1
                if count > limit:
                    raise _too_many_rows(limit - 1)
            element.clear()


def _too_many_rows(max_rows: int) -> InvalidInput:
    return file_error(
        "TOO_MANY_ROWS",
        f"一次最多导入 {max_rows} 行，本文件超过了这个数，请拆分后分批上传",
        f"a batch holds at most {max_rows} rows and this file has more: split it into several files",
    )


def _code_row(head: list[tuple[Any, ...]], by_code: Mapping[str, Column]) -> tuple[int, list[str]] | None:
    best: tuple[int, int] | None = None  # (known codes, row index)
    for i, values in enumerate(head):
        known = sum(1 for v in values if isinstance(v, str) and v.strip() in by_code)
        if known and (best is None or known > best[0]):
            best = (known, i)
    if best is None:
        return None
    return best[1], [v.strip() if isinstance(v, str) else "" if v is None else str(v) for v in head[best[1]]]


def _layout(layout: list[str], by_code: Mapping[str, Column]) -> list[tuple[int, Column]]:
    """Which column of the sheet holds which field; an unknown, repeated or missing required field is refused."""
    read: list[tuple[int, Column]] = []
    seen: set[str] = set()
    for i, code in enumerate(layout):
        if not code:
            continue  # a column without a code (a report's 原行号 or 错误原因) is not a field
        if code not in by_code:
            raise file_error(
                "UNKNOWN_COLUMN",
                f"第 {i + 1} 列的字段代码 {code} 不属于本业务的模板，请删除该列或使用下载的模板",
                f"column {i + 1} has field code {code}, which is not in this process's template",
                code,
            )
        if code in seen:
            raise file_error(
                "DUPLICATE_COLUMN",
                f"字段代码 {code} 出现了两次",
                f"the field code {code} appears twice",
                code,
            )
        seen.add(code)
        read.append((i, by_code[code]))
    missing = [c for c in by_code.values() if c.required and c.code not in seen]
    if missing:
        raise file_error(
            "MISSING_COLUMN",
            "缺少必填列：" + "、".join(f"{c.name_zh}（{c.code}）" for c in missing),
            "required columns are missing: " + ", ".join(c.code for c in missing),
            missing[0].code,
        )
    return read


def _data(
    rows: Iterator[tuple[Any, ...]],
    buffered: list[tuple[Any, ...]],
    first_row: int,
    read: list[tuple[int, Column]],
    max_rows: int,
    example: Mapping[str, Any] | None,
    *,
    allow_empty: bool = False,
) -> UploadedRows:
    found: list[tuple[int, dict[str, Any]]] = []
    digest = hashlib.sha256()
    expected = _normalised_example(example, read)
    skipped = False
    row_no = first_row - 1
    for values in _chain(buffered, rows):
        row_no += 1
        typed: dict[str, Any] = {}
        for i, column in read:
            value = typed_cell(column, values[i] if i < len(values) else None)
            if value is not None:
                typed[column.code] = value
        if not typed:
            continue  # a blank row
        if not found and not skipped and typed == expected:
            skipped = True  # the template's example row, left as it was
            continue
        if len(found) == max_rows:
            raise _too_many_rows(max_rows)
        found.append((row_no, typed))
        digest.update(orjson.dumps([row_no, typed], option=orjson.OPT_SORT_KEYS))
    if not found and not allow_empty:
        raise file_error(
            "EMPTY_SHEET",
            "模板中没有填写任何数据行（示例行不计）",
            "the template has no rows filled in (the example row does not count)",
        )
    return UploadedRows(found, [c for _, c in read], digest.hexdigest(), skipped)


def _chain(first: list[tuple[Any, ...]], rest: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    yield from first
    yield from rest


def _normalised_example(example: Mapping[str, Any] | None, read: list[tuple[int, Column]]) -> dict[str, Any] | None:
    if not example:
        return None
    typed = {}
    for _, column in read:
        value = typed_cell(column, example.get(column.code))
        if value is not None:
            typed[column.code] = value
    return typed


# One cell, as its column's kind says (README "Batches"). None: the cell is blank.


def typed_cell(column: Column, value: Any) -> Any:
    """A cell's value as the model expects it; a value that cannot be typed is passed on for the model to refuse."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    kind = column.kind
    if kind == "code":
        return _code(column, value)
    if kind in ("codes", "list"):
        items = _ITEMS.split(value) if isinstance(value, str) else [value]
        return [_code(column, item) if column.codes else _text(item) for item in items if item not in ("", None)]
    if kind == "date":
        return _date(value)
    if kind == "datetime":
        return _datetime(value)
    if kind == "yearmonth":
        return _yearmonth(value)
    if kind == "money":
        return _money(value)
    if kind == "integer":
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if kind == "boolean":
        return _boolean(value)
    if kind == "number":
        return value
    return _text(value)


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value) if len(str(abs(value))) <= EXACT_DIGITS else value
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 10**EXACT_DIGITS:
            return str(int(value))
        if value.is_integer():
            return value  # a long number (a certno typed as a number) Excel has already rounded: refused, not guessed
        return _plain_decimal(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _code(column: Column, value: Any) -> Any:
    text = _text(value) if not isinstance(value, str) else value
    if not isinstance(text, str):
        return value
    text = text.strip()
    for code, original in zip(column.codes, column.values, strict=False):
        if text == code or text.startswith(code + " ") or text == column.choice(code):
            return original
    labels = {label: code for code, label in column.labels}
    if text in labels:  # the name alone (女)
        return column.values[column.codes.index(labels[text])]
    return text


def _date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, int) and _COMPACT_DATE.match(str(value)):
            return _date(str(value))
        if 1 <= value < 2958466:  # an Excel serial day the cell was not formatted as a date
            found = from_excel(value)
            return found.date().isoformat() if isinstance(found, datetime) else value
        return value
    if isinstance(value, str):
        m = _DATE.match(value) or _COMPACT_DATE.match(value)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                return value  # 2026-02-30: the model says why
    return value


def _datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return datetime.combine(value, time()).isoformat()
    return _date(value) if isinstance(value, int | float) else value


def _yearmonth(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return f"{value.year:04d}{value.month:02d}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        m = _YEARMONTH.match(value)
        if m and 1 <= int(m[2]) <= 12:
            return f"{m[1]}{int(m[2]):02d}"
    return value


def _money(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _plain_decimal(value)
    if isinstance(value, str):
        text = value.replace(",", "").replace("，", "").removeprefix("¥").removeprefix("￥").removesuffix("元").strip()
        try:
            Decimal(text)
        except InvalidOperation:
            return value
        return text
    return value


def _plain_decimal(value: float) -> str:
    """A float as the shortest decimal that reads back as it (12.3, not 12.300000000000001); never rounded to fen."""
    return format(Decimal(repr(value)), "f")


def _boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = str(int(value)) if isinstance(value, int | float) and float(value).is_integer() else str(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return value
