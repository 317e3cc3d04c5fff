"""An operator adds a newly published year's holidays from a file, and deadlines reach into it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ybj_kernel.adapters.calendar_file import CalendarFileError, install_schedules, load_schedules
from ybj_kernel.domain.calendar import WorkingDayCalendar
from ybj_kernel.domain.deadlines import WorkingDays, due_on
from ybj_kernel.errors import InvalidInput

# The format only: these are not the real 2027 dates.
SCHEDULE = """
- year: 2027
  source: 示例：国务院办公厅关于2027年部分节假日安排的通知
  holidays: ["2027-01-01", "2027-02-06..2027-02-12"]
  adjusted_workdays: ["2027-02-14"]
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_deadline_reaching_into_a_year_nobody_entered_is_refused_until_its_schedule_is_added(tmp_path: Path) -> None:
    calendar = WorkingDayCalendar()
    with pytest.raises(InvalidInput) as refused:
        due_on(date(2026, 12, 28), WorkingDays(5), calendar)
    assert refused.value.code == "DATE_OUTSIDE_CALENDAR"

    years = install_schedules(_file(tmp_path, SCHEDULE), calendar)
    assert years[-1] == 2027
    # 12-29, 12-30, 12-31, then 2027-01-01 is a holiday (and 01-02, 01-03 a weekend): 01-04, 01-05.
    assert due_on(date(2026, 12, 28), WorkingDays(5), calendar) == date(2027, 1, 5)
    assert calendar.is_working_day(date(2027, 2, 14))  # a Sunday worked in exchange
    assert not calendar.is_working_day(date(2027, 2, 10))  # inside the range of days off


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("year: 2027", "expected a list of years"),
        ('- {source: 通知, holidays: ["2027-01-01"]}', "entry 1: year is missing"),
        ('- {year: 2027, source: 通知, holidays: ["2027-13-01"]}', "entry 1, holidays: '2027-13-01' is not a date"),
        (
            '- {year: 2027, source: 通知, holidays: ["2028-01-01"]}',
            "entry 1: YearSchedule 2027: 2028-01-01 is not in 2027",
        ),
        ('- {year: 2027, holidays: ["2027-01-01"]}', "entry 1: YearSchedule 2027: name the official notice"),
        ('- {year: 2027, source: 通知, adjusted_workdays: ["2027-01-04"]}', "is not a weekend day"),
        ('- {year: 2027, source: 通知, holidays: ["2027-02-12..2027-02-06"]}', "ends before it starts"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_naming_the_entry_and_field(
    tmp_path: Path, text: str, names: str
) -> None:
    with pytest.raises(CalendarFileError, match=names):
        load_schedules(_file(tmp_path, text))


def test_a_year_the_package_already_covers_is_not_overridden(tmp_path: Path) -> None:
    text = '- {year: 2026, source: 通知, holidays: ["2026-01-01"]}'
    with pytest.raises(ValueError, match="the package already covers 2026"):
        install_schedules(_file(tmp_path, text), WorkingDayCalendar())
