"""A person's own records at the entry point, read for the person (service items a citizen asks through a channel) or
by staff: the person's cases of named processes with where each stands, the 征缴实收对账 (P021) whose tax rows name them,
the year's settlement records with the institutions' names and their totals by 医疗类别 and by institution, the year's
个人账户 movements, and the 参保资助 filed for them.

Every read is of the read models (cases projected off every service's case events, registry entries off their registry
events), follows the services within moments, and is written to the access log under the person's 人员编号. Cases are
those of the caller's 医保区划 (as the claims read does); a case is the person's when its data names their 人员编号 or
the 证件号码 their person entry holds (P016 and P022 keep only the 证件号码 when it was given alone). Amounts are as the
records keep them: registry amounts in fen, case data as entered (yuan).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection, Engine, and_, desc, func, or_, select, text, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from ybj_kernel.domain.engine import Actor
from ybj_kernel.entrypoints.http_common import CurrentActor
from ybj_kernel.errors import InvalidInput, NotFound, YbjError
from ybj_query.forwarding import ProcessRegistry
from ybj_query.models import SCHEMA, cases, registry_entries
from ybj_query.reads import reading, scope_prefix, status_of
from ybj_query.registry_reads import PASSED, Page, may_read

_E, _C = registry_entries.c, cases.c
# The most processes one read names (a service item asks for one to three): a bound on the query, not a rule.
MAX_PROCESSES = 10
SUMS = ("medfee_sumamt", "fulamt_ownpay_amt", "hifp_pay", "acct_pay", "psn_cash_pay")
# A terminal stage's name (a process's own stages carry theirs in its definition).
TERMINAL_STAGE_ZH = {"completed": "办结", "cancelled": "撤消", "rejected": "审核不通过", "revoked": "取消备案"}
Year = Annotated[int, Query(ge=2000, le=2100, description="年度")]
SmallPage = Annotated[int, Query(ge=1, le=200)]
# The year's movements of one account, by kind: each entry's change of the balance (its balance after, less the one
# before it: no list of which kinds take money out is kept here), summed within the year and before it (the opening
# balance); cut out of the account's state by PostgreSQL.
_ACCOUNT_YEAR = text(
    "SELECT x.kind, max(x.kind_zh) AS kind_zh,"
    " count(*) FILTER (WHERE x.on_day >= :start AND x.on_day < :end) AS entries,"
    " coalesce(sum(x.delta) FILTER (WHERE x.on_day >= :start AND x.on_day < :end AND x.delta > 0), 0) AS income,"
    " coalesce(-sum(x.delta) FILTER (WHERE x.on_day >= :start AND x.on_day < :end AND x.delta < 0), 0) AS outgo,"
    " coalesce(sum(x.delta) FILTER (WHERE x.on_day < :start), 0) AS before"
    " FROM (SELECT t.v ->> 'kind' AS kind, t.v ->> 'kind_zh' AS kind_zh, t.v ->> 'on' AS on_day,"
    "  (t.v ->> 'balance_after')::bigint"
    "  - coalesce(lag((t.v ->> 'balance_after')::bigint) OVER (ORDER BY t.i), 0) AS delta"
    f"  FROM {SCHEMA}.{registry_entries.name} AS e,"
    "  jsonb_array_elements(coalesce(e.state -> 'entries', '[]'::jsonb)) WITH ORDINALITY AS t(v, i)"
    "  WHERE e.registry = 'account' AND e.key = :key) AS x"
    " GROUP BY x.kind ORDER BY x.kind"
)


def process_list(raw: str) -> tuple[str, ...]:
    """`P055,P056` as the processes asked about (each P001–P092 or S+事项号), or a 422 naming `processes`."""
    found = tuple(dict.fromkeys(p.strip().upper() for p in raw.split(",") if p.strip()))
    bad = [p for p in found if not (len(p) == 4 and p[0] in "PS" and p[1:].isdigit())]
    if not found or bad or len(found) > MAX_PROCESSES:
        raise InvalidInput(
            "INVALID_FIELD",
            f"业务流程编号应为逗号分隔的 P001–P092 或 S+事项号，至多 {MAX_PROCESSES} 个"
            + (f"：{'、'.join(bad)} 无效" if bad else ""),
            f"processes: comma-separated P001-P092 or S+item numbers, at most {MAX_PROCESSES}"
            + (f" ({', '.join(bad)} invalid)" if bad else ""),
            "processes",
        )
    return found


def _certno_of(conn: Connection, psn_no: str) -> str | None:
    """The 证件号码 the person's entry holds (None when the read model has no such person)."""
    found: str | None = conn.execute(select(_E.certno).where(_E.registry == "person", _E.key == psn_no)).scalar()
    return found.upper() if found else None


def _names_them(psn_no: str, certno: str | None) -> Any:
    """A case whose data names the person, by 人员编号 or by 证件号码."""
    by_number = _C.data["psn_no"].as_string() == psn_no
    if certno is None:
        return by_number
    return or_(by_number, func.upper(_C.data["certno"].as_string()) == certno)


def person_cases(
    engine: Engine, scope: str, psn_no: str, processes: Sequence[str], limit: int, offset: int
) -> tuple[int, list[Any]]:
    """The person's cases of these processes in the caller's 医保区划, newest first; and how many."""
    with reading(engine) as conn:
        certno = _certno_of(conn, psn_no)
        query = select(cases).where(
            _C.process_id.in_(list(processes)),
            _C.admdvs.startswith(scope_prefix(scope)),
            _names_them(psn_no, certno),
        )
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.order_by(desc(_C.created_at), _C.case_id).limit(limit).offset(offset)).all()
    return int(total), list(rows)


def case_line(row: Any, definition: Mapping[str, Any] | None) -> dict[str, Any]:
    """A case as a person follows it: its process and 办理模式, its stage by name, its status and dates, its data."""
    definition = definition or {}
    stages = {s["key"]: s["name_zh"] for s in definition.get("stages") or ()}
    variants = {v["key"]: v["name_zh"] for v in definition.get("variants") or ()}
    return {
        "case_id": row.case_id,
        "acceptance_no": row.acceptance_no,
        "process_id": row.process_id,
        "process_name_zh": definition.get("name_zh"),
        "variant": row.variant,
        "variant_name_zh": variants.get(row.variant) if row.variant else None,
        "stage": row.stage,
        "stage_name_zh": stages.get(row.stage) or TERMINAL_STAGE_ZH.get(row.stage),
        "status": status_of(row.stage),
        "admdvs": row.admdvs,
        "due_on": row.due_on.isoformat() if row.due_on else None,
        "accepted_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "version": row.version,
        "data": row.data,
    }


def definitions(registry: ProcessRegistry, processes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The definitions of these processes, for their stage names; one its service cannot give now is left out (the
    cases are answered without names rather than not at all, as the progress read does)."""
    found: dict[str, dict[str, Any]] = {}
    for process in processes:
        try:
            found[process] = registry.cached(process) or registry.get(process)
        except YbjError:
            continue
    return found


def reconciliations(
    engine: Engine, scope: str, psn_no: str, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """The P021 cases (征缴实收对账) of the caller's 医保区划 whose tax rows name the person, newest first; each with
    the person's rows only."""
    with reading(engine) as conn:
        certno = _certno_of(conn, psn_no)
        rows_of = type_coerce(_C.data, JSONB)["tax_rows"]
        named = rows_of.contains([{"psn_no": psn_no}])
        if certno is not None:
            named = or_(named, rows_of.contains([{"certno": certno}]))
        query = select(cases).where(_C.process_id == "P021", _C.admdvs.startswith(scope_prefix(scope)), named)
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.order_by(desc(_C.created_at), _C.case_id).limit(limit).offset(offset)).all()
    return int(total), [reconciliation_line(r, psn_no, certno) for r in rows]


def reconciliation_line(row: Any, psn_no: str, certno: str | None) -> dict[str, Any]:
    """A P021 case as the person sees it: the collection month and period, where it stands, and their own rows."""
    data = row.data or {}
    mine = [
        {k: r.get(k) for k in ("insutype", "belong_ym", "emp_amt", "psn_amt")}
        for r in data.get("tax_rows") or ()
        if r.get("psn_no") == psn_no or (certno is not None and str(r.get("certno") or "").upper() == certno)
    ]
    return {
        "acceptance_no": row.acceptance_no,
        "process_id": row.process_id,
        "stage": row.stage,
        "status": status_of(row.stage),
        "collection_ym": data.get("collection_ym"),
        "arrival_begin": data.get("arrival_begin"),
        "arrival_end": data.get("arrival_end"),
        "insutypes": data.get("insutypes"),
        "balanced": data.get("balanced", data.get("totals_match")),
        "rows": mine,
        "accepted_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def _records_of(psn_no: str, year: int) -> Any:
    return and_(
        _E.registry == "settlement_record",
        _E.state["psn_no"].as_string() == psn_no,
        _E.state["ym"].as_string().startswith(str(year)),
    )


def _institution() -> Any:
    return registry_entries.alias("inst")


def visits(engine: Engine, psn_no: str, year: int, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """The person's settlement records of the year, newest first, each with its institution's name, type and level
    (as the institution registry holds them) and without its 费用明细 lines."""
    inst = _institution()
    joined = registry_entries.outerjoin(
        inst, and_(inst.c.registry == "institution", inst.c.key == _E.state["fixmedins_code"].as_string())
    )
    query = select(_E.state, inst.c.state.label("institution")).select_from(joined).where(_records_of(psn_no, year))
    with reading(engine) as conn:
        total = conn.execute(
            select(func.count()).select_from(registry_entries).where(_records_of(psn_no, year))
        ).scalar_one()
        rows = conn.execute(
            query.order_by(_E.state["setl_time"].as_string().desc(), _E.key).limit(limit).offset(offset)
        ).all()
    return int(total), [visit_line(r.state, r.institution) for r in rows]


def visit_line(record: Mapping[str, Any], institution: Mapping[str, Any] | None) -> dict[str, Any]:
    """A settlement record without its lines and 证件号码, with where it was settled."""
    institution = institution or {}
    line = {k: v for k, v in record.items() if k not in ("lines", "certno")}
    line["line_count"] = len(record.get("lines") or ())
    for field in ("fixmedins_name", "fixmedins_type", "hosp_lv"):
        line[field] = institution.get(field)
    return line


def settlement_of_person(engine: Engine, psn_no: str, setl_id: str) -> dict[str, Any]:
    """One settlement record of the person, with its 费用明细 lines and where it was settled; the same 404 whether no
    record or another person's holds the 结算ID."""
    inst = _institution()
    joined = registry_entries.outerjoin(
        inst, and_(inst.c.registry == "institution", inst.c.key == _E.state["fixmedins_code"].as_string())
    )
    query = (
        select(_E.state, inst.c.state.label("institution"))
        .select_from(joined)
        .where(_E.registry == "settlement_record", _E.key == setl_id)
    )
    with reading(engine) as conn:
        row = conn.execute(query).first()
    if row is None or (row.state or {}).get("psn_no") != psn_no:
        raise NotFound(
            "SETTLEMENT_NOT_FOUND",
            f"该参保人没有结算ID为 {setl_id} 的结算记录（或尚未同步，请稍候）",
            f"the person has no settlement record {setl_id} (or it is not yet visible)",
            "setl_id",
        )
    return {**visit_line(row.state, row.institution), "lines": (row.state or {}).get("lines") or []}


def settlement_summary(engine: Engine, psn_no: str, year: int) -> dict[str, Any]:
    """The person's year of settlement records added up by 医疗类别 and by institution (fen; a 冲正 carries the
    negative of its original, so the sums net reversals out)."""
    mine = select(registry_entries).where(_records_of(psn_no, year)).subquery()
    sums = [func.coalesce(func.sum(mine.c.state[f].as_integer()), 0).label(f) for f in SUMS]
    reversals = func.count().filter(mine.c.state["reverses"].as_string().is_not(None)).label("reversals")
    med_type = mine.c.state["med_type"].as_string()
    code = mine.c.state["fixmedins_code"].as_string()
    inst = _institution()
    with reading(engine) as conn:
        by_type = conn.execute(
            select(med_type.label("med_type"), func.count().label("records"), reversals, *sums)
            .group_by(med_type)
            .order_by(med_type)
        ).all()
        by_place = conn.execute(
            select(
                code.label("fixmedins_code"),
                func.count().label("records"),
                reversals,
                func.max(mine.c.state["setl_time"].as_string()).label("last_setl_time"),
                *sums,
            )
            .group_by(code)
            .order_by(func.max(mine.c.state["setl_time"].as_string()).desc())
        ).all()
        codes = [r.fixmedins_code for r in by_place]
        places = (
            {
                r.key: r.state
                for r in conn.execute(
                    select(inst.c.key, inst.c.state).where(inst.c.registry == "institution", inst.c.key.in_(codes))
                )
            }
            if codes
            else {}
        )
    return {
        "psn_no": psn_no,
        "year": year,
        "by_med_type": [dict(r._mapping) for r in by_type],
        "by_institution": [institution_line(dict(r._mapping), places.get(r.fixmedins_code)) for r in by_place],
    }


def institution_line(totals: dict[str, Any], institution: Mapping[str, Any] | None) -> dict[str, Any]:
    """One institution's share of the person's year, with its name, type, level and 医保区划 as registered."""
    institution = institution or {}
    return {
        **totals,
        **{k: institution.get(k) for k in ("fixmedins_name", "fixmedins_type", "hosp_lv", "admdvs")},
    }


def account_year(engine: Engine, psn_no: str, year: int) -> dict[str, Any]:
    """The person's 个人账户 in the year: balance at its start and end, and what came in and went out, by kind."""
    params = {"key": psn_no, "start": f"{year}-01-01", "end": f"{year + 1}-01-01"}
    with reading(engine) as conn:
        held = conn.execute(
            select(_E.state["frozen"].as_boolean()).where(_E.registry == "account", _E.key == psn_no)
        ).first()
        rows = conn.execute(_ACCOUNT_YEAR, params).all() if held is not None else []
    return {
        "psn_no": psn_no,
        "year": year,
        "has_account": held is not None,
        "frozen": bool(held[0]) if held is not None else False,
        **year_of_movements([dict(r._mapping) for r in rows]),
    }


def year_of_movements(by_kind: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Opening and closing balance, income and outgoings (fen) from each kind's changes before and within the year."""
    opening = sum(int(r["before"]) for r in by_kind)
    within = [r for r in by_kind if int(r["entries"])]
    income = sum(int(r["income"]) for r in within)
    outgo = sum(int(r["outgo"]) for r in within)
    return {
        "opening_balance": opening,
        "income": income,
        "outgo": outgo,
        "closing_balance": opening + income - outgo,
        "by_kind": [
            {
                "kind": r["kind"],
                "kind_zh": r.get("kind_zh"),
                "entries": int(r["entries"]),
                "income": int(r["income"]),
                "outgo": int(r["outgo"]),
            }
            for r in within
        ],
    }


def subsidies(engine: Engine, scope: str, psn_no: str) -> list[dict[str, Any]]:
    """参保资助明细 filed for the person (P054) in the caller's 医保区划, newest 缴费年度 first."""
    with reading(engine) as conn:
        certno = _certno_of(conn, psn_no)
        if certno is None:
            return []
        rows = conn.execute(
            select(_E.state).where(
                _E.registry == "assistance_subsidy",
                _E.certno == certno,
                _E.in_effect,
                _E.admdvs.startswith(scope_prefix(scope)),
            )
        ).all()
    return sorted((dict(r.state) for r in rows), key=lambda s: int(s.get("clct_year") or 0), reverse=True)


def person_case_router(engine: Engine, registry: ProcessRegistry) -> APIRouter:
    """GET /api/v1/persons/{psn_no}/cases, /reconciliations, /visits[/{setl_id}], /settlement-summary,
    /account-year, /subsidies."""
    router = APIRouter()

    async def checked(request: Request, who: Actor, what: str, psn_no: str) -> None:
        may_read(who)
        access = getattr(request.app.state, "access", None)
        if access is not None:
            await access.arecord(who, request, what, psn_no)

    @router.get("/api/v1/persons/{psn_no}/cases", responses=PASSED)
    async def cases_of_person(
        psn_no: str,
        who: CurrentActor,
        request: Request,
        processes: Annotated[
            str, Query(min_length=4, max_length=60, description="业务流程编号，逗号分隔，如 P055,P056")
        ],
        page: Page = 1,
        page_size: SmallPage = 50,
    ) -> dict[str, Any]:
        """The person's cases of these processes (service items 35, 41, 58, 60, 62, 99, 106, 110), newest first, each
        with its process, stage by name, status, 时限 and data, in the caller's 医保区划."""
        asked = process_list(processes)
        await checked(request, who, "person-cases", psn_no)
        total, rows = await asyncio.to_thread(
            person_cases, engine, who.admdvs, psn_no, asked, page_size, (page - 1) * page_size
        )
        known = await asyncio.to_thread(definitions, registry, sorted({r.process_id for r in rows}))
        items = [case_line(r, known.get(r.process_id)) for r in rows]
        return {
            "psn_no": psn_no,
            "processes": list(asked),
            "items": items,
            "total": total,
            "page": page,
            "page_size": page_size,
        }

    @router.get("/api/v1/persons/{psn_no}/reconciliations", responses=PASSED)
    async def reconciliations_of_person(
        psn_no: str, who: CurrentActor, request: Request, page: Page = 1, page_size: SmallPage = 50
    ) -> dict[str, Any]:
        """征缴实收对账 (P021) whose tax rows name the person (service item 67), newest first, with their rows."""
        await checked(request, who, "person-reconciliations", psn_no)
        total, items = await asyncio.to_thread(
            reconciliations, engine, who.admdvs, psn_no, page_size, (page - 1) * page_size
        )
        return {"psn_no": psn_no, "items": items, "total": total, "page": page, "page_size": page_size}

    @router.get("/api/v1/persons/{psn_no}/visits", responses=PASSED)
    async def visits_of_person(
        psn_no: str, who: CurrentActor, request: Request, year: Year, page: Page = 1, page_size: SmallPage = 50
    ) -> dict[str, Any]:
        """The person's settlement records of the year with the institutions' names, newest first, without their lines
        (service items 73, 90; fen)."""
        await checked(request, who, "person-visits", psn_no)
        total, items = await asyncio.to_thread(visits, engine, psn_no, year, page_size, (page - 1) * page_size)
        return {"psn_no": psn_no, "year": year, "items": items, "total": total, "page": page, "page_size": page_size}

    @router.get("/api/v1/persons/{psn_no}/visits/{setl_id}", responses=PASSED)
    async def visit_of_person(psn_no: str, setl_id: str, who: CurrentActor, request: Request) -> dict[str, Any]:
        """One of the person's settlement records with its 费用明细 lines and institution (service item 90; fen)."""
        await checked(request, who, "person-visit", psn_no)
        return await asyncio.to_thread(settlement_of_person, engine, psn_no, setl_id)

    @router.get("/api/v1/persons/{psn_no}/settlement-summary", responses=PASSED)
    async def settlement_summary_of_person(
        psn_no: str, who: CurrentActor, request: Request, year: Year
    ) -> dict[str, Any]:
        """The person's year of settlement records added up by 医疗类别 and by institution (service items 61, 64, 91;
        fen, reversals netted out)."""
        await checked(request, who, "person-settlement-summary", psn_no)
        return await asyncio.to_thread(settlement_summary, engine, psn_no, year)

    @router.get("/api/v1/persons/{psn_no}/account-year", responses=PASSED)
    async def account_year_of_person(psn_no: str, who: CurrentActor, request: Request, year: Year) -> dict[str, Any]:
        """个人账户 in the year (service item 64): opening and closing balance, income and outgoings by kind (fen)."""
        await checked(request, who, "account-year", psn_no)
        return await asyncio.to_thread(account_year, engine, psn_no, year)

    @router.get("/api/v1/persons/{psn_no}/subsidies", responses=PASSED)
    async def subsidies_of_person(psn_no: str, who: CurrentActor, request: Request) -> dict[str, Any]:
        """参保资助明细 filed for the person (service item 65), newest 缴费年度 first."""
        await checked(request, who, "person-subsidies", psn_no)
        return {"psn_no": psn_no, "items": await asyncio.to_thread(subsidies, engine, who.admdvs, psn_no)}

    return router
