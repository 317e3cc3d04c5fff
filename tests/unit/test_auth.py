"""Staff tokens: a signed token is accepted (and remembered), a forged or expired one never is."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ybj_kernel.auth import TokenVerifier, ensure_dev_keys, issue_token
from ybj_kernel.errors import Unauthenticated


@pytest.fixture
def keys(tmp_path: Path) -> tuple[bytes, bytes]:
    ensure_dev_keys(tmp_path / "private.pem", tmp_path / "public.pem")
    return (tmp_path / "private.pem").read_bytes(), (tmp_path / "public.pem").read_bytes()


def test_a_signed_token_gives_its_actor_every_time(keys: tuple[bytes, bytes]) -> None:
    private, public = keys
    verifier = TokenVerifier(public)
    token = issue_token(private, "gy-fr-01", ["first_reviewer"], "520100")
    for _ in range(3):
        actor = verifier.actor(f"Bearer {token}")
        assert (actor.user_id, actor.roles, actor.admdvs) == ("gy-fr-01", ("first_reviewer",), "520100")


def test_a_token_signed_with_another_key_is_refused_each_time(keys: tuple[bytes, bytes]) -> None:
    _, public = keys
    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    forged = issue_token(other, "intruder", ["approver"], "520000")
    verifier = TokenVerifier(public)
    for _ in range(2):
        with pytest.raises(Unauthenticated) as refused:
            verifier.actor(f"Bearer {forged}")
        assert refused.value.code == "INVALID_TOKEN"


def test_a_remembered_token_still_expires_on_time(keys: tuple[bytes, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    private, public = keys
    verifier = TokenVerifier(public)
    token = issue_token(private, "gy-reg-01", ["registrar"], "520100", ttl_seconds=60)
    assert verifier.actor(f"Bearer {token}").user_id == "gy-reg-01"
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(Unauthenticated) as refused:
        verifier.actor(f"Bearer {token}")
    assert "expired" in refused.value.message_en


def test_a_token_without_admdvs_is_refused(keys: tuple[bytes, bytes]) -> None:
    private, public = keys
    key = serialization.load_pem_private_key(private, None)
    assert isinstance(key, Ed25519PrivateKey)
    now = int(time.time())
    token = jwt.encode({"sub": "u", "roles": ["registrar"], "iss": "ybj", "exp": now + 60}, key, algorithm="EdDSA")
    with pytest.raises(Unauthenticated):
        TokenVerifier(public).actor(f"Bearer {token}")


def test_a_missing_header_names_the_field(keys: tuple[bytes, bytes]) -> None:
    with pytest.raises(Unauthenticated) as refused:
        TokenVerifier(keys[1]).actor(None)
    assert (refused.value.code, refused.value.field) == ("NOT_AUTHENTICATED", "Authorization")
