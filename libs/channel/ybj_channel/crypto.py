"""The national algorithms the envelope uses: SM3 and SM4-CBC from `cryptography`, SM3withSM2 on gmssl's curve arithmetic.

gmssl leaves some checks to its caller, made here: the nonce k comes from `secrets` (gmssl's own helper draws it
from `random`), r and s must lie in [1, n-1], the public key must be a point of the curve, and the public key is set
after construction (gmssl's constructor strips every leading '0' and '4' of a key that starts with "04").
The digest e = SM3(Z_A || M) is computed here with `cryptography`'s SM3, and Z_A is cached per public key.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import sm2 as _gm  # type: ignore[import-untyped]

DEFAULT_USER_ID = "1234567812345678"
_CURVE = _gm.default_ecc_table
N = int(_CURVE["n"], 16)
P = int(_CURVE["p"], 16)
_A = int(_CURVE["a"], 16)
_B = int(_CURVE["b"], 16)
_G = str(_CURVE["g"])
_BLOCK_BITS = 128


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest of `data` (GB/T 32905)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def on_curve(public_key: str) -> bool:
    """Tell whether 128 hex digits (x || y) are a point of the SM2 curve."""
    if len(public_key) != 128:
        return False
    try:
        x, y = int(public_key[:64], 16), int(public_key[64:], 16)
    except ValueError:
        return False
    return x < P and y < P and (y * y - (x * x * x + _A * x + _B)) % P == 0


def point_of(d: int) -> str:
    """The public key d·G of the private scalar d, as 128 lowercase hex digits."""
    return str(_gm.CryptSM2(private_key="", public_key="")._kg(d, _G)).lower()


@lru_cache(maxsize=4096)
def z_a(public_key: str, user_id: str = DEFAULT_USER_ID) -> bytes:
    """Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (GB/T 32918.2, 5.5)."""
    uid = user_id.encode()
    entl = (len(uid) * 8).to_bytes(2, "big")
    return sm3(entl + uid + bytes.fromhex(_CURVE["a"] + _CURVE["b"] + _G + public_key))


def e_of(message: bytes, public_key: str, user_id: str = DEFAULT_USER_ID) -> bytes:
    """The digest actually signed by SM3withSM2: e = SM3(Z_A || M)."""
    return sm3(z_a(public_key, user_id) + message)


def sign_message(message: bytes, private_key: str, public_key: str, *, k: int | None = None) -> bytes:
    """SM3withSM2 signature of `message` as 64 bytes r || s; `k` only for known-answer tests."""
    e = e_of(message, public_key)
    crypt = _crypt(public_key, private_key)
    while True:
        nonce = k if k is not None else secrets.randbelow(N - 1) + 1
        signature = crypt.sign(e, f"{nonce:064x}")
        if signature is not None:
            return bytes.fromhex(str(signature))
        if k is not None:
            raise ValueError("this k gives no signature")


def verify_message(message: bytes, signature: bytes, public_key: str) -> bool:
    """Tell whether `signature` (64 bytes r || s) is a valid SM3withSM2 signature of `message` by `public_key`."""
    if len(signature) != 64 or not on_curve(public_key):
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= s < N):
        return False
    return bool(_crypt(public_key, "").verify(signature.hex(), e_of(message, public_key)))


def sm4_cbc_encrypt(plaintext: bytes, key: bytes, iv: bytes) -> bytes:
    """SM4-CBC with PKCS#7 padding (GB/T 32907); returns the ciphertext without the IV."""
    padder = padding.PKCS7(_BLOCK_BITS).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def sm4_cbc_decrypt(ciphertext: bytes, key: bytes, iv: bytes) -> bytes:
    """Undo `sm4_cbc_encrypt`; raises ValueError when the length or the padding is wrong."""
    decryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def _crypt(public_key: str, private_key: str) -> _gm.CryptSM2:
    crypt = _gm.CryptSM2(private_key=private_key, public_key="")
    crypt.public_key = public_key  # after construction: see the module docstring
    return crypt
