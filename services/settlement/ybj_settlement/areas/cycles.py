"""Monthly, quarterly and annual cycles (P079, P080, P082-P086): settlements, clearings, budgets, deposits, advances."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_settlement.processes.p079_monthly_settlement import P079

PROCESSES: tuple[ProcessDefinition, ...] = (P079,)
REGISTRIES: tuple[Registry, ...] = ()
RULES: tuple[Rule[Any, Any], ...] = ()
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
