"""SM3 (GB/T 32905) digests, the platform's one hash for events, documents and audit packages."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes


def sm3_digest(data: bytes) -> bytes:
    """Return the 32-byte SM3 digest of `data`."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def sm3_hex(data: bytes) -> str:
    """Return the SM3 digest of `data` as 64 lowercase hex characters."""
    return sm3_digest(data).hex()
