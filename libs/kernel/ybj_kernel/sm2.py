"""The platform's SM2 keys (SM3withSM2, GB/T 32918.2 with the recommended curve): key pairs, key files, and signatures
in hex for the audit checkpoints and packages.

The signature itself is `ybj_channel.crypto`'s, the one SM3withSM2 of the codebase (gmssl's curve arithmetic with the
checks gmssl leaves out and a nonce from `secrets`), checked against the standard's example in
tests/unit/test_audit_sm2.py and tests/unit/test_channel_envelope.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from ybj_channel.crypto import N, on_curve, point_of, sign_message, verify_message
from ybj_kernel.sm3 import sm3_hex

__all__ = ["SM2Key", "ensure_sm2_key", "generate_key", "on_curve", "public_key_of", "read_public_key", "sign", "verify"]


@dataclass(frozen=True)
class SM2Key:
    """A key pair (or only the public half): hex strings, the public key as 128 hex digits x || y."""

    public_hex: str
    private_hex: str | None = None

    @property
    def key_id(self) -> str:
        """A short stable name of the public key: the first 16 hex digits of its SM3 digest."""
        return sm3_hex(bytes.fromhex(self.public_hex))[:16]


def generate_key() -> SM2Key:
    """Make a new key pair."""
    d = secrets.randbelow(N - 2) + 1  # d in [1, n-2], as GB/T 32918.1 requires
    return SM2Key(point_of(d), f"{d:064x}")


def public_key_of(private_hex: str) -> SM2Key:
    """The key pair of a private key."""
    return SM2Key(point_of(int(private_hex, 16)), private_hex)


def sign(key: SM2Key, message: bytes, *, k: int | None = None) -> str:
    """Sign `message` (SM3withSM2, the default user id); returns r || s as 128 hex digits. `k` is for known-answer
    tests only."""
    if key.private_hex is None:
        raise ValueError("an SM2 signature needs the private key")
    return sign_message(message, key.private_hex, key.public_hex, k=k).hex()


def verify(public_hex: str, message: bytes, signature_hex: str) -> bool:
    """Tell whether `signature_hex` (r || s) is a valid SM3withSM2 signature of `message` by `public_hex`."""
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    return verify_message(message, signature, public_hex)


def ensure_sm2_key(private_path: Path, public_path: Path) -> SM2Key:
    """Read the platform's SM2 key pair, making it once for local development (hex text files, like the JWT keys)."""
    if not private_path.exists():
        private_path.parent.mkdir(parents=True, exist_ok=True)
        key = generate_key()
        private_path.write_text(f"{key.private_hex}\n")
        private_path.chmod(0o600)
        public_path.write_text(f"{key.public_hex}\n")
    key = public_key_of(private_path.read_text().strip())
    if not public_path.exists():
        public_path.write_text(f"{key.public_hex}\n")
    return key


def read_public_key(path: Path) -> SM2Key:
    """Read a public key file (128 hex digits)."""
    public_hex = path.read_text().strip().lower()
    if len(public_hex) == 130 and public_hex.startswith("04"):  # the uncompressed form's prefix
        public_hex = public_hex[2:]
    if not on_curve(public_hex):
        raise ValueError(f"{path} holds no SM2 public key")
    return SM2Key(public_hex)
