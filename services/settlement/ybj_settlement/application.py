"""The settlement service's application: the case engine running this service's processes."""

from __future__ import annotations

from collections.abc import Mapping

from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import RuleBook
from ybj_settlement import payables, records, violations
from ybj_settlement.areas import AREAS, PROCESSES, REACTIONS

REGISTRIES: dict[str, Registry] = {
    r.name: r for r in (*records.REGISTRIES, payables.PAYABLES, *(r for a in AREAS for r in a.REGISTRIES))
}


class SettlementApplication(CaseApplication):
    """Event store and command handling of the settlement service."""

    name = "settlement"
    service = "settlement"
    service_code = "30"
    registries = REGISTRIES
    rules = RuleBook(rule for area in AREAS for rule in area.RULES)
    reactions = (*payables.REACTIONS, *violations.REACTIONS, *REACTIONS)

    @classmethod
    def default_definitions(cls) -> Mapping[str, ProcessDefinition]:
        """The settlement processes, by catalogue id."""
        return PROCESSES
