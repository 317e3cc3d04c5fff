"""The service items the gateway serves, by number, gathered from the item modules' SERVED tables (items.served.Served);
an item no module serves answers ITEM_NOT_AVAILABLE (501).

Each module serves a group of items: applications.py the application items of guided processes (applications.yaml),
institutions.py 54/55, insured.py 68, expenses.py 108/113, progress.py 114.
"""

from __future__ import annotations

from collections.abc import Mapping

from ybj_gateway.items import (
    accounts,
    applications,
    benefits,
    expenses,
    institutions,
    insured,
    ltc,
    mutual_aid,
    person_cases,
    prescriptions,
    progress,
    reference,
    settlements,
)
from ybj_gateway.items.call import Commands, ItemCall, ItemHandler, NoCommands, QueryReads
from ybj_gateway.items.served import Served

MODULES = (
    accounts,
    applications,
    benefits,
    expenses,
    institutions,
    insured,
    ltc,
    mutual_aid,
    person_cases,
    prescriptions,
    progress,
    reference,
    settlements,
)


def _gathered() -> dict[int, Served]:
    served: dict[int, Served] = {}
    for module in MODULES:
        table: Mapping[int, Served] = module.SERVED
        if twice := set(table) & set(served):
            raise ValueError(f"items served by two modules: {sorted(twice)}")
        served.update(table)
    return dict(sorted(served.items()))


SERVED = _gathered()
HANDLERS: dict[int, ItemHandler] = {no: s.handler for no, s in SERVED.items()}
AVAILABLE = frozenset(HANDLERS)

__all__ = [
    "AVAILABLE",
    "HANDLERS",
    "SERVED",
    "Commands",
    "ItemCall",
    "ItemHandler",
    "NoCommands",
    "QueryReads",
    "Served",
]
