"""Channel keys: SM2 key pairs as the hex strings gmssl uses, and SM4 keys."""

from __future__ import annotations

import secrets

from ybj_channel.crypto import N, on_curve, point_of

__all__ = ["is_public_key", "new_sm2_keypair", "new_sm4_key", "normalise_public_key", "public_key_of"]


def new_sm2_keypair() -> tuple[str, str]:
    """A new SM2 key pair: (private key as 64 hex digits, public key as 128 hex digits x || y, without the 04 prefix)."""
    d = secrets.randbelow(N - 2) + 1  # d in [1, n-2], as GB/T 32918.1 requires
    return f"{d:064x}", point_of(d)


def public_key_of(private_key: str) -> str:
    """The public key (128 hex digits) of a private key (64 hex digits); ValueError if it is no valid SM2 private key."""
    d = int(private_key, 16)
    if len(private_key) != 64 or not 1 <= d <= N - 2:
        raise ValueError("an SM2 private key is 64 hex digits in [1, n-2]")
    return point_of(d)


def normalise_public_key(public_key: str) -> str:
    """Lowercase 128 hex digits: drops the uncompressed-point prefix 04 of a 130-digit key and surrounding spaces."""
    key = public_key.strip().lower()
    return key[2:] if len(key) == 130 and key.startswith("04") else key


def is_public_key(public_key: str) -> bool:
    """Tell whether `public_key` (128 hex digits, as `normalise_public_key` gives) is a point of the SM2 curve."""
    return on_curve(public_key)


def new_sm4_key() -> bytes:
    """A new SM4 key: 16 random bytes (give it to channels as 32 hex digits)."""
    return secrets.token_bytes(16)
