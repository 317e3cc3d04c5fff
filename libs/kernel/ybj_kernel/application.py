"""The service layer of every domain service: one eventsourcing Application running the case engine."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError

from ybj_kernel.adapters.group_commit import GroupCommit
from ybj_kernel.batch_import import BatchMode, BatchOutcome, run_batch
from ybj_kernel.domain.batch_record import BatchImport
from ybj_kernel.domain.case import Case, UniqueClaim
from ybj_kernel.domain.engine import (
    Actor,
    Claim,
    Command,
    Decision,
    Registration,
    check_may_print,
    decide,
    decide_registration,
    stage_to_complete,
)
from ybj_kernel.domain.process import COMPLETED, DOCUMENT_ISSUED, Lookup, ProcessDefinition, Stage
from ybj_kernel.domain.reactions import Opening, Reaction, cause_of
from ybj_kernel.domain.registry import Effect, Entry, Registry, registry_named
from ybj_kernel.domain.rules import RuleBook
from ybj_kernel.envelope import event_id
from ybj_kernel.errors import Conflict, InvalidInput, NotFound, Unavailable, YbjError
from ybj_kernel.recent_cases import RecentCases
from ybj_kernel.registries import Load, apply_effects, find_entry

_CASE_NS = uuid5(NAMESPACE_URL, "urn:ybj:case")
# Who registers the cases reactions open (domain/reactions.py Opening), in the role `system`.
REACTOR_USER = "system:reactor"
_CLAIM_NS = uuid5(NAMESPACE_URL, "urn:ybj:claim")

# (service code, admdvs, day) -> a new 受理号; the adapter behind it guarantees uniqueness and, like the
# event store, raises eventsourcing's OperationalError or InterfaceError when its database cannot be reached.
AcceptanceNumbers = Callable[[str, str, date], str]

# The store cannot be reached or used right now (server down or restarting, connection lost, pool exhausted,
# lock timeout): the command did not happen and may be retried. Other persistence errors are bugs (500).
STORE_UNAVAILABLE = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class CaseAck:
    """What a command returns: where the case now stands."""

    case_id: str
    acceptance_no: str
    process_id: str
    stage: str
    version: int
    appended: int = 1  # events this command appended: 0 when a retried create found its case


class CaseApplication(Application[UUID]):
    """Runs the processes of one service; each command loads a case, decides, and saves once."""

    service: ClassVar[str] = "case"
    service_code: ClassVar[str] = "00"
    # The registries this service owns (employer, person, account …), by name: see domain/registry.py.
    registries: ClassVar[Mapping[str, Registry]] = {}
    # The rules staff can list and try (试算) beside this service's processes: see domain/rules.py.
    rules: ClassVar[RuleBook] = RuleBook(())
    # What this service does when others publish facts (domain/reactions.py), run by `python -m ybj_<service> react`.
    reactions: ClassVar[tuple[Reaction, ...]] = ()

    @classmethod
    def default_definitions(cls) -> Mapping[str, ProcessDefinition]:
        """The processes this service runs (each service overrides this)."""
        return {}

    def __init__(
        self,
        definitions: Mapping[str, ProcessDefinition],
        acceptance_numbers: AcceptanceNumbers,
        env: Mapping[str, str] | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(env)
        self.definitions = dict(definitions)
        self._acceptance_numbers = acceptance_numbers
        self._today = today
        # Concurrent commands share one transaction (one table lock, one commit): see adapters/group_commit.py.
        self._writes = GroupCommit(self._record_events, IntegrityError, service=self.service)
        # The cases this process saved lately: the next command on one starts from it (recent_cases.py).
        self._recent = RecentCases()

    def definition(self, process_id: str) -> ProcessDefinition:
        """Return a process of this service, or raise NotFound."""
        try:
            return self.definitions[process_id]
        except KeyError:
            raise NotFound(
                "UNKNOWN_PROCESS",
                f"本服务没有业务流程 {process_id}",
                f"this service has no process {process_id}",
                "process",
            ) from None

    def create_case(
        self,
        process_id: str,
        data: dict[str, Any],
        actor: Actor,
        *,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
        variant: str | None = None,
        materials: tuple[str, ...] = (),
        advance: bool = False,
    ) -> CaseAck:
        """Open a case (登记) of a variant; a retried request with the same Idempotency-Key returns the same case.

        `advance`: then complete, with the same data, every following stage the actor's roles allow up to the first
        review (someone else's, 不相容岗位分离), all saved together or nothing: a channel's 网上申请 fills the stages a
        citizen fills in one request and lands at the bureau's first review."""
        p = self.definition(process_id)
        case_id = _case_id(self.service, actor, idempotency_key) if idempotency_key else uuid4()
        if idempotency_key and (existing := self._find(case_id)) is not None:
            return self._replayed(existing, process_id)
        case, changed = self._new_case(p, case_id, data, actor, idempotency_key, correlation_id, variant, materials)
        if advance:
            changed = self._advanced(p, case, actor, data, changed, correlation_id or str(uuid4()))
        try:
            self._save(case, *changed)
        except Conflict:
            if idempotency_key and (existing := self._find(case_id)) is not None:
                return self._replayed(existing, process_id)
            raise
        self._recent.keep(case)
        return _ack(case)

    def _new_case(
        self,
        p: ProcessDefinition,
        case_id: UUID,
        data: dict[str, Any],
        actor: Actor,
        idempotency_key: str | None,
        correlation_id: str | None,
        variant: str | None = None,
        materials: tuple[str, ...] = (),
        look: Load | None = None,
        *,
        causation_id: str | None = None,
    ) -> tuple[Case, list[Any]]:
        """A case registered (not saved yet), with the claims and registry entries its registration changes."""
        opening = p.opening(variant) if variant is None or variant in {v.key for v in p.variants} else None
        facts = self.facts_for(opening, {}, data, look)
        reg = decide_registration(p, actor, data, self._today(), variant, materials, facts)
        with _store():
            acceptance_no = self._acceptance_numbers(self.service_code, reg.admdvs, self._today())
        case = self._registered(case_id, p, reg, acceptance_no, correlation_id, causation_id or idempotency_key)
        changed: list[Any] = self._claims(case, reg.claim, ())
        changed += self._registry_changes(case, reg.effects, (), look)
        return case, changed

    def _advanced(
        self, p: ProcessDefinition, case: Case, actor: Actor, data: Mapping[str, Any], changed: list[Any], corr: str
    ) -> list[Any]:
        """The case taken on through the stages this actor may do (not reviews, not batch stages), each with its
        fields of `data`; the claims and registry entries changed so far and by each step, for one save."""
        entries = {(e.registry, e.key): e for e in changed if isinstance(e, Entry)}
        others = [c for c in changed if not isinstance(c, Entry)]
        while not p.is_terminal(case.stage):
            stage = p.stage(case.stage)
            if stage.review or stage.batch or not set(actor.roles) & set(stage.roles):
                break
            values = fields_for(stage, data)
            load = self._prefetching(self._entries_wanted(p, case, stage, {**case.data, **values}))
            facts = self.facts_for(stage, case.data, values, load)
            decision = decide(p, case, actor, Command(stage.action, case.version, None, values, facts), self._today())
            self._apply(case, decision, corr)
            others += self._claims(case, decision.claim, decision.release)
            entries.update(self.registry_changes_on(case, decision.effects, decision.reverts, entries, load))
        return [*others, *entries.values()]

    def act(self, case_id: UUID, actor: Actor, cmd: Command, *, correlation_id: str | None = None) -> CaseAck:
        """Apply one action (approve, reject, step_back, cancel, …) to a case at its expected version."""
        case = self._recent.at(case_id, cmd.expected_version) or self.get_case(case_id)
        p = self.definition(case.process_id)
        stage = stage_to_complete(p, case, cmd.action)
        load = self._prefetching(self._entries_wanted(p, case, stage, {**case.data, **cmd.data}))
        cmd = replace(cmd, facts=self.facts_for(stage, case.data, cmd.data, load))
        decision = decide(p, case, actor, cmd, self._today())
        self._apply(case, decision, correlation_id or str(uuid4()))
        changed = self._claims(case, decision.claim, decision.release)
        changed += self._registry_changes(case, decision.effects, decision.reverts, load)
        self._save(case, *changed)
        self._recent.keep(case)
        return _ack(case)

    def _entries_wanted(
        self, p: ProcessDefinition, case: Case, stage: Stage | None, merged: Mapping[str, Any]
    ) -> list[UUID]:
        """The entries a step will likely read: its lookups' and, when it completes the case, its effects' (worked out
        from the data so far; the decision computes the real ones, and anything not read here is read then)."""
        if stage is None:
            return []
        wanted: list[UUID] = []
        for lookup in stage.lookups:
            key = _key_of(lookup, merged)
            if key and lookup.source in self.registries:
                wanted.append(self.registries[lookup.source].entry_id(str(key)))
        if p.effects is not None and p.next_stage(stage.key, case.variant) == COMPLETED:
            try:
                effects = p.effects(merged, case.variant)
            except (KeyError, TypeError, ValueError, ArithmeticError):
                effects = ()  # needs what the step will derive: read when the decision names them
            wanted += [self.registries[e.registry].entry_id(e.key) for e in effects if e.registry in self.registries]
        return wanted

    def _prefetching(self, wanted: Sequence[UUID]) -> Load:
        """A loader that serves these entries from one query (missing ones as missing) and reads others as usual."""
        found = self._read_together(wanted) if len(set(wanted)) > 1 else None  # one read is one read either way
        if found is None:
            return self._read_one
        prefetched: dict[UUID, Any] = {i: found.get(i) for i in wanted}

        def load(entry_id: UUID) -> Any:
            if entry_id not in prefetched:
                return self._read_one(entry_id)
            if (entry := prefetched[entry_id]) is None:
                raise AggregateNotFoundError(entry_id)
            return entry

        return load

    def _read_one(self, aggregate_id: UUID) -> Any:
        """One aggregate rebuilt from its events, as `_read_together` rebuilds several (eventsourcing's repository.get
        checks every event against its protocols at run time: a tenth of a lookup's CPU). The loader of lookups."""
        with _store():
            stored = self.recorder.select_events(aggregate_id)
        if (aggregate := self._rebuilt(stored).get(aggregate_id)) is None:
            raise AggregateNotFoundError(aggregate_id)
        return aggregate

    def _read_together(self, ids: Sequence[UUID]) -> dict[UUID, Any] | None:
        """The aggregates under these ids that exist, rebuilt from one query of their events; None where the store
        cannot read several at once (eventsourcing's in-memory store)."""
        select_many = getattr(self.recorder, "select_events_of", None)
        if select_many is None:
            return None
        with _store():
            stored = select_many(sorted(set(ids), key=str))
        return self._rebuilt(stored)

    def _rebuilt(self, stored: Iterable[Any]) -> dict[UUID, Any]:
        """The aggregates folded from their stored events (each aggregate's in order); one its last event discarded is
        left out, as repository.get finds none."""
        rebuilt: dict[UUID, Any] = {}
        for stored_event in stored:
            aggregate_id = UUID(str(stored_event.originator_id))
            event: Any = self.mapper.to_domain_event(stored_event)
            rebuilt[aggregate_id] = event.mutate(rebuilt.get(aggregate_id))
        return {i: aggregate for i, aggregate in rebuilt.items() if aggregate is not None}

    def facts_for(
        self, stage: Stage | None, current: Mapping[str, Any], data: Mapping[str, Any], load: Load | None = None
    ) -> dict[str, Any]:
        """What the stage's lookups find (Stage.lookups): each entry's state, or None where none is in effect."""
        if stage is None or not stage.lookups:
            return {}
        merged = {**current, **data}
        found: dict[str, Any] = {}
        for lookup in stage.lookups:
            key = _key_of(lookup, {**merged, **found})  # a lookup may read the facts found before it (人员编号 → 资格)
            found[lookup.field] = self._looked(lookup.source, str(key), load, lookup.pick) if key else None
        return found

    def look(self, registry: str, key: str, load: Load | None = None) -> dict[str, Any] | None:
        """An entry's state, a copy, or None where none is in effect (for lookups and reactions)."""
        state: dict[str, Any] | None = self._looked(registry, key, load, None)
        return state

    def _looked(
        self, registry: str, key: str, load: Load | None, pick: Callable[[Mapping[str, Any]], Any] | None
    ) -> Any:
        """What `pick` takes of an entry's state (the whole state without one), a copy; None where none is in effect.
        Picked before it is copied: a lookup keeps a few fields of what may be a large entry."""
        with _store():
            entry = find_entry(load or self._read_one, registry_named(self.registries, registry), key)
        if entry is None or not entry.in_effect:
            return None
        return copy.deepcopy(entry.state if pick is None else pick(entry.state))

    def entries_of(self, registry: str, keys: Sequence[str]) -> dict[str, Entry]:
        """The entries of a registry under these keys that exist (in effect or not), read together: one query where
        the store can (a batch's existing records), one read per key where it cannot."""
        reg = registry_named(self.registries, registry)
        by_id = {reg.entry_id(k): k for k in keys}
        found = self._read_together(list(by_id))
        if found is not None:
            return {by_id[i]: entry for i, entry in found.items()}
        with _store():
            entries = {key: find_entry(self.repository.get, reg, key) for key in by_id.values()}
        return {key: entry for key, entry in entries.items() if entry is not None}

    def react(self, envelope: Mapping[str, Any]) -> int:
        """Apply every matching reaction to one published event from another service; return the entries changed."""
        outcome = self.react_many([envelope])[0]
        if isinstance(outcome, YbjError):
            raise outcome
        return outcome

    def react_many(self, envelopes: Sequence[Mapping[str, Any]]) -> list[int | YbjError]:
        """Apply the reactions to a batch of published events, in order, and save every change in one transaction.

        Each event's changes are recorded under its id, and a later event of the batch sees what an earlier one did
        (an entry it opened, say). Per event: the number of entries it changed (0: nothing, e.g. a redelivery), or the
        domain error a reaction refused it with (its changes are left out, the others' kept).
        """
        touched: dict[tuple[str, str], Entry] = {}
        opened: dict[UUID, list[Any]] = {}  # cases reactions opened, with what their registration changed

        def look(registry: str, key: str) -> dict[str, Any] | None:
            if (found := touched.get((registry, key))) is not None:
                return copy.deepcopy(found.state) if found.in_effect else None
            return self.look(registry, key)

        outcomes: list[int | YbjError] = []
        for envelope in envelopes:
            try:
                results = tuple(x for r in self.reactions if r.matches(envelope) for x in r.react(envelope, look))
                effects = tuple(x for x in results if isinstance(x, Effect))
                before = {k: len(e.pending_events) for k, e in touched.items()}
                with _store():
                    changed = (
                        apply_effects(self.registries, self.repository.get, cause_of(envelope), effects, (), touched)
                        if effects
                        else {}
                    )
                cases = [self._opened(o, envelope, opened) for o in results if isinstance(o, Opening)]
            except Unavailable:
                raise
            except YbjError as refused:
                outcomes.append(refused)
                continue
            touched.update(changed)
            new_cases = [c for c in cases if c is not None]
            opened.update((c[0].id, c) for c in new_cases)
            changed_entries = sum(len(e.pending_events) > before.get(k, 0) for k, e in changed.items())
            outcomes.append(changed_entries + len(new_cases))
        pending = [e for e in touched.values() if e.pending_events]
        pending += [aggregate for case in opened.values() for aggregate in case]
        if pending:
            self._save(*pending)
        return outcomes

    def _opened(self, opening: Opening, envelope: Mapping[str, Any], opened: Mapping[UUID, Any]) -> list[Any] | None:
        """The case a reaction opens, registered by the system, with what its registration changes; None when the
        same opening (its key) already opened it."""
        actor = Actor(REACTOR_USER, ("system",), opening.admdvs)
        case_id = opened_case_id(self.service, opening.key, opening.admdvs)
        if case_id in opened or self._find(case_id) is not None:
            return None
        p = self.definition(opening.process_id)
        correlation = str(envelope.get("correlationid") or cause_of(envelope))
        case, changed = self._new_case(
            p,
            case_id,
            dict(opening.data),
            actor,
            opening.key,
            correlation,
            opening.variant,
            causation_id=cause_of(envelope),
        )
        return [case, *changed]

    def _registered(
        self,
        case_id: UUID,
        p: ProcessDefinition,
        reg: Registration,
        acceptance_no: str,
        correlation_id: str | None,
        idempotency_key: str | None,
    ) -> Case:
        correlation = correlation_id or str(uuid4())
        return Case(
            id=case_id,
            process_id=p.id,
            action="create",
            acceptance_no=acceptance_no,
            admdvs=reg.admdvs,
            stage_from=reg.opening.key,
            stage_to=reg.stage_to,
            event_name=reg.opening.event,
            actor=reg.actor,
            data=reg.data,
            comment=None,
            correlation_id=correlation,
            causation_id=idempotency_key or correlation,
            variant=reg.variant,
            materials=list(reg.materials),
            due_on=reg.due_on,
        )

    def _registry_changes(
        self, case: Case, effects: tuple[Effect, ...], reverts: tuple[tuple[str, str], ...], load: Load | None = None
    ) -> list[Entry]:
        """Apply a decision's registry effects (or undo this case's changes) to the entries, loaded once each."""
        return list(self.registry_changes_on(case, effects, reverts, None, load).values())

    def registry_changes_on(
        self,
        case: Case,
        effects: tuple[Effect, ...],
        reverts: tuple[tuple[str, str], ...],
        seen: Mapping[tuple[str, str], Entry] | None,
        load: Load | None = None,
    ) -> dict[tuple[str, str], Entry]:
        """The entries a decision changes, by (registry, key); `seen` are unsaved entries to change copies of."""
        if not effects and not reverts:
            return {}
        with _store():
            return apply_effects(self.registries, load or self.repository.get, str(case.id), effects, reverts, seen)

    # For the batch import (batch_import.py), which builds many cases and saves them in one transaction.

    def import_batch(
        self,
        process_id: str,
        variant: str | None,
        rows: Sequence[tuple[int, dict[str, Any]]],
        actor: Actor,
        *,
        mode: BatchMode,
        fingerprint: str,
        file_name: str,
    ) -> BatchOutcome:
        """批量导入: every row checked as a single case would be; the good rows become cases, saved at once."""
        return run_batch(
            self, process_id, variant, rows, actor, mode=mode, fingerprint=fingerprint, file_name=file_name
        )

    def find_batch(self, batch_id: UUID) -> BatchImport | None:
        """A batch import, if it exists."""
        try:
            with _store():
                batch: BatchImport = self.repository.get(batch_id)
        except AggregateNotFoundError:
            return None
        return batch

    def today(self) -> date:
        """The application's date."""
        return self._today()

    def registered_case(self, p: ProcessDefinition, reg: Registration, correlation_id: str) -> Case:
        """A new case as a registration decided it, with a fresh 受理号 (not saved)."""
        with _store():
            acceptance_no = self._acceptance_numbers(self.service_code, reg.admdvs, self._today())
        return self._registered(uuid4(), p, reg, acceptance_no, correlation_id, None)

    def claims_for(self, case: Case, claim: Claim | None, release: tuple[Claim, ...]) -> list[UniqueClaim | Entry]:
        """The uniqueness claims a decision takes or frees (not saved)."""
        return self._claims(case, claim, release)

    def apply_decision(self, case: Case, decision: Decision) -> None:
        """Record a decision on a case (not saved)."""
        self._apply(case, decision, str(uuid4()))

    def save_together(self, *aggregates: Any) -> None:
        """Save aggregates in one transaction (a conflict is a Conflict)."""
        self._save(*aggregates)

    def record_document(self, case_id: UUID, actor: Actor, issued: dict[str, Any], version: int) -> CaseAck:
        """Append DocumentIssued (the form, its 校验码 and the PDF's SM3 digest) to a case printed at `version`."""
        case = self.get_case(case_id)
        p = self.definition(case.process_id)
        role = check_may_print(p, case, actor)
        if case.version != version:
            raise Conflict(
                "STALE_VERSION", "案件已更新，请重新打印", "the case changed while printing; print again", "version"
            )
        decision = Decision("issue_document", case.stage, case.stage, DOCUMENT_ISSUED, actor.stamp(role), None, issued)
        self._apply(case, decision, str(uuid4()))
        self._save(case)
        return _ack(case)

    def get_entry(self, registry: str, key: str) -> Entry:
        """Load a registry entry (an employer, a person, an account …), or raise NotFound."""
        reg = registry_named(self.registries, registry)
        with _store():
            entry = find_entry(self.repository.get, reg, key)
        if entry is None:
            raise NotFound("ENTRY_NOT_FOUND", f"{registry} {key} 不存在", f"no {registry} {key}", "key")
        return entry

    def get_case(self, case_id: UUID) -> Case:
        """Load a case from its events, or raise NotFound."""
        case = self._find(case_id)
        if case is None:
            raise NotFound("CASE_NOT_FOUND", "案件不存在", "no such case", "case_id")
        return case

    def _apply(self, case: Case, d: Decision, correlation_id: str) -> None:
        case.transition(
            process_id=case.process_id,
            acceptance_no=case.acceptance_no,
            admdvs=case.admdvs,
            action=d.action,
            stage_from=d.stage_from,
            stage_to=d.stage_to,
            event_name=d.event_name,
            actor=d.actor,
            comment=d.comment,
            data=d.data,
            layer=d.layer,
            pop_layer=d.pop_layer,
            correlation_id=correlation_id,
            causation_id=event_id(case.id, case.version),
            due_on=d.due_on,
            materials=list(d.materials),
        )

    def _claims(self, case: Case, claim: Claim | None, release: tuple[Claim, ...]) -> list[UniqueClaim | Entry]:
        """Free the keys a decision releases and take the one it claims, in each key's own scope."""
        changed: list[UniqueClaim | Entry] = []
        for freed in release:
            held = self._find_claim(freed)
            if held is not None and held.holder == str(case.id):
                held.release(case_id=str(case.id))
                changed.append(held)
        if claim is None:
            return changed
        held = self._find_claim(claim)
        if held is None:
            changed.append(UniqueClaim(id=_claim_id(claim), key=claim.key, case_id=str(case.id)))
        elif held.holder is None or held.holder == str(case.id):
            held.reclaim(case_id=str(case.id))
            changed.append(held)
        else:
            raise InvalidInput(
                "DUPLICATE",
                f"{claim.scope.message_zh}（有效案件 {held.holder}），不能重复办理",
                f"{claim.scope.message_en} (case {held.holder} is in effect); cancel that case first",
                claim.scope.field,
            )
        return changed

    def _find_claim(self, claim: Claim) -> UniqueClaim | None:
        try:
            with _store():
                found: UniqueClaim = self.repository.get(_claim_id(claim))
        except AggregateNotFoundError:
            return None
        return found

    def _find(self, case_id: UUID) -> Case | None:
        try:
            with _store():
                case: Case = self.repository.get(case_id)
        except AggregateNotFoundError:
            return None
        return case

    def _record_events(self, *events: Any) -> None:
        """Store domain events in one transaction: eventsourcing's `save` without what this application does not use
        (snapshots, the `notify` hooks) and without checking each event against its protocols at run time (about
        10 µs an event, on the group commit's one writing thread)."""
        processing = ProcessingEvent[UUID]()
        processing.events.extend(events)
        self._record(processing)

    def _save(self, *aggregates: Any) -> None:
        events = [e for aggregate in aggregates for e in aggregate.collect_events()]
        try:
            with _store():
                self._writes.save(events)
        except IntegrityError:
            raise Conflict(
                "CONCURRENT_UPDATE",
                "案件已被他人同时更新，请刷新后重试",
                "the case was changed by someone else at the same time; reload and retry",
                "expected_version",
            ) from None

    def _replayed(self, case: Case, process_id: str) -> CaseAck:
        if case.process_id != process_id:
            raise Conflict(
                "IDEMPOTENCY_KEY_REUSED",
                "该幂等键已用于其他业务流程",
                "this Idempotency-Key was already used for another process",
                "Idempotency-Key",
            )
        return _ack(case, appended=0)


def _key_of(lookup: Lookup, data: Mapping[str, Any]) -> str | None:
    """A lookup's key from data not validated yet: where the data lacks what it needs there is nothing to look up
    (the step's own validation then names the missing or malformed field)."""
    try:
        return lookup.key(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _case_id(service: str, actor: Actor, idempotency_key: str) -> UUID:
    """A case opened under an Idempotency-Key has the same id every time: a retry finds it."""
    return uuid5(_CASE_NS, f"{service}:{actor.user_id}:{idempotency_key}")


def fields_for(stage: Stage, data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of one flat request a stage takes: everything, unless its input forbids fields it does not name."""
    model = stage.input
    if model is None:
        return {}
    if model.model_config.get("extra") != "forbid":
        return dict(data)
    names = {f.alias or n for n, f in model.model_fields.items()} | set(model.model_fields)
    return {k: v for k, v in data.items() if k in names}


def opened_case_id(service: str, opening_key: str, admdvs: str) -> UUID:
    """The id of the case a reaction's `Opening` with this key opens in a service: the same every time, so that the
    fact behind it opens it once (and staff or a test can find it)."""
    return _case_id(service, Actor(REACTOR_USER, ("system",), admdvs), opening_key)


def _claim_id(claim: Claim) -> UUID:
    """A key's claim is one aggregate per scope, whichever process takes it."""
    return uuid5(_CLAIM_NS, f"{claim.scope.scope}:{claim.key}")


def _ack(case: Case, appended: int = 1) -> CaseAck:
    return CaseAck(str(case.id), case.acceptance_no, case.process_id, case.stage, case.version, appended)


@contextmanager
def _store() -> Iterator[None]:
    """Turn the store being out of reach into Unavailable (503 with Retry-After; gRPC UNAVAILABLE)."""
    try:
        yield
    except STORE_UNAVAILABLE as exc:
        raise _unavailable(exc) from exc


def _unavailable(exc: Exception) -> Unavailable:
    return Unavailable(
        "STORE_UNAVAILABLE",
        "事件存储暂不可用，请稍后重试",
        f"the event store is unavailable, retry shortly ({type(exc).__name__})",
    )
