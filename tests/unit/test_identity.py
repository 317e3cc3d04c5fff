"""Chinese identifiers: 居民身份证号, 统一社会信用代码 and 医保区划 scope."""

from __future__ import annotations

from datetime import date

import pytest

from ybj_kernel.domain.identity import (
    admdvs_covers,
    birth_date_of,
    certno_problem,
    gender_of,
    uscc_check_char,
    uscc_problem,
)


@pytest.mark.parametrize("certno", ["11010519491231002X", "440524188001010014"])
def test_published_examples_are_valid(certno: str) -> None:
    # Examples published with GB 11643-1999.
    assert certno_problem(certno) is None


def test_wrong_check_digit_is_named() -> None:
    problem = certno_problem("110105194912310021")
    assert problem is not None
    assert "校验位" in problem[0]
    assert "check digit" in problem[1]


def test_impossible_birth_date_is_refused() -> None:
    problem = certno_problem("110105199002300011")  # 30 February
    assert problem is not None
    assert "出生日期" in problem[0]


def test_future_birth_date_is_refused() -> None:
    from ybj_kernel.domain.identity import certno_check_digit

    first17 = "52010220990101001"
    assert certno_problem(first17 + certno_check_digit(first17), today=date(2026, 11, 23)) is not None


def test_shape_is_checked() -> None:
    assert certno_problem("12345") is not None
    assert certno_problem("11010519491231002x") is not None  # lower-case x is not the standard form


def test_birth_date_and_gender_come_from_the_number() -> None:
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    assert gender_of("11010519491231002X") == "2"
    assert gender_of("440524188001010014") == "1"


def test_uscc_check_character() -> None:
    first17 = "91520100MA6DK0Q8X"
    code = first17 + uscc_check_char(first17)
    assert uscc_problem(code) is None
    wrong = first17 + ("0" if code[-1] != "0" else "1")
    assert uscc_problem(wrong) is not None
    assert uscc_problem("91520100MA6DK0Q8I1") is not None  # I is not in the alphabet


def test_published_uscc_is_valid() -> None:
    assert uscc_problem("91350100M000100Y43") is None


@pytest.mark.parametrize(
    ("scope", "admdvs", "covered"),
    [
        ("520000", "520102", True),
        ("520000", "530102", False),
        ("520100", "520115", True),
        ("520100", "520300", False),
        ("520102", "520102", True),
        ("520102", "520103", False),
    ],
)
def test_admdvs_scope(scope: str, admdvs: str, covered: bool) -> None:
    assert admdvs_covers(scope, admdvs) is covered
