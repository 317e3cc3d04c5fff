"""The one place where `ybj` reaches the services' code: by module name, at run time.

The kernel imports no service (an import contract in pyproject.toml), yet the operators' commands run service code: the
query service's projection (rebuild, verify, replay into the projector, dead letters: `ybj_query.ops`) and a reacting
service's application with its reactions (replay into a reactor). Both are loaded here by name, so the contract holds,
and a test (tests/unit/test_cli_ops.py) checks that each name resolves and that `REACTING_SERVICES` are the services
whose application declares reactions.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from ybj_kernel.envelope import topic_for

if TYPE_CHECKING:
    from ybj_kernel.application import CaseApplication

# What the query service offers `ybj` (services/query/ybj_query/ops/__init__.py).
QUERY_OPS = "ybj_query.ops"
# The services that run a reactor (`python -m ybj_<service> react`, Deployment `<service>-reactor`).
REACTING_SERVICES = ("treatment", "settlement", "supervision")
# The projector's name, as its Deployment and ybj_consumer_lag_messages{consumer} call it; `query` is accepted too.
PROJECTOR = "query-projector"


def query_ops() -> ModuleType:
    """The query service's operations module."""
    return importlib.import_module(QUERY_OPS)


def application_class(service: str) -> type[CaseApplication]:
    """A domain service's application class (`ybj_<service>.application.<Service>Application`)."""
    module = importlib.import_module(f"ybj_{service}.application")
    found: type[CaseApplication] = getattr(module, f"{service.capitalize()}Application")
    return found


def reactor_name(service: str) -> str:
    """A reacting service's consumer name (its Deployment's)."""
    return f"{service}-reactor"


def reactor_topics(service: str, prefix: str) -> list[str]:
    """The topics a service's reactor reads (read off its application class: no database needed)."""
    return sorted({topic_for(prefix, r.service) for r in application_class(service).reactions})


def consumers() -> list[str]:
    """Every consumer `ybj replay` can re-apply a range into."""
    return [PROJECTOR, *(reactor_name(s) for s in REACTING_SERVICES)]


def consumer_service(consumer: str) -> str | None:
    """The reacting service of a reactor's name; None for the projector (`query` or `query-projector`)."""
    if consumer in ("query", PROJECTOR):
        return None
    service = consumer.removesuffix("-reactor")
    if service not in REACTING_SERVICES or consumer == service:
        raise ValueError(f"unknown consumer {consumer!r}: one of query, {', '.join(consumers()[1:])}")
    return service
