"""The batch template (批量导入模板) of a process's variant, built from its stages' models.

Sheet 1 (导入数据): row 1 the Chinese names (`*` marks a required one), row 2 the field codes (the reader finds the
columns by them: keep that row), row 3 the example row (the stages' `example`; left unchanged it is skipped on
import), data from row 4 (or over the example) on. A code column has a dropdown of `CODE 名称` items (from the hidden
sheet 代码表); text columns are formatted as text so that leading zeros survive. Sheet 2 (说明) says for each column
its format, whether it is required, what a blank means and the example.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ybj_kernel.adapters.spreadsheets_columns import (
    Column,
    batch_columns,
    batch_example,
    batch_stages,
    columns_of,
    list_example,
    list_sheets,
    list_stage,
)
from ybj_kernel.adapters.spreadsheets_export import (
    CODE_FONT,
    HEADER_FILL,
    HEADER_FONT,
    cell_at,
    display_width,
    saved,
    sheet_title,
    write_text,
)
from ybj_kernel.domain.process import ProcessDefinition

DATA_SHEET = "导入数据"
NOTES_SHEET = "说明"
CODES_SHEET = "代码表"
FIRST_DATA_ROW = 3  # the example row; a clerk's rows follow it (or overwrite it)
REQUIRED_FONT = Font(bold=True, color="C00000")
EXAMPLE_FONT = Font(italic=True, color="808080")
_NUMBER_FORMAT = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss", "integer": "0", "number": "General"}


def template_xlsx(p: ProcessDefinition, variant: str | None, *, max_rows: int) -> bytes:
    """The template of a batch variant (see `spreadsheets_columns.batch_variant` for which variant)."""
    columns = batch_columns(p, variant)
    example = batch_example(p, variant)
    wb = Workbook()
    data = wb.active
    assert data is not None
    data.title = DATA_SHEET
    codes = wb.create_sheet(CODES_SHEET)
    _data_sheet(data, codes, columns, example, max_rows)
    _notes_sheet(wb.create_sheet(NOTES_SHEET), p, variant, columns, example, max_rows)
    codes.sheet_state = "hidden"
    return saved(wb)


def lists_template_xlsx(p: ProcessDefinition, variant: str | None, stage_key: str | None, *, max_rows: int) -> bytes:
    """The template of a stage that takes lists of rows inside one case: a sheet per list field (titled by its
    Chinese name, laid out as the 导入数据 sheet), the hidden 代码表 and 说明. See `spreadsheets_columns.list_stage`."""
    stage = list_stage(p, variant, stage_key)
    sheets = list_sheets(stage.input)
    wb = Workbook()
    first = wb.active
    assert first is not None
    codes = wb.create_sheet(CODES_SHEET)
    used = 0
    for i, sheet in enumerate(sheets):
        ws = first if i == 0 else wb.create_sheet(sheet_title(sheet.name_zh), index=i)
        ws.title = sheet_title(sheet.name_zh)
        used = _data_sheet(ws, codes, sheet.columns, list_example(stage, sheet), max_rows, used)
    notes = wb.create_sheet(NOTES_SHEET)
    variant_name = next((v.name_zh for v in p.variants if v.key == variant), "")
    others = [c for c in (columns_of(stage.input) if stage.input else []) if c.code not in {s.code for s in sheets}]
    lines = [
        f"{p.id} {p.name_zh}" + (f"（{variant_name}）" if variant_name else "") + f" {stage.name_zh} 名单导入模板",
        "一个文件办理一件：每个名单一个工作表（"
        + "、".join(s.name_zh for s in sheets)
        + "），每行一人；不需要的名单留空。",
        "1. 各工作表第 1 行是名称（*为必填），第 2 行是字段代码，请勿修改或删除；从第 3 行起每行填写一人。",
        "2. 第 3 行是示例：原样保留时导入会跳过，可直接覆盖为第一条数据。",
        "3. 代码列可从下拉列表选择（如“2 女”），也可只填代码（如“2”）；日期填 YYYY-MM-DD；证件号码请保持文本格式。",
        f"4. 每个名单最多 {max_rows} 行（可配置）。",
        "5. 名单以外的字段（"
        + ("、".join(f"{c.name_zh}（{c.code}）" for c in others) or "无")
        + "）在上传时以 data 字段（JSON）提交。",
    ]
    row = _lines(notes, lines)
    for sheet in sheets:
        write_text(cell_at(notes, row + 1, 1), f"工作表“{sheet_title(sheet.name_zh)}”（{sheet.code}）")
        cell_at(notes, row + 1, 1).font = Font(bold=True)
        row = _column_notes(notes, row + 2, sheet.columns, list_example(stage, sheet)) + 1
    _notes_widths(notes)
    codes.sheet_state = "hidden"
    return saved(wb)


def _data_sheet(
    ws: Worksheet,
    codes: Worksheet,
    columns: Sequence[Column],
    example: Mapping[str, Any],
    max_rows: int,
    code_column: int = 0,
) -> int:
    """Lay out one data sheet; its dropdowns' items go to `codes` after column `code_column` (returned: the last used)."""
    last_row = FIRST_DATA_ROW + max_rows  # the example row and max_rows rows
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        head = cell_at(ws, 1, i)
        write_text(head, ("*" if column.required else "") + column.name_zh)
        head.font = REQUIRED_FONT if column.required else HEADER_FONT
        head.fill = HEADER_FILL
        head.alignment = Alignment(horizontal="center")
        head.comment = Comment(f"{column.format_zh}" + ("（必填）" if column.required else ""), "ybj")
        code = cell_at(ws, 2, i)
        write_text(code, column.code)
        code.font = CODE_FONT
        sample = cell_at(ws, FIRST_DATA_ROW, i)
        _write_example(sample, column, example.get(column.code))
        sample.font = EXAMPLE_FONT
        dimension = ws.column_dimensions[letter]
        dimension.width = min(max(display_width(column.name_zh) + 4, _example_width(column, example) + 2, 12), 40)
        dimension.number_format = _NUMBER_FORMAT.get(column.kind, "@")  # blank cells typed into keep this format
        if column.kind in ("code", "codes") and column.codes:
            code_column += 1
            items = [column.choice(c) for c in column.codes]
            for r, item in enumerate(items, start=1):
                write_text(cell_at(codes, r, code_column), item)
            source = f"{quote_sheetname(CODES_SHEET)}!${get_column_letter(code_column)}$1:"
            source += f"${get_column_letter(code_column)}${len(items)}"
            dropdown = DataValidation(
                type="list",
                formula1=source,
                allow_blank=True,
                showErrorMessage=column.kind == "code",
                errorStyle="warning",  # a bare code typed in is accepted too
                errorTitle=column.name_zh,
                error="请从下拉列表选择，或只填代码",
                promptTitle=column.name_zh,
                prompt=column.format_zh[:250],
                showInputMessage=True,
            )
            dropdown.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
            ws.add_data_validation(dropdown)
    cell_at(ws, FIRST_DATA_ROW, 1).comment = Comment(
        "示例行：原样保留时导入会跳过；可直接覆盖为第一条数据，或删除。第 2 行字段代码请勿修改。", "ybj"
    )
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    return code_column


def _write_example(cell: Any, column: Column, value: Any) -> None:
    if value is None:
        return
    if column.kind == "code":
        write_text(cell, column.choice(str(value)))
    elif column.kind in ("codes", "list"):
        write_text(cell, "、".join(column.choice(str(v)) if column.codes else str(v) for v in value))
    elif column.kind == "date" and isinstance(value, str):
        write_text(cell, date.fromisoformat(value))
    elif column.kind == "datetime" and isinstance(value, str):
        write_text(cell, datetime.fromisoformat(value))
    elif column.kind == "boolean":
        write_text(cell, "是" if value else "否")
    else:
        write_text(cell, value)


def _example_width(column: Column, example: Mapping[str, Any]) -> int:
    value = example.get(column.code)
    return 0 if value is None else display_width(str(value)) + (6 if column.kind == "code" else 0)


def _notes_sheet(
    ws: Worksheet,
    p: ProcessDefinition,
    variant: str | None,
    columns: Sequence[Column],
    example: Mapping[str, Any],
    max_rows: int,
) -> None:
    variant_name = next((v.name_zh for v in p.variants if v.key == variant), "")
    stages = "、".join(s.name_zh for s in batch_stages(p, variant))
    lines = [
        f"{p.id} {p.name_zh}" + (f"（{variant_name}）" if variant_name else "") + " 批量导入模板",
        f"每一行办理一件，依次完成：{stages}。",
        "1. 在“导入数据”工作表中从第 3 行起每行填写一人（一件）；第 1 行是名称（*为必填），第 2 行是字段代码，请勿修改或删除。",
        "2. 第 3 行是示例：原样保留时导入会跳过，可直接覆盖为第一条数据。",
        "3. 代码列可从下拉列表选择（如“2 女”），也可只填代码（如“2”）。",
        "4. 日期填 YYYY-MM-DD（或设为日期格式）；年月填 YYYYMM；金额以元为单位，最多两位小数；证件号码等请保持文本格式，以免丢失前导零或末位。",
        f"5. 一个文件最多 {max_rows} 行（可配置）。上传时可选“只导入正确的行”（valid_rows）或“有错则整批不导入”（all_or_nothing）。",
        "6. 导入后可下载错误报告：每个错误行注明字段和原因，修改后可重新上传。同一文件重复上传不会重复办理。",
    ]
    _column_notes(ws, _lines(ws, lines) + 2, columns, example)
    _notes_widths(ws)
    ws.title = sheet_title(NOTES_SHEET)


def _lines(ws: Worksheet, lines: Sequence[str]) -> int:
    """The notes' lines from row 1 (the first as a title); the last row written."""
    for r, line in enumerate(lines, start=1):
        cell = cell_at(ws, r, 1)
        write_text(cell, line)
        if r == 1:
            cell.font = Font(bold=True, size=13)
    return len(lines)


def _column_notes(ws: Worksheet, start: int, columns: Sequence[Column], example: Mapping[str, Any]) -> int:
    """A table of the columns (code, name, required, format, blank, example) from row `start`; the last row written."""
    headers = ("字段代码", "名称", "必填", "格式", "留空时", "示例")
    for i, text in enumerate(headers, start=1):
        cell = cell_at(ws, start, i)
        write_text(cell, text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for r, column in enumerate(columns, start=start + 1):
        blank = "必须填写" if column.required else (f"按 {column.default}" if column.default is not None else "不填")
        sample = example.get(column.code)
        if sample is not None and column.kind == "code":
            sample = column.choice(str(sample))
        for i, value in enumerate(
            (column.code, column.name_zh, "是" if column.required else "否", column.format_zh, blank, sample), start=1
        ):
            write_text(cell_at(ws, r, i), value)
    return start + len(columns)


def _notes_widths(ws: Worksheet) -> None:
    for letter, width in zip("ABCDEF", (16, 18, 6, 60, 12, 24), strict=True):
        ws.column_dimensions[letter].width = width
