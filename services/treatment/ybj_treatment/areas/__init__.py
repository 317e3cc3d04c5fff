"""The treatment processes by area; each area module lists its processes, registries, rules and example walks.

Every area exports `PROCESSES`, `REGISTRIES`, `RULES` and `EXAMPLE_PREREQUISITES` (what a process's stage examples
need walked first, in the same service: process id, or "P0NN:variant", to the processes walked before it, in order).
The process modules themselves are under ybj_treatment.processes, one per catalogue process.
"""

from ybj_kernel.domain.process import ProcessDefinition
from ybj_treatment.areas import assistance, eligibility, institutions, ltc, physicians, prescriptions, reimbursement

AREAS = (eligibility, reimbursement, assistance, institutions, physicians, ltc, prescriptions)
PROCESSES: dict[str, ProcessDefinition] = {p.id: p for area in AREAS for p in area.PROCESSES}
EXAMPLE_PREREQUISITES: dict[str, tuple[str, ...]] = {
    k: v for area in AREAS for k, v in area.EXAMPLE_PREREQUISITES.items()
}
