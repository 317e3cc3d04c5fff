"""Service-layer helpers that turn a decision's registry effects into changed entries, each loaded once."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ybj_kernel.domain.registry import Effect, Entry, Registry, apply_op, open_entry, registry_named, revert_entry

Load = Callable[[UUID], Any]


def find_entry(load: Load, reg: Registry, key: str) -> Entry | None:
    """Load the entry of `reg` under `key`, or None when there is none."""
    try:
        entry: Entry = load(reg.entry_id(key))
    except AggregateNotFoundError:
        return None
    return entry


def apply_effects(
    registries: Mapping[str, Registry],
    load: Load,
    case_id: str,
    effects: tuple[Effect, ...],
    reverts: tuple[tuple[str, str], ...],
    seen: Mapping[tuple[str, str], Entry] | None = None,
) -> dict[tuple[str, str], Entry]:
    """Apply `effects` (or revert this case's changes to the `reverts` entries); the registries' checks may refuse.

    `seen` holds entries already changed but not yet saved (earlier rows of a batch); they are copied, not changed,
    so that a refused change leaves them as they were.
    """
    touched: dict[tuple[str, str], Entry] = {}

    def entry(reg: Registry, key: str) -> Entry | None:
        if (reg.name, key) not in touched:
            if seen is not None and (reg.name, key) in seen:
                touched[(reg.name, key)] = copy.deepcopy(seen[(reg.name, key)])
            elif (found := find_entry(load, reg, key)) is not None:
                touched[(reg.name, key)] = found
        return touched.get((reg.name, key))

    for name, key in reverts:
        reg = registry_named(registries, name)
        if (found := entry(reg, key)) is not None:
            revert_entry(reg, found, case_id)
    for effect in effects:
        reg = registry_named(registries, effect.registry)
        if (found := entry(reg, effect.key)) is not None:
            apply_op(reg, found, effect.op, effect.args, case_id)
        else:
            touched[(reg.name, effect.key)] = open_entry(reg, effect.key, effect.op, effect.args, case_id)
    return touched
