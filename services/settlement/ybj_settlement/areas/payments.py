"""Fund payment chains (P027-P043): 银行报盘 and 网银 chains with three review levels, bank files and returns."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule

PROCESSES: tuple[ProcessDefinition, ...] = ()
REGISTRIES: tuple[Registry, ...] = ()
RULES: tuple[Rule[Any, Any], ...] = ()
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
