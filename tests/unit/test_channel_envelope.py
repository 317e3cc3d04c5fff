"""The channel envelope: the published test vectors, round trips, refusals, canonical signing and interoperability."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from gmssl import sm2 as gm_sm2  # type: ignore[import-untyped]
from gmssl import sm3 as gm_sm3
from gmssl import sm4 as gm_sm4

from ybj_channel import crypto, keys, vectors
from ybj_channel.envelope import (
    EnvelopeError,
    decrypt,
    encrypt,
    open_sealed,
    seal,
    sign,
    string_to_sign,
    timestamp_in_window,
    verify,
)
from ybj_channel.refusals import REFUSALS

DOC = Path(__file__).resolve().parents[2] / "docs" / "channel" / "envelope.md"
PRIVATE, PUBLIC = vectors.PRIVATE_KEY, crypto.point_of(int(vectors.PRIVATE_KEY, 16))
SM4_KEY = vectors.SM4_KEY
BUSINESS: dict[str, Any] = {"psn_cert_type": "01", "certno": "11010519491231002X", "psn_name": "张三", "year": 2026}


def _doc_vectors() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- vectors: python -m ybj_channel\.vectors -->\n```text\n(.*?)\n```", text, re.DOTALL)
    assert block is not None, "the vectors block of docs/channel/envelope.md"
    return vectors.parse(block.group(1))


def _refused(code: str, envelope: dict[str, Any], public_key: str = PUBLIC, sm4_key: bytes | None = SM4_KEY) -> None:
    with pytest.raises(EnvelopeError) as caught:
        open_sealed(envelope, public_key, sm4_key)
    assert caught.value.code == code
    assert caught.value.http_status == REFUSALS[code].http_status


def _flip_byte(b64: str, index: int) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


# (a) the document's vectors are what the code computes


def test_the_documents_vectors_are_what_the_code_computes() -> None:
    published, computed = _doc_vectors(), vectors.compute()
    assert list(published) == list(computed)
    for name, value in computed.items():
        if name in vectors.SIGNATURE_KEYS or name.endswith(".envelope"):
            continue
        assert published[name] == value, name
    assert published["plain.string_to_sign"] == (
        'appId=ybjtest0001&bizData={"certno":"11010519491231002X","psn_cert_type":"01","psn_name":"张三",'
        '"query":{"admdvs":"520100","year":2026}}&nonce=0123456789abcdef0123456789abcdef&signType=SM2'
        "&timestamp=1767196800000&version=1.0"
    )


@pytest.mark.parametrize("name", ["plain", "sm4"])
def test_the_documents_signatures_verify_and_its_envelopes_open(name: str) -> None:
    published, computed = _doc_vectors(), vectors.compute()
    envelope = json.loads(published[f"{name}.envelope"])
    fresh = json.loads(computed[f"{name}.envelope"])
    assert {k: v for k, v in envelope.items() if k != "signData"} == {k: v for k, v in fresh.items() if k != "signData"}
    assert envelope["signData"] == published[f"{name}.signData"]
    assert verify(envelope, published["sm2.public_key"])
    # gmssl's own SM3withSM2 (its SM3, its Z_A) agrees on the published signature.
    gm = gm_sm2.CryptSM2(private_key="", public_key=published["sm2.public_key"])
    signature_hex = base64.b64decode(published[f"{name}.signData"]).hex()
    assert gm.verify_with_sm3(signature_hex, published[f"{name}.string_to_sign"].encode())
    business = open_sealed(envelope, published["sm2.public_key"], bytes.fromhex(published["sm4.key"]))
    assert business["certno"] == "11010519491231002X"
    assert business["query"]["admdvs"] == "520100"


def test_the_documents_refusal_table_is_the_sdks() -> None:
    rows = re.findall(r"^\| `([A-Z_]+)` \| (\d{3}) \|", DOC.read_text(encoding="utf-8"), re.MULTILINE)
    assert {code: int(status) for code, status in rows} == {r.code: r.http_status for r in REFUSALS.values()}
    assert len(REFUSALS) == 12


def test_the_standards_sm3withsm2_example_gives_its_known_answer() -> None:
    published = _doc_vectors()
    assert crypto.point_of(int(vectors.KAT_PRIVATE_KEY, 16)) == published["kat.public_key"]
    public = published["kat.public_key"]
    signature = crypto.sign_message(b"message digest", vectors.KAT_PRIVATE_KEY, public, k=vectors.KAT_K)
    assert signature.hex() == published["kat.r_s"]
    assert published["kat.r_s"] == (
        "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
        "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa"
    )


# (b) round trips


@pytest.mark.parametrize("sm4_key", [SM4_KEY, None], ids=["sm4", "clear"])
def test_seal_then_open_gives_the_business_back(sm4_key: bytes | None) -> None:
    private, public = keys.new_sm2_keypair()
    envelope = seal("zyybwxgzh", BUSINESS, private, public, sm4_key)
    assert envelope["encType"] == ("SM4" if sm4_key else "")
    assert ("encData" in envelope) is (sm4_key is not None)
    assert re.fullmatch(r"[0-9a-f]{32}", envelope["nonce"])
    assert re.fullmatch(r"\d{13}", envelope["timestamp"])
    assert len(base64.b64decode(envelope["signData"])) == 64
    assert open_sealed(json.loads(json.dumps(envelope)), public, sm4_key) == BUSINESS


def test_two_seals_of_the_same_business_differ_in_nonce_iv_and_signature() -> None:
    first = seal("a", BUSINESS, PRIVATE, PUBLIC, SM4_KEY, timestamp=1, nonce="0" * 32)
    second = seal("a", BUSINESS, PRIVATE, PUBLIC, SM4_KEY, timestamp=1, nonce="0" * 32)
    assert first["encData"] != second["encData"]  # a fresh IV
    assert first["signData"] != second["signData"]  # a fresh k
    assert seal("a", BUSINESS, PRIVATE, PUBLIC, None)["nonce"] != seal("a", BUSINESS, PRIVATE, PUBLIC, None)["nonce"]


def test_a_public_key_starting_with_04_signs_and_verifies() -> None:
    private = f"{11:064x}"
    public = keys.public_key_of(private)
    assert public.startswith("04")
    assert gm_sm2.CryptSM2(private_key=private, public_key=public).public_key != public  # why crypto.py sets it later
    envelope = seal("a", BUSINESS, private, public, SM4_KEY)
    assert open_sealed(envelope, public, SM4_KEY) == BUSINESS
    assert keys.normalise_public_key(" 04" + public.upper() + "\n") == public


# (c) refusals


@pytest.mark.parametrize(
    ("field", "value"),
    [("appId", "other"), ("timestamp", "1767196800001"), ("nonce", "f" * 32), ("version", "1.0 ")],
)
def test_a_tampered_field_is_refused(field: str, value: str) -> None:
    envelope = {**seal("a", BUSINESS, PRIVATE, PUBLIC, SM4_KEY), field: value}
    _refused("MALFORMED" if field == "version" else "BAD_SIGNATURE", envelope)


def test_tampered_business_data_in_clear_is_refused() -> None:
    envelope = seal("a", BUSINESS, PRIVATE, PUBLIC, None)
    _refused("BAD_SIGNATURE", {**envelope, "bizData": {**BUSINESS, "certno": "110105194912310037"}})
    _refused("BAD_SIGNATURE", {**envelope, "bizData": {**BUSINESS, "year": "2026"}})  # a type counts


@pytest.mark.parametrize("index", [0, 15, 16, -1], ids=["iv-first", "iv-last", "block-first", "padding"])
def test_tampered_enc_data_is_refused_before_decryption(index: int) -> None:
    envelope = seal("a", BUSINESS, PRIVATE, PUBLIC, SM4_KEY)
    _refused("BAD_SIGNATURE", {**envelope, "encData": _flip_byte(envelope["encData"], index)})


def test_enc_data_moved_under_another_requests_signature_is_refused() -> None:
    mine = seal("a", BUSINESS, PRIVATE, PUBLIC, SM4_KEY)
    other = seal("a", {**BUSINESS, "certno": "110105194912310037"}, PRIVATE, PUBLIC, SM4_KEY)
    _refused("BAD_SIGNATURE", {**mine, "encData": other["encData"]})


def test_a_wrong_public_key_or_sm4_key_is_refused() -> None:
    envelope = seal("a", BUSINESS, PRIVATE, PUBLIC, SM4_KEY)
    _refused("BAD_SIGNATURE", envelope, public_key=keys.new_sm2_keypair()[1])
    _refused("BAD_SIGNATURE", envelope, public_key="12" * 64)  # not a point of the curve
    _refused("UNDECRYPTABLE", envelope, sm4_key=bytes.fromhex("00112233445566778899aabbccddeeff"))
    _refused("UNDECRYPTABLE", envelope, sm4_key=None)


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "not base64!",
        "签名",
        base64.b64encode(bytes(64)).decode(),  # r = s = 0
        base64.b64encode(crypto.N.to_bytes(32, "big") * 2).decode(),  # r = s = n
        base64.b64encode(bytes(63) + b"\x01").decode(),
    ],
)
def test_signatures_out_of_range_or_badly_encoded_do_not_verify(signature: str) -> None:
    envelope = {**seal("a", BUSINESS, PRIVATE, PUBLIC, None), "signData": signature}
    assert not verify(envelope, PUBLIC)


def test_a_der_or_hex_encoded_signature_is_not_accepted() -> None:
    envelope = seal("a", BUSINESS, PRIVATE, PUBLIC, None)
    raw = base64.b64decode(envelope["signData"])
    assert not verify({**envelope, "signData": raw.hex()}, PUBLIC)
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    der = gm_sm2.DerSequence([gm_sm2.DerInteger(r), gm_sm2.DerInteger(s)]).encode()
    assert not verify({**envelope, "signData": base64.b64encode(der).decode()}, PUBLIC)


@pytest.mark.parametrize(
    "change",
    [
        {"signData": None},
        {"appId": ""},
        {"timestamp": 1767196800000},
        {"timestamp": "2026-01-01T00:00:00"},
        {"nonce": "short"},
        {"signType": "RSA"},
        {"encType": "AES"},
        {"encType": "", "bizData": {}},  # encData left with encType empty
        {"bizData": {"x": 1}},  # both encData and bizData
    ],
)
def test_malformed_envelopes_are_refused(change: dict[str, Any]) -> None:
    envelope = {**seal("a", BUSINESS, PRIVATE, PUBLIC, SM4_KEY), **change}
    _refused("MALFORMED", {k: v for k, v in envelope.items() if v is not None})


def test_a_clear_envelope_whose_business_is_not_an_object_is_malformed() -> None:
    envelope = sign({**seal("a", {}, PRIVATE, PUBLIC, None), "bizData": ["x"]}, PRIVATE, PUBLIC)
    _refused("MALFORMED", envelope)


def test_decrypt_tells_undecryptable_from_malformed() -> None:
    with pytest.raises(EnvelopeError, match="UNDECRYPTABLE") as caught:
        decrypt("密文", SM4_KEY)
    assert caught.value.detail == "encData is not base64"
    assert caught.value.message_zh.endswith("：encData is not base64")
    with pytest.raises(EnvelopeError, match="UNDECRYPTABLE"):
        decrypt(base64.b64encode(bytes(24)).decode(), SM4_KEY)  # not whole blocks
    iv = bytes(16)
    not_json = base64.b64encode(iv + crypto.sm4_cbc_encrypt(b"\xff\xfe", SM4_KEY, iv)).decode()
    with pytest.raises(EnvelopeError, match="MALFORMED"):
        decrypt(not_json, SM4_KEY)
    a_list = base64.b64encode(iv + crypto.sm4_cbc_encrypt(b"[1]", SM4_KEY, iv)).decode()
    with pytest.raises(EnvelopeError, match="MALFORMED"):
        decrypt(a_list, SM4_KEY)


def test_the_timestamp_window_is_300_seconds_either_way() -> None:
    now = 1_767_196_800_000
    assert timestamp_in_window(str(now - 300_000), now)
    assert timestamp_in_window(str(now + 300_000), now)
    assert not timestamp_in_window(str(now - 300_001), now)
    assert not timestamp_in_window(str(now + 300_001), now)
    assert not timestamp_in_window("1767196800", now)  # seconds, not milliseconds
    assert not timestamp_in_window("-1", now)


# (d) the string to sign


def test_string_to_sign_drops_empty_values_and_sorts_nested_keys() -> None:
    envelope: dict[str, Any] = {
        "version": "1.0",
        "appId": "a",
        "encType": "",
        "extra": None,
        "list": [],
        "obj": {},
        "bizData": {"b": {"z": 1, "y": "", "x": {"w": None}}, "a": [{"d": "", "c": 2}, ""], "n": True, "m": "张三"},
        "signData": "ignored",
    }
    assert string_to_sign(envelope) == 'appId=a&bizData={"a":[{"c":2},""],"b":{"z":1},"m":"张三","n":true}&version=1.0'


def test_string_to_sign_keeps_enc_data_and_leaves_out_only_sign_data() -> None:
    envelope = {"appId": "a", "encData": "QUJD", "signData": "x", "timestamp": "1"}
    assert string_to_sign(envelope) == "appId=a&encData=QUJD&timestamp=1"


def test_string_to_sign_refuses_what_is_not_json() -> None:
    with pytest.raises(EnvelopeError, match="MALFORMED"):
        string_to_sign({"bizData": {"x": float("nan")}})
    with pytest.raises(EnvelopeError, match="MALFORMED"):
        string_to_sign({"bizData": {"x": object()}})


def test_empty_values_added_in_clear_are_not_passed_on() -> None:
    envelope = seal("a", BUSINESS, PRIVATE, PUBLIC, None)
    assert open_sealed({**envelope, "bizData": {**BUSINESS, "note": ""}}, PUBLIC, None) == BUSINESS


# (e) interoperability of the two libraries


def test_sm3_of_cryptography_equals_gmssls() -> None:
    for data in (b"", b"abc", 'appId=a&bizData={"m":"张三"}'.encode(), bytes(range(256)) * 5):
        assert crypto.sm3(data).hex() == gm_sm3.sm3_hash(list(data))
    assert crypto.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905


def test_sm4_of_cryptography_and_gmssl_read_each_other() -> None:
    enc_data = encrypt(BUSINESS, SM4_KEY)
    raw = base64.b64decode(enc_data)
    gm = gm_sm4.CryptSM4()
    gm.set_key(SM4_KEY, gm_sm4.SM4_DECRYPT)
    assert json.loads(gm.crypt_cbc(raw[:16], raw[16:]).decode()) == BUSINESS
    iv = bytes(range(16, 32))
    gm.set_key(SM4_KEY, gm_sm4.SM4_ENCRYPT)
    from_gmssl = iv + gm.crypt_cbc(iv, json.dumps(BUSINESS, ensure_ascii=False).encode())
    assert decrypt(base64.b64encode(from_gmssl).decode(), SM4_KEY) == BUSINESS
    # GB/T 32907's example: one block under its example key.
    assert crypto.sm4_cbc_encrypt(SM4_KEY, SM4_KEY, bytes(16))[:16].hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm3withsm2_of_gmssl_and_the_sdk_verify_each_other() -> None:
    message = string_to_sign(seal("a", BUSINESS, PRIVATE, PUBLIC, None)).encode()
    gm = gm_sm2.CryptSM2(private_key=PRIVATE, public_key=PUBLIC)
    assert gm.verify_with_sm3(crypto.sign_message(message, PRIVATE, PUBLIC).hex(), message)
    from_gmssl = bytes.fromhex(gm.sign_with_sm3(message, f"{12345:064x}"))
    assert crypto.verify_message(message, from_gmssl, PUBLIC)
    assert not crypto.verify_message(message + b" ", from_gmssl, PUBLIC)


def test_new_keys_have_the_documented_form() -> None:
    private, public = keys.new_sm2_keypair()
    assert re.fullmatch(r"[0-9a-f]{64}", private)
    assert re.fullmatch(r"[0-9a-f]{128}", public)
    assert keys.is_public_key(public)
    assert keys.public_key_of(private) == public
    assert not keys.is_public_key(public[:-1] + ("0" if public[-1] != "0" else "1"))
    assert len(keys.new_sm4_key()) == 16
    assert keys.new_sm4_key() != keys.new_sm4_key()
    with pytest.raises(ValueError, match="SM2 private key"):
        keys.public_key_of("00" * 32)
