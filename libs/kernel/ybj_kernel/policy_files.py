"""A policy file (the YAML table a service ships beside its rules) parsed and checked the same way in every service.

A service loads its policy files at import, so a bad file stops it from starting; what the operator then reads is this
module's error, and it names the file and, for a bad row, the row by its number (counted from 1, as the file is read),
so the fix is one look away. Only the parsing and the row-by-row check live here: what a file holds, and the checks
across rows (overlapping periods, a code listed twice), stay with the service that owns the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class PolicyFileError(ValueError):
    """A policy file is malformed; the message names the file and, where one row is at fault, that row."""


def problem(exc: ValidationError, whole: str = "row") -> str:
    """The validation errors on one line, each as `field.path: message`.

    pydantic gives an error about the object as a whole (a model validator, input that is not a mapping) no location;
    `whole` names it instead, so every part of the message still says where to look.
    """
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or whole}: {e['msg']}" for e in exc.errors())


def parsed_head(text: str, source: str, model: type[M], *, whole: str = "row") -> M:
    """The text parsed as YAML and validated as `model`: the file's head (its notes, its rows left raw).

    The rows stay raw mappings here, to be checked one by one by `checked_rows`: validating the whole file at once
    would bury a row's number in a location path. An error names the file (`source`).
    """
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyFileError(f"{source}: not valid YAML: {exc}") from None
    try:
        return model.model_validate(loaded)
    except ValidationError as exc:
        raise PolicyFileError(f"{source}: {problem(exc, whole)}") from None


def checked_rows(
    model: type[M],
    raws: Iterable[Mapping[str, Any]],
    what: str,
    source: str,
    *,
    label: Callable[[Mapping[str, Any]], object] | None = None,
    whole: str = "row",
) -> list[M]:
    """Each raw row validated as `model`, in order; the first bad one stops the load, named by its number.

    The message reads `source, what N (label): problem`. `what` is the row as the file's reader calls it ("row",
    "relations row", "deposit version"); N counts from 1; `label`, where given, adds what the raw row is about (its
    code, its key), since a number alone is hard to find in a long table.
    """
    rows: list[M] = []
    for number, raw in enumerate(raws, start=1):
        try:
            rows.append(model.model_validate(raw))
        except ValidationError as exc:
            about = "" if label is None else f" ({label(raw)})"
            raise PolicyFileError(f"{source}, {what} {number}{about}: {problem(exc, whole)}") from None
    return rows
