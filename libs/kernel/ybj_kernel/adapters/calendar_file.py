"""Official holiday schedules for years `chinesecalendar` does not cover yet, read from an operator's YAML file.

Each December the State Council publishes the next year's 节假日安排 (国务院办公厅通知); until a `chinesecalendar`
release carries it, a rule's trial reaching into that year is refused with DATE_OUTSIDE_CALENDAR, and a case reaching a
stage whose 时限 would fall there gets no due date (never a guessed one) until the schedule is loaded. An operator copies the
notice into a file named by `YBJ_CALENDAR_FILE` (format in deploy/calendar/README.md), and every service reads it at
start:

    - year: 2027
      source: 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）
      holidays: ["2027-01-01", "2027-02-06..2027-02-12"]   # every day off, weekends inside them included
      adjusted_workdays: ["2027-02-14"]                   # weekend days worked in exchange (调休上班)
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from ybj_kernel.domain.calendar import CALENDAR, WorkingDayCalendar, YearSchedule

log = logging.getLogger(__name__)


class CalendarFileError(ValueError):
    """The schedule file cannot be used; the message names the entry and the field."""


def load_schedules(path: Path) -> list[YearSchedule]:
    """Every year of the file, checked: dates inside their year, no day both off and worked, a source named."""
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CalendarFileError(f"{path}: cannot read the holiday schedule file: {exc}") from None
    if not isinstance(entries, list):
        raise CalendarFileError(
            f"{path}: expected a list of years, each with year, source, holidays, adjusted_workdays"
        )
    return [_schedule(path, i, entry) for i, entry in enumerate(entries)]


def install_schedules(path: Path | None, calendar: WorkingDayCalendar = CALENDAR) -> tuple[int, ...]:
    """Add the file's years to the calendar every deadline and rule uses; return the years it now covers."""
    if path is not None:
        for schedule in load_schedules(path):
            calendar.add_year(schedule)
            log.info("working-day calendar: %s added from %s (%s)", schedule.year, path, schedule.source)
    return calendar.covered_years()


def _schedule(path: Path, i: int, entry: Any) -> YearSchedule:
    where = f"{path}: entry {i + 1}"
    if not isinstance(entry, dict):
        raise CalendarFileError(f"{where}: expected year, source, holidays and adjusted_workdays")
    try:
        year = int(entry["year"])
        return YearSchedule(
            year=year,
            holidays=_days(entry.get("holidays", []), f"{where}, holidays"),
            adjusted_workdays=_days(entry.get("adjusted_workdays", []), f"{where}, adjusted_workdays"),
            source=str(entry.get("source") or ""),
        )
    except KeyError:
        raise CalendarFileError(f"{where}: year is missing") from None
    except (TypeError, ValueError) as exc:
        raise CalendarFileError(f"{where}: {exc}") from None


def _days(items: Any, where: str) -> frozenset[date]:
    """Dates and inclusive ranges `YYYY-MM-DD..YYYY-MM-DD` as one set of days."""
    if not isinstance(items, list):
        raise CalendarFileError(f"{where}: expected a list of dates")
    days: set[date] = set()
    for item in items:
        first, _, last = str(item).partition("..")
        try:
            start, end = date.fromisoformat(first.strip()), date.fromisoformat((last or first).strip())
        except ValueError:
            raise CalendarFileError(f"{where}: {item!r} is not a date YYYY-MM-DD or a range of them") from None
        if end < start:
            raise CalendarFileError(f"{where}: the range {item!r} ends before it starts")
        days.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return frozenset(days)
