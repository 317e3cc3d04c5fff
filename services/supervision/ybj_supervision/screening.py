"""Monitoring that runs by itself: every settlement record settlement publishes is screened by the monitoring rules,
and each institution's month of hits becomes a P072 case when the institution declares that month.

Supervision never reads settlement's tables. Settlement publishes each record it accepts
(`cn.ybj.settlement.settlement_record.SettlementRecorded.v1`, the record in `data.args`, amounts in fen); the reaction
`on_settlement_record`:
1. keeps the record in the person's `screened_person` entry (this service's own, unpublished view: a person's records
   are what the rules compare, 同一人同日, 住院重叠, and their 参保关系, followed from enrollment's person events by
   `on_person_event`, for 参保终止后发生费用), and screens the person's records with every monitoring rule
   (rules/monitoring.py SCREENS); a hit already flagged is not flagged again (a termination that arrives after the
   bills screens them again);
2. adds each new hit to its institution-month's `monitoring_month` entry (结算年月 of its first evidence).
When settlement publishes an institution's monthly declaration (P079/P080 `SettlementDeclared`), `on_declaration` opens
one P072 疑点登记 with the month's hits not yet in a case (registered by the system, `screening_key` naming the month
and batch); hits that arrive after the declaration open a further case straight away. A P072 case whose panel
confirmed a violation puts a `violation` in force at completion (processes/p072 effects), which settlement turns into
a P078 deduction; settlement's deduction, when it comes into force, is recorded on the violation (`on_deduction`), so
each side names the other.

Every step is idempotent: a record kept, a hit flagged, a case opened under its key, a deduction noted, each once,
however often an event is delivered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ybj_kernel.domain.reactions import Look, Opening, Reaction
from ybj_kernel.domain.registry import Effect, Op, Registry, kept_parts, patched
from ybj_supervision.rules.monitoring import SCREENS
from ybj_supervision.rules.monitoring_cases import suspicions_from_hits
from ybj_supervision.rules.monitoring_models import Hit, InsuranceEnd, MonitoringInput, SettlementRecord

SCREENED_PERSON = "screened_person"
MONITORING_MONTH = "monitoring_month"
VIOLATION = "violation"
RECORDED = "cn.ybj.settlement.settlement_record.SettlementRecorded."
DECLARED = "cn.ybj.settlement.case.SettlementDeclared."
DEDUCTIONS = "cn.ybj.settlement.deduction."
PERSONS = "cn.ybj.enrollment.person."
SUPERVISION_SOURCE = "supervision:"  # settlement's deduction `source` of one that came from here


def hit_id(hit: Hit) -> str:
    """A hit's identity: its rule and its evidence (the same duplicate found again is the same hit)."""
    evidence = ";".join(f"{e.setl_id}[{','.join(map(str, e.line_idx))}]" for e in hit.vola_evid)
    return f"{hit.rule_id}|{evidence}"


def monitored(record: Mapping[str, Any]) -> dict[str, Any]:
    """A settlement record (as settlement publishes it, in fen) in the monitoring rules' shape: dates a record leaves
    out are its settlement day, a line's time its record's, an unknown sex is left unknown."""
    setl_time = str(record["setl_time"])
    day = setl_time[:10]
    return {
        "setl_id": record["setl_id"],
        "mdtrt_id": record["mdtrt_id"],
        "psn_no": record["psn_no"],
        "certno": record.get("certno") or "",
        "gend": record.get("gend") if record.get("gend") in ("1", "2") else None,
        "fixmedins_code": record["fixmedins_code"],
        "insutype": record.get("insutype") or "",
        "med_type": record["med_type"],
        "begndate": record.get("begndate") or day,
        "enddate": record.get("enddate") or record.get("begndate") or day,
        "setl_time": setl_time,
        **{k: int(record.get(k) or 0) for k in ("medfee_sumamt", "fulamt_ownpay_amt", "hifp_pay", "acct_pay")},
        "psn_cash_pay": int(record.get("psn_cash_pay") or 0),
        "reverses": record.get("reverses"),
        "lines": [
            {
                "med_list_codg": line["med_list_codg"],
                "med_list_name": line.get("med_list_name") or "",
                "cnt": str(line["cnt"]),
                "pric": int(line["pric"]),
                "det_item_fee_sumamt": int(line["det_item_fee_sumamt"]),
                "fee_ocur_time": line.get("fee_ocur_time") or setl_time,
            }
            for line in record.get("lines") or []
        ],
    }


def insurance_end(relations: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The day a person's insurance ended (参保终止日期): the last relation's end when none goes on, else None."""
    ends = [str(r["enddate"]) for r in relations.values() if r.get("enddate")]
    ongoing = any(not r.get("enddate") and r.get("status") != "terminated" for r in relations.values())
    return max(ends) if ends and not ongoing else None


def screen(person: Mapping[str, Any]) -> list[Hit]:
    """Every monitoring rule's hits over one person's records (in the rules' shape), with their insurance's end."""
    records = list((person.get("records") or {}).values())
    if not records:
        return []
    end = insurance_end(person.get("relations") or {})
    ends = [InsuranceEnd(psn_no=records[0]["psn_no"], enddate=date.fromisoformat(end))] if end else []
    data = MonitoringInput(records=[SettlementRecord.model_validate(r) for r in records], insurance_ends=ends)
    return [hit for rule in SCREENS for hit in rule(data)]


# -- the registries --------------------------------------------------------------------------------------------------


def _keep(state: dict[str, Any], args: dict[str, Any]) -> None:
    state.setdefault("psn_no", args["psn_no"])
    records = state.setdefault("records", {})
    if args.get("record"):
        records[args["record"]["setl_id"]] = args["record"]
    if args.get("sync"):  # enrollment's person event: the 参保关系 as they now stand
        state["relations"] = (
            patched({"relations": state.get("relations") or {}}, args["sync"]["patch"]).get("relations") or {}
        )
        state["source_version"] = args["sync"]["source_version"]
    flagged = state.setdefault("flagged", [])
    flagged.extend(h for h in args["flagged"] if h not in flagged)


def _add_hits(state: dict[str, Any], args: dict[str, Any]) -> None:
    state.setdefault("fixmedins_code", args["fixmedins_code"])
    state.setdefault("setl_ym", args["setl_ym"])
    hits = state.setdefault("hits", [])
    known = {h["hit_id"] for h in hits}
    hits.extend(h for h in args["hits"] if h["hit_id"] not in known)
    state.setdefault("cases", [])


def _open_case(state: dict[str, Any], args: dict[str, Any]) -> None:
    state.setdefault("fixmedins_code", args["fixmedins_code"])
    state.setdefault("setl_ym", args["setl_ym"])
    state.setdefault("hits", [])
    cases = state.setdefault("cases", [])
    if any(c["screening_key"] == args["screening_key"] for c in cases):
        return
    state["declared"] = True
    state["admdvs"] = args["admdvs"]
    if args["hit_ids"]:
        cases.append({"screening_key": args["screening_key"], "hit_ids": list(args["hit_ids"])})


def _confirm(state: dict[str, Any], args: dict[str, Any]) -> None:
    state.update(args)
    state.setdefault("deductions", [])


def _note_deduction(state: dict[str, Any], args: dict[str, Any]) -> None:
    deductions = state.setdefault("deductions", [])
    if args not in deductions:
        deductions.append(args)


SCREENED_PERSONS = Registry(
    SCREENED_PERSON,
    "监控人员结算记录（监管视图）",
    {"keep": Op("结算记录筛查", "SettlementScreened", None, _keep)},
    frozenset({"keep"}),
    published=False,  # settlement's records are the published facts; this is supervision's working copy
)
MONITORING_MONTHS = Registry(
    MONITORING_MONTH,
    "智能监控疑点（按机构、结算年月）",
    {
        "add_hits": Op("监控规则疑点", "MonitoringHitsFound", None, _add_hits),
        "open_case": Op("疑点登记", "SuspicionsRegistered", None, _open_case),
    },
    frozenset({"add_hits", "open_case"}),
)
VIOLATIONS = Registry(
    VIOLATION,
    "确认违规（待扣款）",
    {
        "confirm": Op("违规认定", "ViolationConfirmed", None, _confirm),
        "note_deduction": Op("违规扣款已生效", "DeductionNoted", None, _note_deduction),
    },
    frozenset({"confirm"}),
)
REGISTRIES = (SCREENED_PERSONS, MONITORING_MONTHS, VIOLATIONS)


# -- the reactions ---------------------------------------------------------------------------------------------------


def month_key(code: str, ym: str) -> str:
    """The `monitoring_month` key of an institution and 结算年月."""
    return f"{code}:{ym}"


def _opening(month: Mapping[str, Any], hits: Sequence[Mapping[str, Any]], admdvs: str) -> tuple[Opening, Effect]:
    """The P072 case for these hits of a month, and the month's record of it (the n-th case of the month)."""
    code, ym = str(month["fixmedins_code"]), str(month["setl_ym"])
    screening_key = f"{month_key(code, ym)}:{len(month.get('cases') or []) + 1}"
    suspicion = suspicions_from_hits([Hit.model_validate(_bare(h)) for h in hits], admdvs)[0]
    opening = Opening("P072", f"P072:{screening_key}", admdvs, {**suspicion, "screening_key": screening_key})
    args = {"screening_key": screening_key, "hit_ids": [h["hit_id"] for h in hits], **_month_args(code, ym, admdvs)}
    return opening, Effect(MONITORING_MONTH, month_key(code, ym), "open_case", args)


def _month_args(code: str, ym: str, admdvs: str) -> dict[str, Any]:
    return {"fixmedins_code": code, "setl_ym": ym, "admdvs": admdvs}


def _bare(hit: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in hit.items() if k != "hit_id"}


def _unassigned(month: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    taken = {i for c in month.get("cases") or [] for i in c["hit_ids"]}
    return [h for h in month.get("hits") or [] if h["hit_id"] not in taken]


def _filed(person: Mapping[str, Any], look: Look) -> tuple[list[str], list[Effect | Opening]]:
    """The person's hits not flagged before, filed under their institution-months (a case opened at once for a month
    already declared)."""
    flagged = set(person.get("flagged") or [])
    new = [h for h in screen(person) if hit_id(h) not in flagged]
    out: list[Effect | Opening] = []
    by_month: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for hit in new:
        by_month.setdefault((hit.fixmedins_code, hit.setl_ym), []).append({**hit.model_dump(), "hit_id": hit_id(hit)})
    for (code, ym), hits in sorted(by_month.items()):
        key = month_key(code, ym)
        out.append(Effect(MONITORING_MONTH, key, "add_hits", {"fixmedins_code": code, "setl_ym": ym, "hits": hits}))
        month = look(MONITORING_MONTH, key)
        if month is not None and month.get("declared"):
            after = {**month, "hits": [*(month.get("hits") or []), *hits]}
            out.extend(_opening(after, _unassigned(after), str(month["admdvs"])))
    return [hit_id(h) for h in new], out


def on_settlement_record(envelope: Mapping[str, Any], look: Look) -> list[Effect | Opening]:
    """Keep the record with the person's others, screen them, and file each new hit."""
    record = monitored((envelope.get("data") or {}).get("args") or {})
    person = look(SCREENED_PERSON, record["psn_no"]) or {}
    if (person.get("records") or {}).get(record["setl_id"]) == record:
        return []  # a redelivery
    after = {**person, "records": {**(person.get("records") or {}), record["setl_id"]: record}}
    flagged, filed = _filed(after, look)
    keep = {"psn_no": record["psn_no"], "record": record, "flagged": flagged}
    return [Effect(SCREENED_PERSON, record["psn_no"], "keep", keep), *filed]


def on_person_event(envelope: Mapping[str, Any], look: Look) -> list[Effect | Opening]:
    """Follow a person's 参保关系 (enrollment's person events); when their insurance has ended, bills after the end
    already kept are hits (参保终止后发生费用)."""
    psn_no, version = str(envelope["subject"]), int(envelope["entryversion"])
    person = look(SCREENED_PERSON, psn_no) or {}
    if version <= int(person.get("source_version") or 0):
        return []  # already followed
    patch = kept_parts((envelope.get("data") or {}).get("patch") or [], ("relations",))
    try:
        relations = patched({"relations": person.get("relations") or {}}, patch).get("relations") or {}
    except ValueError:
        relations = person.get("relations") or {}
    flagged, filed = _filed({**person, "relations": relations}, look)
    sync = {"source_version": version, "source_event_id": str(envelope["id"]), "patch": patch}
    return [Effect(SCREENED_PERSON, psn_no, "keep", {"psn_no": psn_no, "sync": sync, "flagged": flagged}), *filed]


def on_declaration(envelope: Mapping[str, Any], look: Look) -> list[Effect | Opening]:
    """An institution declared a month (P079/P080): its hits not yet in a case open one P072 case."""
    data = envelope.get("data") or {}
    code, ym, admdvs = data.get("fixmedins_code"), data.get("setl_ym"), data.get("admdvs") or envelope.get("admdvs")
    if not (code and ym and admdvs):
        return []
    key = month_key(str(code), str(ym))
    month = look(MONITORING_MONTH, key) or {}
    if pending := _unassigned(month):
        return list(_opening(month, pending, str(admdvs)))
    if month.get("declared"):
        return []
    # A month declared without hits (yet): any later hit opens its case at once.
    declared = {"screening_key": f"{key}:declared", "hit_ids": [], **_month_args(str(code), str(ym), str(admdvs))}
    return [Effect(MONITORING_MONTH, key, "open_case", declared)]


def on_deduction(envelope: Mapping[str, Any], look: Look) -> list[Effect | Opening]:
    """Settlement put a deduction in force that came from a violation confirmed here: note it on the violation."""
    args = (envelope.get("data") or {}).get("args") or {}
    source = str(args.get("source") or "")
    if not source.startswith(SUPERVISION_SOURCE):
        return []
    key = source.removeprefix(SUPERVISION_SOURCE)
    if look(VIOLATION, key) is None:
        return []
    noted = {
        "deduction_case_id": envelope.get("bycaseid"),
        "setl_ym": args.get("ym"),
        "kind": args.get("kind"),
        "amount_fen": args.get("amount_fen"),
    }
    return [Effect(VIOLATION, key, "note_deduction", noted)]


REACTIONS = (
    Reaction("screen_settlement_records", "settlement", RECORDED, on_settlement_record),
    Reaction("follow_insurance", "enrollment", PERSONS, on_person_event),
    Reaction("open_monitoring_cases", "settlement", DECLARED, on_declaration),
    Reaction("note_deductions", "settlement", DEDUCTIONS, on_deduction),
)
