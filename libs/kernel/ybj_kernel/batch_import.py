"""批量导入 in the service layer: every row checked with the same models and rules as a single case, saved at once.

Each good row becomes a case of the process (variant), advanced through the variant's stages up to and including
its first batch stage, as the person who uploaded the file. The batch record, every case, and every uniqueness claim
and registry change are saved in one transaction: a batch is imported whole (or, in `valid_rows` mode, whole but
for its bad rows), never half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal
from uuid import uuid4

from ybj_kernel.domain.batch_record import BatchImport, batch_id_for
from ybj_kernel.domain.case import Case
from ybj_kernel.domain.engine import Actor, Claim, Command, decide, decide_registration
from ybj_kernel.domain.process import ProcessDefinition
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
    """One row opened as a case and advanced through the variant's stages up to its first batch stage."""
    reg = decide_registration(p, actor, values, today, variant)
    held: dict[str, int] = {}
    _hold(reg.claim, claimed, held, row_no)
    case = app.registered_case(p, reg, correlation_id=str(uuid4()))
    claims = app.claims_for(case, reg.claim, ())
    row_entries = app.registry_changes_on(case, reg.effects, (), entries)
    path = p.path(variant)
    for stage in () if path[0].batch else path[1:]:
        decision = decide(p, case, actor, Command(stage.action, case.version, None, values), today)
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
