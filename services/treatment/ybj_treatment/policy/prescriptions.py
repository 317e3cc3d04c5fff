"""电子处方 parameters as example data: how many days a prescription stays valid (prescriptions_example.yaml).

The seeds give none (items 82-89 have no guide); the file says it is an EXAMPLE and a 统筹区 replaces it. It is loaded
and checked at import: a value out of range stops the service, and the error names the file and the field.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ybj_kernel.policy_files import PolicyFileError as PolicyFileError  # noqa: PLC0414 - re-exported for callers
from ybj_kernel.policy_files import parsed_head

FILE = "prescriptions_example.yaml"


class _ValidityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    example: bool
    note_zh: str = Field(min_length=1)
    note_en: str = Field(min_length=1)
    default_valid_days: int = Field(ge=1, le=366)
    max_valid_days: int = Field(ge=1, le=366)

    @model_validator(mode="after")
    def _default_within_max(self) -> _ValidityFile:
        if self.default_valid_days > self.max_valid_days:
            raise ValueError("default_valid_days is above max_valid_days")
        return self


@dataclass(frozen=True)
class Validity:
    """How long an e-prescription stays valid; `example`: the figures are not the province's."""

    source: str
    example: bool
    note_zh: str
    default_days: int
    max_days: int


def parse_validity(text: str, source: str) -> Validity:
    """Parse and check the validity file; PolicyFileError names the file and the field."""
    checked = parsed_head(text, source, _ValidityFile, whole="file")
    return Validity(source, checked.example, checked.note_zh, checked.default_valid_days, checked.max_valid_days)


@functools.cache
def validity(name: str = FILE) -> Validity:
    """The validity in force (the example file shipped beside this module)."""
    return parse_validity(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"), name)


VALIDITY = validity()  # loaded at import: a bad file stops the service from starting
