"""The enrollment service's application: the case engine running this service's processes."""

from __future__ import annotations

from collections.abc import Mapping

from ybj_enrollment.processes import PROCESSES
from ybj_enrollment.registries import REGISTRIES
from ybj_enrollment.rules import RULES
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.process import ProcessDefinition


class EnrollmentApplication(CaseApplication):
    """Event store and command handling of the enrollment service."""

    name = "enrollment"
    service = "enrollment"
    service_code = "10"
    registries = REGISTRIES
    rules = RULES

    @classmethod
    def default_definitions(cls) -> Mapping[str, ProcessDefinition]:
        """The enrollment processes, by catalogue id."""
        return PROCESSES
