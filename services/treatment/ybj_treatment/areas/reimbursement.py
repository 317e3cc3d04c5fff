"""Manual reimbursement (P048, P049) and maternity benefits (P050-P053)."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_treatment.processes.p048_outpatient_expense_reimbursement import P048
from ybj_treatment.processes.p049_inpatient_expense_reimbursement import P049
from ybj_treatment.processes.p050_prenatal_checkup_fee_payment import P050
from ybj_treatment.processes.p051_maternity_medical_expense_payment import P051
from ybj_treatment.processes.p052_family_planning_medical_expense_payment import P052
from ybj_treatment.processes.p053_maternity_allowance_payment import P053
from ybj_treatment.rules.reimbursement import RULES as REIMBURSEMENT_RULES

PROCESSES: tuple[ProcessDefinition, ...] = (P048, P049, P050, P051, P052, P053)
REGISTRIES: tuple[Registry, ...] = ()  # claims read `insured` and `institution`, and write `benefit_payment`
RULES: tuple[Rule[Any, Any], ...] = REIMBURSEMENT_RULES
# A claim's hospital, H52010200001 贵阳市第一人民医院 (hosp_lv 01), is admitted by P065's example.
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {
    "P048": ("P065",),
    "P049": ("P065",),
    "P050": ("P065",),
    "P051": ("P065",),
    "P052": ("P065",),
}
