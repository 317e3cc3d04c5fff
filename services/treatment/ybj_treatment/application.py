"""The treatment service's application: the case engine running this service's processes."""

from __future__ import annotations

from collections.abc import Mapping

from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.process import ProcessDefinition
from ybj_kernel.domain.registry import Registry
from ybj_kernel.domain.rules import RuleBook
from ybj_treatment import insured, payments
from ybj_treatment.areas import AREAS, PROCESSES
from ybj_treatment.reactions import REACTIONS

REGISTRIES: dict[str, Registry] = {
    r.name: r for r in (*insured.REGISTRIES, payments.BENEFIT_PAYMENTS, *(r for area in AREAS for r in area.REGISTRIES))
}


class TreatmentApplication(CaseApplication):
    """Event store and command handling of the treatment service."""

    name = "treatment"
    service = "treatment"
    service_code = "20"
    registries = REGISTRIES
    rules = RuleBook(rule for area in AREAS for rule in area.RULES)
    reactions = REACTIONS

    @classmethod
    def default_definitions(cls) -> Mapping[str, ProcessDefinition]:
        """The treatment processes, by catalogue id."""
        return PROCESSES
