"""个人账户共济 and 代缴 parameters: who may be bound (关系代码) and the 城乡居民 个人缴费标准 per year.

The seeds give neither, so they are data (mutual_aid_examples.yaml beside this module: EXAMPLE values, the file says so
itself), loaded and checked at import: a file that does not parse, a code or a year listed twice, or an amount written
as a float stop the service from starting with an error naming the file and the row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ybj_kernel.policy_files import PolicyFileError as PolicyFileError  # noqa: PLC0414 - re-exported for callers
from ybj_kernel.policy_files import checked_rows, parsed_head

Yuan = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]


class Relation(BaseModel):
    """One kind of relative a 授权人 may bind: what the 使用人 is to the 授权人."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^\d{1,2}$", description="关系代码")
    name_zh: str = Field(min_length=1, max_length=20, description="关系名称")


class Standard(BaseModel):
    """城乡居民基本医疗保险 个人缴费标准 of one 缴费年度."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int = Field(ge=2000, le=2100, description="缴费年度")
    psn_clct_amt: Yuan = Field(description="个人缴费标准（元）")

    @field_validator("psn_clct_amt", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError(f"write {value!r} as a quoted string: a float is not an exact amount")
        return value


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    example: bool
    note_zh: str = Field(min_length=1)
    note_en: str = Field(min_length=1)
    relations: list[dict[str, Any]] = Field(min_length=1)
    resident_contribution_standards: list[dict[str, Any]] = Field(min_length=1)


@dataclass(frozen=True)
class MutualAidPolicy:
    """The checked file; `example` says its figures are made up."""

    source: str
    example: bool
    note_zh: str
    note_en: str
    relations: Mapping[str, str]  # 关系代码 -> 名称
    standards: Mapping[int, Decimal]  # 缴费年度 -> 个人缴费标准（元）

    def relation_name(self, code: str) -> str | None:
        """The name of a 关系代码, or None where the file does not list it."""
        return self.relations.get(code)

    def standard_fen(self, year: int) -> int | None:
        """The year's 个人缴费标准 in fen, or None where the file gives none."""
        amount = self.standards.get(year)
        return None if amount is None else int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def describe(self) -> dict[str, Any]:
        """The parameters as JSON (so a front end shows where a figure comes from)."""
        return {
            "source": self.source,
            "example": self.example,
            "note_zh": self.note_zh,
            "note_en": self.note_en,
            "relations": [{"code": c, "name_zh": n} for c, n in self.relations.items()],
            "resident_contribution_standards": [
                {"year": y, "psn_clct_amt": str(a)} for y, a in sorted(self.standards.items())
            ],
        }


def parse_policy(text: str, source: str) -> MutualAidPolicy:
    """Parse and check a policy file's text; PolicyFileError names the file and the first bad row."""
    head = parsed_head(text, source, _File)
    relations = checked_rows(Relation, head.relations, "relations row", source)
    standards = checked_rows(Standard, head.resident_contribution_standards, "standards row", source)
    if len({r.code for r in relations}) != len(relations):
        raise PolicyFileError(f"{source}: a relation code is listed twice")
    if len({s.year for s in standards}) != len(standards):
        raise PolicyFileError(f"{source}: a year's contribution standard is listed twice")
    return MutualAidPolicy(
        source=source,
        example=head.example,
        note_zh=head.note_zh,
        note_en=head.note_en,
        relations={r.code: r.name_zh for r in relations},
        standards={s.year: s.psn_clct_amt for s in sorted(standards, key=lambda s: s.year)},
    )


def load_policy(name: str = "mutual_aid_examples.yaml") -> MutualAidPolicy:
    """Load a policy file shipped in this package."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return parse_policy(text, f"ybj_enrollment/policy/{name}")


# Loaded once, at import: a bad file stops the service from starting.
POLICY = load_policy()
