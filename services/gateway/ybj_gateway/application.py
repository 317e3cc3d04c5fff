"""The gateway service's application: the case engine running channel admission (P092) and the channel registry."""

from __future__ import annotations

from collections.abc import Mapping

from ybj_gateway.areas import AREAS, PROCESSES
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import RuleBook

REGISTRIES: dict[str, Registry] = {r.name: r for area in AREAS for r in area.REGISTRIES}


class GatewayApplication(CaseApplication):
    """Event store and command handling of the gateway service (便民服务集成平台)."""

    name = "gateway"
    service = "gateway"
    service_code = "50"
    registries = REGISTRIES
    rules = RuleBook(rule for area in AREAS for rule in area.RULES)

    @classmethod
    def default_definitions(cls) -> Mapping[str, ProcessDefinition]:
        """The gateway's processes, by catalogue id."""
        return PROCESSES
