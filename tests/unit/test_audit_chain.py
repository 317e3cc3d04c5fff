"""The hash chain and the Merkle tree: every change to a stored event is caught and named; proofs hold."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import pytest
from eventsourcing.persistence import Notification

from tests.unit.conftest import Desk, staff
from ybj_kernel.adapters.chained_recorder import ChainedNotification
from ybj_kernel.adapters.relay import envelope_of
from ybj_kernel.audit import merkle
from ybj_kernel.audit.chain import GENESIS, StoredRow, event_digest, first_broken

REG = staff("reg-1", "registrar")
UNIT = {"emp_no": "1", "emp_name": "社区", "admdvs": "520115"}


def chained(notes: Sequence[Notification]) -> list[StoredRow]:
    """Rows as the chained recorder stores them, in (stream, version) order."""
    last: dict[str, bytes] = {}
    rows = []
    for n in notes:
        stream = str(n.originator_id)
        prev = last.get(stream, GENESIS)
        digest = event_digest(stream, n.originator_version, n.topic, n.state, prev)
        last[stream] = digest
        rows.append(StoredRow(stream, n.originator_version, n.topic, n.state, prev, digest, n.id))
    return sorted(rows, key=lambda r: (r.originator_id, r.version))


@pytest.fixture
def rows(desk_for: Callable[[str], Desk]) -> list[StoredRow]:
    desk = desk_for("P019")
    for _ in range(3):
        ack = desk.create("P019", UNIT, REG)
        desk.act(ack, REG, "cancel", comment="登记有误")
    return chained(desk.app.recorder.select_notifications(start=None, limit=100))


def test_untouched_rows_hold(rows: list[StoredRow]) -> None:
    assert len(rows) == 6
    assert first_broken(rows) is None


def test_a_changed_state_is_named(rows: list[StoredRow]) -> None:
    edited = list(rows)
    edited[3] = dataclasses.replace(rows[3], state=rows[3].state.replace(b"\xe7\x99\xbb", b"\xe6\x94\xb9"))
    assert edited[3].state != rows[3].state
    broken = first_broken(edited)
    assert broken is not None
    assert (broken.originator_id, broken.version) == (rows[3].originator_id, rows[3].version)
    assert "was changed" in str(broken)
    assert f"notification {rows[3].notification_id}" in str(broken)


def test_a_deleted_row_in_a_stream_is_named(rows: list[StoredRow]) -> None:
    stream = rows[0].originator_id
    # add a third event to the first stream, then delete the middle one
    third = event_digest(stream, 3, rows[1].topic, rows[1].state, rows[1].digest or b"")
    longer = [rows[0], rows[1], StoredRow(stream, 3, rows[1].topic, rows[1].state, rows[1].digest, third, 99)]
    assert first_broken(longer) is None
    broken = first_broken([longer[0], longer[2]])
    assert broken is not None
    assert broken.version == 3
    assert "version 2 is missing" in broken.problem


def test_swapped_contents_are_caught(rows: list[StoredRow]) -> None:
    a, b = rows[0], rows[1]
    swapped = [
        dataclasses.replace(a, state=b.state, topic=b.topic),
        dataclasses.replace(b, state=a.state, topic=a.topic),
    ]
    broken = first_broken(swapped)
    assert broken is not None
    assert broken.version == 1


def test_a_recomputed_digest_still_breaks_the_next_link(rows: list[StoredRow]) -> None:
    # Whoever edits a row and recomputes its digest breaks the link of the event after it.
    a, b = rows[0], rows[1]
    state = a.state + b" "
    forged = dataclasses.replace(a, state=state, digest=event_digest(a.originator_id, 1, a.topic, state, GENESIS))
    broken = first_broken([forged, b])
    assert broken is not None
    assert broken.version == 2
    assert "prev_digest" in broken.problem


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13])
def test_every_leaf_has_a_proof_and_no_other_leaf_fits_it(count: int) -> None:
    leaves = [merkle.leaf_hash(f"s{i}", i + 1, bytes([i]) * 32) for i in range(count)]
    top = merkle.root(leaves)
    for i, leaf in enumerate(leaves):
        path = merkle.proof(leaves, i)
        assert merkle.verify(leaf, i, count, path, top)
        assert not merkle.verify(merkle.leaf_hash("other", 1, bytes(32)), i, count, path, top)
        if count > 1:
            assert not merkle.verify(leaf, (i + 1) % count, count, path, top)


def test_the_envelope_carries_the_stored_digests(desk_for: Callable[[str], Desk]) -> None:
    desk = desk_for("P019")
    desk.create("P019", UNIT, REG)
    note = next(n for n in desk.app.recorder.select_notifications(start=None, limit=10) if "Case" in n.topic)
    row = chained([note])[0]
    fields = {f.name: getattr(note, f.name) for f in dataclasses.fields(note)}
    chained_note = ChainedNotification(**fields, prev_digest=GENESIS, digest=row.digest or b"")
    envelope = envelope_of(desk.app, chained_note)
    assert envelope is not None
    assert (envelope["prevdigest"], envelope["digest"]) == (GENESIS.hex(), (row.digest or b"").hex())
    assert all(k.isalnum() and k.islower() for k in envelope)  # CloudEvents attribute names
