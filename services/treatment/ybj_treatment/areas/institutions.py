"""Designated institutions and pharmacies: admission, upkeep, designations, chain groups (P063-P071, P081).

Registries `institution` (定点医药机构, E18) and `chain_group` (医药集团（连锁）, E19), in registries/institutions.py;
rules `institution_parameters` and `admission_statements`, in rules/institutions.py. Every upkeep and designation
example needs the example hospital (P065) or pharmacy (P066) admitted first.
"""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_treatment.processes.p063_designated_medical_institution_parameter_maintenance import P063
from ybj_treatment.processes.p064_designated_retail_pharmacy_parameter_maintenance import P064
from ybj_treatment.processes.p065_new_designated_medical_institution import P065
from ybj_treatment.processes.p066_new_designated_retail_pharmacy import P066
from ybj_treatment.processes.p067_designated_institution_remote_care_activation import P067
from ybj_treatment.processes.p068_new_major_disease_designated_hospital import P068
from ybj_treatment.processes.p069_new_special_drug_designated_hospital import P069
from ybj_treatment.processes.p070_new_chronic_disease_designated_hospital import P070
from ybj_treatment.processes.p071_new_public_hospital_reform_designated_hospital import P071
from ybj_treatment.processes.p081_chain_institution_relationship_management import P081
from ybj_treatment.registries.institutions import REGISTRIES as INSTITUTION_REGISTRIES
from ybj_treatment.rules.institutions import RULES as INSTITUTION_RULES

PROCESSES: tuple[ProcessDefinition, ...] = (P063, P064, P065, P066, P067, P068, P069, P070, P071, P081)
REGISTRIES: tuple[Registry, ...] = INSTITUTION_REGISTRIES
RULES: tuple[Rule[Any, Any], ...] = INSTITUTION_RULES
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {
    "P063": ("P065",),
    "P064": ("P066",),
    "P067": ("P065", "P066"),  # the example list names both example institutions
    "P068": ("P065",),
    "P069": ("P065",),
    "P070": ("P065",),
    "P071": ("P065",),
    "P081:bind": ("P066", "P081:create_group"),
    "P081:unbind": ("P066", "P081:create_group", "P081:bind"),
}
