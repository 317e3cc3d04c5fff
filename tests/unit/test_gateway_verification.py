"""The verification of channel requests as pure functions (ybj_gateway.verification) and the pipeline around them on
in-memory ports: every refusal reason, in the order the checks run, and a key rotation's overlap."""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ybj_channel.crypto import sm4_cbc_encrypt
from ybj_channel.envelope import encrypt, seal, sign
from ybj_channel.keys import public_key_of
from ybj_gateway.credentials import derive_sm4_key
from ybj_gateway.in_memory import MemoryReplayGuard
from ybj_gateway.pipeline import Verified, verify_request
from ybj_gateway.processes.p092_convenience_service_channel_access import EXAMPLE_PUBLIC_KEY
from ybj_gateway.verification import (
    Admitted,
    ChannelRequest,
    Refused,
    admit,
    after_replay_checks,
    business_of,
    ip_allowed,
    keys_valid_at,
)

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
APP_ID = "ch_zyybwxgzh"
MASTER = bytes(range(32))  # an example master secret, for these tests only
# Two fixed example key pairs (fixed, so that the SM4 keys derived from them, and what decrypting under a wrong key
# gives, are the same every run): P092's example key, and another.
PRIVATE, PUBLIC = "cc996f0b02968c56b631aa8d202b70cefa2ebc6cd93831f1138bd07232d634b7", EXAMPLE_PUBLIC_KEY
OTHER_PRIVATE = "a78ffe330fdfa603207f51bea8857fa6a7318a3faf196ce0461cc761e731f4e6"
OTHER_PUBLIC = public_key_of(OTHER_PRIVATE)
BUSINESS = {"acceptance_no": "50520300202612050000001"}


def _key(public: str, valid_until: datetime | None = None) -> dict[str, Any]:
    from ybj_gateway.registries.channels import key_id_of

    return {
        "key_id": key_id_of(public),
        "public_key": public,
        "valid_until": valid_until.isoformat() if valid_until else None,
    }


def channel(**changes: Any) -> dict[str, Any]:
    """A channel entry's state as the registry keeps it: active, in test, one key, 10.52.3.0/28, items 68 and 114."""
    state = {
        "app_id": APP_ID,
        "status": "active",
        "environment": "test",
        "keys": [_key(PUBLIC)],
        "ip_allowlist": ["10.52.3.10", "10.52.3.0/28"],
        "quota_per_minute": 3,
        "grants": {"interfaces": [68, 114], "h5_pages": [114]},
    }
    return {**state, **changes}


def sm4(key_id: str) -> bytes:
    return derive_sm4_key(MASTER, APP_ID, key_id)


def envelope(
    private: str = PRIVATE,
    public: str = PUBLIC,
    *,
    at_ms: int = NOW_MS,
    encrypted: bool = True,
    nonce: str | None = None,
    item_no: int | None = 114,
) -> dict[str, Any]:
    """A request for an item sealed by the channel: SM4-encrypted with the SM4 key of the signing key, or in clear."""
    from ybj_gateway.registries.channels import key_id_of

    key = sm4(key_id_of(public)) if encrypted else None
    return seal(APP_ID, BUSINESS, private, public, key, timestamp=at_ms, nonce=nonce, item_no=item_no)


def request(env: Mapping[str, Any], *, item: int | None = 114, ip: str = "10.52.3.10", **kw: Any) -> ChannelRequest:
    return ChannelRequest(env, item, ip, kw.get("now", NOW), kw.get("environment", "test"))


def verified(req: ChannelRequest, state: Mapping[str, Any] | None, replays: MemoryReplayGuard) -> Verified | Refused:
    return verify_request(req, {APP_ID: state}.get, replays, sm4_key_of)


@functools.cache
def sm4_key_of(app_id: str, key_id: str) -> bytes:
    return derive_sm4_key(MASTER, app_id, key_id)


def code(outcome: object) -> str:
    assert isinstance(outcome, Refused), f"not refused: {outcome}"
    return outcome.code


# --- admit: the checks that need no shared store ------------------------------------------------------------------


def test_a_request_in_order_is_admitted_with_the_key_that_signed_it() -> None:
    decision = admit(request(envelope()), channel())
    assert isinstance(decision, Admitted)
    assert (decision.app_id, decision.key_id) == (APP_ID, channel()["keys"][0]["key_id"])


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        ({"version": "2.0"}, "MALFORMED"),
        ({"nonce": "not-hex"}, "MALFORMED"),
        ({"timestamp": "yesterday"}, "MALFORMED"),
        ({"encType": "AES"}, "MALFORMED"),
        ({"signData": ""}, "MALFORMED"),
    ],
)
def test_a_malformed_envelope_is_refused_before_anything_else(change: dict[str, Any], refused: str) -> None:
    assert code(admit(request({**envelope(), **change}), channel())) == refused


def test_an_unknown_channel_is_refused() -> None:
    assert code(admit(request(envelope()), None)) == "UNKNOWN_CHANNEL"


@pytest.mark.parametrize(("status", "refused"), [("suspended", "CHANNEL_SUSPENDED"), ("revoked", "CHANNEL_REVOKED")])
def test_a_suspended_or_revoked_channel_is_refused_at_once(status: str, refused: str) -> None:
    refusal = admit(request(envelope()), channel(status=status))
    assert code(refusal) == refused
    assert isinstance(refusal, Refused)
    assert refusal.http_status == 403


def test_test_credentials_are_refused_on_production_and_production_ones_accepted_in_the_sandbox() -> None:
    assert code(admit(request(envelope(), environment="production"), channel())) == "TEST_CREDENTIALS_ON_PRODUCTION"
    assert isinstance(admit(request(envelope(), environment="production"), channel(environment="production")), Admitted)
    assert isinstance(admit(request(envelope(), environment="test"), channel(environment="production")), Admitted)


@pytest.mark.parametrize("ip", ["10.52.4.1", "10.52.3.16", "2001:db8::1", "not-an-address", ""])
def test_a_source_address_outside_the_allowlist_is_refused(ip: str) -> None:
    assert code(admit(request(envelope(), ip=ip), channel())) == "IP_NOT_ALLOWED"


def test_the_allowlist_takes_addresses_and_networks() -> None:
    assert ip_allowed("10.52.3.15", ["10.52.3.0/28"])
    assert ip_allowed("10.52.3.10", ["10.52.3.10"])
    assert not ip_allowed("10.52.3.11", ["10.52.3.10"])


@pytest.mark.parametrize(
    ("offset_ms", "inside"), [(300_000, True), (-300_000, True), (300_001, False), (-300_001, False)]
)
def test_the_timestamp_must_lie_within_300_seconds(offset_ms: int, inside: bool) -> None:
    decision = admit(request(envelope(at_ms=NOW_MS + offset_ms)), channel())
    assert isinstance(decision, Admitted) if inside else code(decision) == "TIMESTAMP_OUT_OF_WINDOW"


def test_a_signature_by_another_key_or_over_altered_data_is_refused() -> None:
    assert code(admit(request(envelope(OTHER_PRIVATE, OTHER_PUBLIC)), channel())) == "BAD_SIGNATURE"
    tampered = {**envelope(), "encData": envelope()["encData"]}  # another request's ciphertext under this signature
    assert code(admit(request(tampered), channel())) == "BAD_SIGNATURE"


def test_an_item_not_granted_is_refused_but_the_list_needs_no_grant() -> None:
    assert code(admit(request(envelope(item_no=1), item=1), channel())) == "ITEM_NOT_GRANTED"
    h5_only = channel(grants={"interfaces": [68], "h5_pages": [114]})
    assert code(admit(request(envelope(), item=114), h5_only)) == "ITEM_NOT_GRANTED"  # an H5 grant is no interface
    assert isinstance(admit(request(envelope(), item=None), channel(grants={"interfaces": []})), Admitted)


# --- key rotation: both keys verify inside the overlap, only the new one after it ------------------------------------


def test_during_the_overlap_old_and_new_keys_both_verify_and_after_it_only_the_new_one() -> None:
    overlap_end = NOW + timedelta(hours=1)
    rotated = channel(keys=[_key(PUBLIC, overlap_end), _key(OTHER_PUBLIC)])
    for at in (NOW, overlap_end):  # inside the overlap, its last instant included
        ms = int(at.timestamp() * 1000)
        old = admit(request(envelope(at_ms=ms), now=at), rotated)
        new = admit(request(envelope(OTHER_PRIVATE, OTHER_PUBLIC, at_ms=ms), now=at), rotated)
        assert isinstance(old, Admitted)
        assert isinstance(new, Admitted)
        assert (old.key_id, new.key_id) == (rotated["keys"][0]["key_id"], rotated["keys"][1]["key_id"])
    after = overlap_end + timedelta(milliseconds=1)
    ms = int(after.timestamp() * 1000)
    assert code(admit(request(envelope(at_ms=ms), now=after), rotated)) == "BAD_SIGNATURE"
    assert isinstance(admit(request(envelope(OTHER_PRIVATE, OTHER_PUBLIC, at_ms=ms), now=after), rotated), Admitted)


def test_the_valid_keys_are_tried_newest_first() -> None:
    keys = [_key(PUBLIC, NOW + timedelta(minutes=5)), _key(OTHER_PUBLIC)]
    assert [k["public_key"] for k in keys_valid_at(keys, NOW)] == [OTHER_PUBLIC, PUBLIC]
    assert [k["public_key"] for k in keys_valid_at(keys, NOW + timedelta(minutes=6))] == [OTHER_PUBLIC]


def test_during_the_overlap_each_request_is_opened_with_the_sm4_key_of_the_key_that_signed_it() -> None:
    rotated = channel(keys=[_key(PUBLIC, NOW + timedelta(hours=1)), _key(OTHER_PUBLIC)], quota_per_minute=10)
    replays = MemoryReplayGuard()
    for private, public in ((PRIVATE, PUBLIC), (OTHER_PRIVATE, OTHER_PUBLIC)):
        outcome = verified(request(envelope(private, public)), rotated, replays)
        assert isinstance(outcome, Verified)
        assert outcome.business == BUSINESS


# --- after the shared store: replays, quota; then the business data --------------------------------------------------


def test_the_stores_answers_refuse_a_replay_and_a_request_over_the_quota() -> None:
    assert code(after_replay_checks(False, 0, 10)) == "NONCE_REUSED"
    assert after_replay_checks(True, 10, 10) is None
    refusal = after_replay_checks(True, 11, 10)
    assert code(refusal) == "RATE_LIMITED"
    assert isinstance(refusal, Refused)
    assert refusal.http_status == 429


def test_a_replayed_nonce_is_refused_by_the_shared_store() -> None:
    replays = MemoryReplayGuard()
    first = envelope()
    assert isinstance(verified(request(first), channel(), replays), Verified)
    assert code(verified(request(first), channel(), replays)) == "NONCE_REUSED"
    # the same nonce from another channel is that channel's business: only (appId, nonce) pairs are remembered
    assert (APP_ID, first["nonce"].lower()) in replays.nonces


def test_a_nonce_is_recorded_only_once_the_signature_verified() -> None:
    replays = MemoryReplayGuard()
    forged = envelope(OTHER_PRIVATE, OTHER_PUBLIC)
    assert code(verified(request(forged), channel(), replays)) == "BAD_SIGNATURE"
    assert replays.nonces == set()


def test_requests_over_the_channels_quota_in_one_minute_are_refused_and_the_next_minute_starts_afresh() -> None:
    replays = MemoryReplayGuard()
    outcomes = [verified(request(envelope()), channel(quota_per_minute=3), replays) for _ in range(4)]
    assert [isinstance(o, Verified) for o in outcomes] == [True, True, True, False]
    assert code(outcomes[3]) == "RATE_LIMITED"
    later = NOW + timedelta(minutes=1)
    ms = int(later.timestamp() * 1000)
    assert isinstance(verified(request(envelope(at_ms=ms), now=later), channel(quota_per_minute=3), replays), Verified)


def test_undecryptable_and_malformed_business_data_are_refused() -> None:
    key = sm4(channel()["keys"][0]["key_id"])
    assert business_of(envelope(), key) == BUSINESS
    # Under another key the padding does not check (a fixed IV: with a random one 1 in ~256 would pad by chance).
    assert code(business_of({"encType": "SM4", "encData": encrypt(BUSINESS, key, iv=bytes(16))}, bytes(16))) == (
        "UNDECRYPTABLE"
    )
    assert code(business_of({"encType": "SM4", "encData": "not base64!"}, key)) == "UNDECRYPTABLE"
    iv = bytes(16)
    array = base64.b64encode(iv + sm4_cbc_encrypt(b"[1, 2]", key, iv)).decode()
    assert code(business_of({"encType": "SM4", "encData": array}, key)) == "MALFORMED"
    assert code(business_of({"encType": "", "bizData": [1, 2]}, key)) == "MALFORMED"


def test_the_pipeline_refuses_undecryptable_data_after_verifying_and_counting() -> None:
    replays = MemoryReplayGuard()
    wrong = {**envelope(), "encData": encrypt(BUSINESS, bytes(16), iv=bytes(16))}  # encrypted under another key
    other_sm4 = sign({k: v for k, v in wrong.items() if k != "signData"}, PRIVATE, PUBLIC)
    assert code(verified(request(other_sm4), channel(), replays)) == "UNDECRYPTABLE"
    assert len(replays.nonces) == 1


def test_clear_business_data_is_accepted_as_signed() -> None:
    outcome = verified(request(envelope(encrypted=False)), channel(), MemoryReplayGuard())
    assert isinstance(outcome, Verified)
    assert (outcome.business, outcome.encrypted) == (BUSINESS, False)


def test_every_refusal_has_its_own_code_status_and_bilingual_message() -> None:
    codes = [
        "MALFORMED",
        "UNKNOWN_CHANNEL",
        "CHANNEL_SUSPENDED",
        "CHANNEL_REVOKED",
        "TEST_CREDENTIALS_ON_PRODUCTION",
        "IP_NOT_ALLOWED",
        "TIMESTAMP_OUT_OF_WINDOW",
        "BAD_SIGNATURE",
        "ITEM_NOT_GRANTED",
        "NONCE_REUSED",
        "RATE_LIMITED",
        "UNDECRYPTABLE",
        "UNKNOWN_ITEM",
        "ITEM_NOT_AVAILABLE",
    ]
    bodies = [Refused(c).body() for c in codes]
    assert [b["code"] for b in bodies] == codes
    assert all(b["message_zh"] and b["message_en"] and b["message_zh"] != b["message_en"] for b in bodies)
    assert {Refused(c).http_status for c in codes} == {400, 401, 403, 404, 409, 429, 501}
