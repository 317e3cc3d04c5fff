"""Registries: long-lived records (an employer, a person, an account …) that cases change, event-sourced.

A registry is data, like a process: its operations, each a small pure function that checks the entry's invariants
and changes its state. Every entry is one `Entry` aggregate. A process declares its completion's effects (`Effect`);
the application opens or changes each entry and saves the entries with the case in one transaction. Stepping a
completed case back reverts that case's change with a new event, so both moves stand in the entry's own history.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import jsonpatch
import jsonpointer
from eventsourcing.domain import Aggregate, event
from pydantic import BaseModel, Field

from ybj_kernel.domain.validation import validate_input
from ybj_kernel.errors import Conflict, InvalidInput, NotFound

_REGISTRY_NS = uuid5(NAMESPACE_URL, "urn:ybj:registry")
REVERTED = "ChangeReverted"  # a case stepped back or cancelled: its change to the entry is undone


@dataclass(frozen=True)
class Effect:
    """What completing a case does to one registry entry."""

    registry: str  # e.g. "employer", "person", "account"
    key: str  # the entry's business key (emp_no, psn_no …)
    op: str  # an operation the registry declares, e.g. "enroll", "suspend_contribution"
    args: dict[str, Any]  # JSON-safe arguments (dates as ISO strings, money as fen)


@dataclass(frozen=True)
class Op:
    """One operation of a registry: its Chinese name, the fact it records, its arguments, and its pure change."""

    name_zh: str
    event: str  # past tense, e.g. ContributionSuspended
    args: type[BaseModel] | None
    change: Callable[[dict[str, Any], dict[str, Any]], None]  # (state, validated args): checks, then changes state
    # A check that also runs where no entry is in effect, on an empty state, so that it refuses with its own error
    # naming the field the clerk entered (P014/P015 查询: 单位编号, 证件号码) instead of the generic ENTRY_NOT_FOUND.
    checks_missing: bool = False


@dataclass(frozen=True)
class Registry:
    """One registry: its name, its operations, and which of them open a new entry."""

    name: str
    name_zh: str
    ops: Mapping[str, Op]
    creates: frozenset[str]  # may open a new entry (on an existing one they apply like any other operation)
    # Published on the service's topic (the relay). A service's own view of another's facts (treatment's `insured`,
    # kept from enrollment's events) is not: its source events are already on the publisher's topic.
    published: bool = True

    def entry_id(self, key: str) -> UUID:
        """The id of the entry under `key`."""
        return uuid5(_REGISTRY_NS, f"{self.name}:{key}")

    def describe(self) -> dict[str, Any]:
        """The registry's operations, for staff and front ends."""
        return {
            "name": self.name,
            "name_zh": self.name_zh,
            "ops": [
                {
                    "op": k,
                    "name_zh": o.name_zh,
                    "event": o.event,
                    "opens": k in self.creates,
                    "args_schema": o.args.model_json_schema() if o.args is not None else None,
                }
                for k, o in self.ops.items()
            ],
        }


def patched(state: Any, patch: Sequence[Mapping[str, Any]]) -> Any:
    """An entry's state after one of its events' JSON patches, as a new document: the patch is copied in, so that later
    changes never reach into a recorded event (or a consumer's copy of it). A patch that does not fit is a ValueError."""
    try:
        return jsonpatch.apply_patch(state, copy.deepcopy(list(patch)))
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise ValueError(f"the patch does not fit the state: {exc}") from None


def kept_parts(patch: Sequence[Mapping[str, Any]], kept: Collection[str]) -> list[dict[str, Any]]:
    """The operations of another service's entry patch that touch the top-level parts a view keeps (`kept`), for a
    consumer that keeps a slice of that entry (treatment's insured persons, settlement's contributions): an operation on
    the whole document is slimmed to the kept parts, one on (or moving from) another part is left out."""
    out: list[dict[str, Any]] = []
    for op in patch:
        path = str(op["path"])
        if path == "":
            value = op.get("value") or {}
            out.append({**op, "value": {k: v for k, v in value.items() if k in kept}})
        elif path.split("/")[1] in kept and ("from" not in op or str(op["from"]).split("/")[1] in kept):
            out.append(dict(op))
    return out


class Entry(Aggregate):
    """One entry of a registry; its state is a JSON document changed only through the registry's operations.

    A change is stored as the JSON Patch (RFC 6902) it made and the one that undoes it, not as the whole document:
    an account with years of 收支 entries would otherwise store its whole statement again with every entry.
    """

    @event("Opened")
    def __init__(
        self,
        id: UUID,
        registry: str,
        key: str,
        op: str,
        event_name: str,
        args: dict[str, Any],
        state: dict[str, Any],
        case_id: str,
    ) -> None:
        self.registry = registry
        self.key = key
        self.state = state
        self.in_effect = True
        # Changes still in effect, oldest first: the case, the operation, and the patch that undoes it (None when
        # undoing it leaves the entry not in effect: it opened or re-opened the entry).
        self.changes: list[dict[str, Any]] = [{"case_id": case_id, "op": op, "undo": None}]

    @event("Changed")
    def changed(
        self,
        op: str,
        event_name: str,
        args: dict[str, Any],
        patch: list[dict[str, Any]],
        undo: list[dict[str, Any]],
        case_id: str,
    ) -> None:
        """Record an operation's outcome (called through `apply_op`, which runs the registry's checks)."""
        self.changes.append({"case_id": case_id, "op": op, "undo": undo if self.in_effect else None})
        self.state = patched(self.state if self.in_effect else {}, patch)
        self.in_effect = True

    @event("ChangeReverted")
    def reverted(self, case_id: str, op: str, event_name: str, patch: list[dict[str, Any]] | None) -> None:
        """Record that a case's change was undone: the state is as it was before it (None: not in effect)."""
        self.changes.pop()
        self.in_effect = patch is not None
        self.state = patched(self.state, patch) if patch is not None else {}

    def changed_by(self) -> list[str]:
        """The cases whose changes are in effect, oldest first."""
        return [c["case_id"] for c in self.changes]

    def describe(self) -> dict[str, Any]:
        """The entry as JSON: which registry, its key, whether it is in effect, its version and state."""
        return {
            "registry": self.registry,
            "key": self.key,
            "in_effect": self.in_effect,
            "version": self.version,
            "state": self.state,
        }


def open_entry(reg: Registry, key: str, op: str, args: Mapping[str, Any], case_id: str) -> Entry:
    """Open a new entry by one of the registry's creating operations."""
    if op not in reg.creates:
        _check_missing(reg, op, args)
        raise NotFound("ENTRY_NOT_FOUND", f"登记簿中没有{reg.name_zh} {key}", f"there is no {reg.name} {key}", reg.name)
    state: dict[str, Any] = {}
    values = _run(reg, op, state, args)
    return Entry(
        id=reg.entry_id(key),
        registry=reg.name,
        key=key,
        op=op,
        event_name=reg.ops[op].event,
        args=values,
        state=state,
        case_id=case_id,
    )


def apply_op(reg: Registry, entry: Entry, op: str, args: Mapping[str, Any], case_id: str) -> None:
    """Change an entry by an operation; the operation's checks refuse what the registry's invariants forbid."""
    if op not in reg.ops:
        raise InvalidInput(
            "UNKNOWN_OPERATION", f"{reg.name_zh}不能办理 {op}", f"{reg.name} has no operation {op}", "op"
        )
    if not entry.in_effect and op not in reg.creates:
        _check_missing(reg, op, args)
        raise Conflict(
            "ENTRY_NOT_IN_EFFECT",
            f"{reg.name_zh} {entry.key} 未生效",
            f"{reg.name} {entry.key} is not in effect",
            reg.name,
        )
    before = entry.state if entry.in_effect else {}
    state = copy.deepcopy(before)
    values = _run(reg, op, state, args)
    if entry.in_effect and state == before:
        return  # a check (or a repeat) that changes nothing records nothing
    entry.changed(
        op=op,
        event_name=reg.ops[op].event,
        args=values,
        patch=jsonpatch.make_patch(before, state).patch,
        undo=jsonpatch.make_patch(state, before).patch,
        case_id=case_id,
    )


def revert_entry(reg: Registry, entry: Entry, case_id: str) -> None:
    """Undo this case's change if it is the latest in effect; a later case's change must be stepped back first."""
    if not any(c["case_id"] == case_id for c in entry.changes):
        return  # this case changed nothing here
    last = entry.changes[-1]
    if last["case_id"] != case_id:
        raise Conflict(
            "CHANGED_SINCE",
            f"该{reg.name_zh}记录已被后续业务（案件 {last['case_id']}）变更，请先回退后续业务",
            f"a later case ({last['case_id']}) changed this {reg.name}; step that case back first",
            reg.name,
        )
    entry.reverted(case_id=case_id, op=last["op"], event_name=REVERTED, patch=last["undo"])


def _check_missing(reg: Registry, op: str, args: Mapping[str, Any]) -> None:
    """Where no entry is in effect, a check that says so itself (Op.checks_missing) runs on an empty state."""
    if op in reg.ops and reg.ops[op].checks_missing:
        _run(reg, op, {}, args)


def _run(reg: Registry, op: str, state: dict[str, Any], args: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the operation's arguments (bilingual errors naming the field) and change `state` in place."""
    spec = reg.ops[op]
    values = validate_input(spec.args, args) if spec.args is not None else dict(args)
    spec.change(state, values)
    return values


def registry_named(registries: Mapping[str, Registry], name: str) -> Registry:
    """The registry of this name, or NotFound."""
    try:
        return registries[name]
    except KeyError:
        raise NotFound("UNKNOWN_REGISTRY", f"没有登记簿 {name}", f"no registry {name}", "registry") from None


class Holder(BaseModel):
    """Who holds an index key."""

    target: str = Field(min_length=1, max_length=64, description="持有者（单位编号或人员编号）")


def index_registry(name: str, name_zh: str, target_zh: str) -> Registry:
    """A registry of unique keys (统一社会信用代码 → 单位编号, 证件号码 → 人员编号): one holder in effect at a time."""

    def hold(state: dict[str, Any], args: dict[str, Any]) -> None:
        held = state.get("target")
        if held not in (None, args["target"]):
            raise Conflict(
                "KEY_HELD",
                f"{name_zh}已属于{target_zh} {held}",
                f"this {name} already belongs to {held}",
                name,
            )
        state["target"] = args["target"]

    def release(state: dict[str, Any], args: dict[str, Any]) -> None:
        # Only the holder lets a key go: a release naming someone else is a mistake in the case, not a no-op.
        if state.get("target") != args["target"]:
            raise Conflict(
                "KEY_NOT_HELD",
                f"{name_zh}不属于{target_zh} {args['target']}，不能释放",
                f"this {name} is not held by {args['target']}",
                "target",
            )
        state["target"] = None

    return Registry(
        name,
        name_zh,
        {
            "hold": Op(f"{name_zh}登记", "KeyHeld", Holder, hold),
            "release": Op(f"{name_zh}释放", "KeyReleased", Holder, release),
        },
        frozenset({"hold"}),
    )
