"""The Case aggregate: one case of any process; every change is an event, nothing is edited or deleted."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

STAGE_LAYER = "stage"
AMEND_LAYER = "amend"


class Case(Aggregate):
    """A case moving through the stages of its process definition."""

    @event("Registered")
    def __init__(
        self,
        id: UUID,
        process_id: str,
        action: str,
        acceptance_no: str,
        admdvs: str,
        stage_from: str,
        stage_to: str,
        event_name: str,
        actor: dict[str, Any],
        data: dict[str, Any],
        comment: str | None,
        correlation_id: str,
        causation_id: str,
        variant: str | None = None,
        materials: list[str] | None = None,
        due_on: str | None = None,
    ) -> None:
        self.process_id = process_id
        self.acceptance_no = acceptance_no
        self.admdvs = admdvs
        self.stage = stage_to
        self.stage_before = stage_from
        self.created_by = actor
        self.variant = variant  # the sub-flow chosen at registration (None: the process has none)
        self.materials: list[str] = list(materials or [])  # 所需材料 confirmed so far
        self.due_on = due_on  # the current stage's 时限 (ISO date), None when it has none
        # Layers of data in the order they were given; step back removes the last stage layer.
        self.layers: list[dict[str, Any]] = [
            {"kind": STAGE_LAYER, "stage": stage_from, "action": action, "actor": actor, "data": data}
        ]

    @event("Transitioned")
    def transition(
        self,
        process_id: str,
        acceptance_no: str,
        admdvs: str,
        action: str,
        stage_from: str,
        stage_to: str,
        event_name: str,
        actor: dict[str, Any],
        comment: str | None,
        data: dict[str, Any],
        layer: str | None,
        pop_layer: bool,
        correlation_id: str,
        causation_id: str,
        due_on: str | None = None,
        materials: list[str] | None = None,
    ) -> None:
        """Move the case; `layer` adds the step's data, `pop_layer` undoes the last stage's data.

        Every event repeats the case's process, acceptance number and 医保区划 so that it can be
        published and audited on its own.
        """
        if pop_layer:
            last = max(i for i, lay in enumerate(self.layers) if lay["kind"] == STAGE_LAYER)
            del self.layers[last]
        if layer is not None:
            self.layers.append({"kind": layer, "stage": stage_from, "action": action, "actor": actor, "data": data})
        self.stage_before = stage_from
        self.stage = stage_to
        if stage_to != stage_from:
            self.due_on = due_on
        for name in materials or []:
            if name not in self.materials:
                self.materials.append(name)

    @property
    def data(self) -> dict[str, Any]:
        """The case's data as it stands: every layer in effect, later ones winning."""
        merged: dict[str, Any] = {}
        for lay in self.layers:
            merged.update(lay["data"])
        return merged

    @property
    def stage_layers(self) -> list[dict[str, Any]]:
        """The completed steps still in effect, oldest first (the registration first)."""
        return [lay for lay in self.layers if lay["kind"] == STAGE_LAYER]


class UniqueClaim(Aggregate):
    """Holds a uniqueness key of one scope (e.g. one enrollment per person per period) for the case in effect."""

    @event("Claimed")
    def __init__(self, id: UUID, key: str, case_id: str) -> None:
        self.key = key
        self.holder: str | None = case_id

    @event("Reclaimed")
    def reclaim(self, case_id: str) -> None:
        """Give the released key to another (or the same) case."""
        self.holder = case_id

    @event("Released")
    def release(self, case_id: str) -> None:
        """Free the key because its case was cancelled or stepped back."""
        self.holder = None
