"""Declared deadlines fall due where staff would count them, across 国庆 2026 and 春节 2026."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest

from ybj_kernel.domain.calendar import WorkingDayCalendar, YearSchedule
from ybj_kernel.domain.deadlines import CalendarDays, DayOfMonth, Deadline, WorkingDays, describe, due_on
from ybj_kernel.errors import InvalidInput


@pytest.mark.parametrize(
    ("start", "deadline", "expected"),
    [
        # 「30日内」: the start day is not counted (民法典 第二百零一条).
        (date(2026, 3, 1), CalendarDays(30), date(2026, 3, 31)),
        (date(2026, 1, 31), CalendarDays(30), date(2026, 3, 2)),
        # Calendar days are not moved for holidays: the seeds say no 顺延 for them.
        (date(2026, 9, 1), CalendarDays(30), date(2026, 10, 1)),
        # P016's contact letter: accepted on the Monday before 国庆, due on the 调休 Saturday.
        (date(2026, 9, 28), WorkingDays(5), date(2026, 10, 10)),
        # ... and the information sheet 10 working days after that.
        (date(2026, 10, 10), WorkingDays(10), date(2026, 10, 23)),
        # 春节 2026: the 调休 Saturday 02-14 counts, 02-15..02-23 do not.
        (date(2026, 2, 12), WorkingDays(5), date(2026, 2, 26)),
        # 每月5日（节假日顺延）: before the 5th → this month's; 10-05 is 国庆, rolled to 10-08.
        (date(2026, 10, 3), DayOfMonth(5), date(2026, 10, 8)),
        (date(2026, 10, 3), DayOfMonth(5, roll_forward=False), date(2026, 10, 5)),
        # On the day itself it is still this month's; after it, next month's.
        (date(2026, 11, 5), DayOfMonth(5), date(2026, 11, 5)),
        (date(2026, 10, 6), DayOfMonth(5), date(2026, 11, 5)),
        # December rolls over into January (no working-day lookup without 顺延).
        (date(2026, 12, 20), DayOfMonth(5, roll_forward=False), date(2027, 1, 5)),
        (date(2026, 1, 31), DayOfMonth(28, roll_forward=False), date(2026, 2, 28)),
    ],
)
def test_due_on(start: date, deadline: Deadline, expected: date) -> None:
    assert due_on(start, deadline) == expected


def test_a_due_date_in_a_year_the_calendar_lacks_is_an_error_not_a_guess() -> None:
    with pytest.raises(InvalidInput) as caught:
        due_on(date(2026, 12, 20), DayOfMonth(5))
    assert caught.value.code == "DATE_OUTSIDE_CALENDAR"
    with pytest.raises(InvalidInput, match="DATE_OUTSIDE_CALENDAR"):
        due_on(date(2026, 12, 28), WorkingDays(5))


def test_an_injected_calendar_answers_for_a_supplied_year() -> None:
    calendar = WorkingDayCalendar(
        [YearSchedule(2027, frozenset({date(2027, 1, 5)}), frozenset(), "illustrative test data, not official")]
    )
    assert due_on(date(2026, 12, 20), DayOfMonth(5), calendar) == date(2027, 1, 6)


def test_a_date_past_the_representable_range_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        due_on(date(9999, 12, 15), CalendarDays(30))
    assert caught.value.code == "DATE_OUT_OF_RANGE"


@pytest.mark.parametrize(
    "build",
    [lambda: CalendarDays(0), lambda: WorkingDays(-1), lambda: DayOfMonth(29), lambda: DayOfMonth(0)],
)
def test_a_meaningless_deadline_is_refused_when_declared(build: Callable[[], Deadline]) -> None:
    with pytest.raises(ValueError, match="needs"):
        build()


@pytest.mark.parametrize(
    ("deadline", "kind", "number"),
    [
        (CalendarDays(30), "calendar_days", ("n", 30)),
        (WorkingDays(10), "working_days", ("n", 10)),
        (DayOfMonth(5), "day_of_month", ("day", 5)),
    ],
)
def test_describe_is_json_safe_and_bilingual(deadline: Deadline, kind: str, number: tuple[str, int]) -> None:
    body = describe(deadline)
    assert json.loads(json.dumps(body, ensure_ascii=False)) == body
    assert body["kind"] == kind
    assert body[number[0]] == number[1]
    assert str(number[1]) in body["name_zh"]
    assert body["description_zh"]
    assert body["description_en"]


def test_the_names_say_whether_holidays_roll_forward() -> None:
    assert "顺延" in DayOfMonth(5).name_zh
    assert "顺延" not in DayOfMonth(5, roll_forward=False).name_zh
    assert describe(DayOfMonth(5, roll_forward=False))["roll_forward"] is False
    assert WorkingDays(5).name_zh == "5个工作日内"
    assert CalendarDays(30).name_zh == "30日内"


def test_a_case_whose_deadline_falls_in_a_year_without_a_schedule_goes_on_without_a_due_date() -> None:
    import itertools
    from uuid import UUID

    from ybj_kernel.application import CaseApplication
    from ybj_kernel.domain.engine import Actor
    from ybj_kernel.domain.process import ProcessDefinition, Stage

    clocked = ProcessDefinition(
        id="P996",
        slug="clocked",
        name_zh="时限测试",
        service="toy",
        stages=(
            Stage("register", "登记", ("registrar",), "Registered"),
            Stage("review", "审核", ("first_reviewer",), "ReviewApproved", review=True, due=WorkingDays(5)),
        ),
    )
    counter = itertools.count(1)

    def build(today: date) -> CaseApplication:
        return CaseApplication(
            {"P996": clocked},
            lambda code, admdvs, day: f"{code}{admdvs}{day:%Y%m%d}{next(counter):08d}",
            env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
            today=lambda: today,
        )

    clerk = Actor("reg-1", ("registrar",), "520000")
    in_2026 = build(date(2026, 12, 1))
    assert in_2026.get_case(UUID(in_2026.create_case("P996", {}, clerk).case_id)).due_on == "2026-12-08"
    # Registered on 28 December, the 5th working day falls in 2027, whose official holidays are not loaded here.
    late = build(date(2026, 12, 28))
    ack = late.create_case("P996", {}, clerk)
    assert (ack.stage, late.get_case(UUID(ack.case_id)).due_on) == ("review", None)
