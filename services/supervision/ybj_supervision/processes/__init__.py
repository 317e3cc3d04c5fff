"""The supervision (智能监管/稽核) processes this service runs, by catalogue id."""

from ybj_kernel.domain.process import ProcessDefinition
from ybj_supervision.processes.p072_intelligent_monitoring import P072

PROCESSES: dict[str, ProcessDefinition] = {p.id: p for p in (P072,)}
