"""Who is insured, as treatment knows it: its own view of enrollment's persons, kept from their events on Kafka.

Treatment never reads enrollment's tables or imports its code. Enrollment publishes every change to a person
(`cn.ybj.enrollment.person.<Event>.v1`, `data.patch` the RFC 6902 patch the event applied); the reaction in
reactions.py applies each to this service's `insured` registry, keyed by 证件号码, through the `sync` operation. The
view keeps the person's identity and 参保关系 only (not their contributions). Each entry records the enrollment
version it has reached, so an event delivered twice, or replayed from the start of the topic, changes nothing.

A stage that concerns an insured person looks them up (the lookup `INSURED`) and refuses someone not insured on the relevant
date (`check_insured`), naming the person.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Lookup
from ybj_kernel.domain.registry import Op, Registry, index_registry, kept_parts, patched
from ybj_kernel.errors import Conflict

INSURED_REGISTRY = "insured"
PSN_NO_INDEX = "insured_psn_no"  # 人员编号 → 证件号码, to find the view entry of a person event (keyed by 人员编号)
# The parts of enrollment's person kept here; patches to the others (缴费记录, 核定基数) are left out.
KEPT = ("psn_no", "psn_cert_type", "certno", "psn_name", "gend", "brdy", "relations")
TERMINATED = "terminated"
INSUTYPE_ZH = {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险", "510": "生育保险"}


class Sync(BaseModel):
    """One enrollment person event, as far as this view keeps it."""

    source_event_id: str = Field(min_length=1, max_length=200, description="enrollment 事件编号 (envelope id)")
    source_version: int = Field(ge=1, description="the enrollment entry's version after the event")
    psn_no: str = Field(min_length=1, max_length=30, description="人员编号")
    patch: list[dict[str, Any]] = Field(description="the event's JSON patch, kept parts only")


def kept_patch(patch: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The operations of an enrollment person patch that touch the parts this view keeps (whole-state ones slimmed)."""
    return kept_parts(patch, KEPT)


def _sync(state: dict[str, Any], args: dict[str, Any]) -> None:
    if args["source_version"] <= state.get("source_version", 0):
        return  # already applied: a redelivery or a replay
    person = patched({k: v for k, v in state.items() if k in KEPT}, args["patch"])
    certno = state.get("certno") or person.get("certno")
    state.clear()
    state.update(person)
    state.update(
        psn_no=args["psn_no"],
        certno=certno,
        relations=person.get("relations", {}),
        source_version=args["source_version"],
        source_event_id=args["source_event_id"],
    )


INSURED_VIEW = Registry(
    INSURED_REGISTRY,
    "参保人员（待遇视图）",
    {"sync": Op("同步参保信息", "EnrollmentSynced", Sync, _sync)},
    frozenset({"sync"}),
    published=False,  # enrollment's events are the published facts; this is treatment's own copy of them
)
PSN_NO = dataclasses.replace(index_registry(PSN_NO_INDEX, "人员编号（待遇视图）", "证件号码"), published=False)
REGISTRIES = (INSURED_VIEW, PSN_NO)


def certno_of(data: Mapping[str, Any]) -> str | None:
    """The 证件号码 a step names, upper case (the view's key), or None."""
    certno = data.get("certno")
    return str(certno).upper() if certno else None


def _identity_and_relations(state: Mapping[str, Any]) -> dict[str, Any]:
    return {k: state.get(k) for k in KEPT}


INSURED_FACT = "insured"
# Looked up by the stage that first names the person: the case keeps who they were and their 参保关系 as read.
INSURED = Lookup(INSURED_FACT, INSURED_REGISTRY, certno_of, pick=_identity_and_relations)


def in_effect_on(relation: Mapping[str, Any], on: date) -> bool:
    """Whether a 参保关系 covers a day: begun by then, and not ended before it."""
    begins = str(relation.get("begndate") or "9999-12-31")
    ends = relation.get("enddate")
    if begins > on.isoformat():
        return False
    if relation.get("status") == TERMINATED:
        return ends is not None and on.isoformat() <= str(ends)
    return ends is None or on.isoformat() <= str(ends)


def insured_relations(fact: Mapping[str, Any] | None, on: date, insutypes: frozenset[str] | None = None) -> list[str]:
    """The 险种 under which the looked-up person is insured on `on` (of `insutypes`, when given)."""
    if not fact:
        return []
    return sorted(
        t
        for t, r in (fact.get("relations") or {}).items()
        if (insutypes is None or t in insutypes) and in_effect_on(r, on)
    )


def check_insured(step: Mapping[str, Any], on: date, insutypes: frozenset[str] | None = None) -> None:
    """Refuse a step about someone not insured on `on` (under one of `insutypes`), naming them (field certno)."""
    fact = step.get(INSURED_FACT)
    certno = str(step.get("certno") or (fact or {}).get("certno") or "")
    name = str(step.get("psn_name") or (fact or {}).get("psn_name") or "")
    which_zh = "、".join(INSUTYPE_ZH.get(t, t) for t in sorted(insutypes)) if insutypes else "基本医疗保险"
    which_en = "/".join(sorted(insutypes)) if insutypes else "any insurance"
    if not fact:
        raise Conflict(
            "NOT_INSURED",
            f"{name}（{certno}）未在本省参保登记，不能办理",
            f"{name} ({certno}) is not enrolled here",
            "certno",
        )
    if not insured_relations(fact, on, insutypes):
        raise Conflict(
            "NOT_INSURED",
            f"{name}（{certno}）在 {on.isoformat()} 未参加{which_zh}（参保关系未生效或已终止），不能办理",
            f"{name} ({certno}) is not insured ({which_en}) on {on.isoformat()}",
            "certno",
        )


def psn_no_of(step: Mapping[str, Any]) -> str:
    """The 人员编号 of the looked-up person (after check_insured, so they exist)."""
    return str((step.get(INSURED_FACT) or {})["psn_no"])
