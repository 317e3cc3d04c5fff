"""Enrollment's 缴费记录 as settlement keeps them, for P021 征缴实收对账: two views fed from enrollment's events on Kafka.

Settlement never reads enrollment's tables or imports its code. Enrollment keeps a person's 缴费记录 on the person
(`contributions`, one record per 险种 and 费款所属期 `ym`: 应缴 `due`, 实缴 `paid` and 滞纳金 `late_fee` in fen, 缴费日期
`paid_on`, and the paying unit `emp_no` when a unit paid, as P011 单位欠费补缴 records them) and publishes every change
to a person as `cn.ybj.enrollment.person.<Event>.v1`, `data.patch` the RFC 6902 patch it applied (a ChangeReverted, a
case stepped back or cancelled, included). The reaction `contributions_view` applies each to two views of this service:

- `contributions_by_person`, keyed by 人员编号: the person's 证件号码, 姓名 and 缴费记录 as enrollment holds them
  (nothing else of the person), and the enrollment version reached, so that an event delivered twice, or replayed
  from the start of the topic, changes nothing;
- `contributions_by_month`, keyed by the month the money arrived (缴费日期, YYYYMM): one row per person, 险种 and
  费款所属期 paid that month, with the payer (the unit, or the person), 应缴, 实缴 and 滞纳金 in fen. A record changed,
  moved to another month, or undone in enrollment changes, moves or withdraws its row here.

Only the 险种 the tax bureau's 《实际税务征收明细表》 lists (职工医保 310, 320, 330 and 生育 510) get month rows: the
城乡居民 390 payments are checked in P022's own 医税核对. A record with nothing paid is not a receipt and gets no row.
P021 reads the months of its 到账起止时间 (the lookups `RECEIVED`) and matches the tax bureau's rows against them.
Neither view is republished: enrollment's events are the published facts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Lookup
from ybj_kernel.domain.reactions import Look, Reaction
from ybj_kernel.domain.registry import Effect, Op, Registry, kept_parts, patched
from ybj_settlement.rules.adjustments_reconciliation import INSUTYPES_ZH, YM

BY_PERSON = "contributions_by_person"
BY_MONTH = "contributions_by_month"
PERSON_EVENTS = "cn.ybj.enrollment.person."
# The parts of enrollment's person kept here; patches to the others (参保关系, 核定基数, 征集单) are left out.
KEPT = ("certno", "psn_name", "contributions")
RECONCILED_INSUTYPES = frozenset(INSUTYPES_ZH)  # the 险种 of the tax bureau's collection details (P021)


class Sync(BaseModel):
    """One enrollment person event, as far as this view keeps it."""

    source_event_id: str = Field(min_length=1, max_length=200, description="enrollment 事件编号 (envelope id)")
    source_version: int = Field(ge=1, description="the enrollment entry's version after the event")
    psn_no: str = Field(min_length=1, max_length=30, description="人员编号")
    patch: list[dict[str, Any]] = Field(description="the event's JSON patch, kept parts only")


class RowKey(BaseModel):
    """Which row of a month: the person, the 险种 and the 费款所属期."""

    psn_no: str = Field(min_length=1, max_length=30, description="人员编号")
    insutype: str = Field(min_length=3, max_length=6, description="险种类型")
    belong_ym: str = Field(pattern=YM, description="费款所属期 (YYYYMM)")


class Received(RowKey):
    """One 缴费记录 paid in the month, as enrollment recorded it (amounts in fen)."""

    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str | None = Field(default=None, max_length=50, description="姓名")
    emp_no: str | None = Field(default=None, max_length=30, description="缴费单位编号 (None: the person paid)")
    due_fen: int = Field(ge=0, description="应缴金额（分）")
    paid_fen: int = Field(gt=0, description="实缴金额（分）")
    late_fee_fen: int = Field(default=0, ge=0, description="滞纳金（分）")
    paid_on: date = Field(description="缴费日期（到账）")
    kind: str = Field(default="regular", max_length=20, description="regular, or back_payment (欠费补缴)")


def row_key(row: Mapping[str, Any]) -> str:
    """A month's row key: 人员编号:险种:费款所属期."""
    return f"{row['psn_no']}:{row['insutype']}:{row['belong_ym']}"


def kept_patch(patch: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The operations of an enrollment person patch that touch the parts this view keeps (whole-state ones slimmed)."""
    return kept_parts(patch, KEPT)


def _person(state: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (state or {}).items() if k in KEPT}


def _sync(state: dict[str, Any], args: dict[str, Any]) -> None:
    if args["source_version"] <= state.get("source_version", 0):
        return  # already applied: a redelivery or a replay
    person = patched(_person(state), args["patch"])
    state.clear()
    state.update(
        person,
        psn_no=args["psn_no"],
        source_version=args["source_version"],
        source_event_id=args["source_event_id"],
    )


def _record(state: dict[str, Any], args: dict[str, Any]) -> None:
    state.setdefault("rows", {})[row_key(args)] = args


def _withdraw(state: dict[str, Any], args: dict[str, Any]) -> None:
    state.setdefault("rows", {}).pop(row_key(args), None)  # a row already gone stays gone


CONTRIBUTIONS_BY_PERSON = Registry(
    BY_PERSON,
    "缴费记录（结算视图，按人员）",
    {"sync": Op("同步缴费记录", "ContributionsSynced", Sync, _sync)},
    frozenset({"sync"}),
    published=False,  # enrollment's events are the published facts; this is settlement's own copy of them
)
CONTRIBUTIONS_BY_MONTH = Registry(
    BY_MONTH,
    "实收缴费记录（结算视图，按到账月份）",
    {
        "record": Op("记录到账缴费", "ContributionReceived", Received, _record),
        "withdraw": Op("撤回到账缴费", "ContributionWithdrawn", RowKey, _withdraw),
    },
    frozenset({"record"}),
    published=False,
)
REGISTRIES = (CONTRIBUTIONS_BY_PERSON, CONTRIBUTIONS_BY_MONTH)


def arrival_month(paid_on: str) -> str:
    """The month (YYYYMM) of a date (YYYY-MM-DD)."""
    return paid_on[:4] + paid_on[5:7]


def received_rows(psn_no: str, person: Mapping[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The month rows a person's 缴费记录 give, by (到账月份, row key): the reconciled 险种, something paid."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for record in (person.get("contributions") or {}).values():
        paid, paid_on = int(record.get("paid") or 0), record.get("paid_on")
        if record.get("insutype") not in RECONCILED_INSUTYPES or paid <= 0 or not paid_on:
            continue
        row = {
            "psn_no": psn_no,
            "insutype": record["insutype"],
            "belong_ym": record["ym"],
            "certno": str(person.get("certno") or "").upper(),
            "psn_name": person.get("psn_name"),
            "emp_no": record.get("emp_no"),
            "due_fen": int(record.get("due") or 0),
            "paid_fen": paid,
            "late_fee_fen": int(record.get("late_fee") or 0),
            "paid_on": str(paid_on),
            "kind": record.get("kind") or "regular",
        }
        rows[(arrival_month(str(paid_on)), row_key(row))] = {k: v for k, v in row.items() if v is not None}
    return rows


def on_person_event(envelope: Mapping[str, Any], look: Look) -> list[Effect]:
    """Keep a person's 缴费记录 (by person) and the rows they give (by month of arrival) as enrollment now has them."""
    psn_no = str(envelope["subject"])
    version = int(envelope["entryversion"])
    patch = kept_patch((envelope.get("data") or {}).get("patch") or [])
    if not patch:
        return []  # nothing this view keeps changed (a 参保关系, a 核定基数 …)
    before = look(BY_PERSON, psn_no)
    if before is not None and version <= int(before.get("source_version", 0)):
        return []  # already applied
    try:
        after = patched(_person(before), patch)
    except ValueError:
        return []  # a change to a person whose opening this view never read: nothing to apply it to
    args = {"source_event_id": str(envelope["id"]), "source_version": version, "psn_no": psn_no, "patch": patch}
    was, now = received_rows(psn_no, _person(before)), received_rows(psn_no, after)
    withdrawn = [
        Effect(BY_MONTH, month, "withdraw", _key_args(row)) for (month, k), row in was.items() if (month, k) not in now
    ]
    recorded = [Effect(BY_MONTH, month, "record", row) for (month, k), row in now.items() if was.get((month, k)) != row]
    return [Effect(BY_PERSON, psn_no, "sync", args), *withdrawn, *recorded]


def _key_args(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in RowKey.model_fields}


REACTIONS = (Reaction("contributions_view", "enrollment", PERSON_EVENTS, on_person_event),)


def _rows(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = state.get("rows") or {}
    return [dict(rows[k]) for k in sorted(rows)]


def _month_of(field: str) -> Callable[[Mapping[str, Any]], str | None]:
    """The lookup key of the month a date field of the case falls in."""

    def key(data: Mapping[str, Any]) -> str | None:
        return arrival_month(date.fromisoformat(str(data[field])).isoformat())

    return key


def _later_month(data: Mapping[str, Any]) -> str | None:
    first, last = _month_of("arrival_begin")(data), _month_of("arrival_end")(data)
    return last if last != first else None


RECEIVED_FACT = "received_contributions"
RECEIVED_LATER_FACT = "received_contributions_later"
# The rows of the months of P021's 到账起止时间 (at most two: TaxDetails checks it), read when the tax bureau's rows
# are matched; the case keeps them as read.
RECEIVED = (
    Lookup(RECEIVED_FACT, BY_MONTH, _month_of("arrival_begin"), pick=_rows),
    Lookup(RECEIVED_LATER_FACT, BY_MONTH, _later_month, pick=_rows),
)


def received_between(
    step: Mapping[str, Any], begin: date, end: date, insutypes: frozenset[str]
) -> list[dict[str, Any]]:
    """The looked-up rows paid from `begin` to `end` (both included) under one of `insutypes`."""
    rows = [*(step.get(RECEIVED_FACT) or []), *(step.get(RECEIVED_LATER_FACT) or [])]
    return [r for r in rows if r["insutype"] in insutypes and begin.isoformat() <= str(r["paid_on"]) <= end.isoformat()]
