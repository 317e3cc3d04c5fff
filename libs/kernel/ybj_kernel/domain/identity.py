"""Validation of Chinese identifiers: 居民身份证号 (GB 11643), 统一社会信用代码 (GB 32100), 医保区划."""

from __future__ import annotations

import re
from datetime import date

_CERTNO = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS_11643 = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_11643 = "10X98765432"
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ADMDVS = re.compile(r"^\d{6}$")


def certno_check_digit(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS_11643, strict=True))
    return _CHECK_11643[total % 11]


def certno_problem(certno: str, today: date | None = None) -> tuple[str, str] | None:
    """Return (zh, en) describing what is wrong with a 居民身份证号, or None when it is valid."""
    if not _CERTNO.match(certno):
        return ("身份证号应为18位，前17位为数字，末位为数字或X", "must be 18 characters: 17 digits then a digit or X")
    try:
        born = birth_date_of(certno)
    except ValueError:
        return ("身份证号中的出生日期不存在", "the birth date inside it does not exist")
    if today is not None and born > today:
        return ("身份证号中的出生日期晚于今天", "the birth date inside it is in the future")
    if certno_check_digit(certno[:17]) != certno[17]:
        return ("身份证号校验位错误", "the check digit (ISO 7064 MOD 11-2) is wrong")
    return None


def birth_date_of(certno: str) -> date:
    """Return the birth date encoded in positions 7-14 of a 居民身份证号."""
    return date(int(certno[6:10]), int(certno[10:12]), int(certno[12:14]))


def gender_of(certno: str) -> str:
    """Return the national `gend` code (1 男, 2 女) encoded in the 17th digit."""
    return "1" if int(certno[16]) % 2 == 1 else "2"


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a 统一社会信用代码."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(uscc: str) -> tuple[str, str] | None:
    """Return (zh, en) describing what is wrong with a 统一社会信用代码, or None when it is valid."""
    if len(uscc) != 18 or any(c not in _USCC_ALPHABET for c in uscc):
        return ("统一社会信用代码应为18位，且不含I、O、Z、S、V", "must be 18 characters from the GB 32100 alphabet")
    if uscc_check_char(uscc[:17]) != uscc[17]:
        return ("统一社会信用代码校验位错误", "the check character is wrong")
    return None


def admdvs_problem(admdvs: str) -> tuple[str, str] | None:
    """Return (zh, en) describing what is wrong with a 医保区划 code, or None when it is valid."""
    if not _ADMDVS.match(admdvs) or admdvs[:2] == "00":
        return ("医保区划应为6位行政区划代码", "must be a 6-digit administrative division code")
    return None


def admdvs_covers(scope: str, admdvs: str) -> bool:
    """Tell whether staff of division `scope` may see cases of `admdvs` (520000 covers 52xxxx)."""
    if scope.endswith("0000"):
        return admdvs[:2] == scope[:2]
    if scope.endswith("00"):
        return admdvs[:4] == scope[:4]
    return admdvs == scope
