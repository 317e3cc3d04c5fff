"""P059 门诊慢特病病种补证、换证: 「特殊病登记打印——录入参保人身份证号码或个人编码，点击查询，勾选人员信息点击打印」.

Two variants, by why the 医疗证 is printed again: 补证（遗失）, against the 《个人承诺书》, and 换证（损坏）, against the
damaged 医疗证 (the materials). The person's qualification is looked up (by the 人员编号 of the person found by 证件号码)
and must hold a 病种 in effect; the case keeps what the new certificate shows, and the issue is recorded on the
qualification (`certificates`). The printed form is the variant's 医疗证.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field, ValidationInfo, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Lookup, Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.errors import Conflict
from ybj_treatment.documents.eligibility import P059_CERTIFICATES
from ybj_treatment.insured import INSURED, INSURED_FACT, check_insured
from ybj_treatment.processes.p055_chronic_special_disease_benefit_certification import (
    PERSON,
    PersonByCertificate,
    disease_list,
    the_person,
)
from ybj_treatment.registries.eligibility import ACTIVE, QUALIFICATION_REGISTRY

QUALIFICATION_FACT = "qualification"


class CertificateQuery(PersonByCertificate):
    """查询参保人: the person, and the day the certificate is printed."""

    issue_date: date | None = Field(default=None, description="补换证日期（当天）")

    @model_validator(mode="after")
    def _today(self, info: ValidationInfo) -> CertificateQuery:
        self.issue_date = today_of(info)
        return self


def psn_no_found(data: Mapping[str, Any]) -> str | None:
    """The 人员编号 of the person found by 证件号码 (the `insured` lookup before this one), never a typed value."""
    found = (data.get(INSURED_FACT) or {}).get("psn_no")
    return str(found) if found else None


def _chronic_part(state: Mapping[str, Any]) -> dict[str, Any]:
    return {"psn_no": state.get("psn_no"), "chronic": state.get("chronic") or {}}


QUALIFICATION = Lookup(QUALIFICATION_FACT, QUALIFICATION_REGISTRY, psn_no_found, pick=_chronic_part)


def insured_on_issue(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Insured on the day the certificate is printed."""
    check_insured(step, on=date.fromisoformat(str(step["issue_date"])))


def holds_a_qualification(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """At least one 病种 in effect: else there is no certificate to print."""
    found = step.get(QUALIFICATION_FACT) or {}
    theirs = found.get("psn_no") == (step.get(INSURED_FACT) or {}).get("psn_no")  # the same person, never another's
    chronic = found.get("chronic") or {}
    if not theirs or not any(q.get("status") == ACTIVE for q in chronic.values()):
        raise Conflict(
            "NOT_QUALIFIED",
            f"证件号码 {step.get('certno')} 的参保人没有在认定有效期内的门诊慢特病病种，不能补证、换证",
            f"{step.get('certno')} holds no chronic/special disease qualification in effect: no certificate to print",
            "certno",
        )


def certificate(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """What the certificate shows: the 病种 in effect, their 选定医院, the earliest 认定 date, the 处方本编号."""
    chronic = (step.get(QUALIFICATION_FACT) or {}).get("chronic") or {}
    active = {code: q for code, q in sorted(chronic.items()) if q.get("status") == ACTIVE}
    books = [str(q["prescription_book_no"]) for q in active.values() if q.get("prescription_book_no")]
    return {
        **the_person(_, step),
        "dise_list": [d for code, q in active.items() for d in disease_list(code, q["name"])],
        "cert_fixmedins_codes": sorted({c for q in active.values() for c in q["fixmedins_codes"]}),
        "begndate": min(str(q["begndate"]) for q in active.values()),
        "prescription_book_no": "、".join(books) if books else None,
    }


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """The reissue, recorded on the qualification."""
    issue = {"kind": variant or "lost", "on": data["issue_date"]}
    return [Effect(QUALIFICATION_REGISTRY, str(data["psn_no"]), "reissue_certificate", issue)]


P059 = ProcessDefinition(
    id="P059",
    slug="chronic_special_disease_certificate_reissue",
    name_zh="门诊慢特病病种补证、换证",
    service="treatment",
    variants=(Variant("lost", "补证（遗失）"), Variant("damaged", "换证（损坏）")),
    materials=(
        Material("损坏的《医疗证》及社会保障卡（损坏换证）", required=False, condition_zh="损坏换证"),
        Material("《个人承诺书》及社会保障卡（遗失补证）", required=False, condition_zh="遗失补证"),
        Material("社会保障卡（办理时出示）"),
    ),
    stages=(
        Stage(
            "print_certificate",
            "特殊病登记打印（查询参保人，勾选人员信息点击打印）",
            ("registrar",),
            "CertificatePrinted",
            input=CertificateQuery,
            lookups=(INSURED, QUALIFICATION),
            checks=(insured_on_issue, holds_a_qualification),
            derive=certificate,
            example=PERSON,
        ),
    ),
    effects=effects,
    documents=P059_CERTIFICATES,
)
