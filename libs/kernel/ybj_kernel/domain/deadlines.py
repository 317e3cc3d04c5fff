"""Deadlines a stage declares (时限): N calendar days, N working days, or a day of the month (节假日顺延).

Counting follows 民法典 第二百零一条: the day the period starts on is not counted, counting begins the next day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ybj_kernel.domain.calendar import CALENDAR, WorkingDayCalendar
from ybj_kernel.errors import InvalidInput


def _check_count(kind: str, n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{kind} needs a whole number of days >= 1, got {n!r}")


@dataclass(frozen=True)
class CalendarDays:
    """Due N calendar days (自然日) after the start: 「30日内」 from 2026-03-01 is 2026-03-31."""

    n: int

    def __post_init__(self) -> None:
        _check_count("CalendarDays", self.n)

    @property
    def name_zh(self) -> str:
        """The deadline as staff read it."""
        return f"{self.n}日内"

    @property
    def description_zh(self) -> str:
        """How the due date is counted, in Chinese."""
        return f"自起算日次日起计算的第{self.n}个自然日（起算当日不计入）"

    @property
    def description_en(self) -> str:
        """How the due date is counted, in English."""
        return f"the {self.n}th calendar day after the start date (the start date itself is not counted)"


@dataclass(frozen=True)
class WorkingDays:
    """Due on the Nth working day (工作日) after the start, official holidays and 调休 included."""

    n: int

    def __post_init__(self) -> None:
        _check_count("WorkingDays", self.n)

    @property
    def name_zh(self) -> str:
        """The deadline as staff read it."""
        return f"{self.n}个工作日内"

    @property
    def description_zh(self) -> str:
        """How the due date is counted, in Chinese."""
        return f"起算日之后的第{self.n}个工作日（起算当日不计入，法定节假日不计、调休上班日计入）"

    @property
    def description_en(self) -> str:
        """How the due date is counted, in English."""
        return (
            f"the {self.n}th working day after the start date (the start date not counted; official holidays "
            "skipped, adjusted weekend workdays counted)"
        )


@dataclass(frozen=True)
class DayOfMonth:
    """Due on a day of the month: this month's if the start is on or before it, else next month's.

    With `roll_forward` (节假日顺延) a due day that is not a working day moves to the next working day; the window
    is not lengthened by the number of holidays inside it (DOMAIN R15, reading (a)). Days 29-31 are refused
    because they do not exist in every month.
    """

    day: int
    roll_forward: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.day, bool) or not isinstance(self.day, int) or not 1 <= self.day <= 28:
            raise ValueError(f"DayOfMonth needs a day from 1 to 28, got {self.day!r}")

    @property
    def name_zh(self) -> str:
        """The deadline as staff read it."""
        return f"每月{self.day}日" + ("（节假日顺延）" if self.roll_forward else "")

    @property
    def description_zh(self) -> str:
        """How the due date is counted, in Chinese."""
        rolled = "；遇节假日顺延至下一个工作日" if self.roll_forward else "；遇节假日不顺延"
        return f"起算日当月{self.day}日（起算日已过{self.day}日则为次月{self.day}日）{rolled}"

    @property
    def description_en(self) -> str:
        """How the due date is counted, in English."""
        rolled = (
            "; a day that is not a working day moves to the next working day"
            if self.roll_forward
            else "; not moved for holidays"
        )
        return f"day {self.day} of the start's month (of the next month once day {self.day} has passed){rolled}"


Deadline = CalendarDays | WorkingDays | DayOfMonth


def due_on(start: date, deadline: Deadline, calendar: WorkingDayCalendar = CALENDAR) -> date:
    """The date `deadline` falls due when its clock starts on `start`."""
    try:
        return _due_on(start, deadline, calendar)
    except OverflowError:
        raise InvalidInput(
            "DATE_OUT_OF_RANGE",
            f"起算日 {start.isoformat()} 加上时限后超出可表示的日期范围",
            f"{start.isoformat()} plus the deadline is past the last representable date",
        ) from None


def _due_on(start: date, deadline: Deadline, calendar: WorkingDayCalendar) -> date:
    match deadline:
        case CalendarDays(n=n):
            return start + timedelta(days=n)
        case WorkingDays(n=n):
            return calendar.add_working_days(start, n)
        case DayOfMonth(day=day, roll_forward=roll):
            due = start.replace(day=day)
            if start.day > day:
                due = (start.replace(day=28) + timedelta(days=4)).replace(day=day)  # day 28 + 4 is next month
            return calendar.next_working_day_on_or_after(due) if roll else due
    raise TypeError(f"not a deadline: {deadline!r}")


def describe(deadline: Deadline) -> dict[str, Any]:
    """The deadline as a JSON-safe dict for `GET /api/v1/processes`."""
    body: dict[str, Any] = {"kind": _KINDS[type(deadline)]}
    if isinstance(deadline, DayOfMonth):
        body |= {"day": deadline.day, "roll_forward": deadline.roll_forward}
    else:
        body["n"] = deadline.n
    return body | {
        "name_zh": deadline.name_zh,
        "description_zh": deadline.description_zh,
        "description_en": deadline.description_en,
    }


_KINDS: dict[type[Deadline], str] = {
    CalendarDays: "calendar_days",
    WorkingDays: "working_days",
    DayOfMonth: "day_of_month",
}
