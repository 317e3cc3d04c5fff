"""Working days follow the official 2026 arrangement (国庆/中秋, 春节, 调休), and a year not covered is an error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from ybj_kernel.domain.calendar import (
    CALENDAR,
    WorkingDayCalendar,
    YearSchedule,
    add_working_days,
    covered_years,
    is_working_day,
    next_working_day_on_or_after,
)
from ybj_kernel.errors import InvalidInput

# An operator-supplied year for the tests only: illustrative dates, NOT the State Council's 2027 notice.
ILLUSTRATIVE_2027 = YearSchedule(
    year=2027,
    holidays=frozenset({date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)}),
    adjusted_workdays=frozenset({date(2027, 1, 9)}),
    source="illustrative test data, not an official notice",
)


def test_the_pinned_package_covers_2026_but_not_2027() -> None:
    years = covered_years()
    assert 2026 in years
    assert 2027 not in years
    assert list(years) == list(range(years[0], years[-1] + 1))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 30), True),  # the Wednesday before 国庆
        (date(2026, 10, 1), False),  # 国庆 begins (Thursday)
        (date(2026, 10, 7), False),  # last day of the 国庆 holiday (Wednesday)
        (date(2026, 10, 8), True),  # back at work (Thursday)
        (date(2026, 10, 10), True),  # Saturday worked in exchange (调休上班)
        (date(2026, 10, 11), False),  # an ordinary Sunday
        (date(2026, 9, 20), True),  # Sunday worked for 国庆
        (date(2026, 9, 25), False),  # 中秋 (Friday)
        (date(2026, 2, 14), True),  # Saturday worked before 春节
        (date(2026, 2, 16), False),  # 春节 (Monday)
        (date(2026, 2, 23), False),  # last day of 春节 (Monday)
        (date(2026, 2, 24), True),
        (date(2026, 3, 2), True),  # an ordinary Monday
    ],
)
def test_working_days_follow_the_official_arrangement(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 3, 2), 1, date(2026, 3, 3)),  # the start day is not counted
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday + 1 skips the weekend
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # the whole 国庆 week is skipped
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # ... and the 调休 Saturday counts
        (date(2026, 10, 3), 1, date(2026, 10, 8)),  # starting on a holiday
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # the 调休 Sunday counts as the next working day
        (date(2026, 2, 13), 2, date(2026, 2, 24)),  # the Saturday before 春节, then nothing until the 24th
    ],
)
def test_add_working_days_counts_from_the_day_after_start(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected


@pytest.mark.parametrize("n", [0, -1])
def test_add_working_days_needs_at_least_one_day(n: int) -> None:
    with pytest.raises(ValueError, match="n >= 1"):
        add_working_days(date(2026, 3, 2), n)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 2), date(2026, 3, 2)),  # a working day stays
        (date(2026, 10, 1), date(2026, 10, 8)),  # 国庆 rolls to the Thursday after
        (date(2026, 10, 11), date(2026, 10, 12)),  # a Sunday rolls to Monday
        (date(2026, 2, 15), date(2026, 2, 24)),  # 春节 rolls past the whole holiday
    ],
)
def test_next_working_day_on_or_after_rolls_holidays_forward(day: date, expected: date) -> None:
    assert next_working_day_on_or_after(day) == expected


@pytest.mark.parametrize("day", [date(2027, 1, 1), date(2027, 3, 1), date(2003, 12, 31)])
def test_a_year_the_calendar_does_not_hold_is_an_explicit_bilingual_error(day: date) -> None:
    with pytest.raises(InvalidInput) as caught:
        is_working_day(day)
    assert caught.value.code == "DATE_OUTSIDE_CALENDAR"
    assert day.isoformat() in caught.value.message_zh
    assert day.isoformat() in caught.value.message_en
    assert "2026" in caught.value.message_en


def test_counting_into_an_uncovered_year_fails_at_the_first_unknown_day() -> None:
    # 2026-12-28 is a Monday: 29, 30, 31 are working days, then 元旦 2027 is unknown.
    with pytest.raises(InvalidInput, match="2027-01-01") as caught:
        add_working_days(date(2026, 12, 28), 5)
    assert caught.value.code == "DATE_OUTSIDE_CALENDAR"
    assert add_working_days(date(2026, 12, 28), 3) == date(2026, 12, 31)


def test_a_start_outside_the_calendar_is_refused_even_if_counting_would_begin_after_it() -> None:
    with pytest.raises(InvalidInput) as caught:
        add_working_days(date(9999, 12, 31), 1)
    assert caught.value.code == "DATE_OUTSIDE_CALENDAR"


def test_an_operator_can_supply_a_year_the_package_lacks() -> None:
    calendar = WorkingDayCalendar([ILLUSTRATIVE_2027])
    assert calendar.covered_years()[-2:] == (2026, 2027)
    assert calendar.is_working_day(date(2027, 1, 1)) is False  # a listed holiday
    assert calendar.is_working_day(date(2027, 1, 9)) is True  # a listed 调休 Saturday
    assert calendar.is_working_day(date(2027, 1, 10)) is False  # an ordinary Sunday
    assert calendar.add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)
    assert CALENDAR.covered_years()[-1] == 2026  # the default calendar is untouched


def test_a_gap_year_names_the_runs_it_does_know() -> None:
    calendar = WorkingDayCalendar([YearSchedule(2029, frozenset(), frozenset(), "illustrative")])
    with pytest.raises(InvalidInput) as caught:
        calendar.is_working_day(date(2028, 5, 1))
    assert "2029" in caught.value.message_en
    assert calendar.is_working_day(date(2029, 5, 2)) is True  # a Wednesday, no holidays listed


def test_a_supplied_year_the_package_already_covers_is_refused() -> None:
    with pytest.raises(ValueError, match="already covers 2026"):
        WorkingDayCalendar([YearSchedule(2026, frozenset(), frozenset(), "x")])


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda: YearSchedule(2027, frozenset({date(2028, 1, 1)}), frozenset(), "x"), "not in 2027"),
        (lambda: YearSchedule(2027, frozenset({date(2027, 1, 9)}), frozenset({date(2027, 1, 9)}), "x"), "both"),
        (lambda: YearSchedule(2027, frozenset(), frozenset(), " "), "official notice"),
        (lambda: YearSchedule(2027, frozenset(), frozenset({date(2027, 1, 4)}), "x"), "not a weekend day"),
    ],
)
def test_a_year_schedule_checks_itself(build: Callable[[], YearSchedule], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        build()


def test_the_same_year_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        WorkingDayCalendar([ILLUSTRATIVE_2027, ILLUSTRATIVE_2027])
