"""SM2 signatures: the standard's example, round trips, and refusals of anything altered."""

from __future__ import annotations

from pathlib import Path

from ybj_kernel import sm2

# GM/T 0003.5 / GB/T 32918.2 example on the recommended curve (the one GmSSL's tests also use).
D = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
PUBLIC = (
    "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
)
K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
SIGNATURE = (
    "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
    "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa"
)


def test_the_standards_example_signs_to_its_known_answer() -> None:
    key = sm2.public_key_of(D)
    assert key.public_hex == PUBLIC
    assert sm2.sign(key, b"message digest", k=K) == SIGNATURE
    assert sm2.verify(PUBLIC, b"message digest", SIGNATURE)


def test_a_new_key_signs_and_verifies_and_refuses_what_was_altered() -> None:
    key = sm2.generate_key()
    signature = sm2.sign(key, b"root 42")
    assert sm2.verify(key.public_hex, b"root 42", signature)
    assert not sm2.verify(key.public_hex, b"root 43", signature)
    flipped = signature[:10] + ("0" if signature[10] != "0" else "1") + signature[11:]
    assert not sm2.verify(key.public_hex, b"root 42", flipped)
    assert not sm2.verify(sm2.generate_key().public_hex, b"root 42", signature)
    assert not sm2.verify(key.public_hex, b"root 42", "00" * 64)  # r = s = 0 is out of range
    assert not sm2.verify("12" * 64, b"root 42", signature)  # not a point of the curve


def test_a_public_key_beginning_with_zero_or_four_still_verifies() -> None:
    # gmssl strips leading '0'/'4' characters of a key given with the 04 prefix; the wrapper must not.
    for _ in range(200):
        key = sm2.generate_key()
        if key.public_hex[0] in "04":
            break
    assert sm2.verify(key.public_hex, b"m", sm2.sign(key, b"m"))


def test_key_files_are_made_once_and_read_back(tmp_path: Path) -> None:
    private, public = tmp_path / "k" / "sm2-private.hex", tmp_path / "k" / "sm2-public.hex"
    key = sm2.ensure_sm2_key(private, public)
    assert sm2.ensure_sm2_key(private, public) == key
    assert sm2.read_public_key(public).public_hex == key.public_hex
    assert private.stat().st_mode & 0o077 == 0
