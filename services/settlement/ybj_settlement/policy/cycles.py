"""The coefficients of the annual cycles (P083 总控, P084 保证金, P085 集采结余奖励, P086 预付金), with their periods.

The file (cycles.yaml beside this module: EXAMPLE values, the seeds give none) is loaded and checked at import: a
version that does not parse, or two versions of one section whose periods overlap, stop the service from starting
with an error naming the file, the section and the version. A clearing uses the version in force on 1 January of its
清算年度 (`in_force`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from itertools import pairwise
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ybj_kernel.policy_files import PolicyFileError as PolicyFileError  # noqa: PLC0414 - re-exported for callers
from ybj_kernel.policy_files import checked_rows, parsed_head

Ratio = Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)]


class Version(BaseModel):
    """One period of effect (both ends included; enddate None: until further notice)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    begndate: date = Field(description="开始日期")
    enddate: date | None = Field(description="结束日期（含；null 为长期有效）")

    @field_validator("*", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError(f"write {value!r} as a quoted string: a float is not an exact figure")
        return value

    @model_validator(mode="after")
    def _period(self) -> Version:
        if self.enddate is not None and self.enddate < self.begndate:
            raise ValueError("enddate is before begndate")
        return self

    @property
    def group(self) -> str:
        """Versions of one group may not overlap."""
        return ""

    def covers(self, on: date) -> bool:
        """Whether the version is in force on `on`."""
        return self.begndate <= on and (self.enddate is None or on <= self.enddate)


class GlobalBudgetTerms(Version):
    """P083: how a year-end surplus is rewarded and an overrun shared."""

    reward_ratio: Ratio = Field(description="结余部分的奖励比例")
    reward_cap_rate: Ratio = Field(description="奖励上限占预算额度的比例")
    share_ratio: Ratio = Field(description="超支部分由基金分担的比例")
    share_cap_rate: Ratio = Field(description="基金分担的超支上限占预算额度的比例")


class DepositTerms(Version):
    """P084: how assessment scores deduct from the reserved deposit."""

    pass_score: Decimal = Field(ge=0, le=100, description="年度考核合格分")
    deduction_per_point: Ratio = Field(description="评分每低于合格分1分扣除的比例")
    deduction_per_violation_point: Ratio = Field(description="年中违规每扣1分扣除的比例")


class ProcurementTerms(Version):
    """P085: the share of a centralized-procurement surplus paid as a reward, per kind."""

    kind: Literal["drug", "consumable"] = Field(description="drug 药品 / consumable 耗材")
    reward_ratio: Ratio = Field(description="结余留用（奖励）比例")

    @property
    def group(self) -> str:
        """Drug and consumable versions are separate."""
        return self.kind


class PrepaymentTerms(Version):
    """P086: the cap of a prepayment in months of last year's average monthly fund payment."""

    months: int = Field(ge=1, le=12, description="预付金核定月数")


V = TypeVar("V", bound=Version)


@dataclass(frozen=True)
class CyclePolicy:
    """The whole file, checked; `example` says its figures are made up (the file says so itself)."""

    source: str
    example: bool
    note_zh: str
    note_en: str
    global_budget: tuple[GlobalBudgetTerms, ...]
    deposit: tuple[DepositTerms, ...]
    procurement_reward: tuple[ProcurementTerms, ...]
    prepayment: tuple[PrepaymentTerms, ...]

    def describe(self, section: str) -> dict[str, Any]:
        """One section as JSON (a rule's parameters, so a trial shows where its figures come from)."""
        return {
            "source": self.source,
            "example": self.example,
            "note_zh": self.note_zh,
            "note_en": self.note_en,
            section: [v.model_dump(mode="json") for v in getattr(self, section)],
        }


def in_force(versions: Sequence[V], on: date, group: str = "") -> V | None:
    """The version of `group` in force on `on`, or None."""
    return next((v for v in versions if v.group == group and v.covers(on)), None)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    example: bool
    note_zh: str = Field(min_length=1)
    note_en: str = Field(min_length=1)
    global_budget: list[dict[str, Any]] = Field(min_length=1)
    deposit: list[dict[str, Any]] = Field(min_length=1)
    procurement_reward: list[dict[str, Any]] = Field(min_length=1)
    prepayment: list[dict[str, Any]] = Field(min_length=1)


def _section(raws: list[dict[str, Any]], model: type[V], source: str, name: str) -> tuple[V, ...]:
    versions = checked_rows(model, raws, f"{name} version", source, whole="version")
    ordered = sorted(enumerate(versions, start=1), key=lambda nv: (nv[1].group, nv[1].begndate))
    for (n1, a), (n2, b) in pairwise(ordered):
        if a.group == b.group and (a.enddate is None or a.enddate >= b.begndate):
            raise PolicyFileError(f"{source}, {name} versions {n1} and {n2}: periods overlap")
    return tuple(versions)


def parse_policy(text: str, source: str) -> CyclePolicy:
    """Parse and check the file's text; PolicyFileError names the file and the first bad version."""
    head = parsed_head(text, source, _File, whole="version")
    return CyclePolicy(
        source=source,
        example=head.example,
        note_zh=head.note_zh,
        note_en=head.note_en,
        global_budget=_section(head.global_budget, GlobalBudgetTerms, source, "global_budget"),
        deposit=_section(head.deposit, DepositTerms, source, "deposit"),
        procurement_reward=_section(head.procurement_reward, ProcurementTerms, source, "procurement_reward"),
        prepayment=_section(head.prepayment, PrepaymentTerms, source, "prepayment"),
    )


def load_policy(name: str = "cycles.yaml") -> CyclePolicy:
    """Load a policy file shipped in this package."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return parse_policy(text, f"ybj_settlement/policy/{name}")


# Loaded once, at import: a bad file stops the service from starting.
POLICY = load_policy()
