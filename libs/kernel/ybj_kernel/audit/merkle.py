"""A Merkle tree over the streams' latest digests (RFC 6962's shape, with SM3): root, inclusion proof, its check."""

from __future__ import annotations

from collections.abc import Sequence

from ybj_kernel.sm3 import sm3_digest

_LEAF, _NODE = b"\x00", b"\x01"


def leaf_hash(stream_id: str, version: int, digest: bytes) -> bytes:
    """The leaf of one stream: its id, its latest version and that event's digest."""
    return sm3_digest(_LEAF + f"{stream_id}:{version}:".encode() + digest)


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle root of leaf hashes (in the order given); the empty tree's root is SM3 of nothing."""
    if not leaves:
        return sm3_digest(b"")
    if len(leaves) == 1:
        return leaves[0]
    split = _split(len(leaves))
    return sm3_digest(_NODE + root(leaves[:split]) + root(leaves[split:]))


def proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf `index`: sibling hashes from the bottom up."""
    if len(leaves) <= 1:
        return []
    split = _split(len(leaves))
    if index < split:
        return [*proof(leaves[:split], index), root(leaves[split:])]
    return [*proof(leaves[split:], index - split), root(leaves[:split])]


def verify(leaf: bytes, index: int, count: int, path: Sequence[bytes], expected_root: bytes) -> bool:
    """Tell whether `leaf` at `index` of `count` leaves, with `path`, leads to `expected_root`."""
    if not 0 <= index < count:
        return False
    computed, rest = _climb(leaf, index, count, list(path))
    return not rest and computed == expected_root


def _climb(leaf: bytes, index: int, count: int, path: list[bytes]) -> tuple[bytes, list[bytes]]:
    if count == 1:
        return leaf, path
    split = _split(count)
    if index < split:
        left, rest = _climb(leaf, index, split, path)
        if not rest:
            return b"", []
        return sm3_digest(_NODE + left + rest[0]), rest[1:]
    right, rest = _climb(leaf, index - split, count - split, path)
    if not rest:
        return b"", []
    return sm3_digest(_NODE + rest[0] + right), rest[1:]


def _split(n: int) -> int:
    """The largest power of two below n (RFC 6962, 2.1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k
