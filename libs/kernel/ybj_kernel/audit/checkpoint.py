"""Signed checkpoints: a Merkle root over the latest digest of every stream of a service, signed with SM2.

A checkpoint names the last notification it covers; its leaves can be recomputed from the store at any time
(the latest event of each stream with a notification id up to it), so that deleting or changing the tail of a
stream after a checkpoint is caught even though no chain link before it breaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import psycopg

from ybj_kernel.audit import merkle
from ybj_kernel.metrics import CHECKPOINT_SIGNED
from ybj_kernel.sm2 import SM2Key, sign, verify

Leaf = tuple[str, int, bytes]  # stream id, its latest version, that event's digest
Seen = TypeVar("Seen", bound="Checkpoint | None")


@dataclass(frozen=True)
class Checkpoint:
    """What is signed (all but `signature` and `public_key`) and the signature over it."""

    service: str
    key_id: str
    time: str  # RFC 3339, UTC
    root: str  # hex
    count: int  # streams (leaves)
    notification_id: int  # the last notification covered
    signature: str = ""  # SM3withSM2, r || s in hex
    public_key: str = ""  # hex x || y

    def payload(self) -> bytes:
        """The bytes signed: canonical JSON (sorted keys, no spaces) of the signed fields."""
        signed = {k: v for k, v in asdict(self).items() if k not in ("signature", "public_key")}
        return orjson.dumps(signed, option=orjson.OPT_SORT_KEYS)

    def to_json(self) -> dict[str, Any]:
        """The checkpoint as published on Kafka and put into audit packages."""
        return asdict(self)


def leaf_hashes(leaves: Sequence[Leaf]) -> list[bytes]:
    """Leaf hashes in the tree's order (streams sorted by id)."""
    return [merkle.leaf_hash(s, v, d) for s, v, d in sorted(leaves)]


def make_checkpoint(key: SM2Key, service: str, leaves: Sequence[Leaf], notification_id: int) -> Checkpoint:
    """Sign the root of `leaves` as of `notification_id`."""
    unsigned = Checkpoint(
        service=service,
        key_id=key.key_id,
        time=datetime.now(UTC).isoformat(timespec="microseconds"),
        root=merkle.root(leaf_hashes(leaves)).hex(),
        count=len(leaves),
        notification_id=notification_id,
    )
    return Checkpoint(**{**asdict(unsigned), "signature": sign(key, unsigned.payload()), "public_key": key.public_hex})


def checkpoint_valid(cp: Checkpoint, public_hex: str | None = None) -> bool:
    """Tell whether the checkpoint's signature holds (with `public_hex`, else the key it names)."""
    return verify(public_hex or cp.public_key, cp.payload(), cp.signature)


def checkpoint_from(data: dict[str, Any]) -> Checkpoint:
    """A checkpoint read back from JSON."""
    return Checkpoint(**{k: data[k] for k in Checkpoint.__dataclass_fields__})


def ensure_table(conn: psycopg.Connection[Any], schema: str) -> None:
    """Create the checkpoint table of a service's schema if it does not exist."""
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {schema}.audit_checkpoints (id bigserial PRIMARY KEY, "
        "notification_id bigint NOT NULL, body jsonb NOT NULL)"
    )


def leaves_at(conn: psycopg.Connection[Any], schema: str, table: str, notification_id: int) -> list[Leaf]:
    """Each stream's latest event up to `notification_id`, as stored now."""
    rows = conn.execute(
        f"SELECT DISTINCT ON (originator_id) originator_id, originator_version, digest FROM {schema}.{table}"
        " WHERE notification_id <= %s ORDER BY originator_id, originator_version DESC",
        (notification_id,),
    ).fetchall()
    return [(str(r[0]), int(r[1]), bytes(r[2] or b"")) for r in rows]


def take_checkpoint(conn: psycopg.Connection[Any], schema: str, table: str, key: SM2Key) -> Checkpoint:
    """Sign and store a checkpoint of everything stored so far in a service's schema."""
    ensure_table(conn, schema)
    last = conn.execute(f"SELECT COALESCE(MAX(notification_id), 0) FROM {schema}.{table}").fetchone()
    notification_id = int(last[0]) if last else 0
    cp = make_checkpoint(key, schema, leaves_at(conn, schema, table, notification_id), notification_id)
    conn.execute(
        f"INSERT INTO {schema}.audit_checkpoints (notification_id, body) VALUES (%s, %s)",
        (notification_id, orjson.dumps(cp.to_json()).decode()),
    )
    return noted(cp)


def noted(cp: Seen) -> Seen:
    """Report a checkpoint's signing time as ybj_checkpoint_last_signed_timestamp_seconds{service}; return it."""
    if cp is not None:
        CHECKPOINT_SIGNED.labels(cp.service).set(datetime.fromisoformat(cp.time).timestamp())
    return cp


def latest_checkpoint(conn: psycopg.Connection[Any], schema: str) -> Checkpoint | None:
    """The newest stored checkpoint of a service, if any."""
    ensure_table(conn, schema)
    row = conn.execute(f"SELECT body FROM {schema}.audit_checkpoints ORDER BY id DESC LIMIT 1").fetchone()
    return checkpoint_from(row[0]) if row else None
