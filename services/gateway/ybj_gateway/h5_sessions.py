"""H5 sessions, as pure functions: what the gateway decides about a citizen's H5 page, given what it knows.

A channel's server asks for a session for one person (an enveloped, signed request, the person checked against the
registry); the citizen's browser then carries the session's token as `Authorization: Session <token>`. The token is
32 random bytes, given once; the gateway keeps only its SM3 digest, with the channel's app_id, the person's three
identifiers and the expiry. Every H5 request is judged here: the session (unknown, expired), the channel (still in
effect, not suspended or revoked, not test credentials on production), the item (exists, H5 page granted); then the
item is served with the person's identifiers forced into the business data, so that a page can only ever ask about
the session's person. The I/O (the session store, the channel, the quota, the item) is h5_service.py's.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes

from ybj_gateway.items.h5_fields import ANSWER_LABELS, IDENTIFIERS, h5_fields
from ybj_gateway.items.masking import mask_certno
from ybj_gateway.items.served import Served
from ybj_gateway.registries.channels import ACTIVE, PRODUCTION, REVOKED, TEST
from ybj_gateway.service_items import ServiceItem
from ybj_gateway.verification import Refused

TOKEN_BYTES = 32
SCHEME = "session"  # Authorization: Session <token>
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes in unpadded base64url
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class H5Session:
    """One person's session on one channel's H5 pages."""

    token_hash: str  # SM3 of the token, hex: the token itself is never stored
    app_id: str
    psn_cert_type: str
    certno: str
    psn_name: str
    created_at: datetime
    expires_at: datetime

    def person(self) -> dict[str, str]:
        """The person's three identifiers, as the items take them."""
        return {"psn_cert_type": self.psn_cert_type, "certno": self.certno, "psn_name": self.psn_name}


class H5Sessions(Protocol):
    """Where sessions are kept (adapters/h5_sessions_pg.py, shared by every gateway process)."""

    def add(self, session: H5Session) -> None:
        """Keep a new session."""

    def find(self, token_hash: str, now: datetime) -> H5Session | None:
        """The session of this token digest, expired or not (None when there is none); `now` lets the store purge
        expired sessions now and then."""


def new_token() -> str:
    """A new session token: 32 random bytes, base64url without padding (43 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """The token's SM3 digest (hex), the only form it is stored in."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(token.encode())
    return digest.finalize().hex()


def token_of(authorization: str | None) -> str | None:
    """The token of an `Authorization: Session <token>` header, or None when the header carries none."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == SCHEME and _TOKEN.match(token) else None


def session_refusal(session: H5Session | None, now: datetime) -> Refused | None:
    """No such session (or no token at all), or one past its expiry."""
    if session is None:
        return Refused("H5_SESSION_UNKNOWN")
    if now >= session.expires_at:
        return Refused("H5_SESSION_EXPIRED")
    return None


def channel_refusal(channel: Mapping[str, Any] | None, environment: str) -> Refused | None:
    """The session's channel as the envelope's checks judge it: no longer in effect, revoked, suspended, or test
    credentials on production. (No IP allowlist: the requests come from citizens' phones, not the channel's servers.)"""
    if channel is None:
        return Refused("UNKNOWN_CHANNEL")
    if channel.get("status") == REVOKED:
        return Refused("CHANNEL_REVOKED")
    if channel.get("status") != ACTIVE:
        return Refused("CHANNEL_SUSPENDED")
    if environment == PRODUCTION and channel.get("environment") == TEST:
        return Refused("TEST_CREDENTIALS_ON_PRODUCTION")
    return None


def h5_pages(channel: Mapping[str, Any]) -> frozenset[int]:
    """The items whose H5 page the channel is granted."""
    return frozenset(int(n) for n in (channel.get("grants") or {}).get("h5_pages") or ())


def issue_refusal(channel: Mapping[str, Any]) -> Refused | None:
    """A channel granted no H5 page may open no session."""
    return None if h5_pages(channel) else Refused("H5_NOT_GRANTED")


def page_refusal(channel: Mapping[str, Any], no: int) -> Refused | None:
    """The item's H5 page is not among the channel's grants."""
    return None if no in h5_pages(channel) else Refused("ITEM_NOT_GRANTED", str(no))


def forced(business: Mapping[str, Any], session: H5Session) -> dict[str, Any]:
    """The business data with the session's person in place of whatever identifiers the page sent."""
    return {**{k: v for k, v in business.items() if k not in IDENTIFIERS}, **session.person()}


def idempotency_key(header: str | None, fallback: str) -> str:
    """The page's Idempotency-Key (a retry of the same submission opens no second case), or a fresh one."""
    return header if header is not None and _IDEMPOTENCY_KEY.match(header) else fallback


def item_list(
    channel: Mapping[str, Any],
    session: H5Session,
    items: Mapping[int, ServiceItem],
    served: Mapping[int, Served],
) -> dict[str, Any]:
    """The H5 home page: the person (证件号码 masked), the session's expiry, the items the channel holds an H5 grant
    for, grouped by 一级功能 in the order of the catalogue, each with the fields its form asks for, and the Chinese
    labels of the answers' keys."""
    granted = h5_pages(channel)
    groups: dict[str, list[dict[str, Any]]] = {}
    for no, item in items.items():
        if no not in granted:
            continue
        shown: dict[str, Any] = {
            "no": no,
            "name_zh": item.name_zh,
            "kind": item.kind,
            "application": item.kind == "application",
            "fields": h5_fields(no, served[no].example) if no in served else [],
        }
        if item.note:
            shown["note_zh"] = item.note
        if no in served and served[no].assumption_zh:
            shown["assumption_zh"] = served[no].assumption_zh
        groups.setdefault(item.group_zh, []).append(shown)
    return {
        "person": {"psn_name": session.psn_name, "certno": mask_certno(session.certno)},
        "channel": {"app_id": session.app_id, "system_name": str(channel.get("system_name") or "")},
        "expires_at": session.expires_at.isoformat(),
        "groups": [{"group_zh": group, "items": shown} for group, shown in groups.items()],
        "labels": dict(ANSWER_LABELS),
    }
