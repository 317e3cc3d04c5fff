"""Inspections over the F8 settlement details (P073-P076) and 举报投诉线索核查 (P077)."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule

PROCESSES: tuple[ProcessDefinition, ...] = ()
REGISTRIES: tuple[Registry, ...] = ()
RULES: tuple[Rule[Any, Any], ...] = ()
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
