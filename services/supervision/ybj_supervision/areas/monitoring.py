"""Intelligent monitoring (P072) and the monitoring rules over settlement records (事前/事中审核, 3101 style)."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_supervision import screening
from ybj_supervision.processes.p072_intelligent_monitoring import P072
from ybj_supervision.rules.monitoring import MONITORING_RULES

PROCESSES: tuple[ProcessDefinition, ...] = (P072,)
REGISTRIES: tuple[Registry, ...] = screening.REGISTRIES
RULES: tuple[Rule[Any, Any], ...] = MONITORING_RULES
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
