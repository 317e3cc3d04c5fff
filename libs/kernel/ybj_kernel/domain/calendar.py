"""Mainland China's working days (工作日): official holidays and adjusted workdays (调休) from `chinesecalendar`.

The package is data (the State Council's yearly 节假日安排), so it may live in the domain. It covers a fixed range of
years (1.11.0: 2004-2026); a date outside it is an explicit `DATE_OUTSIDE_CALENDAR` error, never a guess from
weekends alone. Until a release carries a new year, an operator may supply that year's official notice as a
`YearSchedule`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar  # type: ignore[import-untyped]  # the package ships no py.typed marker

from ybj_kernel.errors import InvalidInput

_SATURDAY = 5


@dataclass(frozen=True)
class YearSchedule:
    """One year's official arrangement (国务院办公厅 notice) for a year the package does not cover yet."""

    year: int
    holidays: frozenset[date]  # every day off of the official holidays, weekends inside them included (放假)
    adjusted_workdays: frozenset[date]  # weekend days worked in exchange (调休上班)
    source: str  # the notice it was copied from, e.g. 国办发明电〔2026〕X号

    def __post_init__(self) -> None:
        outside = sorted(d for d in self.holidays | self.adjusted_workdays if d.year != self.year)
        if outside:
            raise ValueError(f"YearSchedule {self.year}: {outside[0]} is not in {self.year}")
        both = sorted(self.holidays & self.adjusted_workdays)
        if both:
            raise ValueError(f"YearSchedule {self.year}: {both[0]} is both a holiday and an adjusted workday")
        weekdays = sorted(d for d in self.adjusted_workdays if d.weekday() < _SATURDAY)
        if weekdays:
            raise ValueError(f"YearSchedule {self.year}: adjusted workday {weekdays[0]} is not a weekend day")
        if not self.source.strip():
            raise ValueError(f"YearSchedule {self.year}: name the official notice it comes from")


class WorkingDayCalendar:
    """Working days per `chinesecalendar`, extended by operator-supplied `YearSchedule`s for later years."""

    def __init__(self, extra_years: Iterable[YearSchedule] = ()) -> None:
        self._first = min(chinese_calendar.holidays).year
        self._last = max(chinese_calendar.holidays).year
        self._extra: dict[int, YearSchedule] = {}
        for schedule in extra_years:
            self.add_year(schedule)

    def add_year(self, schedule: YearSchedule) -> None:
        """Carry a year the package does not (yet) cover, from its official notice; done once, at start."""
        if self._first <= schedule.year <= self._last:
            raise ValueError(f"YearSchedule {schedule.year}: the package already covers {schedule.year}")
        if schedule.year in self._extra:
            raise ValueError(f"YearSchedule {schedule.year} is given twice")
        self._extra[schedule.year] = schedule

    def covered_years(self) -> tuple[int, ...]:
        """Every year this calendar can answer for, in order."""
        return tuple(sorted({*range(self._first, self._last + 1), *self._extra}))

    def is_working_day(self, d: date) -> bool:
        """Whether `d` is a working day: a weekday that is no holiday, or an adjusted workday (调休上班)."""
        if self._first <= d.year <= self._last:
            return bool(chinese_calendar.is_workday(d))
        schedule = self._extra.get(d.year)
        if schedule is None:
            raise self._outside(d)
        return d in schedule.adjusted_workdays or (d.weekday() < _SATURDAY and d not in schedule.holidays)

    def add_working_days(self, start: date, n: int) -> date:
        """The `n`th working day after `start`; `start` itself is never counted (so n=1 is the next working day)."""
        if n < 1:
            raise ValueError(f"add_working_days needs n >= 1, got {n}")
        self.is_working_day(start)  # a start outside the calendar is refused even when counting begins after it
        d = start
        while n:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d

    def next_working_day_on_or_after(self, d: date) -> date:
        """`d` if it is a working day, else the first working day after it (节假日顺延)."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def _outside(self, d: date) -> InvalidInput:
        span = _spans(self.covered_years())
        return InvalidInput(
            "DATE_OUTSIDE_CALENDAR",
            f"日期 {d.isoformat()} 超出工作日历的范围（已有 {span} 年的法定节假日安排），无法计算工作日",
            f"{d.isoformat()} is outside the working-day calendar (official holiday schedules known for {span}); "
            "working days cannot be computed",
        )


def _spans(years: tuple[int, ...]) -> str:
    """Render sorted years as runs: (2004, ..., 2026, 2028) -> '2004–2026, 2028'."""
    runs: list[list[int]] = []
    for year in years:
        if runs and runs[-1][-1] == year - 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


# The calendar every rule uses unless a caller passes another (e.g. one carrying a newly published year).
CALENDAR = WorkingDayCalendar()


def covered_years() -> tuple[int, ...]:
    """The years the default calendar covers."""
    return CALENDAR.covered_years()


def is_working_day(d: date) -> bool:
    """Whether `d` is a working day on the default calendar."""
    return CALENDAR.is_working_day(d)


def add_working_days(start: date, n: int) -> date:
    """The `n`th working day after `start` on the default calendar, `start` not counted."""
    return CALENDAR.add_working_days(start, n)


def next_working_day_on_or_after(d: date) -> date:
    """`d` or the next working day after it on the default calendar (节假日顺延)."""
    return CALENDAR.next_working_day_on_or_after(d)
