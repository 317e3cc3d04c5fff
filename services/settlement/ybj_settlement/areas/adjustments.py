"""Deductions and reconciliation (P078 违规扣款, P021 征缴实收对账), and, until the lead renames the area, the fund
expenditures P041 城乡医疗救助资金支出, P042 城乡居民基金支出 and P043 长期护理保险基金支出."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_settlement.processes.p021_contribution_collection_reconciliation import P021
from ybj_settlement.processes.p041_medical_assistance_fund_disbursement import P041
from ybj_settlement.processes.p042_urban_rural_resident_fund_disbursement import P042
from ybj_settlement.processes.p043_ltc_insurance_fund_disbursement import P043
from ybj_settlement.processes.p078_institution_violation_deduction import P078
from ybj_settlement.registries.deductions import DEDUCTIONS
from ybj_settlement.rules.adjustments import RULES as DEDUCTION_RULES
from ybj_settlement.rules.adjustments_reconciliation import RULES as RECONCILIATION_RULES

PROCESSES: tuple[ProcessDefinition, ...] = (P021, P041, P042, P043, P078)
REGISTRIES: tuple[Registry, ...] = (DEDUCTIONS,)
RULES: tuple[Rule[Any, Any], ...] = (*DEDUCTION_RULES, *RECONCILIATION_RULES)
# The examples need nothing walked first: P078's deductions open their own institution-month entries.
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
