"""The channel envelope: a JSON object signed with SM3withSM2 whose business data travels in clear or SM4-encrypted.

    {"appId": "...", "timestamp": "1767225600000", "nonce": "<32 hex>", "version": "1.0", "signType": "SM2",
     "itemNo": "68", "encType": "SM4", "encData": "<base64 of IV || SM4-CBC ciphertext>", "signData": "<base64 of r || s>"}

With `encType` "" the business JSON object travels in `bizData` instead of `encData`. The string to sign is every
field but `signData`, so `encData` is signed as sent: a verifier checks the signature before it decrypts anything.
docs/channel/envelope.md is the specification, with test vectors (`python -m ybj_channel.vectors`).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any

from ybj_channel.crypto import DEFAULT_USER_ID, sign_message, sm4_cbc_decrypt, sm4_cbc_encrypt, verify_message
from ybj_channel.refusals import REFUSALS

__all__ = [
    "DEFAULT_USER_ID",
    "ENC_TYPE",
    "SIGN_TYPE",
    "TIMESTAMP_WINDOW_MS",
    "VERSION",
    "EnvelopeError",
    "decrypt",
    "encrypt",
    "open_sealed",
    "seal",
    "sign",
    "string_to_sign",
    "timestamp_in_window",
    "verify",
]

VERSION = "1.0"
SIGN_TYPE = "SM2"
ENC_TYPE = "SM4"
TIMESTAMP_WINDOW_MS = 300_000  # ±300 s around the verifier's clock
_UNSIGNED = ("signData",)
_ITEM_NO = re.compile(r"[1-9]\d{0,3}")
_NONCE = re.compile(r"[0-9a-fA-F]{32}")
_TIMESTAMP = re.compile(r"[0-9]{1,15}")
_IV_BYTES = 16


class EnvelopeError(Exception):
    """An envelope that cannot be accepted: `.code` is one of the refusal codes, `.detail` what exactly, and the
    bilingual message (the refusal's, the detail appended) in `.message_zh` / `.message_en`."""

    def __init__(self, code: str, detail: str = "") -> None:
        refusal = REFUSALS[code]
        self.code = code
        self.detail = detail
        self.http_status = refusal.http_status
        self.message_zh = f"{refusal.message_zh}：{detail}" if detail else refusal.message_zh
        self.message_en = f"{refusal.message_en}: {detail}" if detail else refusal.message_en
        super().__init__(f"{code}: {self.message_en}")


def string_to_sign(envelope: Mapping[str, Any]) -> str:
    """Every field but signData, sorted by key, as k=v joined by &; JSON values canonical; empty values dropped."""
    cleaned = _drop_empty(envelope)
    return "&".join(f"{key}={_text(cleaned[key])}" for key in sorted(cleaned) if key not in _UNSIGNED)


def sign(envelope: Mapping[str, Any], private_key: str, public_key: str) -> dict[str, Any]:
    """A copy of `envelope` with signData: base64 of the 64-byte SM3withSM2 signature r || s (user id 1234567812345678)."""
    unsigned = {key: value for key, value in envelope.items() if key != "signData"}
    signature = sign_message(string_to_sign(unsigned).encode(), private_key, public_key)
    return {**unsigned, "signData": base64.b64encode(signature).decode()}


def verify(envelope: Mapping[str, Any], public_key: str) -> bool:
    """Tell whether the envelope's signData is a valid signature of its string to sign by `public_key`."""
    sign_data = envelope.get("signData")
    if not isinstance(sign_data, str):
        return False
    try:
        signature = base64.b64decode(sign_data, validate=True)
        message = string_to_sign(envelope).encode()
    except (ValueError, EnvelopeError):  # binascii.Error is a ValueError, as is a non-ASCII signData
        return False
    return verify_message(message, signature, public_key)


def encrypt(business: Mapping[str, Any], sm4_key: bytes, *, iv: bytes | None = None) -> str:
    """SM4-CBC, PKCS#7 padding, of the compact UTF-8 JSON; a random 16-byte IV (`iv` only for test vectors) prepended; base64."""
    iv = secrets.token_bytes(_IV_BYTES) if iv is None else iv
    plaintext = _json(business).encode()
    return base64.b64encode(iv + sm4_cbc_encrypt(plaintext, sm4_key, iv)).decode()


def decrypt(enc_data: str, sm4_key: bytes) -> dict[str, Any]:
    """Undo `encrypt`: EnvelopeError UNDECRYPTABLE when SM4 fails, MALFORMED when the plaintext is no JSON object."""
    try:
        raw = base64.b64decode(enc_data, validate=True)
    except ValueError as exc:
        raise EnvelopeError("UNDECRYPTABLE", "encData is not base64") from exc
    if len(raw) < 2 * _IV_BYTES or len(raw) % _IV_BYTES:
        raise EnvelopeError("UNDECRYPTABLE", "encData is not IV || whole SM4 blocks")
    try:
        plaintext = sm4_cbc_decrypt(raw[_IV_BYTES:], sm4_key, raw[:_IV_BYTES])
    except ValueError as exc:
        raise EnvelopeError("UNDECRYPTABLE", "bad key or padding") from exc
    try:
        business = json.loads(plaintext.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError("MALFORMED", "the decrypted business data is not UTF-8 JSON") from exc
    if not isinstance(business, dict):
        raise EnvelopeError("MALFORMED", "the business data is not a JSON object")
    return business


def seal(
    app_id: str,
    business: Mapping[str, Any],
    private_key: str,
    public_key: str,
    sm4_key: bytes | None,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
    item_no: int | None = None,
) -> dict[str, Any]:
    """A signed envelope; `timestamp` in epoch milliseconds (sent as a decimal string), `nonce` 32 hex digits,
    `item_no` the service item a request calls (signed as `itemNo`, so that it cannot be sent to another item)."""
    envelope: dict[str, Any] = {
        "appId": app_id,
        "timestamp": str(time.time_ns() // 1_000_000 if timestamp is None else timestamp),
        "nonce": secrets.token_hex(16) if nonce is None else nonce,
        "version": VERSION,
        "signType": SIGN_TYPE,
        "encType": "" if sm4_key is None else ENC_TYPE,
    }
    if item_no is not None:
        envelope["itemNo"] = str(int(item_no))
    if sm4_key is None:
        envelope["bizData"] = dict(business)
    else:
        envelope["encData"] = encrypt(business, sm4_key)
    return sign(envelope, private_key, public_key)


def open_sealed(envelope: Mapping[str, Any], public_key: str, sm4_key: bytes | None) -> dict[str, Any]:
    """Check the shape, verify, then decrypt: the business data, or EnvelopeError MALFORMED / BAD_SIGNATURE / UNDECRYPTABLE.

    Freshness (timestamp window, nonce reuse) is the receiver's to check: see `timestamp_in_window`.
    An unencrypted envelope is accepted whether or not `sm4_key` is given; its business data comes back as it was
    signed, empty values dropped.
    """
    check_shape(envelope)
    if not verify(envelope, public_key):
        raise EnvelopeError("BAD_SIGNATURE")
    if envelope.get("encType") == ENC_TYPE:
        if sm4_key is None:
            raise EnvelopeError("UNDECRYPTABLE", "no SM4 key for an encrypted envelope")
        return decrypt(envelope["encData"], sm4_key)
    business: dict[str, Any] = _drop_empty(envelope.get("bizData") or {})  # a mapping: check_shape made sure
    return business


def check_shape(envelope: Mapping[str, Any]) -> None:
    """Raise EnvelopeError MALFORMED unless the envelope has the fields, types and values this version defines."""
    if not isinstance(envelope, Mapping):
        raise EnvelopeError("MALFORMED", "the envelope is not a JSON object")
    for key in ("appId", "timestamp", "nonce", "version", "signType", "signData"):
        if not isinstance(envelope.get(key), str) or not envelope[key]:
            raise EnvelopeError("MALFORMED", f"{key} is missing or not a string")
    if envelope["version"] != VERSION or envelope["signType"] != SIGN_TYPE:
        raise EnvelopeError("MALFORMED", f"version must be {VERSION} and signType {SIGN_TYPE}")
    if not _TIMESTAMP.fullmatch(envelope["timestamp"]):
        raise EnvelopeError("MALFORMED", "timestamp must be epoch milliseconds as a decimal string")
    if not _NONCE.fullmatch(envelope["nonce"]):
        raise EnvelopeError("MALFORMED", "nonce must be 32 hex digits")
    if "itemNo" in envelope and not (isinstance(envelope["itemNo"], str) and _ITEM_NO.fullmatch(envelope["itemNo"])):
        raise EnvelopeError("MALFORMED", "itemNo must be the item number as a decimal string")
    enc_type = envelope.get("encType") or ""
    if enc_type == ENC_TYPE:
        if not isinstance(envelope.get("encData"), str) or not envelope["encData"] or "bizData" in envelope:
            raise EnvelopeError("MALFORMED", "encType SM4 needs encData and no bizData")
    elif enc_type == "":
        if "encData" in envelope or not isinstance(envelope.get("bizData") or {}, Mapping):
            raise EnvelopeError("MALFORMED", "without encType the business data is a JSON object in bizData")
    else:
        raise EnvelopeError("MALFORMED", "encType must be SM4 or empty")


def timestamp_in_window(timestamp: str, now_ms: int, window_ms: int = TIMESTAMP_WINDOW_MS) -> bool:
    """Tell whether an envelope's timestamp (epoch milliseconds) lies within ±`window_ms` of `now_ms`."""
    return bool(_TIMESTAMP.fullmatch(timestamp)) and abs(int(timestamp) - now_ms) <= window_ms


def _drop_empty(value: Any) -> Any:
    """Remove, at every depth of JSON objects, the members whose value is "", null, {} or [] once cleaned."""
    if isinstance(value, Mapping):
        cleaned = {str(key): _drop_empty(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if not _is_empty(item)}
    if isinstance(value, list | tuple):
        return [_drop_empty(item) for item in value]
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | Mapping) and len(value) == 0)


def _text(value: Any) -> str:
    """A field's value in the string to sign: strings as they are, anything else as canonical JSON."""
    return value if isinstance(value, str) else _json(value)


def _json(value: Any) -> str:
    """Canonical JSON: keys sorted, no spaces, UTF-8 (no \\u escapes), finite numbers only."""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise EnvelopeError("MALFORMED", f"not JSON: {exc}") from exc
