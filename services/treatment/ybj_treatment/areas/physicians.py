"""Physician and expert pools (P087-P091) and special-drug eligibility (P060, P061)."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_treatment.processes.p060_special_drug_eligibility_review import P060
from ybj_treatment.processes.p061_special_drug_physician_qualification_review import P061
from ybj_treatment.processes.p087_major_disease_certification_physician_pool import P087
from ybj_treatment.processes.p088_major_disease_onsite_review_physician_pool import P088
from ybj_treatment.processes.p089_insurance_physician_pool_maintenance import P089
from ybj_treatment.processes.p090_special_drug_designated_physician_pool import P090
from ybj_treatment.processes.p091_special_outpatient_designated_physician_pool import P091
from ybj_treatment.registries import physicians, special_drug_eligibility
from ybj_treatment.rules import physicians as physician_rules

PROCESSES: tuple[ProcessDefinition, ...] = (P060, P061, P087, P088, P089, P090, P091)
REGISTRIES: tuple[Registry, ...] = (*physicians.REGISTRIES, special_drug_eligibility.SPECIAL_DRUG_ELIGIBILITY)
RULES: tuple[Rule[Any, Any], ...] = physician_rules.RULES
# The example hospital is admitted by P065; P060 also needs it designated for 特药 (P069) and the example physician in
# the special-drug pool (P090); the expert pools' 维护 and 退出 need the expert admitted first.
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {
    "P060": ("P065", "P069", "P090"),
    "P060:registration_query": ("P065", "P069", "P090", "P060:apply"),
    "P060:history_query": ("P065", "P069", "P090", "P060:apply"),
    "P061": ("P065",),
    "P087": ("P065",),
    "P087:update": ("P065", "P087:admission"),
    "P087:exit": ("P065", "P087:admission"),
    "P088": ("P065",),
    "P088:update": ("P065", "P088:admission"),
    "P088:exit": ("P065", "P088:admission"),
    "P089": ("P065",),
    "P090": ("P065",),
    "P090:maintain": ("P065", "P090:declare"),
    "P091": ("P065",),
    "P091:maintain": ("P065", "P091:declare"),
}
