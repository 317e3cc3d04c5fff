"""Medical assistance (P054 城乡医疗救助): 参保资助 and 直接医疗救助, the 资助明细 registry and the rules staff try."""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_treatment.processes.p054_urban_rural_medical_assistance import P054
from ybj_treatment.registries.assistance import SUBSIDIES
from ybj_treatment.rules.assistance_trials import RULES as ASSISTANCE_RULES

PROCESSES: tuple[ProcessDefinition, ...] = (P054,)
REGISTRIES: tuple[Registry, ...] = (SUBSIDIES,)
RULES: tuple[Rule[Any, Any], ...] = ASSISTANCE_RULES
# 医疗机构现场结算 settles at a designated hospital: P065's example admits H52010200001 first.
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {"P054:onsite_settlement": ("P065",)}
