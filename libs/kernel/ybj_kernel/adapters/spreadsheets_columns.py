"""What a spreadsheet column is, read off a stage's pydantic model: its code, Chinese name, kind and code list.

Conventions a model follows to get a good template (documented in README "Batches"):

- `description` starts with the Chinese name; a parenthesised tail is a hint: `"性别 (1 男, 2 女)"` names the
  column 性别, and for a code field its items `CODE 名称` (separated by `,` `，` `、` or `;`) label the codes.
- `json_schema_extra={"codes": {"1": "男", "2": "女"}}` labels the codes explicitly and wins over the description.
- A `Literal[...]` or `Enum` field is a code field: its template column gets a dropdown of `CODE 名称` items, and the
  reader accepts either the bare code or the dropdown item (`"1 男"` is read as `"1"`).
- `date` columns are YYYY-MM-DD; a text field whose pattern is six digits (`^\\d{6}$`) is a 年月 YYYYMM; `Decimal`
  (e.g. `validation.Money`) is money in yuan with at most two decimals; any other text column is written as Excel
  text so leading zeros (certno, emp_no) survive.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.errors import InvalidInput

Kind = Literal[
    "text", "code", "codes", "list", "date", "datetime", "yearmonth", "money", "integer", "number", "boolean"
]

_HINT = re.compile(r"^(?P<name>[^(（]*?)\s*[(（](?P<hint>.*)[)）]\s*$")
_ITEM_SPLIT = re.compile(r"[,，、;；]")
_YEARMONTH = {r"^\d{6}$", r"\d{6}"}

FORMAT_ZH: dict[Kind, str] = {
    "text": "文本",
    "code": "代码（从下拉列表选择，或只填代码）",
    "codes": "代码，可填多个，用顿号、逗号或空格分隔",
    "list": "可填多个，用顿号、逗号或空格分隔",
    "date": "日期 YYYY-MM-DD",
    "datetime": "日期时间 YYYY-MM-DD HH:MM:SS",
    "yearmonth": "年月 YYYYMM",
    "money": "金额（元，最多两位小数）",
    "integer": "整数",
    "number": "数字",
    "boolean": "是/否（true/false）",
}


@dataclass(frozen=True)
class Column:
    """One column of a template: field code, Chinese name, whether it must be filled, its kind and its codes."""

    code: str
    name_zh: str
    required: bool
    kind: Kind
    codes: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # (code, 名称) where a label is known
    max_length: int | None = None
    values: tuple[Any, ...] = ()  # the code list's own values (an int Literal stays int), beside `codes`
    default: Any = None  # what a blank cell means for an optional field (for the 说明 sheet)

    def choice(self, code: str) -> str:
        """The dropdown item for a code: `"CODE 名称"`, or the bare code when no label is known."""
        label = dict(self.labels).get(code)
        return f"{code} {label}" if label else code

    @property
    def format_zh(self) -> str:
        """The column's format in Chinese, as the 说明 sheet shows it."""
        text = FORMAT_ZH[self.kind]
        if self.kind in ("code", "codes"):
            text += "：" + "，".join(self.choice(c) for c in self.codes)
        elif self.kind == "text" and self.max_length is not None:
            text += f"（最多 {self.max_length} 字）"
        return text


def columns_of(model: type[BaseModel]) -> list[Column]:
    """The model's fields as template columns, in the model's order."""
    return [_column(code, info) for code, info in model.model_fields.items()]


def _column(code: str, info: FieldInfo) -> Column:
    name, hint = _split_description(info.description or code)
    annotation = _strip_optional(info.annotation)
    many = typing.get_origin(annotation) in (list, tuple, set, frozenset)
    item = _strip_optional(typing.get_args(annotation)[0]) if many and typing.get_args(annotation) else annotation
    values = _code_values(item)
    codes = tuple(str(v) for v in values)
    kind: Kind = ("codes" if codes else "list") if many else _kind(annotation, info, codes)
    labels = _labels(info, hint, codes) if codes else ()
    max_length = next((m.max_length for m in info.metadata if getattr(m, "max_length", None) is not None), None)
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    return Column(code, name, info.is_required(), kind, codes, labels, max_length, values, default)


def _split_description(text: str) -> tuple[str, str]:
    m = _HINT.match(text)
    if m and m["name"]:
        return m["name"].strip(), m["hint"]
    return text.strip(), ""


def _strip_optional(annotation: Any) -> Any:
    """`X | None` and `Optional[X]` are X: a blank cell is what makes them None."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _code_values(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) is Literal:
        return tuple(a.value if isinstance(a, enum.Enum) else a for a in typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(m.value for m in annotation)
    return ()


def _kind(annotation: Any, info: FieldInfo, codes: tuple[str, ...]) -> Kind:
    if codes:
        return "code"
    if annotation is datetime:
        return "datetime"
    if annotation is date:
        return "date"
    if annotation is Decimal:
        return "money"
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "integer"
    if annotation is float:
        return "number"
    if any(getattr(m, "pattern", None) in _YEARMONTH for m in info.metadata):
        return "yearmonth"
    return "text"


def _labels(info: FieldInfo, hint: str, codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    explicit = extra.get("codes")
    if isinstance(explicit, dict):
        return tuple((c, str(explicit[c])) for c in codes if c in explicit)
    found: dict[str, str] = {}
    for item in _ITEM_SPLIT.split(hint):
        code, _, label = item.strip().partition(" ")
        if code in codes and label.strip() and label.strip() not in ("…", "..."):
            found[code] = label.strip().rstrip("…").strip()
    return tuple((c, found[c]) for c in codes if c in found)


# A batch (批量模式): which variant, which stages an uploaded row completes, and the template's columns.


def batch_variant(p: ProcessDefinition, variant: str | None) -> str | None:
    """The variant a batch runs: the one asked for (it must have a batch stage), else the first that has one."""
    if variant is not None and p.variants and variant not in {v.key for v in p.variants}:
        known = "、".join(f"{v.key}（{v.name_zh}）" for v in p.variants)
        raise InvalidInput(
            "UNKNOWN_VARIANT",
            f"{p.id} 没有办理模式 {variant}；可选：{known}",
            f"{p.id} has no variant {variant}; choose one of {', '.join(v.key for v in p.variants)}",
            "variant",
        )
    chosen = variant
    if chosen is None:
        chosen = next((v for v in p.variant_keys() if any(s.batch for s in p.path(v))), p.variant_key(None))
    if not any(s.batch for s in p.path(chosen)):
        raise InvalidInput(
            "NO_BATCH_MODE",
            f"{p.id}{p.name_zh}没有批量模式" + (f"（办理模式 {variant}）" if variant else ""),
            f"{p.id} has no batch mode" + (f" in variant {variant}" if variant else ""),
            "variant" if variant else "process",
        )
    return chosen


# Lists of rows inside one case (P004: the period's 新参保人员, 续保人员, 停保人员): one sheet per list field.


@dataclass(frozen=True)
class ListSheet:
    """A stage's list-of-rows field as a sheet: the field code, its Chinese name (the sheet's title), the item model."""

    code: str
    name_zh: str
    item: type[BaseModel]

    @property
    def columns(self) -> list[Column]:
        """The sheet's columns: the item model's fields."""
        return columns_of(self.item)


def list_sheets(model: type[BaseModel] | None) -> list[ListSheet]:
    """The fields of `model` that hold a list of rows (`list[SomeModel]`), in the model's order."""
    found: list[ListSheet] = []
    for code, info in (model.model_fields if model is not None else {}).items():
        annotation = _strip_optional(info.annotation)
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) is list and args and _is_model(args[0]):
            found.append(ListSheet(code, _split_description(info.description or code)[0], args[0]))
    return found


def rows_in_case(p: ProcessDefinition, variant: str | None) -> bool:
    """Whether the variant's batch stages take lists of rows inside one case (one upload is one case, not a row)."""
    return any(list_sheets(s.input) for s in p.path(variant) if s.batch)


def list_stage(p: ProcessDefinition, variant: str | None, stage: str | None) -> Stage:
    """The stage a lists workbook fills: the one named (it must take lists), else the variant's first batch stage."""
    path = p.path(variant)
    if stage is None:
        found = next((s for s in path if s.batch), None)
    else:
        found = next((s for s in path if s.key == stage), None)
        if found is None:
            raise InvalidInput(
                "UNKNOWN_STAGE",
                f"{p.id} 的该办理模式没有环节 {stage}",
                f"{p.id} has no stage {stage} in this variant",
                "stage",
            )
    if found is None or not list_sheets(found.input):
        raise InvalidInput(
            "NO_ROW_LISTS",
            f"{p.id} 的环节 {found.key if found else stage} 不录入名单，没有名单模板",
            f"{p.id}'s stage {found.key if found else stage} takes no lists of rows: it has no lists template",
            "stage",
        )
    return found


def list_example(stage: Stage, sheet: ListSheet) -> dict[str, Any]:
    """The sheet's example row: the first item of the stage example's list, if any."""
    items = stage.example.get(sheet.code)
    return dict(items[0]) if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def batch_stages(p: ProcessDefinition, variant: str | None) -> tuple[Stage, ...]:
    """The stages one uploaded row completes: the variant's path up to and including its first batch stage."""
    path = p.path(variant)
    end = next(i for i, s in enumerate(path) if s.batch)
    return path[: end + 1]


def batch_columns(p: ProcessDefinition, variant: str | None) -> list[Column]:
    """The template's columns: every input field of those stages, once, in order (required if any stage needs it)."""
    found: dict[str, Column] = {}
    for stage in batch_stages(p, variant):
        for column in columns_of(stage.input) if stage.input is not None else ():
            before = found.get(column.code)
            if before is None:
                found[column.code] = column
            elif column.required and not before.required:
                found[column.code] = replace(before, required=True)
    return list(found.values())


def batch_example(p: ProcessDefinition, variant: str | None) -> dict[str, Any]:
    """The stages' examples as one row (the template's example row)."""
    example: dict[str, Any] = {}
    for stage in batch_stages(p, variant):
        example.update(stage.example)
    return example
