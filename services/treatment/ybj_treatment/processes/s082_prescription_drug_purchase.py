"""S082 处方购药: the patient, through a channel, chooses the designated pharmacy their e-prescription goes to (流转).

Service item 82 has no guide (DOMAIN §4.3); the project adds this one-step process so that the choice is a case, with
a 受理号, like every application item. The channel (role `channel`, acting for the person the gateway matched) names
the person, the 医保处方编号 and the pharmacy; the step completes at once (a choice of pharmacy needs no review), and
the prescription is 流转 to that pharmacy (registries/prescriptions.py `transfer`, which appends the status message).

Refused, naming the field: a prescription that is not the person's (answered as not found, so that a channel cannot
probe other people's numbers), or no longer open (bought, revoked, expired), or past its validity on the day of the
choice; a pharmacy that is not a designated pharmacy (定点零售药店) whose 医药服务 and 药店购药 are open that day, or that
does not take e-prescriptions that day (`rx_pharmacy`, S086: item 86 lists those). Choosing another pharmacy later,
while the prescription is not bought, is a new case (改为流转); choosing the same one again changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from ybj_kernel.domain.process import Lookup, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.errors import Conflict, NotFound
from ybj_treatment.registries.institutions import (
    EXAMPLE_PHARMACY,
    INSTITUTION_REGISTRY,
    PHARMACY,
    active_on,
    fixmedins_code_of,
    institution_of,
    service_open_on,
)
from ybj_treatment.registries.prescriptions import (
    EXAMPLE_RXNO,
    PRESCRIPTION,
    PRESCRIPTION_REGISTRY,
    FixmedinsCode,
    LocalTime,
    RxNo,
    prescription_of,
)
from ybj_treatment.registries.rx_pharmacies import RX_PHARMACY, RX_PHARMACY_FACT, enabled_on

PHARMACY_FACT = "pharmacy"
DRUGSTORE_PURCHASE = "41"  # 医保支付类别 药店购药 (registries/institutions.py SVC_TYPE_ZH)
PHARMACY_FIELDS = ("fixmedins_code", "fixmedins_name", "fixmedins_type", "admdvs", "status", "status_time", "services")
PHARMACY_LOOKUP = Lookup(
    PHARMACY_FACT, INSTITUTION_REGISTRY, key=fixmedins_code_of, pick=lambda s: {k: s.get(k) for k in PHARMACY_FIELDS}
)


class PharmacyChoice(BaseModel):
    """The person (as the gateway matched them), their prescription, the pharmacy chosen, and when."""

    psn_cert_type: Literal["01", "02", "03", "04", "05", "06", "07", "08"] = Field(default="01", description="证件类型")
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    hi_rxno: RxNo
    fixmedins_code: FixmedinsCode = Field(description="所选定点零售药店编号")
    chosen_time: LocalTime = Field(description="选择药店时间")

    @field_validator("certno")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()


def _the_persons_own(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The prescription is the named person's; someone else's is answered as no such prescription."""
    found = prescription_of(step)
    if found.get("certno") != step["certno"] or str(found.get("psn_name")).strip() != str(step["psn_name"]).strip():
        raise NotFound(
            "PRESCRIPTION_NOT_FOUND", "没有该医保处方编号的电子处方", "no e-prescription with this number", "hi_rxno"
        )


def _day(step: Mapping[str, Any]) -> date:
    return datetime.fromisoformat(str(step["chosen_time"])).date()


def _takes_e_prescriptions(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A designated pharmacy, open and with 药店购药 open on the day, enabled for e-prescriptions that day."""
    pharmacy = institution_of(step, kind=PHARMACY, fact=PHARMACY_FACT)
    code, on = pharmacy["fixmedins_code"], _day(step)
    if not active_on(pharmacy, on) or not service_open_on(pharmacy, DRUGSTORE_PURCHASE, on):
        raise Conflict(
            "PHARMACY_NOT_OPEN",
            f"定点零售药店 {code} 在 {on.isoformat()} 医药服务或药店购药未开通",
            f"pharmacy {code} is not open for drug purchases on {on.isoformat()}",
            "fixmedins_code",
        )
    if not enabled_on(step.get(RX_PHARMACY_FACT), on):
        raise Conflict(
            "PHARMACY_NOT_RX_ENABLED",
            f"定点零售药店 {code} 未开通电子处方流转（可选药店见“电子处方开通定点机构查询”）",
            f"pharmacy {code} does not take e-prescriptions on {on.isoformat()}",
            "fixmedins_code",
        )


def _facts(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "fixmedins_name": step[PHARMACY_FACT]["fixmedins_name"],
        "psn_no": prescription_of(step)["psn_no"],
    }


def effects(data: Mapping[str, Any], _variant: str | None) -> Sequence[Effect]:
    """流转: the prescription goes to the chosen pharmacy."""
    args = {k: data[k] for k in ("fixmedins_code", "fixmedins_name", "chosen_time")}
    return [Effect(PRESCRIPTION_REGISTRY, str(data["hi_rxno"]), "transfer", args)]


S082 = ProcessDefinition(
    id="S082",
    slug="prescription_drug_purchase",
    name_zh="处方购药（选择定点药店，电子处方流转）",
    service="treatment",
    stages=(
        Stage(
            "choose_pharmacy",
            "参保人选择定点零售药店，电子处方流转至该药店",
            ("channel",),
            "PharmacyChosen",
            input=PharmacyChoice,
            lookups=(PRESCRIPTION, PHARMACY_LOOKUP, RX_PHARMACY),
            checks=(_the_persons_own, _takes_e_prescriptions),
            derive=_facts,
            example={
                "psn_cert_type": "01",
                "certno": "52011519850312002X",
                "psn_name": "王芳",
                "hi_rxno": EXAMPLE_RXNO,
                "fixmedins_code": EXAMPLE_PHARMACY,
                "chosen_time": "2026-12-01T10:05:00",
            },
        ),
    ),
    effects=effects,
)
