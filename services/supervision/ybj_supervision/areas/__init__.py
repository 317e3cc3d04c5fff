"""The supervision processes by area; each area module lists its processes, registries, rules and example walks.

Every area exports `PROCESSES`, `REGISTRIES`, `RULES` and `EXAMPLE_PREREQUISITES`. The process modules themselves are
under ybj_supervision.processes.
"""

from ybj_kernel.domain.process import ProcessDefinition
from ybj_supervision.areas import inspections, monitoring

AREAS = (monitoring, inspections)
PROCESSES: dict[str, ProcessDefinition] = {p.id: p for area in AREAS for p in area.PROCESSES}
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {
    k: v for area in AREAS for k, v in area.EXAMPLE_PREREQUISITES.items()
}
