"""Commands as every entry point (HTTP, gRPC) runs them: through the application, counted and timed.

The metrics' labels stay bounded whatever callers send: a process id this service does not define, or an action none
of its processes has, is counted as "unknown" (one new time series per invented name would grow without end).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from ybj_kernel.application import CaseAck, CaseApplication
from ybj_kernel.domain.engine import Actor, Command
from ybj_kernel.domain.process import GENERIC_ACTIONS, ProcessDefinition
from ybj_kernel.errors import YbjError
from ybj_kernel.metrics import COMMAND_SECONDS, COMMANDS, EVENTS_APPENDED


def create_case(
    app: CaseApplication,
    process: str,
    data: dict[str, Any],
    who: Actor,
    *,
    idempotency_key: str | None,
    correlation_id: str | None,
    variant: str | None = None,
    materials: tuple[str, ...] = (),
    advance: bool = False,
) -> CaseAck:
    """Open a case, counting it under its process."""
    with _measured(app, "create", lambda ack: process) as record:
        ack = app.create_case(
            process,
            data,
            who,
            idempotency_key=idempotency_key,
            correlation_id=correlation_id,
            variant=variant,
            materials=materials,
            advance=advance,
        )
        record(ack)
    return ack


def act(app: CaseApplication, case_id: UUID, who: Actor, cmd: Command, *, correlation_id: str | None) -> CaseAck:
    """Act on a case, counting it under the case's process once that is known."""
    with _measured(app, cmd.action, lambda ack: ack.process_id if ack else UNKNOWN) as record:
        ack = app.act(case_id, who, cmd, correlation_id=correlation_id)
        record(ack)
    return ack


UNKNOWN = "unknown"
_ACTIONS: weakref.WeakKeyDictionary[CaseApplication, frozenset[str]] = weakref.WeakKeyDictionary()


def action_names(definitions: Mapping[str, ProcessDefinition]) -> frozenset[str]:
    """Every action the processes can take: the generic ones, each stage's, and the extra ones they declare."""
    staged = {stage.action for p in definitions.values() for stage in p.stages}
    extra = {action.name for p in definitions.values() for action in p.extra_actions}
    return GENERIC_ACTIONS | staged | extra


def metric_labels(
    definitions: Mapping[str, ProcessDefinition], actions: frozenset[str], process: str, action: str
) -> tuple[str, str]:
    """The (process, action) labels of a command: as given when this service knows them, else "unknown"."""
    return (process if process in definitions else UNKNOWN, action if action in actions else UNKNOWN)


def _actions_of(app: CaseApplication) -> frozenset[str]:
    known = _ACTIONS.get(app)
    if known is None:
        known = _ACTIONS[app] = action_names(app.definitions)
    return known


@contextmanager
def _measured(
    app: CaseApplication, action: str, process_of: Callable[[CaseAck | None], str]
) -> Iterator[Callable[[CaseAck], None]]:
    started = time.perf_counter()
    done: list[CaseAck] = []
    outcome = "ok"
    try:
        yield done.append
    except YbjError as exc:
        outcome = exc.code
        raise
    except Exception:
        outcome = "error"
        raise
    finally:
        ack = done[0] if done else None
        service = app.service
        process, action = metric_labels(app.definitions, _actions_of(app), process_of(ack), action)
        COMMANDS.labels(service, process, action, outcome).inc()
        COMMAND_SECONDS.labels(service, process, action).observe(time.perf_counter() - started)
        if ack is not None and ack.appended:
            EVENTS_APPENDED.labels(service).inc(ack.appended)
