"""The public API holds its own contract under generated input: no 5xx and no status its OpenAPI does not list.

A bounded schemathesis run over the entry point's OpenAPI, as a provincial registrar (so that requests get past the
token and reach the handlers, and commands reach the domain services).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.integration.conftest import Api
from ybj_dev.platform import Platform

EXAMPLES_PER_OPERATION = 12  # bounded: the run takes well under a minute on two cores


def test_the_entry_point_answers_only_what_it_documents(platform: Platform, api: Api) -> None:
    schema = schemathesis.openapi.from_url(f"{platform.url()}/openapi.json")
    headers = api.headers(("contract-reg", "registrar", "520000"))
    failures: list[str] = []
    results = list(schema.get_all_operations())
    assert all(isinstance(r, Ok) for r in results), "every operation of the OpenAPI document is valid"
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) > 10  # the whole public API, not an empty document
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check(case: Any) -> None:
            case.call_and_validate(
                base_url=platform.url(),
                headers=headers,
                checks=[not_a_server_error, status_code_conformance],
                timeout=30,
            )

        try:
            check()
        except Exception as failure:  # collected, so that one run reports every operation that breaks its contract
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)


def test_a_page_far_beyond_the_last_is_a_clear_error(api: Api) -> None:
    answer = api.client.get(
        "/api/v1/cases", params={"page": "3873970948157597184"}, headers=api.headers(("q", "registrar", "520000"))
    )
    assert (answer.status_code, answer.json()["field"]) == (422, "query.page")
