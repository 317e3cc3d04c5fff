"""长期护理保险 (LTC) parameters as example data: the 失能等级 a Barthel score falls in, how long a 评定结论 stands, the
照护计划 of each level (ltc_example.yaml), and the 照护机构 directory (ltc_institutions_example.yaml).

The seeds give none of these (item 75-81 have no guide), so both files say they are EXAMPLES, and a 统筹区 replaces
them. Both are loaded and checked at import: a row that does not parse, a score band that overlaps another or leaves a
score out, an eligible level without a plan, a code listed twice: the service does not start, and the error names the
file and the row. Everything here is pure lookups over the loaded tables.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ybj_kernel.domain.identity import admdvs_covers
from ybj_kernel.policy_files import PolicyFileError as PolicyFileError  # noqa: PLC0414 - re-exported for callers
from ybj_kernel.policy_files import checked_rows, parsed_head

Level = Literal["0", "1", "2", "3", "4", "5"]
CareMode = Literal["home", "institution"]
CARE_MODE_ZH = {"home": "居家上门照护", "institution": "机构住养照护"}
# 照护机构编号: this project's example format (L + 6-digit 医保区划 + 5 digits); the seeds give no national code.
CareInstCode = Annotated[str, Field(pattern=r"^L\d{11}$", description="照护机构编号（L+11位数字）")]
MIN_SCORE, MAX_SCORE = 0, 100  # the Barthel index of 日常生活活动能力


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelBand(_Row):
    """One 失能等级 and the Barthel scores (both ends included) that fall in it."""

    level: Level = Field(description="失能等级代码")
    name_zh: str = Field(min_length=1, max_length=20, description="失能等级名称")
    min_score: int = Field(ge=MIN_SCORE, le=MAX_SCORE)
    max_score: int = Field(ge=MIN_SCORE, le=MAX_SCORE)
    eligible: bool = Field(description="是否符合长护险待遇享受条件")

    @model_validator(mode="after")
    def _ordered(self) -> LevelBand:
        if self.max_score < self.min_score:
            raise ValueError("max_score is below min_score")
        return self


class PlanItem(_Row):
    """One service of a 照护计划 and how often a month."""

    code: str = Field(pattern=r"^[A-Z]{2}\d{2}$", description="服务项目编码")
    name_zh: str = Field(min_length=1, max_length=50, description="服务项目名称")
    times_per_month: int = Field(ge=1, le=100, description="每月服务次数")


class CarePlan(_Row):
    """The 照护计划 of one eligible level: service hours and items a month."""

    level: Level = Field(description="失能等级代码")
    plan_code: str = Field(pattern=r"^[A-Z0-9-]{1,20}$", description="照护计划编码")
    hours_per_month: int = Field(ge=1, le=744, description="每月服务时长（小时）")
    items: tuple[PlanItem, ...] = Field(min_length=1, description="服务项目")


class CareInstitution(_Row):
    """One 照护机构 (定点护理服务机构) of the directory."""

    care_inst_code: CareInstCode
    care_inst_name: str = Field(min_length=1, max_length=100, description="照护机构名称")
    admdvs: str = Field(pattern=r"^\d{6}$", description="医保区划")
    addr: str = Field(min_length=1, max_length=200, description="地址")
    tel: str = Field(pattern=r"^[\d-]{7,20}$", description="联系电话")
    care_modes: tuple[CareMode, ...] = Field(min_length=1, description="照护方式: home 居家上门, institution 机构住养")
    status: Literal["active", "suspended"] = Field(description="active 正常, suspended 暂停")


class _Head(BaseModel):
    model_config = ConfigDict(extra="forbid")

    example: bool
    note_zh: str = Field(min_length=1)
    note_en: str = Field(min_length=1)


class _PolicyFile(_Head):
    insutypes: list[Literal["310", "390"]] = Field(min_length=1)
    validity_months: int = Field(ge=1, le=120)
    levels: list[dict[str, Any]] = Field(min_length=1)
    care_plans: list[dict[str, Any]]


class _InstitutionsFile(_Head):
    institutions: list[dict[str, Any]]


@dataclass(frozen=True)
class LtcPolicy:
    """The level table, the validity period and the care plans, checked; `example`: the figures are made up."""

    source: str
    example: bool
    note_zh: str
    note_en: str
    insutypes: frozenset[str]  # the 险种 whose insured may apply
    validity_months: int
    levels: tuple[LevelBand, ...]
    plans: tuple[CarePlan, ...]

    def level_for(self, score: int) -> LevelBand:
        """The 失能等级 a Barthel score falls in (the bands cover 0-100, checked at load)."""
        return next(b for b in self.levels if b.min_score <= score <= b.max_score)

    def plan_for(self, level: str) -> CarePlan | None:
        """The 照护计划 of a level, or None for a level that is not eligible."""
        return next((p for p in self.plans if p.level == level), None)

    def valid_until(self, begndate: date) -> date:
        """The last day a 评定结论 beginning on `begndate` stands: `validity_months` later, less a day."""
        return add_months(begndate, self.validity_months) - timedelta(days=1)

    def describe(self) -> dict[str, Any]:
        """The table as JSON (what a case records it decided by)."""
        return {
            "source": self.source,
            "example": self.example,
            "note_zh": self.note_zh,
            "insutypes": sorted(self.insutypes),
            "validity_months": self.validity_months,
            "levels": [b.model_dump(mode="json") for b in self.levels],
            "care_plans": [p.model_dump(mode="json") for p in self.plans],
        }


@dataclass(frozen=True)
class CareInstitutions:
    """The 照护机构 directory, checked; `example`: made up."""

    source: str
    example: bool
    note_zh: str
    note_en: str
    items: tuple[CareInstitution, ...]

    def find(self, code: str) -> CareInstitution | None:
        """The institution with this code, or None."""
        return next((i for i in self.items if i.care_inst_code == code), None)

    def listed(self, admdvs: str | None = None, care_mode: str | None = None) -> list[CareInstitution]:
        """The institutions of a 医保区划 (a prefix: 520100 covers 5201xx, 520000 the province) giving a kind of care."""
        return [
            i
            for i in self.items
            if (admdvs is None or admdvs_covers(admdvs, i.admdvs)) and (care_mode is None or care_mode in i.care_modes)
        ]


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the 31st becomes the month's last day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _level(raw: Mapping[str, Any]) -> object:
    return raw.get("level")


def _inst_code(raw: Mapping[str, Any]) -> object:
    return raw.get("care_inst_code")


def parse_policy(text: str, source: str) -> LtcPolicy:
    """Parse and check the level table and care plans; PolicyFileError names the file and the first bad row."""
    head = parsed_head(text, source, _PolicyFile)
    bands = sorted(checked_rows(LevelBand, head.levels, "level", source, label=_level), key=lambda b: b.min_score)
    plans = checked_rows(CarePlan, head.care_plans, "care plan", source, label=_level)
    covered = MIN_SCORE
    for band in bands:
        if band.min_score != covered:
            problem = (
                "overlaps the band before" if band.min_score < covered else f"leaves {covered}-{band.min_score - 1} out"
            )
            raise PolicyFileError(f"{source}, level {band.level} ({band.min_score}-{band.max_score}): {problem}")
        covered = band.max_score + 1
    if covered != MAX_SCORE + 1:
        raise PolicyFileError(f"{source}: the levels leave the scores {covered}-{MAX_SCORE} out")
    if len({b.level for b in bands}) != len(bands):
        raise PolicyFileError(f"{source}: a level is listed twice")
    eligible = {b.level for b in bands if b.eligible}
    planned = [p.level for p in plans]
    if sorted(planned) != sorted(eligible):
        raise PolicyFileError(
            f"{source}: every eligible level needs exactly one care plan, and no other level one "
            f"(eligible {sorted(eligible)}, planned {sorted(planned)})"
        )
    return LtcPolicy(
        source=source,
        example=head.example,
        note_zh=head.note_zh,
        note_en=head.note_en,
        insutypes=frozenset(head.insutypes),
        validity_months=head.validity_months,
        levels=tuple(sorted(bands, key=lambda b: b.level)),
        plans=tuple(plans),
    )


def parse_institutions(text: str, source: str) -> CareInstitutions:
    """Parse and check the 照护机构 directory; PolicyFileError names the file and the first bad row."""
    head = parsed_head(text, source, _InstitutionsFile)
    items = checked_rows(CareInstitution, head.institutions, "institution", source, label=_inst_code)
    codes = [i.care_inst_code for i in items]
    if twice := sorted({c for c in codes if codes.count(c) > 1}):
        raise PolicyFileError(f"{source}: institution codes listed twice: {', '.join(twice)}")
    return CareInstitutions(source, head.example, head.note_zh, head.note_en, tuple(items))


def _text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


# Loaded once, at import: a bad file stops the service from starting.
POLICY = parse_policy(_text("ltc_example.yaml"), "ybj_treatment/policy/ltc_example.yaml")
INSTITUTIONS = parse_institutions(
    _text("ltc_institutions_example.yaml"), "ybj_treatment/policy/ltc_institutions_example.yaml"
)
