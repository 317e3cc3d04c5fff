"""P067 定点医药机构同步新增为省内、外异地就医医药机构: 汇总名单函至省异地结算中心 → 由省异地结算中心开通.

「贵州省基本医疗保险定点医药机构同步开通省内异地及省外异地就医医药机构」: the registrar gathers the institutions
admitted (P065 / P066) into one list and writes to the 省医疗保障异地结算中心, which opens them; completion designates
every listed institution `remote_care` (省内异地 and 省外异地) from the date it was opened. A listed institution that
is not admitted, paused, or already designated makes the completion refuse, naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual
from ybj_treatment.registries.institutions import (
    EXAMPLE_HOSPITAL,
    EXAMPLE_PHARMACY,
    INSTITUTION_REGISTRY,
    REMOTE_CARE,
    FixmedinsCode,
)

SCOPE = ["省内异地", "省外异地"]  # 「同步开通省内异地及省外异地就医医药机构」


class InstitutionList(BaseModel):
    """医药机构名单, and the letter that sends it."""

    fixmedins_codes: list[FixmedinsCode] = Field(
        min_length=1, max_length=500, description="医药机构名单（定点医药机构编号）"
    )
    letter_no: str | None = Field(default=None, max_length=100, description="函件文号")
    sent_on: date = Field(description="发函日期")

    @field_validator("fixmedins_codes")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        if twice := sorted({c for c in value if value.count(c) > 1}):
            raise bilingual(f"名单中重复的机构：{'、'.join(twice)}", f"listed twice: {', '.join(twice)}")
        return value

    @field_validator("sent_on")
    @classmethod
    def _not_ahead(cls, value: date, info: ValidationInfo) -> date:
        if value > today_of(info):
            raise bilingual("发函日期不能晚于今天", "sent_on cannot be after today")
        return value


class Activation(BaseModel):
    """省异地结算中心开通: from which date the listed institutions take remote-care patients."""

    begndate: date = Field(description="开通日期")


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """Every listed institution becomes a 省内、外异地就医医药机构 from the 开通日期."""
    detail = {"scope": SCOPE, "letter_no": data.get("letter_no")}
    args = {"kind": REMOTE_CARE, "begndate": data["begndate"], "detail": detail}
    return [Effect(INSTITUTION_REGISTRY, str(code), "designate", args) for code in data["fixmedins_codes"]]


P067 = ProcessDefinition(
    id="P067",
    slug="designated_institution_remote_care_activation",
    name_zh="贵州省基本医疗保险定点医药机构同步新增为省内、外异地就医医药机构",
    service="treatment",
    stages=(
        Stage(
            "send_institution_list",
            "汇总医药机构名单，函至省医疗保障异地结算中心",
            ("registrar",),
            "InstitutionListSent",
            input=InstitutionList,
            example={
                "fixmedins_codes": [EXAMPLE_HOSPITAL, EXAMPLE_PHARMACY],
                "letter_no": "黔医保经函〔2026〕12号",  # example
                "sent_on": "2026-12-01",
            },
        ),
        Stage(
            "activate_remote_care",
            "由省异地结算中心开通",
            ("remote_settlement_center",),
            "RemoteCareActivated",
            input=Activation,
            example={"begndate": "2026-12-01"},
        ),
    ),
    effects=effects,
)
