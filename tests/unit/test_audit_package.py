"""Audit packages verify offline, and any changed byte makes them fail."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import orjson
import pytest

from tests.unit.conftest import Desk, staff
from tests.unit.test_audit_chain import chained
from ybj_kernel import sm2
from ybj_kernel.audit.checkpoint import make_checkpoint
from ybj_kernel.audit.package import FILES, build_package, verify_package

REG = staff("reg-1", "registrar")
UNIT = {"emp_no": "1", "emp_name": "社区", "admdvs": "520115"}
KEY = sm2.generate_key()


@pytest.fixture
def package(desk_for: Callable[[str], Desk]) -> tuple[bytes, str]:
    desk = desk_for("P019")
    ack = desk.create("P019", UNIT, REG)
    desk.act(ack, REG, "cancel", comment="登记有误")
    desk.create("P019", {**UNIT, "emp_no": "2"}, REG)  # another stream under the same root
    rows = chained(desk.app.recorder.select_notifications(start=None, limit=100))
    heads = {r.originator_id: (r.version, r.digest or b"") for r in rows}  # each stream's last event
    leaves = [(stream, version, digest) for stream, (version, digest) in heads.items()]
    cp = make_checkpoint(KEY, "enrollment", leaves, max(r.notification_id or 0 for r in rows))
    case_rows = [r for r in rows if r.originator_id == ack.case_id]
    return build_package(
        ack.case_id, "enrollment", case_rows, cp, [(s, v, d or b"") for s, v, d in leaves], KEY
    ), ack.case_id


def _checks(data: bytes, **kwargs: object) -> list[tuple[str, bool]]:
    return [(c.name, c.ok) for c in verify_package(data, **kwargs)]  # type: ignore[arg-type]


def test_a_package_verifies_every_check(package: tuple[bytes, str]) -> None:
    data, case_id = package
    assert _checks(data) == [
        ("files", True),
        ("chain", True),
        ("signature", True),
        ("merkle", True),
        ("documents", True),
    ]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert tuple(z.namelist()) == FILES
        events = orjson.loads(z.read("events.json"))
    assert [(e["stream"], e["version"]) for e in events] == [(case_id, 1), (case_id, 2)]
    assert events[1]["content"]["comment"] == "登记有误"


def test_any_changed_byte_fails(package: tuple[bytes, str]) -> None:
    data, _ = package
    step = max(1, len(data) // 400)
    for at in range(0, len(data), step):
        changed = data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]
        checks = _checks(changed)
        assert checks, at
        assert not checks[-1][1], f"a change at byte {at} of {len(data)} went unnoticed"


def test_a_rewritten_event_with_a_consistent_manifest_fails_on_the_signature(package: tuple[bytes, str]) -> None:
    data, _ = package
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        files = {n: z.read(n) for n in FILES}
    files["events.json"] = files["events.json"].replace("登记有误".encode(), "已核实".encode())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    assert _checks(out.getvalue())[-1] == ("files", False)


def test_a_pinned_key_other_than_the_signers_fails(package: tuple[bytes, str]) -> None:
    data, _ = package
    assert _checks(data, public_key=KEY.public_hex)[-1] == ("documents", True)
    assert _checks(data, public_key=sm2.generate_key().public_hex)[-1] == ("files", False)


def test_a_document_not_issued_for_the_case_fails(package: tuple[bytes, str]) -> None:
    data, _ = package
    checks = _checks(data, documents=[("form.pdf", b"%PDF-1.7 not issued")])
    assert checks[-1] == ("documents", False)
