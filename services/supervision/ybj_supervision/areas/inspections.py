"""Inspections over the F8 settlement details (P073-P076) and 举报投诉线索核查 (P077)."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_supervision.processes.p073_routine_inspection import P073
from ybj_supervision.processes.p074_special_inspection import P074
from ybj_supervision.processes.p075_on_site_inspection import P075
from ybj_supervision.processes.p076_year_end_inspection import P076
from ybj_supervision.processes.p077_complaint_lead_verification import P077

PROCESSES: tuple[ProcessDefinition, ...] = (P073, P074, P075, P076, P077)
REGISTRIES: tuple[Registry, ...] = ()
RULES: tuple[Rule[Any, Any], ...] = ()
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
