"""The I/O around the pure verification (verification.py): read the channel, record the nonce, count the minute's
requests, derive the SM4 key, in that order, each only once the checks before it passed.

The ports are small protocols, so the same pipeline runs on PostgreSQL (adapters/replays.py, shared by every gateway
process) and on in-memory fakes in the unit tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ybj_channel.envelope import ENC_TYPE
from ybj_gateway.verification import (
    Admitted,
    ChannelRequest,
    Refused,
    admit,
    after_replay_checks,
    app_id_of,
    business_of,
    malformed,
)

# The channel entry's state under an app_id, or None when no channel is in effect under it.
ChannelLookup = Callable[[str], Mapping[str, Any] | None]
# The SM4 key of one of a channel's SM2 keys: (app_id, key_id) -> 16 bytes.
Sm4KeyOf = Callable[[str, str], bytes]


class ReplayGuard(Protocol):
    """The store every gateway process shares: nonces seen, and requests counted per channel and minute."""

    def first_use(self, app_id: str, nonce: str, now: datetime) -> bool:
        """Record the nonce; tell whether it is new for this channel (False: seen before, a replay)."""

    def count(self, app_id: str, now: datetime) -> int:
        """Count one request in the channel's current minute; return the minute's requests, this one included."""


@dataclass(frozen=True)
class Verified:
    """A request that passed every check, with its business data and the SM4 key that opened it."""

    admitted: Admitted
    business: dict[str, Any]
    sm4_key: bytes
    encrypted: bool  # the request came encrypted (encType SM4): the answer goes back encrypted too
    envelope: Mapping[str, Any] = field(default_factory=dict)  # the request as sent (its nonce keys a command)


def verify_request(
    request: ChannelRequest, channels: ChannelLookup, replays: ReplayGuard, sm4_key_of: Sm4KeyOf
) -> Verified | Refused:
    """Run the checks in order; the first failing one refuses the request."""
    if (bad := malformed(request.envelope)) is not None:
        return bad
    decision = admit(request, channels(app_id_of(request.envelope)))
    if isinstance(decision, Refused):
        return decision
    app_id = decision.app_id
    fresh = replays.first_use(app_id, str(request.envelope["nonce"]), request.now)
    counted = replays.count(app_id, request.now) if fresh else 0
    refused = after_replay_checks(fresh, counted, int(decision.channel.get("quota_per_minute") or 0))
    if refused is not None:
        return refused
    sm4_key = sm4_key_of(app_id, decision.key_id)
    business = business_of(request.envelope, sm4_key)
    if isinstance(business, Refused):
        return business
    return Verified(decision, business, sm4_key, request.envelope.get("encType") == ENC_TYPE, request.envelope)
