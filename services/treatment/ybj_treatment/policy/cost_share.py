"""The cost-sharing table (起付线, 自付比例, 先行自付比例, 封顶线) and the terms in force for one visit.

The table is data (examples.yaml beside this module: EXAMPLE values, the seeds give none), loaded and checked at
import: a row that does not parse, or two rows of one key whose periods overlap, stop the service from starting with
an error naming the file and the row. A visit is settled with the row in force ON ITS VISIT DATE; an institution's own
起付线 and 自付比例 (P063 「起付线、自付比例修改…录入起付线、自付比例、执行日期」, versions on the `institution`
registry, each a whole snapshot) replace the row's from their 执行日期, for the 医疗类别 the file names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ybj_kernel.policy_files import PolicyFileError as PolicyFileError  # noqa: PLC0414 - re-exported for callers
from ybj_kernel.policy_files import checked_rows, parsed_head

# Code lists (confirm against the national 医保代码表 before use; DOMAIN §0.1).
Insutype = Literal["310", "390"]
HospLv = Literal["01", "02", "03", "09"]
MedType = Literal["11", "14", "21", "51", "52", "53"]
INSUTYPE_ZH = {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险"}
HOSP_LV_ZH = {"01": "三级", "02": "二级", "03": "一级", "09": "未定级"}
MED_TYPE_ZH = {
    "11": "普通门诊",
    "14": "门诊慢特病",
    "21": "普通住院",
    "51": "生育门诊",
    "52": "生育住院",
    "53": "计划生育手术费",
}
FEN = Decimal("0.01")

Ratio = Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)]
Yuan = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class PolicyRow(BaseModel):
    """One row: the terms for one 险种, 医疗机构级别 and 医疗类别 over one period (both ends included)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    insutype: Insutype = Field(description="险种类型")
    hosp_lv: HospLv = Field(description="医疗机构级别")
    med_type: MedType = Field(description="医疗类别")
    begndate: date = Field(description="开始日期（就诊日期在此日及以后）")
    enddate: date | None = Field(description="结束日期（含；null 为长期有效）")
    dedc_std: Yuan = Field(description="起付线（元/次）")
    selfpay_prop: Ratio = Field(description="自付比例（起付线以上合规费用中个人负担的比例）")
    prepay_prop: Ratio = Field(description="乙类先行自付比例")
    hifp_cap: Yuan | None = Field(description="封顶线（元/年，统筹基金年度最高支付；null 为不封顶）")

    @field_validator("dedc_std", "selfpay_prop", "prepay_prop", "hifp_cap", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError(f"write {value!r} as a quoted string: a float is not an exact amount")
        return value

    @model_validator(mode="after")
    def _period(self) -> PolicyRow:
        if self.enddate is not None and self.enddate < self.begndate:
            raise ValueError("enddate is before begndate")
        return self

    @property
    def key(self) -> tuple[str, str, str]:
        """What a row is for: (险种, 医疗机构级别, 医疗类别)."""
        return (self.insutype, self.hosp_lv, self.med_type)

    def covers(self, on: date) -> bool:
        """Whether the row is in force on a visit date."""
        return self.begndate <= on and (self.enddate is None or on <= self.enddate)

    def describe(self) -> dict[str, Any]:
        """The row as JSON."""
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class PolicyTable:
    """The whole table, checked; `example` says its figures are made up (the file says so itself)."""

    source: str
    example: bool
    note_zh: str
    note_en: str
    override_med_types: frozenset[str]  # 医疗类别 whose 起付线/自付比例 an institution's parameters replace
    rows: tuple[PolicyRow, ...]

    def row_for(self, insutype: str, hosp_lv: str, med_type: str, on: date) -> PolicyRow | None:
        """The row in force on `on` for this 险种, level and 医疗类别, or None where the table has none."""
        return next((r for r in self.rows if r.key == (insutype, hosp_lv, med_type) and r.covers(on)), None)

    def describe(self) -> dict[str, Any]:
        """The table as JSON (the rule's parameters, so a trial shows where its figures come from)."""
        return {
            "source": self.source,
            "example": self.example,
            "note_zh": self.note_zh,
            "note_en": self.note_en,
            "institution_override_med_types": sorted(self.override_med_types),
            "rows": [r.describe() for r in self.rows],
        }


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    example: bool
    note_zh: str = Field(min_length=1)
    note_en: str = Field(min_length=1)
    institution_override_med_types: list[MedType]
    rows: list[dict[str, Any]] = Field(min_length=1)


def _label(raw: Mapping[str, Any]) -> str:
    return f"{raw.get('insutype')}/{raw.get('hosp_lv')}/{raw.get('med_type')} from {raw.get('begndate')}"


def parse_table(text: str, source: str) -> PolicyTable:
    """Parse and check a policy file's text; PolicyFileError names the file and the first bad row."""
    head = parsed_head(text, source, _File)
    rows = checked_rows(PolicyRow, head.rows, "row", source, label=_label)
    _check_no_overlap(rows, source)
    return PolicyTable(
        source=source,
        example=head.example,
        note_zh=head.note_zh,
        note_en=head.note_en,
        override_med_types=frozenset(head.institution_override_med_types),
        rows=tuple(rows),
    )


def _check_no_overlap(rows: Sequence[PolicyRow], source: str) -> None:
    """Two rows of one key may not both be in force on any day: a visit must find exactly one."""
    numbered = sorted(enumerate(rows, start=1), key=lambda nr: (nr[1].key, nr[1].begndate))
    for (n1, a), (n2, b) in pairwise(numbered):
        if a.key == b.key and (a.enddate is None or a.enddate >= b.begndate):
            raise PolicyFileError(
                f"{source}, rows {n1} and {n2} ({'/'.join(a.key)}): periods overlap "
                f"({a.begndate}..{a.enddate or 'open'} and {b.begndate}..{b.enddate or 'open'})"
            )


def load_table(name: str = "examples.yaml") -> PolicyTable:
    """Load a policy file shipped in this package."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return parse_table(text, f"ybj_treatment/policy/{name}")


# Loaded once, at import: a bad file stops the service from starting.
TABLE = load_table()


@dataclass(frozen=True)
class ParameterVersion:
    """One version of an institution's parameters (P063): from its 执行日期, 起付线 in fen and 自付比例; None: not set."""

    exe_date: date
    dedc_std_fen: int | None
    selfpay_prop: Decimal | None


@dataclass(frozen=True)
class Terms:
    """The terms a visit is settled with: the table's row, with the institution's parameters where they apply."""

    row: PolicyRow
    dedc_std: Decimal
    selfpay_prop: Decimal
    dedc_source: str  # "table", or "institution" with the 执行日期 of the version used
    selfpay_source: str


def terms_on(
    row: PolicyRow, versions: Iterable[ParameterVersion], on: date, override_med_types: frozenset[str]
) -> Terms:
    """The row's 起付线 and 自付比例, replaced by those of the institution's version in force on `on` (the latest whose
    执行日期 is not after it; each version is a whole snapshot) where that version sets them."""
    dedc, dedc_source = row.dedc_std, "table"
    selfpay, selfpay_source = row.selfpay_prop, "table"
    in_force = max((v for v in versions if v.exe_date <= on), key=lambda v: v.exe_date, default=None)
    if row.med_type in override_med_types and in_force is not None:
        if in_force.dedc_std_fen is not None:
            dedc, dedc_source = Decimal(in_force.dedc_std_fen) / 100, f"institution {in_force.exe_date}"
        if in_force.selfpay_prop is not None:
            selfpay, selfpay_source = in_force.selfpay_prop, f"institution {in_force.exe_date}"
    return Terms(row, dedc.quantize(FEN), selfpay, dedc_source, selfpay_source)
