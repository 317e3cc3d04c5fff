"""The verification of every channel request, as pure functions: what the gateway decides, given what it knows.

`admit` judges one request against the channel's entry, the clock, the source address and the gateway's environment:
the envelope's shape, the channel (unknown, revoked, suspended), the environment (test credentials on production),
the source IP, the timestamp window, the signature (by any of the channel's keys valid now: during a key rotation's
overlap the old and the new key both verify, after it only the new one) and the grant for the item. `after_replay_checks`
judges what the shared store answered (was the nonce new, how many requests this minute) against the quota, and
`business_of` opens the business data with the SM4 key of the key that signed. The I/O around them (reading the
channel, recording the nonce, counting, deriving the SM4 key) is pipeline.py's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ybj_channel.envelope import ENC_TYPE, EnvelopeError, check_shape, decrypt, timestamp_in_window, verify
from ybj_channel.refusals import REFUSALS
from ybj_gateway.registries.channels import ACTIVE, PRODUCTION, REVOKED, TEST

# The gateway's own answers beyond the envelope's refusal codes (ybj_channel.refusals): an item it cannot serve.
GATEWAY_REFUSALS = {
    "UNKNOWN_ITEM": (404, "便民服务事项不存在（序号应为 1-114）", "no such service item (1-114)"),
    "ITEM_NOT_AVAILABLE": (
        501,
        "该便民服务事项暂未开放接口调用",
        "this service item is not available through the gateway yet",
    ),
    # H5 pages (h5_sessions.py): the session a citizen's page carries, and the channel's H5 grants.
    "H5_SESSION_UNKNOWN": (
        401,
        "H5 会话无效，请从渠道应用重新进入",
        "no such H5 session: enter again from the channel's app",
    ),
    "H5_SESSION_EXPIRED": (401, "H5 会话已过期，请从渠道应用重新进入", "the H5 session has expired"),
    "H5_NOT_GRANTED": (403, "接入渠道未获授权任何 H5 页面", "the channel holds no H5 page grant"),
}


@dataclass(frozen=True)
class Refused:
    """A request turned away: its refusal code (ybj_channel.refusals, or GATEWAY_REFUSALS) and a detail."""

    code: str
    detail: str = ""

    @property
    def http_status(self) -> int:
        """The HTTP status the refusal is answered with."""
        known = REFUSALS.get(self.code)
        return known.http_status if known is not None else GATEWAY_REFUSALS[self.code][0]

    def body(self) -> dict[str, str]:
        """The refusal's business data: {code, message_zh, message_en} (the detail appended)."""
        known = REFUSALS.get(self.code)
        zh, en = (known.message_zh, known.message_en) if known is not None else GATEWAY_REFUSALS[self.code][1:]
        if self.detail:
            zh, en = f"{zh}：{self.detail}", f"{en}: {self.detail}"
        return {"code": self.code, "message_zh": zh, "message_en": en}


@dataclass(frozen=True)
class ChannelRequest:
    """One request as the gateway received it."""

    envelope: Mapping[str, Any]
    item_no: int | None  # None: the item list
    source_ip: str
    now: datetime  # timezone-aware
    environment: str  # the gateway's: "test" or "production"


@dataclass(frozen=True)
class Admitted:
    """A request whose channel, address, time, signature and grant are in order."""

    app_id: str
    key_id: str  # the channel key that verified the signature (its SM4 key opens the business data)
    channel: Mapping[str, Any]


def app_id_of(envelope: Mapping[str, Any]) -> str:
    """The appId an envelope claims, or "" when it claims none (for the answer and the logs)."""
    claimed = envelope.get("appId") if isinstance(envelope, Mapping) else None
    return claimed if isinstance(claimed, str) else ""


def malformed(envelope: Mapping[str, Any]) -> Refused | None:
    """An envelope without the fields, types and values of version 1.0 (checked before the channel is even read)."""
    try:
        check_shape(envelope)
    except EnvelopeError as error:
        return Refused("MALFORMED", _detail(error))
    return None


def admit(request: ChannelRequest, channel: Mapping[str, Any] | None) -> Admitted | Refused:
    """Every check that needs no shared store, cheapest first; the signature is checked before anything is recorded."""
    envelope = request.envelope
    if (bad := malformed(envelope)) is not None:
        return bad
    if channel is None:
        return Refused("UNKNOWN_CHANNEL")
    if channel.get("status") == REVOKED:
        return Refused("CHANNEL_REVOKED")
    if channel.get("status") != ACTIVE:
        return Refused("CHANNEL_SUSPENDED")
    if request.environment == PRODUCTION and channel.get("environment") == TEST:
        return Refused("TEST_CREDENTIALS_ON_PRODUCTION")
    if not ip_allowed(request.source_ip, channel.get("ip_allowlist") or ()):
        return Refused("IP_NOT_ALLOWED", request.source_ip)
    if not timestamp_in_window(str(envelope["timestamp"]), _epoch_ms(request.now)):
        return Refused("TIMESTAMP_OUT_OF_WINDOW", f"gateway time {_epoch_ms(request.now)}")  # helps find a skewed clock
    key_id = signing_key(envelope, channel.get("keys") or (), request.now)
    if key_id is None:
        return Refused("BAD_SIGNATURE")
    if request.item_no is not None and envelope.get("itemNo") != str(request.item_no):
        return Refused("MALFORMED", "itemNo (signed) must be the item number of the path")
    if request.item_no is not None and request.item_no not in (channel.get("grants") or {}).get("interfaces", ()):
        return Refused("ITEM_NOT_GRANTED", str(request.item_no))
    return Admitted(str(envelope["appId"]), key_id, channel)


def ip_allowed(source_ip: str, allowlist: Sequence[str]) -> bool:
    """Tell whether the source address lies in one of the allowlist's addresses or networks."""
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    networks = (ipaddress.ip_network(entry, strict=False) for entry in allowlist)
    return any(address.version == net.version and address in net for net in networks)


def keys_valid_at(keys: Sequence[Mapping[str, Any]], now: datetime) -> list[Mapping[str, Any]]:
    """The channel's keys that verify at `now`, the newest first (a rotated key verifies until its `valid_until`)."""
    valid = [k for k in keys if k.get("valid_until") is None or now <= datetime.fromisoformat(str(k["valid_until"]))]
    return list(reversed(valid))


def signing_key(envelope: Mapping[str, Any], keys: Sequence[Mapping[str, Any]], now: datetime) -> str | None:
    """The id of the valid key whose signature the envelope carries, or None."""
    for key in keys_valid_at(keys, now):
        if verify(envelope, str(key["public_key"])):
            return str(key["key_id"])
    return None


def after_replay_checks(nonce_is_new: bool, requests_this_minute: int, quota_per_minute: int) -> Refused | None:
    """Judge the shared store's answers: a nonce seen before is a replay; more requests this minute than the quota."""
    if not nonce_is_new:
        return Refused("NONCE_REUSED")
    if requests_this_minute > quota_per_minute:
        return Refused("RATE_LIMITED", f"{quota_per_minute}/min")
    return None


def business_of(envelope: Mapping[str, Any], sm4_key: bytes) -> dict[str, Any] | Refused:
    """The business data: decrypted with the channel's SM4 key (encType SM4), or as sent in bizData."""
    if envelope.get("encType") == ENC_TYPE:
        try:
            return decrypt(str(envelope["encData"]), sm4_key)
        except EnvelopeError as error:
            return Refused(error.code if error.code in ("UNDECRYPTABLE", "MALFORMED") else "MALFORMED", _detail(error))
    business = envelope.get("bizData") or {}
    if not isinstance(business, Mapping):
        return Refused("MALFORMED", "bizData")
    return dict(_signed_part(business))


def _signed_part(value: Any) -> Any:
    """What the signature covers of clear business data: members whose value is "", null, {} or [] are left out, at
    every depth, as the string to sign leaves them out (ybj_channel.envelope.string_to_sign)."""
    if isinstance(value, Mapping):
        cleaned = {str(k): _signed_part(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v is not None and not (isinstance(v, str | list | dict) and not v)}
    if isinstance(value, list):
        return [_signed_part(v) for v in value]
    return value


def _epoch_ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


def _detail(error: EnvelopeError) -> str:
    """The part of an EnvelopeError's English message after the refusal's own text."""
    return str(error.message_en).partition(": ")[2]
