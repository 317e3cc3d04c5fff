"""Audit packages: a case's events (and those of the registry entries it changed), their digests, the signed
checkpoint with Merkle proofs, the issued documents' digests and the public key, in one zip checked offline.

`verify_package` needs nothing but the file: no database, no network, no running platform.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ybj_kernel.audit import merkle
from ybj_kernel.audit.chain import StoredRow, StreamChecker
from ybj_kernel.audit.checkpoint import Checkpoint, Leaf, checkpoint_from, checkpoint_valid, leaf_hashes
from ybj_kernel.sm2 import SM2Key, sign, verify
from ybj_kernel.sm3 import sm3_hex

CONTENT = ("README.md", "events.json", "checkpoint.json", "documents.json", "public_key.txt")
FILES = (*CONTENT, "manifest.json", "manifest.sig")
# Stored, not deflated, with a fixed time: the same files always make the same zip bytes, so that a change to
# the zip's own headers is caught by writing the files out again and comparing (see `_canonical_zip`).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DOCUMENT_ISSUED = "DocumentIssued"
_README = """# 审计包 / audit package

Case {case_id} of the {service} service, built {built_at}.

- `events.json`: every stored event of the case and of the registry entries it changed, oldest first per
  stream, in canonical JSON (sorted keys). `state` is the stored bytes in base64; `content` the same, decoded.
- Each event's `digest` is SM3 over "ybj-event-v1", originator id, version, topic, state bytes and
  `prev_digest`, each preceded by its length as 4 bytes big-endian; `prev_digest` is the digest of the stream's
  event before it (32 zero bytes for version 1).
- `checkpoint.json`: the platform's signed checkpoint (SM3withSM2, user id 1234567812345678, over the canonical
  JSON of every field but `signature` and `public_key`) and, per stream, the Merkle proof (RFC 6962's shape,
  SM3, leaf = SM3(0x00 || "<stream>:<version>:" || digest)) that its last event is under the signed root.
- `documents.json`: the SM3 digests of the documents (PDF) issued for the case, as the case's events record them.
- `public_key.txt`: the platform's SM2 public key (hex x || y) and its key id.
- `manifest.json`: the SM3 digest of every file above; `manifest.sig`: its SM3withSM2 signature by the same key.
  The zip is written stored, with fixed times, so that writing its files out again gives the same bytes.

Check it with `ybj audit verify-package FILE.zip` (add `--public-key` to pin the key you trust, and
`--document FILE.pdf` to check a printed form against the recorded digests).
"""


def canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no insignificant whitespace, UTF-8."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def event_json(row: StoredRow) -> dict[str, Any]:
    """One stored event as the package carries it."""
    try:
        content: Any = orjson.loads(row.state)
    except orjson.JSONDecodeError:
        content = None
    return {
        "stream": row.originator_id,
        "version": row.version,
        "notification_id": row.notification_id,
        "topic": row.topic,
        "state": base64.b64encode(row.state).decode(),
        "content": content,
        "prev_digest": (row.prev_digest or b"").hex(),
        "digest": (row.digest or b"").hex(),
    }


def build_package(
    case_id: str,
    service: str,
    rows: Sequence[StoredRow],
    checkpoint: Checkpoint,
    leaves: Sequence[Leaf],
    key: SM2Key,
) -> bytes:
    """The zip of a case: `rows` of its streams in (stream, version) order, `leaves` those `checkpoint` signed."""
    hashes = leaf_hashes(leaves)
    index = {s: i for i, (s, _, _) in enumerate(sorted(leaves))}
    last: dict[str, StoredRow] = {}
    for row in rows:
        last[row.originator_id] = row
    proofs = {
        stream: {
            "index": index[stream],
            "version": row.version,
            "digest": (row.digest or b"").hex(),
            "path": [h.hex() for h in merkle.proof(hashes, index[stream])],
        }
        for stream, row in last.items()
        if stream in index
    }
    events = [event_json(r) for r in rows]
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    files = {
        "README.md": _README.format(case_id=case_id, service=service, built_at=built_at).encode(),
        "events.json": canonical(events),
        "checkpoint.json": canonical({"checkpoint": checkpoint.to_json(), "leaves": len(leaves), "proofs": proofs}),
        "documents.json": canonical(list(_documents(case_id, events))),
        "public_key.txt": f"{key.public_hex}\nkey id {key.key_id}\n".encode(),
    }
    manifest = {
        "case_id": case_id,
        "service": service,
        "built_at": built_at,
        "streams": sorted(last),
        "key_id": key.key_id,
        "files": {name: sm3_hex(files[name]) for name in CONTENT},
    }
    files["manifest.json"] = canonical(manifest)
    files["manifest.sig"] = sign(key, files["manifest.json"]).encode()
    return _canonical_zip(files)


def _canonical_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name in FILES:
            z.writestr(zipfile.ZipInfo(name, _ZIP_TIME), files[name])
    return out.getvalue()


def _documents(case_id: str, events: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for e in events:
        content = e["content"] if isinstance(e["content"], dict) else {}
        issued = content.get("data") if content.get("event_name") == DOCUMENT_ISSUED else None
        if e["stream"] == case_id and isinstance(issued, dict):
            yield {"version": e["version"], "name": issued.get("name"), "sm3": issued.get("sm3"), **issued}


@dataclass(frozen=True)
class Check:
    """One check of a package and how it went."""

    name: str
    ok: bool
    detail: str


def verify_package(
    data: bytes, *, public_key: str | None = None, documents: Sequence[tuple[str, bytes]] = ()
) -> Iterator[Check]:
    """Check a package, check by check; stops after the first that fails."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            files = {n: z.read(n) for n in FILES}
        manifest = orjson.loads(files["manifest.json"])
        events = orjson.loads(files["events.json"])
        signed = orjson.loads(files["checkpoint.json"])
        listed = orjson.loads(files["documents.json"])
        cp = checkpoint_from(signed["checkpoint"])
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        yield Check("package", False, f"not a readable audit package: {type(exc).__name__}: {exc}")
        return
    for check in (
        _files(data, files, manifest, cp, public_key),
        _chain(events),
        _signature(cp, public_key),
        _proofs(events, signed, cp),
        _documents_check(manifest["case_id"], events, listed, documents),
    ):
        yield check
        if not check.ok:
            return


def _files(data: bytes, files: dict[str, bytes], manifest: dict[str, Any], cp: Checkpoint, pinned: str | None) -> Check:
    key = pinned or cp.public_key
    if not verify(key, files["manifest.json"], files["manifest.sig"].decode(errors="replace")):
        return Check("files", False, "the signature of manifest.json does not hold (the manifest was changed)")
    for name in CONTENT:
        if manifest.get("files", {}).get(name) != sm3_hex(files[name]):
            return Check("files", False, f"{name} is not the file the manifest signed (it was changed)")
    if files["public_key.txt"].decode(errors="replace").split("\n", 1)[0] != cp.public_key:
        return Check("files", False, "public_key.txt is not the key that signed the checkpoint")
    if _canonical_zip(files) != data:
        return Check("files", False, "the zip is not as it was written (its headers or layout were changed)")
    detail = f"case {manifest['case_id']}: {len(CONTENT)} files as signed by key {manifest.get('key_id')}"
    return Check("files", True, detail)


def _chain(events: list[dict[str, Any]]) -> Check:
    checker = StreamChecker()
    for e in events:
        try:
            state = base64.b64decode(e["state"], validate=True)
            row = StoredRow(
                e["stream"],
                e["version"],
                e["topic"],
                state,
                bytes.fromhex(e["prev_digest"]),
                bytes.fromhex(e["digest"]),
                e.get("notification_id"),
            )
        except (KeyError, ValueError, TypeError) as exc:
            return Check("chain", False, f"event {e.get('stream')}@{e.get('version')} is malformed: {exc}")
        if (broken := checker.check(row)) is not None:
            return Check("chain", False, str(broken))
        if e.get("content") is not None and _decoded(state) != e["content"]:
            return Check("chain", False, f"stream {row.originator_id} version {row.version}: `content` is not `state`")
    return Check("chain", True, f"{checker.checked} events, every digest and link holds")


def _signature(cp: Checkpoint, pinned: str | None) -> Check:
    if pinned is not None and pinned.lower() != cp.public_key.lower():
        return Check("signature", False, f"the checkpoint is signed with key {cp.key_id}, not the key you trust")
    if not checkpoint_valid(cp):
        return Check("signature", False, f"the SM2 signature of checkpoint {cp.time} does not hold")
    return Check("signature", True, f"checkpoint {cp.time} signed by key {cp.key_id} (SM3withSM2)")


def _proofs(events: list[dict[str, Any]], signed: dict[str, Any], cp: Checkpoint) -> Check:
    last: dict[str, dict[str, Any]] = {}
    for e in events:
        last[e["stream"]] = e
    proofs = signed.get("proofs", {})
    for stream, e in last.items():
        p = proofs.get(stream)
        if p is None:
            return Check("merkle", False, f"no proof for stream {stream}")
        if (p["version"], p["digest"]) != (e["version"], e["digest"]):
            return Check("merkle", False, f"stream {stream}: the proof is for version {p['version']}, not the last")
        leaf = merkle.leaf_hash(stream, e["version"], bytes.fromhex(e["digest"]))
        path = [bytes.fromhex(h) for h in p["path"]]
        if not merkle.verify(leaf, p["index"], cp.count, path, bytes.fromhex(cp.root)):
            return Check("merkle", False, f"stream {stream}: its last event is not under the signed root")
    return Check("merkle", True, f"{len(last)} streams' last events are under root {cp.root[:16]}… of {cp.count}")


def _documents_check(
    case_id: str, events: list[dict[str, Any]], listed: list[dict[str, Any]], documents: Sequence[tuple[str, bytes]]
) -> Check:
    recorded = list(_documents(case_id, events))
    if canonical(recorded) != canonical(listed):
        return Check("documents", False, "documents.json differs from the DocumentIssued events")
    digests = {d["sm3"] for d in recorded}
    for name, pdf in documents:
        if sm3_hex(pdf) not in digests:
            return Check(
                "documents", False, f"{name}: its SM3 {sm3_hex(pdf)[:16]}… is not a digest issued for the case"
            )
    extra = f"; {len(documents)} files given match" if documents else ""
    return Check("documents", True, f"{len(recorded)} issued documents' digests recorded in the chain{extra}")


def _decoded(state: bytes) -> Any:
    try:
        return orjson.loads(state)
    except orjson.JSONDecodeError:
        return None


def read_package(path: Path) -> bytes:
    """The bytes of a package file."""
    return path.read_bytes()
