"""Monthly, quarterly and annual cycles (P079, P080, P082-P086): settlements, clearings, budgets, deposits, advances."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_settlement.processes.p079_monthly_settlement import P079
from ybj_settlement.processes.p080_remote_institution_monthly_settlement import P080
from ybj_settlement.processes.p082_remote_care_quarterly_clearing import P082
from ybj_settlement.processes.p083_global_budget_year_end_clearing import P083
from ybj_settlement.processes.p084_deposit_year_end_clearing import P084
from ybj_settlement.processes.p085_centralized_procurement_surplus_reward_clearing import P085
from ybj_settlement.processes.p086_prepayment_disbursement_and_clearing import P086
from ybj_settlement.rules.cycles import RULES as CYCLE_RULES

PROCESSES: tuple[ProcessDefinition, ...] = (P079, P080, P082, P083, P084, P085, P086)
REGISTRIES: tuple[Registry, ...] = ()
RULES: tuple[Rule[Any, Any], ...] = CYCLE_RULES
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
