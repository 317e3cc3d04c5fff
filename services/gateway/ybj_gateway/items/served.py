"""How an item module declares the items it serves: the handler, the example call the end-to-end test makes against
the sandbox, and the assumptions behind an item the seed gives no guide for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ybj_gateway.items.call import ItemHandler


@dataclass(frozen=True)
class Served:
    """One item as a module serves it.

    `example` is the business data of a call that succeeds against the sandbox (sandbox.py), with placeholders the
    end-to-end test fills in: `${person.certno}`, `${person.psn_name}`, `${person.psn_no}` (a sandbox person insured as
    an employee with an account, contributions and settlement records), `${relative.…}` (a second sandbox person of
    the same family), `${newcomer.…}` (a sandbox person not insured yet), `${institution.fixmedins_code}`,
    `${pharmacy.fixmedins_code}`, and `${answer:NN.field}` (a field of the answer of item NN, called earlier: list NN
    in `after`). `assumption_zh` says what the project assumed where the seed is silent (shown with the item)."""

    handler: ItemHandler
    example: Mapping[str, Any] = field(default_factory=dict)
    after: tuple[int, ...] = ()
    assumption_zh: str | None = None
