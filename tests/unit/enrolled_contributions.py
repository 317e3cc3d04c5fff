"""The enrollment examples' 缴费记录 as settlement sees them: the person events enrollment publishes for them, fed to
settlement's reactions (contributions.py), so that P021 matches the tax bureau's rows against the same facts the
platform's reactor would deliver.
"""

from __future__ import annotations

import functools
from typing import Any

from tests.unit.insured_persons import published
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.process import COMPLETED

# 陈静 (P002's employee): P011 records her 202610 职工 contribution, 520.00 paid by her unit on the tests' day.
# 王芳 (P019's resident): P022 records her 2027 城乡居民 contribution (390: no month row for P021).
CONTRIBUTING_EXAMPLES = ("P011", "P022")


@functools.cache
def contribution_events() -> tuple[dict[str, Any], ...]:
    """The person events enrollment publishes for the examples' contributions, in order."""
    from tests.unit.gwt import given

    events: list[dict[str, Any]] = []
    for process_id in CONTRIBUTING_EXAMPLES:
        events += published(given(process_id, at=COMPLETED).app, "person")
    return tuple(events)


def feed_contributions(app: CaseApplication) -> None:
    """Deliver the examples' person events to the settlement application, as its reactor would."""
    for envelope in contribution_events():
        app.react(envelope)
