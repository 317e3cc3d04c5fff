"""The AsyncAPI files under docs/asyncapi are current (generated from the code) and valid AsyncAPI 3.0."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ybj_dev.asyncapi_files import DOCS, documents, render

SCHEMA = json.loads((DOCS / "schema" / "asyncapi-3.0.0.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(documents()))
def test_each_file_is_current_and_valid_asyncapi_3(name: str) -> None:
    path: Path = DOCS / name
    document = documents()[name]
    assert path.read_text(encoding="utf-8") == render(document), "run `python -m ybj_dev.asyncapi_files`"
    jsonschema.Draft7Validator(SCHEMA).validate(document)


def test_treatment_documents_what_it_reads_from_enrollment_and_what_it_hands_to_settlement() -> None:
    treatment = documents()["treatment.json"]
    receive = treatment["operations"]["react_insured_view"]
    assert receive["action"] == "receive"
    assert treatment["channels"]["enrollmentEvents"]["address"] == "ybj.enrollment.events"
    received = {m["$ref"].rsplit("/", 1)[1] for m in receive["messages"]}
    assert "enrollment.person.EnrollmentTerminated" in received
    assert all(name.startswith("enrollment.person.") for name in received)
    payment = treatment["components"]["messages"]["benefit_payment.BenefitPaymentApproved"]
    assert payment["name"] == "cn.ybj.treatment.benefit_payment.BenefitPaymentApproved.v1"
    assert payment["payload"]["properties"]["data"]["properties"]["args"] == {
        "$ref": "#/components/schemas/PaymentApproval"
    }


def test_a_document_breaking_the_asyncapi_schema_is_caught() -> None:
    broken = json.loads(render(documents()["treatment.json"]))
    broken["operations"]["react_insured_view"]["action"] = "consume"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(broken)
