"""Test vectors of the channel envelope, printed in the format of docs/channel/envelope.md: `python -m ybj_channel.vectors`.

Every value is computed from fixed inputs, except the SM2 signatures: SM2 signing draws a random k, so each run
prints a new signature; implementers check that the published one verifies, they cannot reproduce it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ybj_channel.crypto import N, e_of, point_of, sign_message, sm3, z_a
from ybj_channel.envelope import ENC_TYPE, SIGN_TYPE, VERSION, encrypt, sign, string_to_sign

# Fixed inputs. The private key is derived so that anyone can recompute it: SM3("ybj channel test vector") mod (n-2) + 1.
PRIVATE_KEY = f"{int.from_bytes(sm3(b'ybj channel test vector'), 'big') % (N - 2) + 1:064x}"
SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")  # the example key of GB/T 32907
IV = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
APP_ID = "ybjtest0001"
TIMESTAMP = 1767196800000  # 2026-01-01 00:00:00 +08:00
NONCE = "0123456789abcdef0123456789abcdef"
# Example data (GB 11643's sample 身份证号, valid check digit): unsorted keys, a nested object, empty values.
BUSINESS: dict[str, Any] = {
    "psn_name": "张三",
    "psn_cert_type": "01",
    "certno": "11010519491231002X",
    "query": {"year": 2026, "admdvs": "520100", "remark": ""},
    "memo": None,
}
# GB/T 32918.2 / GM/T 0003.5 example of SM3withSM2 on the recommended curve: a known answer for a fixed k.
KAT_PRIVATE_KEY = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
KAT_MESSAGE = "message digest"
KAT_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21

SIGNATURE_KEYS = ("plain.signData", "sm4.signData")


def compute() -> dict[str, str]:
    """Every vector, by name, in the order the document lists them (signatures freshly made)."""
    public_key = point_of(int(PRIVATE_KEY, 16))
    header = {
        "appId": APP_ID,
        "timestamp": str(TIMESTAMP),
        "nonce": NONCE,
        "version": VERSION,
        "signType": SIGN_TYPE,
    }
    plain = sign({**header, "encType": "", "bizData": BUSINESS}, PRIVATE_KEY, public_key)
    encrypted = sign(
        {**header, "encType": ENC_TYPE, "encData": encrypt(BUSINESS, SM4_KEY, iv=IV)}, PRIVATE_KEY, public_key
    )
    kat_public = point_of(int(KAT_PRIVATE_KEY, 16))
    values = {
        "sm2.private_key": PRIVATE_KEY,
        "sm2.public_key": public_key,
        "sm2.user_id": "1234567812345678",
        "sm2.z_a": z_a(public_key).hex(),
        "sm4.key": SM4_KEY.hex(),
        "sm4.iv": IV.hex(),
        "business": _compact(BUSINESS, sort=False),
    }
    for name, envelope in (("plain", plain), ("sm4", encrypted)):
        message = string_to_sign(envelope).encode()
        if name == "sm4":
            values["sm4.plaintext"] = _compact(BUSINESS, sort=True)
            values["sm4.plaintext_hex"] = _compact(BUSINESS, sort=True).encode().hex()
            values["sm4.encData"] = envelope["encData"]
        values[f"{name}.string_to_sign"] = message.decode()
        values[f"{name}.sm3"] = sm3(message).hex()
        values[f"{name}.e"] = e_of(message, public_key).hex()
        values[f"{name}.signData"] = envelope["signData"]
        values[f"{name}.envelope"] = _compact(envelope, sort=False)
    values["kat.private_key"] = KAT_PRIVATE_KEY
    values["kat.public_key"] = kat_public
    values["kat.message"] = KAT_MESSAGE
    values["kat.k"] = f"{KAT_K:064x}"
    kat_signature = sign_message(KAT_MESSAGE.encode(), KAT_PRIVATE_KEY, kat_public, k=KAT_K)
    values["kat.r_s"] = kat_signature.hex()
    values["kat.signData"] = base64.b64encode(kat_signature).decode()
    return values


def render(values: dict[str, str]) -> str:
    """The vectors as `name: value` lines, the body of the document's fenced block."""
    return "\n".join(f"{name}: {value}" for name, value in values.items())


def parse(text: str) -> dict[str, str]:
    """Read `name: value` lines back (blank lines and lines starting with # ignored)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition(": ")
            values[name] = value
    return values


def _compact(value: Any, *, sort: bool) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=sort, separators=(",", ":"))


def main() -> None:
    """Print the vectors."""
    print(render(compute()))


if __name__ == "__main__":
    main()
