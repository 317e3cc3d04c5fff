"""The enrollment (参保征缴) processes this service runs, by catalogue id."""

from ybj_enrollment.processes.p019_resident_enrollment import P019
from ybj_kernel.domain.process import ProcessDefinition

PROCESSES: dict[str, ProcessDefinition] = {p.id: p for p in (P019,)}
