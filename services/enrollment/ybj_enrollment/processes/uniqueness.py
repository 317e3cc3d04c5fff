"""Uniqueness scopes shared by the enrollment processes: a person caught whichever process enrolls them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ybj_kernel.domain.process import Uniqueness


def _person_year(data: Mapping[str, Any]) -> str:
    return f"{str(data['certno']).upper()}:{str(data['begndate'])[:4]}"


# 基本医疗保险 (职工 310 or 城乡居民 390): one enrollment in effect per person and 参保年度, through any process
# (P002 城镇职工参保登记, P003 灵活就业人员参保登记, P019 城乡居民参保登记 …).
BASIC_MEDICAL_ENROLLMENT = Uniqueness(
    scope="basic_medical_enrollment",
    key=_person_year,
    field="certno",
    message_zh="该人员本年度已有有效的基本医疗保险参保登记（职工或城乡居民）",
    message_en="this person already has a basic medical insurance enrollment (employee or resident) in effect for the year",
)
