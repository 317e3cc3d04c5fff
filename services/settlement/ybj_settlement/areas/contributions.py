"""Enrollment's 缴费记录 as settlement keeps them (contributions.py): the views P021 征缴实收对账 matches the tax bureau's
rows against, and the reaction on enrollment's person events that keeps them. No process of its own."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.reactions import Reaction
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_settlement import contributions

PROCESSES: tuple[ProcessDefinition, ...] = ()
REGISTRIES: tuple[Registry, ...] = contributions.REGISTRIES
RULES: tuple[Rule[Any, Any], ...] = ()
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
REACTIONS: tuple[Reaction, ...] = contributions.REACTIONS
