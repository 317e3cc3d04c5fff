"""Channel admission and management (P092) and the channel registry."""

from __future__ import annotations

from typing import Any

from ybj_gateway.processes.p092_convenience_service_channel_access import P092
from ybj_gateway.registries.channels import CHANNELS
from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule

PROCESSES: tuple[ProcessDefinition, ...] = (P092,)
REGISTRIES: tuple[Registry, ...] = (CHANNELS,)
RULES: tuple[Rule[Any, Any], ...] = ()
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
