"""Deductions and reconciliation (P078 违规扣款, P021 征缴实收对账)."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule

PROCESSES: tuple[ProcessDefinition, ...] = ()
REGISTRIES: tuple[Registry, ...] = ()
RULES: tuple[Rule[Any, Any], ...] = ()
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
