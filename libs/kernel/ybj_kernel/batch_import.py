"""批量导入 in the service layer: every row checked with the same models and rules as a single case, saved at once.

Each good row becomes a case of the process (variant), advanced through the variant's stages up to and including
its first batch stage, as the person who uploaded the file. The batch record, every case, and every uniqueness claim
and registry change are saved in one transaction: a batch is imported whole (or, in `valid_rows` mode, whole but
for its bad rows), never half.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID, uuid4

from pydantic import ValidationError

from ybj_kernel.adapters.spreadsheets_columns import list_sheets
from ybj_kernel.domain.batch_record import BatchImport, batch_id_for
from ybj_kernel.domain.case import Case
from ybj_kernel.domain.engine import Actor, Claim, Command, decide, decide_registration
from ybj_kernel.domain.process import ProcessDefinition, Stage
from ybj_kernel.domain.validation import field_errors
from ybj_kernel.errors import InvalidInput, YbjError

if TYPE_CHECKING:
    from ybj_kernel.application import CaseApplication

BatchMode = Literal["valid_rows", "all_or_nothing"]


@dataclass(frozen=True)
class BatchOutcome:
    """The batch as recorded, and whether this upload created it (False: the same file again)."""

    batch: BatchImport
    created: bool


def run_batch(
    app: CaseApplication,
    process_id: str,
    variant: str | None,
    rows: Sequence[tuple[int, dict[str, Any]]],
    actor: Actor,
    *,
    mode: BatchMode,
    fingerprint: str,
    file_name: str,
) -> BatchOutcome:
    """Validate every row, open a case per good row (none in all_or_nothing mode if any row is bad), save once."""
    p = app.definition(process_id)
    chosen = p.variant_key(variant)
    if not any(s.batch for s in p.path(chosen)):
        raise InvalidInput(
            "NO_BATCH_MODE",
            f"{p.id}{p.name_zh}没有批量模式" + (f"（{chosen}）" if chosen else ""),
            f"{p.id} has no batch stage" + (f" in variant {chosen}" if chosen else ""),
            "variant" if p.variants else "process",
        )
    batch_id = batch_id_for(app.service, actor.user_id, p.id, chosen, fingerprint)
    if (existing := app.find_batch(batch_id)) is not None:
        return BatchOutcome(existing, created=False)
    today = app.today()
    cases: list[Case] = []
    claims: list[Any] = []
    errors: list[dict[str, Any]] = []
    claimed: dict[str, int] = {}
    entries: dict[tuple[str, str], Any] = {}  # registry entries as the good rows so far left them
    for row_no, values in rows:
        try:
            case, row_claims = _one_row(app, p, chosen, values, actor, today, claimed, row_no, entries)
        except YbjError as err:
            errors.append(
                {
                    "row": row_no,
                    "field": err.field,
                    "code": err.code,
                    "message_zh": err.message_zh,
                    "message_en": err.message_en,
                }
            )
            continue
        cases.append(case)
        claims += row_claims
    if mode == "all_or_nothing" and errors:
        cases, claims, entries = [], [], {}
    batch = BatchImport(
        id=batch_id,
        process_id=p.id,
        variant=chosen,
        mode=mode,
        fingerprint=fingerprint,
        file_name=file_name,
        actor=actor.stamp(actor.roles[0]),
        total=len(rows),
        errors=errors,
        case_ids=[str(case.id) for case in cases],
        rows=[{"row": n, "values": v} for n, v in rows],
    )
    app.save_together(batch, *cases, *claims, *entries.values())
    return BatchOutcome(batch, created=True)


def _one_row(
    app: CaseApplication,
    p: ProcessDefinition,
    variant: str | None,
    values: dict[str, Any],
    actor: Actor,
    today: date,
    claimed: dict[str, int],
    row_no: int,
    entries: dict[tuple[str, str], Any],
) -> tuple[Case, list[Any]]:
    """One row opened as a case and advanced through the variant's stages up to its first batch stage, or to its first
    review, which the uploader may not do: the reviewers approve the cases together (POST /api/v1/cases/batch-actions)."""
    reg = decide_registration(p, actor, values, today, variant, facts=app.facts_for(p.opening(variant), {}, values))
    held: dict[str, int] = {}
    _hold(reg.claim, claimed, held, row_no)
    case = app.registered_case(p, reg, correlation_id=str(uuid4()))
    claims = app.claims_for(case, reg.claim, ())
    row_entries = app.registry_changes_on(case, reg.effects, (), entries)
    path = p.path(variant)
    for stage in () if path[0].batch else path[1:]:
        if stage.review:
            break  # a review is someone else's (不相容岗位分离): the cases wait for it, and 批量审核 approves them together
        facts = app.facts_for(stage, case.data, values)
        decision = decide(p, case, actor, Command(stage.action, case.version, None, values, facts), today)
        app.apply_decision(case, decision)
        _hold(decision.claim, claimed, held, row_no)
        claims += app.claims_for(case, decision.claim, decision.release)
        row_entries.update(
            app.registry_changes_on(case, decision.effects, decision.reverts, {**entries, **row_entries})
        )
        if stage.batch:
            break
    entries.update(row_entries)  # only a row that went through whole changes what later rows see
    claimed.update(held)
    return case, claims


def _hold(claim: Claim | None, claimed: dict[str, int], held: dict[str, int], row_no: int) -> None:
    """Two rows of one file may not take the same uniqueness key (e.g. the same person twice)."""
    if claim is None:
        return
    key = f"{claim.scope.scope}:{claim.key}"
    if key in claimed:
        raise InvalidInput(
            "DUPLICATE_IN_FILE",
            f"与第 {claimed[key]} 行重复：{claim.scope.message_zh}",
            f"repeats row {claimed[key]}: {claim.scope.message_en}",
            claim.scope.field,
        )
    held[key] = row_no


# Lists of rows inside one case (a stage whose input has list-of-model fields, e.g. P004's 新参保人员 and 停保人员):
# one uploaded workbook, a sheet per list, fills ONE case's stage; each row is checked with the list's item model.


@dataclass
class BadRows(InvalidInput):
    """Rows of a lists workbook refused (422): each bad row's sheet, row, field and reason under `errors`."""

    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The error body with every bad row listed."""
        return {**super().to_dict(), "errors": self.errors}


def checked_lists(
    stage: Stage, lists: Mapping[str, Sequence[tuple[int, dict[str, Any]]]], today: date
) -> tuple[dict[str, list[tuple[int, dict[str, Any]]]], list[dict[str, Any]]]:
    """Each row checked alone with its list's item model: the good rows by list, and an error per bad field of a row
    (`row`, `field` as "sheet/field", the sheet's name in the message)."""
    good: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    errors: list[dict[str, Any]] = []
    for sheet in list_sheets(stage.input):
        if sheet.code not in lists:
            continue
        good[sheet.code] = []
        for row_no, values in lists[sheet.code]:
            try:
                sheet.item.model_validate(values, context={"today": today})
            except ValidationError as exc:
                errors += [_row_error(sheet.name_zh, row_no, err) for err in field_errors(exc)]
                continue
            good[sheet.code].append((row_no, values))
    return good, errors


def _row_error(sheet: str, row_no: int, err: YbjError) -> dict[str, Any]:
    return {
        "row": row_no,
        "sheet": sheet,
        "field": f"{sheet}/{err.field}" if err.field else sheet,
        "code": err.code,
        "message_zh": f"工作表“{sheet}”第 {row_no} 行：{err.message_zh}",
        "message_en": f"sheet {sheet}, row {row_no}: {err.message_en}",
    }


def _case_error(stage: Stage, lists: Mapping[str, Sequence[tuple[int, Any]]], err: YbjError) -> dict[str, Any]:
    """A refusal of the whole stage input: named by sheet and row where its field is `list.index[.field]`."""
    code, _, rest = (err.field or "").partition(".")
    index, _, inner = rest.partition(".")
    sheet = next((s for s in list_sheets(stage.input) if s.code == code), None)
    rows = lists.get(code, ())
    if sheet is not None and index.isdigit() and int(index) < len(rows):
        named = YbjError(err.code, err.message_zh, err.message_en, inner or None)
        return _row_error(sheet.name_zh, rows[int(index)][0], named)
    return {"row": 0, "field": err.field, "code": err.code, "message_zh": err.message_zh, "message_en": err.message_en}


def run_list_batch(
    app: CaseApplication,
    process_id: str,
    variant: str | None,
    data: Mapping[str, Any],
    lists: Mapping[str, Sequence[tuple[int, dict[str, Any]]]],
    actor: Actor,
    *,
    mode: BatchMode,
    fingerprint: str,
    file_name: str,
) -> BatchOutcome:
    """One case opened with the opening stage's input {**data, list: good rows} (none in all_or_nothing mode if any row
    is bad, nor if the stage refuses the whole), recorded as a batch whose total is the rows uploaded."""
    p = app.definition(process_id)
    chosen = p.variant_key(variant)
    opening = p.path(chosen)[0]
    batch_id = batch_id_for(app.service, actor.user_id, p.id, chosen, fingerprint)
    if (existing := app.find_batch(batch_id)) is not None:
        return BatchOutcome(existing, created=False)
    good, errors = checked_lists(opening, lists, app.today())
    cases: list[Case] = []
    claims: list[Any] = []
    entries: dict[tuple[str, str], Any] = {}
    if not (errors and mode == "all_or_nothing"):
        values = {**data, **{code: [v for _, v in rows] for code, rows in good.items()}}
        try:
            case, claims = _one_row(app, p, chosen, values, actor, app.today(), {}, 0, entries)
            cases.append(case)
        except YbjError as err:
            errors.append(_case_error(opening, good, err))
            claims, entries = [], {}
    total = sum(len(rows) for rows in lists.values())
    batch = BatchImport(
        id=batch_id,
        process_id=p.id,
        variant=chosen,
        mode=mode,
        fingerprint=fingerprint,
        file_name=file_name,
        actor=actor.stamp(actor.roles[0]),
        total=total,
        errors=errors,
        case_ids=[str(case.id) for case in cases],
        rows=[{"row": n, "sheet": code, "values": v} for code, rows in lists.items() for n, v in rows],
    )
    app.save_together(batch, *cases, *claims, *entries.values())
    return BatchOutcome(batch, created=True)


def list_command(
    app: CaseApplication,
    case_id: UUID,
    action: str,
    expected_version: int,
    data: Mapping[str, Any],
    lists: Mapping[str, Sequence[tuple[int, dict[str, Any]]]],
    comment: str | None,
) -> Command:
    """The case's action with {**data, list: rows} as its input, every row good (else BadRows, nothing done)."""
    case = app.get_case(case_id)
    p = app.definition(case.process_id)
    stage = next((s for s in p.path(case.variant) if s.action == action), None)
    if stage is None or not list_sheets(stage.input):
        raise InvalidInput(
            "NO_ROW_LISTS",
            f"{p.id} 的动作 {action} 不录入名单",
            f"{p.id}'s action {action} takes no lists of rows",
            "action",
        )
    good, errors = checked_lists(stage, lists, app.today())
    if errors:
        raise BadRows(
            "INVALID_ROWS",
            f"名单中有 {len({(e['sheet'], e['row']) for e in errors})} 行有误，未办理；请改正后重新上传",
            f"{len({(e['sheet'], e['row']) for e in errors})} rows are invalid; nothing was done",
            errors[0]["field"],
            errors=errors,
        )
    return Command(action, expected_version, comment, {**data, **{c: [v for _, v in rows] for c, rows in good.items()}})


def describe_list_batch(batch: BatchImport, service: str) -> dict[str, Any]:
    """A lists batch described as any batch, its counts in rows (not cases): rows accepted are the case's rows."""
    described = batch.describe(service)
    bad = {(e.get("sheet"), e["row"]) for e in batch.errors if e["row"]}
    accepted = batch.total - len(bad) if batch.case_ids else 0
    return {**described, "accepted": accepted, "rejected": batch.total - accepted}
