"""Reactions (process managers): what a service does when another service publishes a fact.

A reaction is data plus one pure function: the service and event-type prefix it listens to, and `react(envelope,
look) -> effects and openings`, where `look(registry, key)` reads an entry of this service's registries (its state, or
None when none is in effect). An effect changes one of this service's registry entries; an `Opening` opens one of its
cases (a confirmed violation becomes a deduction case, a month's monitoring hits a review case). The application
applies the effects under the cause `event:<envelope id>`, registers the cases as the system, and saves it all in one
transaction; a Kafka consumer (adapters/reactor.py) feeds it. Reactions must be idempotent, because a consumer
delivers at least once: an operation that finds the fact already recorded changes nothing, and records nothing, and an
opening's `key` names the fact it comes from, so that the same fact opens its case once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ybj_kernel.domain.registry import Effect

Look = Callable[[str, str], dict[str, Any] | None]


@dataclass(frozen=True)
class Opening:
    """A case a reaction opens: registered by the system (role `system`, which the opening stage must allow) in the
    医保区划 `admdvs`, with `data` as its registration. The same `key` opens the same case once, whatever the event."""

    process_id: str
    key: str
    admdvs: str
    data: Mapping[str, Any]
    variant: str | None = None


@dataclass(frozen=True)
class Reaction:
    """One reaction: to the events of `service` whose type starts with `type_prefix`."""

    name: str
    service: str  # the publishing service, whose topic is read
    type_prefix: str  # e.g. "cn.ybj.enrollment.person."
    react: Callable[[Mapping[str, Any], Look], Sequence[Effect | Opening]]

    def matches(self, envelope: Mapping[str, Any]) -> bool:
        """Whether this reaction listens to `envelope`."""
        return str(envelope.get("type", "")).startswith(self.type_prefix)


def cause_of(envelope: Mapping[str, Any]) -> str:
    """The id a reaction's changes are recorded under in the entries' history: the event that caused them."""
    return str(envelope["id"])
