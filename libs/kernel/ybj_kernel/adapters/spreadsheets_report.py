"""A batch's report (导入结果/错误报告): every uploaded row as it was read, whether it was imported, and why not.

Sheet 错误报告 has the template's layout (Chinese names on row 1, field codes on row 2) with three columns in front
without a field code: 原行号, 结果, 错误原因 (field name, code and reason in Chinese). Bad rows are shaded. A clerk can
keep the bad rows, correct them and upload the same sheet again: the reader ignores columns without a field code.
Sheet 错误明细 lists one error per line (row, field, code, reason) for filtering.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook

from ybj_kernel.adapters.spreadsheets_columns import Column
from ybj_kernel.adapters.spreadsheets_export import BAD_FILL, header_cells, saved, text_row

REPORT_SHEET = "错误报告"
DETAIL_SHEET = "错误明细"
_FRONT = (("", "原行号"), ("", "结果"), ("", "错误原因"))


def report_xlsx(
    columns: Sequence[Column],
    rows: Sequence[Mapping[str, Any]],
    errors: Sequence[Mapping[str, Any]],
    *,
    imported_rows: bool,
) -> bytes:
    """`rows` are {row, values}; `errors` {row, field, code, message_zh}; `imported_rows`: the good rows became cases."""
    names = {c.code: c.name_zh for c in columns}
    by_row: dict[int, list[Mapping[str, Any]]] = {}
    for error in errors:
        by_row.setdefault(int(error["row"]), []).append(error)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(REPORT_SHEET)
    ws.freeze_panes = "D3"
    table = [*_FRONT, *((c.code, ("*" if c.required else "") + c.name_zh) for c in columns)]
    for header in header_cells(ws, table):
        ws.append(header)
    for row in rows:
        number = int(row["row"])
        values: Mapping[str, Any] = row.get("values") or {}
        problems = by_row.get(number, [])
        outcome = "已导入" if imported_rows and not problems else "未导入" if problems else "未导入（整批未导入）"
        reasons = "；".join(reason(e, names, values) for e in problems)
        shown = [_shown(c, values.get(c.code)) for c in columns]
        ws.append(text_row(ws, [number, outcome, reasons or None, *shown], BAD_FILL if problems else None))
    detail = wb.create_sheet(DETAIL_SHEET)
    detail.freeze_panes = "A2"
    top, _ = header_cells(detail, [("", "原行号"), ("", "字段代码"), ("", "字段名称"), ("", "错误代码"), ("", "原因")])
    detail.append(top)
    for error in errors:
        field = error.get("field")
        detail.append(
            text_row(detail, [error["row"], field, names.get(str(field), ""), error.get("code"), error["message_zh"]])
        )
    return saved(wb)


def reason(error: Mapping[str, Any], names: Mapping[str, str], values: Mapping[str, Any]) -> str:
    """One error in Chinese, naming the field: `出生日期（brdy）：出生日期与身份证号不一致`."""
    field = error.get("field")
    message = str(error["message_zh"])
    if not field:
        return message
    if isinstance(values.get(str(field)), float):
        message += "（该单元格是数字，Excel 只保留 15 位有效数字，长号码已失真：请将该列设为文本后重新填写）"
    return f"{names.get(str(field), field)}（{field}）：{message}"


def _shown(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "code" and column.labels:
        return column.choice(str(value))
    return value
