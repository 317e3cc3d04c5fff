"""The treatment service's application: the case engine running this service's processes."""

from __future__ import annotations

from collections.abc import Mapping

from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.process import ProcessDefinition
from ybj_treatment.processes import PROCESSES


class TreatmentApplication(CaseApplication):
    """Event store and command handling of the treatment service."""

    name = "treatment"
    service = "treatment"
    service_code = "20"

    @classmethod
    def default_definitions(cls) -> Mapping[str, ProcessDefinition]:
        """The treatment processes, by catalogue id."""
        return PROCESSES
