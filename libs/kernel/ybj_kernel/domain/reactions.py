"""Reactions (process managers): what a service does to its own registries when another service publishes a fact.

A reaction is data plus one pure function: the service and event-type prefix it listens to, and `react(envelope,
look) -> effects`, where `look(registry, key)` reads an entry of this service's registries (its state, or None when
none is in effect). The application applies the effects under the cause `event:<envelope id>` and saves them in one
transaction; a Kafka consumer (adapters/reactor.py) feeds it. Reactions must be idempotent, because a consumer
delivers at least once: an operation that finds the fact already recorded changes nothing, and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ybj_kernel.domain.registry import Effect

Look = Callable[[str, str], dict[str, Any] | None]


@dataclass(frozen=True)
class Reaction:
    """One reaction: to the events of `service` whose type starts with `type_prefix`."""

    name: str
    service: str  # the publishing service, whose topic is read
    type_prefix: str  # e.g. "cn.ybj.enrollment.person."
    react: Callable[[Mapping[str, Any], Look], Sequence[Effect]]

    def matches(self, envelope: Mapping[str, Any]) -> bool:
        """Whether this reaction listens to `envelope`."""
        return str(envelope.get("type", "")).startswith(self.type_prefix)


def cause_of(envelope: Mapping[str, Any]) -> str:
    """The id a reaction's changes are recorded under in the entries' history: the event that caused them."""
    return str(envelope["id"])
