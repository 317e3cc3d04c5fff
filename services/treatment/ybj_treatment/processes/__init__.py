"""The treatment (医保待遇) processes this service runs, by catalogue id."""

from ybj_kernel.domain.process import ProcessDefinition
from ybj_treatment.processes.p044_relocated_retiree_filing import P044

PROCESSES: dict[str, ProcessDefinition] = {p.id: p for p in (P044,)}
