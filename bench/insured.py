"""The bench's persons, made insured before they are used: treatment files only for someone enrolled, as enrollment's
events told it (services/treatment/ybj_treatment/insured.py).

Each bench person gets the enrollment event a P002 enrollment publishes (a person opened with a 职工 relation), fed to
the treatment application through the same reactions its reactor runs, in batches saved together. Not timed: every
figure seeds its persons before its clock starts.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from bench.harness import say
from ybj_kernel.application import CaseApplication
from ybj_kernel.domain.registry import Entry, open_entry
from ybj_kernel.errors import Conflict
from ybj_treatment.insured import INSURED_VIEW, PSN_NO, kept_patch

BATCH = 1000
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ybj:bench:insured")


def person_event(certno: str, psn_name: str) -> dict[str, Any]:
    """The enrollment envelope of a person enrolled under 310 since 2000 (version 1 of their entry)."""
    psn_no = f"59{int(uuid.uuid5(_NS, certno).int % 10**14):014d}"
    state = {
        "psn_no": psn_no,
        "psn_cert_type": "01",
        "certno": certno,
        "psn_name": psn_name,
        "gend": "1",
        "brdy": "1950-01-01",
        "relations": {"310": {"insutype": "310", "status": "active", "begndate": "2000-01-01", "enddate": None}},
    }
    return {
        "id": str(uuid.uuid5(_NS, f"{certno}:1")),
        "type": "cn.ybj.enrollment.person.Enrolled.v1",
        "subject": psn_no,
        "entryversion": 1,
        "registry": "person",
        "data": {"args": None, "patch": [{"op": "replace", "path": "", "value": state}]},
    }


def insure(app: CaseApplication, first: int, count: int) -> None:
    """Make the persons of bench cases first … first+count-1 insured in `app`'s store.

    The persons are new to the store (each run has its own database), so their view entries are opened straight away
    by the registries' own operations, as the reaction would open them, without reading first; a batch that finds
    some already there goes through the reactions instead, which change nothing for those.
    """
    from bench.commands import filing

    numbers = iter(range(first, first + count))
    while chunk := list(itertools.islice(numbers, BATCH)):
        events = [person_event(str(f["certno"]), str(f["psn_name"])) for f in map(filing, chunk)]
        try:
            app.save_together(*(e for event in events for e in _opened(event)))
        except Conflict:
            app.react_many(events)
    say(f"  {count:,} bench persons made insured (cases {first:,}…{first + count - 1:,})")


def _opened(event: dict[str, Any]) -> list[Entry]:
    """The entries the reaction opens for a new person: the view and its 人员编号 index."""
    patch = kept_patch(event["data"]["patch"])
    certno, psn_no = patch[0]["value"]["certno"], str(event["subject"])
    sync = {"source_event_id": event["id"], "source_version": 1, "psn_no": psn_no, "patch": patch}
    return [
        open_entry(INSURED_VIEW, certno, "sync", sync, str(event["id"])),
        open_entry(PSN_NO, psn_no, "hold", {"target": certno}, str(event["id"])),
    ]
