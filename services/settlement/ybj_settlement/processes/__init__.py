"""The settlement (结算/清算/拨付) processes this service runs, by catalogue id."""

from ybj_kernel.domain.process import ProcessDefinition
from ybj_settlement.processes.p079_monthly_settlement import P079

PROCESSES: dict[str, ProcessDefinition] = {p.id: p for p in (P079,)}
