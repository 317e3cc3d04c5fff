"""What the gateway does with a citizen's H5 page: open a session for one person at the request of the channel's
server (an envelope, verified and answered like any channel request), then serve the page's plain-JSON requests under
that session with the same item handlers as the envelope's calls, counting, timing and logging every decision.

The checks are h5_sessions.py's; the item is served by ChannelService.serve, so an H5 page and an interface call of the
same item give the same answer (masked the same way)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ybj_gateway.access_log import AccessLog, AccessRecord
from ybj_gateway.channel_service import LATENCY, OK, REQUESTS, UNKNOWN, Answer, ChannelService, InternalError
from ybj_gateway.h5_sessions import (
    H5Session,
    H5Sessions,
    channel_refusal,
    forced,
    idempotency_key,
    issue_refusal,
    item_list,
    new_token,
    page_refusal,
    session_refusal,
    token_hash,
    token_of,
)
from ybj_gateway.items import SERVED
from ybj_gateway.items.insured import matched_person
from ybj_gateway.pipeline import ChannelLookup, ReplayGuard, Verified
from ybj_gateway.service_items import ITEMS
from ybj_gateway.verification import Refused, after_replay_checks
from ybj_kernel.errors import YbjError

log = logging.getLogger(__name__)

SESSION_LABEL = "h5-session"  # the access log's and metrics' item of a session request
LIST_LABEL = "h5:list"
H5_URL = "/h5/?session={token}"

# What an H5 request asks for once its session and channel passed: a refusal of its own (the item's grant), then
# the answer. Both get the session and the channel's entry.
Check = Callable[[H5Session, Mapping[str, Any]], Refused | None]
Serve = Callable[[H5Session, Mapping[str, Any]], dict[str, Any] | Refused]


@dataclass(frozen=True)
class H5Answer:
    """An HTTP status and the plain JSON body to send (the item's answer, or {code, message_zh, message_en, field})."""

    status: int
    body: dict[str, Any]
    request_id: str


class H5Service:
    """H5 sessions and the H5 pages' requests, on the gateway's ports and its ChannelService."""

    def __init__(
        self,
        gateway: ChannelService,
        sessions: H5Sessions,
        channels: ChannelLookup,
        replays: ReplayGuard,
        access: AccessLog,
        environment: str,
        session_seconds: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._gateway = gateway
        self._sessions = sessions
        self._channels = channels
        self._replays = replays
        self._access = access
        self._environment = environment
        self._lifetime = timedelta(seconds=session_seconds)
        self._clock = clock

    def open_session(self, envelope: Mapping[str, Any], source_ip: str) -> Answer:
        """POST /channel/v1/h5-sessions: the channel's server, by a verified envelope, opens a session for the person
        its business data names (证件类型, 号码 and 姓名 agreeing with the registry)."""
        return self._gateway.handle(envelope, None, source_ip, self._issued, label=SESSION_LABEL)

    def _issued(self, verified: Verified) -> dict[str, Any] | Refused:
        admitted = verified.admitted
        if (refused := issue_refusal(admitted.channel)) is not None:
            return refused
        _, named = matched_person(self._gateway.item_call(admitted.app_id, admitted.channel, verified.business))
        token, now = new_token(), self._clock()
        person = (str(named["psn_cert_type"]), str(named["certno"]), str(named["psn_name"]).strip())
        session = H5Session(token_hash(token), admitted.app_id, *person, now, now + self._lifetime)
        self._sessions.add(session)
        return {"session": token, "expires_at": session.expires_at.isoformat(), "h5_url": H5_URL.format(token=token)}

    def list_items(self, authorization: str | None, source_ip: str) -> H5Answer:
        """GET /channel/v1/h5/items: the person, and the items the channel holds an H5 grant for, by 一级功能."""
        return self._handle(authorization, source_ip, LIST_LABEL, None, self._listed)

    def _listed(self, session: H5Session, channel: Mapping[str, Any]) -> dict[str, Any]:
        return item_list(channel, session, ITEMS, SERVED)

    def call_item(
        self,
        authorization: str | None,
        item: str,
        business: Mapping[str, Any] | None,
        source_ip: str,
        idempotency_header: str | None = None,
    ) -> H5Answer:
        """POST /channel/v1/h5/items/{no}: serve the item to the session's person (their identifiers forced into the
        business data); `business` None: the body was no JSON object."""
        no = int(item) if item.isascii() and item.isdigit() and int(item) in ITEMS else None
        label = f"h5:{no}" if no is not None else f"h5:{UNKNOWN}"

        def check(_: H5Session, channel: Mapping[str, Any]) -> Refused | None:
            return Refused("UNKNOWN_ITEM", item[:20]) if no is None else page_refusal(channel, no)

        def serve(session: H5Session, channel: Mapping[str, Any]) -> dict[str, Any] | Refused:
            if no is None:  # refused by check already
                return Refused("UNKNOWN_ITEM", item[:20])
            if business is None:
                return Refused("MALFORMED", "the body must be a JSON object")
            # Scoped to the session: a page's key never meets an envelope's nonce or another session's key.
            key = f"h5-{session.token_hash[:16]}-{idempotency_key(idempotency_header, uuid.uuid4().hex)}"
            return self._gateway.serve(no, session.app_id, channel, forced(business, session), key)

        return self._handle(authorization, source_ip, label, check, serve)

    def _handle(
        self, authorization: str | None, source_ip: str, label: str, check: Check | None, serve: Serve
    ) -> H5Answer:
        started, now = time.perf_counter(), self._clock()
        token = token_of(authorization)
        session = self._sessions.find(token_hash(token), now) if token is not None else None
        outcome: dict[str, Any] | Refused | YbjError
        try:
            outcome = self._decided(session, now, check, serve)
        except YbjError as error:  # an item's own refusal, or a store or service out of reach
            outcome = error
        except Exception:
            log.exception("H5 request failed")
            outcome = InternalError("INTERNAL", "服务内部错误，请稍后重试", "internal error, retry later")
        return self._answered(session, label, source_ip, started, outcome)

    def _decided(
        self, session: H5Session | None, now: datetime, check: Check | None, serve: Serve
    ) -> dict[str, Any] | Refused:
        """The checks in order (session, channel, the request's own, the quota), then the answer."""
        refused = session_refusal(session, now)
        if session is None or refused is not None:
            return refused or Refused("H5_SESSION_UNKNOWN")
        channel = self._channels(session.app_id)
        refused = channel_refusal(channel, self._environment)
        if channel is None or refused is not None:
            return refused or Refused("UNKNOWN_CHANNEL")
        if check is not None and (refused := check(session, channel)) is not None:
            return refused
        quota = int(channel.get("quota_per_minute") or 0)
        if (refused := after_replay_checks(True, self._replays.count(session.app_id, now), quota)) is not None:
            return refused
        return serve(session, channel)

    def _answered(
        self,
        session: H5Session | None,
        label: str,
        source_ip: str,
        started: float,
        outcome: dict[str, Any] | Refused | YbjError,
    ) -> H5Answer:
        if isinstance(outcome, Refused):
            status, code, body = outcome.http_status, outcome.code, dict(outcome.body())
        elif isinstance(outcome, YbjError):
            status, code, body = outcome.status, outcome.code, outcome.to_dict()
        else:
            status, code, body = 200, OK, outcome
        seconds = time.perf_counter() - started
        app_id = session.app_id if session is not None else ""
        REQUESTS.labels(app_id or UNKNOWN, label, code).inc()  # a session's app_id is a channel's: a bounded label
        LATENCY.labels(app_id or UNKNOWN).observe(seconds)
        request_id = uuid.uuid4().hex
        self._access.record(
            AccessRecord(request_id, self._clock(), app_id, label, code, status, round(seconds * 1000, 3), source_ip)
        )
        return H5Answer(status, body, request_id)
