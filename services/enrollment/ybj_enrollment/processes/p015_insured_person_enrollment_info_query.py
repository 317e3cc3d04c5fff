"""P015 参保人员参保信息查询: a one-step case that records who looked up which person (an auditable query).

The answers (人员基础信息、参保信息、缴费信息、基数信息、账户信息 …) are the registry reads, GET /api/v1/persons/{psn_no},
…/contributions and …/account; the case checks that the person is on the register under that 证件号码, changing
nothing, so that a query for an unknown person is refused (404 PERSON_NOT_FOUND on certno).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from ybj_enrollment.processes.fields import PersonLookup
from ybj_enrollment.registries.codes import psn_no_for
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect


class PersonQuery(PersonLookup):
    """人员综合查询: 证件类型、证件号码, and whoever asks for them (委托他人办理)."""

    agnter_name: str | None = Field(default=None, max_length=50, description="受托人姓名（委托他人办理）")
    agnter_certno: str | None = Field(default=None, max_length=50, description="受托人证件号码（委托他人办理）")


def person_number(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The 人员编号 looked up, found from the 证件号码 when not given."""
    return {"psn_no": step.get("psn_no") or psn_no_for(step["certno"])}


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """A read-only check: the person is on the register under this 证件号码 (nothing is recorded on them)."""
    return [Effect("person", str(data["psn_no"]), "check_exists", {"certno": data["certno"]})]


P015 = ProcessDefinition(
    id="P015",
    slug="insured_person_enrollment_info_query",
    name_zh="参保人员参保信息查询",
    service="enrollment",
    materials=(
        Material("参保人居民身份证原件", required=False, condition_zh="本人办理"),
        Material("委托人、受托人居民身份证原件（委托他人办理）", required=False, condition_zh="委托他人办理"),
    ),
    stages=(
        Stage(
            "query",
            "人员综合查询",
            ("registrar",),
            "PersonInfoQueried",
            input=PersonQuery,
            derive=person_number,
            example={"certno": "520102199003070022"},  # P002's example employee
        ),
    ),
    effects=effects,
)
