"""The settlement processes by area; each area module lists its processes, registries, rules and example walks.

Every area exports `PROCESSES`, `REGISTRIES`, `RULES` and `EXAMPLE_PREREQUISITES` (what a process's stage examples
need walked first, in the same service). The process modules themselves are under ybj_settlement.processes.
"""

from ybj_kernel.domain.process import ProcessDefinition
from ybj_settlement.areas import adjustments, cycles, payments

AREAS = (payments, cycles, adjustments)
PROCESSES: dict[str, ProcessDefinition] = {p.id: p for area in AREAS for p in area.PROCESSES}
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {
    k: v for area in AREAS for k, v in area.EXAMPLE_PREREQUISITES.items()
}
