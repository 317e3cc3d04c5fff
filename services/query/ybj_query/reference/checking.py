"""Checking a reference file's rows against its kind (kinds.py): the header row found, every row validated, each problem
named by its line and column, duplicate keys refused. Pure: rows come in as (line, cell values), records go out.

A file is imported whole or not at all (store.py): the checker keeps every problem (up to MAX_PROBLEMS shown) so that
one run tells the operator all there is to fix, and the import is rolled back if there is any.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ybj_kernel.domain.validation import field_errors
from ybj_query.reference.kinds import Kind

HEADER_ROWS_SEARCHED = 5  # a national file may carry a title row or two above its headers
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class RowProblem:
    """What is wrong at one line of the file, in one column (the header as the file names it)."""

    line: int
    column: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where_zh = f"第 {self.line} 行" + (f"「{self.column}」" if self.column else "")
        where_en = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where_zh}：{self.message_zh} / {where_en}: {self.message_en}"


@dataclass
class ImportRefused(Exception):
    """The file is refused: nothing of it was imported. `problems` lists the first MAX_PROBLEMS, `count` all of them."""

    problems: list[RowProblem]
    count: int = 0

    def __post_init__(self) -> None:
        self.count = max(self.count, len(self.problems))

    def __str__(self) -> str:
        more = self.count - len(self.problems)
        tail = [f"… 另有 {more} 处问题 / {more} more problems"] if more > 0 else []
        return "\n".join([f"文件未导入（{self.count} 处问题）/ file not imported", *map(str, self.problems), *tail])


def cell_text(value: Any) -> Any:
    """A cell as the row model reads it: text stripped (blank is absent), a whole number as its digits (an 医保区划
    typed as a number in a spreadsheet), a date as a date; other values as they are."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(Decimal(repr(value)))
    return value


def locate_header(kind: Kind, head: Sequence[tuple[int, Sequence[Any]]]) -> tuple[int, dict[int, str]]:
    """The header row among the file's first rows (the one naming the code column) and its columns' fields; refused,
    naming the missing columns, when a required field has none."""
    code_headers = set(kind.accepted(kind.code_field))
    for line, values in head:
        texts = [str(v).strip() if v is not None else "" for v in values]
        if code_headers & set(texts):
            return line, _columns(kind, line, texts)
    wanted = "、".join(kind.header_of(f) for f in kind.required())
    raise ImportRefused(
        [
            RowProblem(
                1,
                kind.header_of(kind.code_field),
                f"前 {HEADER_ROWS_SEARCHED} 行中找不到表头（{kind.name_zh}应有列：{wanted}）",
                f"no header row in the first {HEADER_ROWS_SEARCHED} lines (a {kind.name} file has: {wanted})",
            )
        ]
    )


def _columns(kind: Kind, line: int, texts: list[str]) -> dict[int, str]:
    """Column index → field: for each field the column whose header is its most preferred name present."""
    found: dict[int, str] = {}
    for field_name in kind.headers:
        for header in kind.accepted(field_name):
            if header in texts and texts.index(header) not in found:
                found[texts.index(header)] = field_name
                break
    missing = [f for f in kind.required() if f not in found.values()]
    if missing:
        raise ImportRefused(
            [
                RowProblem(
                    line,
                    kind.header_of(f),
                    f"缺少必需的列「{kind.header_of(f)}」",
                    f"the required column {kind.header_of(f)} ({f}) is missing",
                )
                for f in missing
            ]
        )
    return found


@dataclass
class RowChecker:
    """Validates the rows after the header: records out, problems kept."""

    kind: Kind
    columns: dict[int, str]
    problems: list[RowProblem] = field(default_factory=list)
    count: int = 0  # problems found, shown or not
    rows: int = 0
    _seen: dict[str, int] = field(default_factory=dict)

    def records(self, rows: Iterable[tuple[int, Sequence[Any]]]) -> Iterator[dict[str, Any]]:
        """The valid rows' records (JSON-safe, empty fields left out); blank rows skipped."""
        for line, values in rows:
            given = {f: cell_text(values[i]) for i, f in self.columns.items() if i < len(values)}
            given = {f: v for f, v in given.items() if v is not None}
            if not given:
                continue
            self.rows += 1
            record = self._check(line, given)
            if record is not None:
                yield record

    def refusal(self) -> ImportRefused | None:
        """The file's refusal, if anything was wrong (or it held no rows)."""
        if self.count:
            return ImportRefused(self.problems, self.count)
        if not self.rows:
            return ImportRefused([RowProblem(1, "", "文件没有数据行", "the file has no data rows")])
        return None

    def _check(self, line: int, given: dict[str, Any]) -> dict[str, Any] | None:
        try:
            record = self.kind.model.model_validate(given).model_dump(mode="json", exclude_none=True)
        except ValidationError as exc:
            for err in field_errors(exc):
                column = self.kind.header_of(err.field) if err.field else ""
                self._problem(RowProblem(line, column, err.message_zh, err.message_en))
            return None
        key = self.kind.key_of(record)
        if (first := self._seen.setdefault(key, line)) != line:
            column = self.kind.header_of(self.kind.code_field)
            self._problem(
                RowProblem(line, column, f"与第 {first} 行重复（{key}）", f"the same key as line {first} ({key})")
            )
            return None
        return record

    def _problem(self, problem: RowProblem) -> None:
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
