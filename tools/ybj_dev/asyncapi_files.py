"""Writes the published contract of every domain service, with what it reads from the others, as AsyncAPI 3.0 files
under docs/asyncapi/ (`python -m ybj_dev.asyncapi_files`; a test checks the files are current and valid).

Each file is the document the service serves at /api/v1/asyncapi.json, plus a `receive` operation per reaction (the
treatment service's view of who is insured, fed by enrollment's person events), taken from the publisher's own
document. The topics are named with the default prefix `ybj`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ybj_enrollment.application import EnrollmentApplication
from ybj_gateway.application import GatewayApplication
from ybj_kernel.application import CaseApplication
from ybj_kernel.asyncapi import asyncapi_document, with_receptions
from ybj_kernel.envelope import topic_for
from ybj_settlement.application import SettlementApplication
from ybj_supervision.application import SupervisionApplication
from ybj_treatment.application import TreatmentApplication

APPS: tuple[type[CaseApplication], ...] = (
    EnrollmentApplication,
    TreatmentApplication,
    SettlementApplication,
    SupervisionApplication,
    GatewayApplication,
)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "asyncapi"
PREFIX = "ybj"


def published(app: type[CaseApplication]) -> dict[str, Any]:
    """What one service publishes."""
    return asyncapi_document(
        app.service, topic_for(PREFIX, app.service), app.default_definitions().values(), app.registries.values()
    )


def documents() -> dict[str, dict[str, Any]]:
    """Every service's document, by file name."""
    publishers = {app.service: published(app) for app in APPS}
    return {f"{app.service}.json": with_receptions(publishers[app.service], app.reactions, publishers) for app in APPS}


def render(document: dict[str, Any]) -> str:
    """A document as written to its file."""
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main() -> None:
    """Write the files (or, with --check, exit 1 when one is not current)."""
    check = "--check" in sys.argv[1:]
    stale = []
    for name, document in documents().items():
        path = DOCS / name
        text = render(document)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        sys.exit(f"not current: {', '.join(stale)}; run `python -m ybj_dev.asyncapi_files`")


if __name__ == "__main__":
    main()
