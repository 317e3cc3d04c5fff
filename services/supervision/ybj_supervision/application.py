"""The supervision service's application: the case engine running this service's processes."""

from __future__ import annotations

from collections.abc import Mapping

from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import RuleBook
from ybj_supervision import screening
from ybj_supervision.areas import AREAS, PROCESSES

REGISTRIES: dict[str, Registry] = {r.name: r for area in AREAS for r in area.REGISTRIES}


class SupervisionApplication(CaseApplication):
    """Event store and command handling of the supervision service."""

    name = "supervision"
    service = "supervision"
    service_code = "40"
    registries = REGISTRIES
    rules = RuleBook(rule for area in AREAS for rule in area.RULES)
    reactions = screening.REACTIONS

    @classmethod
    def default_definitions(cls) -> Mapping[str, ProcessDefinition]:
        """The supervision processes, by catalogue id."""
        return PROCESSES
