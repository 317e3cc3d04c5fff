"""The settlement processes by area; each area module lists its processes, registries, rules and example walks.

Every area exports `PROCESSES`, `REGISTRIES`, `RULES` and `EXAMPLE_PREREQUISITES` (what a process's stage examples
need walked first, in the same service); `REACTIONS` are the areas' reactions to other services' events (only the
contributions view's today). The process modules themselves are under ybj_settlement.processes.
"""

from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.reactions import Reaction
from ybj_settlement.areas import adjustments, contributions, cycles, payments

AREAS = (payments, cycles, adjustments, contributions)
PROCESSES: dict[str, ProcessDefinition] = {p.id: p for area in AREAS for p in area.PROCESSES}
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {
    k: v for area in AREAS for k, v in area.EXAMPLE_PREREQUISITES.items()
}
REACTIONS: tuple[Reaction, ...] = contributions.REACTIONS
