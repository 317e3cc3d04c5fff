"""The enrollment examples' persons as treatment sees them: their enrollment registry events, fed to its reactions.

The events are the ones enrollment really publishes (its processes' examples walked on the in-memory store and mapped
by the relay's own mapper), so the treatment tests start from the same facts the platform's reactor would deliver.
"""

from __future__ import annotations

import functools
from typing import Any

from ybj_kernel.adapters.relay import Envelopes
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.process import COMPLETED

# 陈静 (P002, 职工 310 from 2026-12-01), 刘洋 (P003, 灵活就业), 王芳 (P019, 城乡居民 390 from 2026-01-01).
ENROLLING_EXAMPLES = ("P002", "P003", "P019")


def published(app: CaseApplication, registry: str | None = None) -> list[dict[str, Any]]:
    """Every envelope the relay would publish from this application's store (of one registry, when named)."""
    mapper = Envelopes(app)
    notes = app.recorder.select_notifications(start=None, limit=100_000)
    found = [e for n in notes if (e := mapper(n)) is not None]
    return [e for e in found if registry is None or e.get("registry") == registry]


@functools.cache
def person_events() -> tuple[dict[str, Any], ...]:
    """The person events enrollment publishes for the examples' persons, in order."""
    from tests.unit.gwt import given

    events: list[dict[str, Any]] = []
    for process_id in ENROLLING_EXAMPLES:
        events += published(given(process_id, at=COMPLETED).app, "person")
    return tuple(events)


def feed_insured(app: CaseApplication) -> None:
    """Deliver the examples' person events to the treatment application, as its reactor would."""
    for envelope in person_events():
        app.react(envelope)
