"""Commands as every entry point (HTTP, gRPC) runs them: through the application, counted and timed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from ybj_kernel.application import CaseAck, CaseApplication
from ybj_kernel.domain.engine import Actor, Command
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
    with _measured(app.service, "create", lambda ack: process) as record:
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
    with _measured(app.service, cmd.action, lambda ack: ack.process_id if ack else "unknown") as record:
        ack = app.act(case_id, who, cmd, correlation_id=correlation_id)
        record(ack)
    return ack


@contextmanager
def _measured(
    service: str, action: str, process_of: Callable[[CaseAck | None], str]
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
        COMMANDS.labels(service, process_of(ack), action, outcome).inc()
        COMMAND_SECONDS.labels(service, action).observe(time.perf_counter() - started)
        if ack is not None and ack.appended:
            EVENTS_APPENDED.labels(service).inc(ack.appended)
