"""SM2 signatures (SM3withSM2, GB/T 32918.2 with the recommended curve) and the platform's SM2 key files.

The curve arithmetic is gmssl's (checked against the standard's example in tests/unit/test_audit_sm2.py); the
digest e = SM3(Z_A || M) is computed here with the kernel's SM3, and the checks gmssl leaves out (r and s in
[1, n-1], the public key on the curve) are made here too. The nonce k comes from `secrets`, never from gmssl's
own helper, which draws it from `random`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from gmssl import sm2 as _gm  # type: ignore[import-untyped]

from ybj_kernel.sm3 import sm3_digest, sm3_hex

DEFAULT_USER_ID = b"1234567812345678"
_CURVE = _gm.default_ecc_table
N = int(_CURVE["n"], 16)
P = int(_CURVE["p"], 16)
A = int(_CURVE["a"], 16)
B = int(_CURVE["b"], 16)
G = _CURVE["g"]


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
    private_hex = f"{d:064x}"
    return SM2Key(_point(d), private_hex)


def public_key_of(private_hex: str) -> SM2Key:
    """The key pair of a private key."""
    return SM2Key(_point(int(private_hex, 16)), private_hex)


def sign(key: SM2Key, message: bytes, user_id: bytes = DEFAULT_USER_ID, *, k: int | None = None) -> str:
    """Sign `message` (SM3withSM2); returns r || s as 128 hex digits. `k` is for known-answer tests only."""
    if key.private_hex is None:
        raise ValueError("an SM2 signature needs the private key")
    e = _e(key.public_hex, message, user_id)
    while True:
        nonce = k if k is not None else secrets.randbelow(N - 1) + 1
        signature = _crypt(key).sign(e, f"{nonce:064x}")
        if signature is not None:
            return str(signature)
        if k is not None:
            raise ValueError("this k gives no signature")


def verify(public_hex: str, message: bytes, signature_hex: str, user_id: bytes = DEFAULT_USER_ID) -> bool:
    """Tell whether `signature_hex` (r || s) is a valid SM3withSM2 signature of `message` by `public_hex`."""
    if len(signature_hex) != 128 or not on_curve(public_hex):
        return False
    try:
        r, s = int(signature_hex[:64], 16), int(signature_hex[64:], 16)
    except ValueError:
        return False
    if not (1 <= r < N and 1 <= s < N):
        return False
    return bool(_crypt(SM2Key(public_hex)).verify(signature_hex, _e(public_hex, message, user_id)))


def on_curve(public_hex: str) -> bool:
    """Tell whether 128 hex digits are a point of the SM2 curve."""
    try:
        x, y = int(public_hex[:64], 16), int(public_hex[64:], 16)
    except ValueError:
        return False
    return len(public_hex) == 128 and x < P and y < P and (y * y - (x * x * x + A * x + B)) % P == 0


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


def _crypt(key: SM2Key) -> _gm.CryptSM2:
    crypt = _gm.CryptSM2(private_key=key.private_hex or "", public_key="")
    # Set after construction: gmssl's constructor strips every leading '0' and '4' of a key given with "04".
    crypt.public_key = key.public_hex
    return crypt


def _point(d: int) -> str:
    return str(_gm.CryptSM2(private_key="", public_key="")._kg(d, G)).lower()


def _e(public_hex: str, message: bytes, user_id: bytes) -> bytes:
    """e = SM3(Z_A || M), Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A)."""
    entl = (len(user_id) * 8).to_bytes(2, "big")
    z = sm3_digest(entl + user_id + bytes.fromhex(_CURVE["a"] + _CURVE["b"] + G + public_hex))
    return sm3_digest(z + message)
