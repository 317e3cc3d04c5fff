"""The entry point knows which service owns every registry (for `as_of` reads), without importing any service."""

from __future__ import annotations

from tests.unit.gwt import SERVICE_APPS
from ybj_query.registry_reads import REGISTRY_SERVICES


def test_every_registry_of_every_service_is_mapped_to_its_owner() -> None:
    owned = {name: app.service for app in SERVICE_APPS for name in app.registries}
    assert owned == REGISTRY_SERVICES
