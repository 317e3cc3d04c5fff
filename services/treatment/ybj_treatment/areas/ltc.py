"""长期护理保险 (long-term care): process S078 失能评定, which backs service items 75-81 (the seeds give no guide).

Registry: `ltc_eligibility` (registries/ltc.py, keyed by 人员编号). Parameters: the example 失能等级 table, validity and
照护计划 (policy/ltc_example.yaml) and the example 照护机构 directory (policy/ltc_institutions_example.yaml), both
loaded and checked by policy/ltc.py. No rules staff can try: the seeds give no sentence to implement.
"""

from __future__ import annotations

from typing import Any

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import Rule
from ybj_treatment.processes.s078_disability_assessment import S078
from ybj_treatment.registries import ltc as registries

PROCESSES: tuple[ProcessDefinition, ...] = (S078,)
REGISTRIES: tuple[Registry, ...] = registries.REGISTRIES
RULES: tuple[Rule[Any, Any], ...] = ()
# The example applicant (陈静) comes from enrollment's examples, fed to treatment by the tests; nothing else is needed.
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {}
