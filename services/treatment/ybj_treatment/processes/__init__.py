"""The treatment (医保待遇) processes this service runs, by catalogue id (one module per process, listed by area)."""

from ybj_kernel.domain.process import ProcessDefinition
from ybj_treatment.areas import assistance, eligibility, institutions, physicians, reimbursement

AREAS = (eligibility, reimbursement, assistance, institutions, physicians)
PROCESSES: dict[str, ProcessDefinition] = {p.id: p for area in AREAS for p in area.PROCESSES}
