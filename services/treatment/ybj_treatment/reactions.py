"""What treatment does when enrollment publishes a change to a person (a process manager over enrollment's events).

1. Keep the `insured` view (insured.py): every `cn.ybj.enrollment.person.*` event is synced into the person's view
   entry, found by 人员编号 through the `insured_psn_no` index.
2. When a 参保关系 is terminated (终止参保), the person's remote-care filing (`filing`) and benefit qualifications
   (`qualification`) in effect are flagged for review, with the enrollment event as the cause in their history.

Both are idempotent: the view records the enrollment version it reached, and a flag names its cause event, so the
same event delivered twice, or the topic replayed from the start, changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ybj_kernel.domain.reactions import Look, Reaction
from ybj_kernel.domain.registry import Effect, patched
from ybj_treatment.insured import INSURED_REGISTRY, KEPT, PSN_NO_INDEX, TERMINATED, kept_patch
from ybj_treatment.payments import PAID_IN_SETTLEMENT, on_payable_paid

PERSON_EVENTS = "cn.ybj.enrollment.person."
# Registries of this service holding what a person is entitled to, keyed by 人员编号: flagged on termination.
FLAGGED_ON_TERMINATION = ("filing", "qualification")
FLAG = "flag_for_review"


def _relations_after(before: Mapping[str, Any] | None, patch: list[dict[str, Any]]) -> dict[str, Any]:
    """The person's 参保关系 once the (kept) patch is applied to the view as it stands."""
    base = {k: v for k, v in (before or {}).items() if k in KEPT}
    try:
        return dict(patched(base, patch).get("relations") or {})
    except ValueError:
        return dict(base.get("relations") or {})


def on_person_event(envelope: Mapping[str, Any], look: Look) -> list[Effect]:
    """Sync one enrollment person event into the view; flag what the person holds when a relation is terminated."""
    psn_no = str(envelope["subject"])
    version = int(envelope["entryversion"])
    patch = kept_patch((envelope.get("data") or {}).get("patch") or [])
    index = look(PSN_NO_INDEX, psn_no)
    certno = (index or {}).get("target") or _certno_in(patch)
    if not certno:
        return []  # an event about a person this view has never seen opened (nothing to key it by)
    before = look(INSURED_REGISTRY, certno)
    if before is not None and version <= int(before.get("source_version", 0)):
        return []  # already applied
    args = {"source_event_id": str(envelope["id"]), "source_version": version, "psn_no": psn_no, "patch": patch}
    effects = [Effect(PSN_NO_INDEX, psn_no, "hold", {"target": certno}), Effect(INSURED_REGISTRY, certno, "sync", args)]
    was = (before or {}).get("relations") or {}
    now = _relations_after(before, patch)
    ended = sorted(
        t for t, r in now.items() if r.get("status") == TERMINATED and (was.get(t) or {}).get("status") != TERMINATED
    )
    for insutype in ended:
        cause = {
            "cause_event_id": str(envelope["id"]),
            "cause_zh": f"参保关系终止（{insutype}），待遇资格需复核",
            "insutype": insutype,
            "on": str(now[insutype].get("enddate") or str(envelope.get("time", ""))[:10]),
        }
        effects += [Effect(r, psn_no, FLAG, cause) for r in FLAGGED_ON_TERMINATION if look(r, psn_no) is not None]
    return effects


def _certno_in(patch: list[dict[str, Any]]) -> str | None:
    for op in patch:
        if op["path"] == "" and isinstance(op.get("value"), dict) and op["value"].get("certno"):
            return str(op["value"]["certno"]).upper()
        if op["path"] == "/certno" and op.get("value"):
            return str(op["value"]).upper()
    return None


REACTIONS = (
    Reaction("insured_view", "enrollment", PERSON_EVENTS, on_person_event),
    Reaction("payments_paid", "settlement", PAID_IN_SETTLEMENT, on_payable_paid),
)
