"""P057 门诊慢特病病种委托书登记: 委托受理登记, recorded on the 病种 the holder ticks.

「根据《贵州省基本医疗保险规定（慢性）特殊疾病门诊<医疗证>委托承诺书》内容录入相关信息，勾选已登记的特殊病种信息，
点击委托确认」: the 承诺书's fields (委托定点医疗机构名称, 委托人联系电话, 病种名称, 受委托人 姓名、与委托人关系、身份证号码、
联系电话, 委托原因) are entered; the 病种 must be the holder's, in effect. The 受托人 is someone else than the holder
(「开药时出示本人身份证、委托人《社会保障卡》、《医疗证》及《承诺书》」). A later 委托书 for the same 病种 replaces
the earlier one. The holder must be insured on the day of the registration.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import certno_problem
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual
from ybj_treatment.insured import INSURED, check_insured
from ybj_treatment.processes.p044_relocated_retiree_filing import TEL_PATTERN
from ybj_treatment.processes.p055_chronic_special_disease_benefit_certification import (
    ASTHMA,
    PERSON,
    PersonByCertificate,
    the_person,
)
from ybj_treatment.registries.eligibility import QUALIFICATION_REGISTRY, DiseaseCode


class ProxyRegistration(PersonByCertificate):
    """委托受理登记: the 委托承诺书 as the holder and the 受托人 filled it in."""

    fixmedins_name: str = Field(min_length=1, max_length=200, description="委托定点医疗机构名称")
    client_tel: str = Field(pattern=TEL_PATTERN, description="委托人联系电话")
    opsp_dise_codes: list[DiseaseCode] = Field(min_length=1, description="委托的病种（勾选已登记的特殊病种）")
    agent_name: str = Field(min_length=1, max_length=50, description="姓名（受委托人）")
    rlts: str = Field(min_length=1, max_length=20, description="与委托人关系")
    agent_certno: str = Field(min_length=1, max_length=50, description="身份证号码（受委托人）")
    agent_tel: str = Field(pattern=TEL_PATTERN, description="受委托人联系电话")
    entrust_rea: str = Field(min_length=1, max_length=200, description="委托原因")
    registered_on: date | None = Field(default=None, description="登记日期（当天）")

    @field_validator("agent_certno")
    @classmethod
    def _agent_certno(cls, value: str, info: ValidationInfo) -> str:
        if problem := certno_problem(value.upper(), today=today_of(info)):
            raise bilingual(f"受委托人身份证号码无效：{problem[0]}", f"invalid 受委托人身份证号码: {problem[1]}")
        if value.upper() == info.data.get("certno"):
            raise bilingual("受委托人不能是持证人本人", "the proxy cannot be the holder of the certificate")
        return value.upper()

    @field_validator("opsp_dise_codes")
    @classmethod
    def _once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise bilingual("委托的病种重复", "a disease is listed twice")
        return value

    @model_validator(mode="after")
    def _today(self, info: ValidationInfo) -> ProxyRegistration:
        self.registered_on = today_of(info)
        return self


def insured_on_registration(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The holder is insured on the day the 委托书 is registered."""
    check_insured(step, on=date.fromisoformat(str(step["registered_on"])))


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The 受托人 on each 病种 ticked."""
    proxy = {
        "opsp_dise_codes": list(data["opsp_dise_codes"]),
        "psn_name": data["agent_name"],
        "certno": data["agent_certno"],
        "rlts": data["rlts"],
        "tel": data["agent_tel"],
        "reason": data["entrust_rea"],
        "fixmedins_name": data["fixmedins_name"],
        "client_tel": data["client_tel"],
        "on": data["registered_on"],
    }
    return [Effect(QUALIFICATION_REGISTRY, str(data["psn_no"]), "register_proxy", proxy)]


# 陈静's mother collects 陈静's medicines: the 受托人 and her 身份证号码 (a valid example number) are example values.
EXAMPLE = {
    **PERSON,
    "fixmedins_name": "贵阳市第一人民医院",
    "client_tel": "13800000001",
    "opsp_dise_codes": [ASTHMA["opsp_dise_code"]],
    "agent_name": "陈淑芬",
    "rlts": "母女",
    "agent_certno": "520102196505120022",
    "agent_tel": "13800000002",
    "entrust_rea": "本人工作繁忙，委托母亲代为开药",
}

P057 = ProcessDefinition(
    id="P057",
    slug="chronic_special_disease_proxy_registration",
    name_zh="门诊慢特病病种委托书登记",
    service="treatment",
    materials=(
        Material("《贵州省基本医疗保险门诊慢特病病种医疗证》"),
        Material("《贵州省基本医疗保险慢性特殊疾病门诊〈医疗证〉委托承诺书》"),
        Material("持证人社会保障卡（办理登记时出示）"),
        Material("受托人身份证原件"),
    ),
    stages=(
        Stage(
            "register_proxy",
            "委托受理登记（录入委托承诺书内容，勾选已登记的特殊病种，委托确认）",
            ("registrar",),
            "ProxyRegistered",
            input=ProxyRegistration,
            lookups=(INSURED,),
            checks=(insured_on_registration,),
            derive=the_person,
            example=EXAMPLE,
        ),
    ),
    effects=effects,
)
