"""What the gateway does with one channel request: verify it (pipeline.py), serve the item, and answer with an envelope
signed by the platform's SM2 key (success encrypted under the channel's SM4 key when the request was), counting and
timing every outcome per channel and logging it (access_log.py)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram

from ybj_channel.envelope import DEFAULT_USER_ID, SIGN_TYPE, seal
from ybj_gateway.access_log import AccessLog, AccessRecord
from ybj_gateway.items import HANDLERS, SERVED, Commands, ItemCall, NoCommands, QueryReads
from ybj_gateway.pipeline import ChannelLookup, ReplayGuard, Sm4KeyOf, Verified, verify_request
from ybj_gateway.service_items import ITEMS
from ybj_gateway.verification import ChannelRequest, Refused, app_id_of
from ybj_kernel.errors import YbjError
from ybj_kernel.sm2 import SM2Key

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "ybj_gateway_requests_total",
    "Channel requests by channel, item and outcome (OK or the refusal code)",
    ["app_id", "item", "outcome"],
)
LATENCY = Histogram(
    "ybj_gateway_request_seconds",
    "Channel request latency, verification and item included",
    ["app_id"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
OK = "OK"
UNKNOWN = "unknown"  # the metric label of a request whose appId is no channel's (no label per invented appId)
LIST = "list"


def _described(no: int) -> dict[str, Any]:
    """An item as the list shows it, with what the catalogue notes and what the project assumed where the seed is
    silent (the items without a guide say how they are backed)."""
    described = ITEMS[no].describe()
    if ITEMS[no].note:
        described["note_zh"] = ITEMS[no].note
    served = SERVED.get(no)
    if served is not None and served.assumption_zh:
        described["assumption_zh"] = served.assumption_zh
    return described


class InternalError(YbjError):
    """A bug, answered in the common shape (the traceback goes to the log)."""

    status = 500


@dataclass(frozen=True)
class Answer:
    """An HTTP status and the signed envelope to send."""

    status: int
    envelope: dict[str, Any]
    request_id: str


class ChannelService:
    """The gateway's request handling, on its ports (channel lookup, replay store, SM4 keys, reads, access log)."""

    def __init__(
        self,
        channels: ChannelLookup,
        replays: ReplayGuard,
        sm4_key_of: Sm4KeyOf,
        platform: SM2Key,
        environment: str,
        reads: QueryReads,
        access: AccessLog,
        commands: Commands | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if platform.private_hex is None:
            raise ValueError("the platform key must include its private half to sign answers")
        self._channels = channels
        self._replays = replays
        self._sm4_key_of = sm4_key_of
        self._platform = platform
        self._environment = environment
        self._reads = reads
        self._commands = commands if commands is not None else NoCommands()
        self._access = access
        self._clock = clock

    def platform_key(self) -> dict[str, str]:
        """The platform's public key document (GET /channel/v1/platform-key)."""
        return {
            "publicKey": self._platform.public_hex,
            "keyId": self._platform.key_id,
            "signType": SIGN_TYPE,
            "userId": DEFAULT_USER_ID,
            "curve": "sm2p256v1",
            "environment": self._environment,
        }

    def call_item(self, envelope: Mapping[str, Any], item: str, source_ip: str) -> Answer:
        """POST /channel/v1/items/{no}: verify, then serve the item (or say it is not available yet)."""
        no = int(item) if item.isascii() and item.isdigit() else None
        if no is None or no not in ITEMS:
            refused = Refused("UNKNOWN_ITEM", item[:20])
            return self._answered(envelope, UNKNOWN, source_ip, time.perf_counter(), refused)
        return self.handle(envelope, no, source_ip, lambda verified: self._serve(no, verified))

    def list_items(self, envelope: Mapping[str, Any], source_ip: str) -> Answer:
        """GET /channel/v1/items: the 114 items, each saying whether the caller holds its grant."""
        return self.handle(envelope, None, source_ip, self._item_list)

    def handle(
        self,
        envelope: Mapping[str, Any],
        no: int | None,
        source_ip: str,
        serve: Callable[[Verified], dict[str, Any] | Refused],
        label: str | None = None,
    ) -> Answer:
        """Verify an envelope (for item `no`, or for none), serve it, answer it signed, count, time and log it under
        the item's number, `label` (another request signed like an item list: the H5 session), or "list"."""
        started = time.perf_counter()
        request = ChannelRequest(envelope, no, source_ip, self._clock(), self._environment)
        found: list[bool] = []

        def channel(app_id: str) -> Mapping[str, Any] | None:
            state = self._channels(app_id)
            found.append(state is not None)
            return state

        verified: Verified | Refused | None = None
        outcome: dict[str, Any] | Refused | YbjError
        try:
            verified = verify_request(request, channel, self._replays, self._sm4_key_of)
            outcome = serve(verified) if isinstance(verified, Verified) else verified
        except YbjError as error:  # an item's own refusal, or a store or service out of reach
            outcome = error
        except Exception:
            log.exception("channel request failed")
            outcome = InternalError("INTERNAL", "服务内部错误，请稍后重试", "internal error, retry later")
        label = label or (str(no) if no is not None else LIST)
        encrypt = verified.sm4_key if isinstance(verified, Verified) and verified.encrypted else None
        return self._answered(envelope, label, source_ip, started, outcome, encrypt, known=any(found))

    def _serve(self, no: int, verified: Verified) -> dict[str, Any] | Refused:
        admitted = verified.admitted
        nonce = str(verified.envelope.get("nonce", ""))
        return self.serve(no, admitted.app_id, admitted.channel, verified.business, nonce)

    def serve(
        self, no: int, app_id: str, channel: Mapping[str, Any], business: Mapping[str, Any], nonce: str
    ) -> dict[str, Any] | Refused:
        """Serve item `no` to a channel whose request passed its checks (an envelope's, or an H5 session's); `nonce`
        is unique per request of the channel, the idempotency key of a command the item gives."""
        handler = HANDLERS.get(no)
        if handler is None:
            return Refused("ITEM_NOT_AVAILABLE", f"{no} {ITEMS[no].name_zh}")
        return handler(ItemCall(app_id, channel, business, self._reads, self._commands, nonce))

    def item_call(self, app_id: str, channel: Mapping[str, Any], business: Mapping[str, Any]) -> ItemCall:
        """An item call of this gateway's reads and commands (for a check an item makes, e.g. the person's match)."""
        return ItemCall(app_id, channel, business, self._reads, self._commands)

    def _item_list(self, verified: Verified) -> dict[str, Any]:
        granted = set((verified.admitted.channel.get("grants") or {}).get("interfaces", ()))
        return {"items": [{**_described(item.no), "granted": item.no in granted} for item in ITEMS.values()]}

    def _answered(
        self,
        envelope: Mapping[str, Any],
        item: str,
        source_ip: str,
        started: float,
        outcome: dict[str, Any] | Refused | YbjError,
        sm4_key: bytes | None = None,
        *,
        known: bool = False,
    ) -> Answer:
        claimed = app_id_of(envelope)[:64]
        app_id = claimed or UNKNOWN
        if isinstance(outcome, Refused):
            status, code, business = outcome.http_status, outcome.code, outcome.body()
            sm4_key = None
        elif isinstance(outcome, YbjError):
            status, code, sm4_key = outcome.status, outcome.code, None
            business = {"code": outcome.code, "message_zh": outcome.message_zh, "message_en": outcome.message_en}
        else:
            status, code, business = 200, OK, outcome
        signed = seal(app_id, business, self._platform.private_hex or "", self._platform.public_hex, sm4_key)
        seconds = time.perf_counter() - started
        # Only a channel's own appId is a label: invented appIds must not grow the metrics.
        label = app_id if known else UNKNOWN
        REQUESTS.labels(label, item, code).inc()
        LATENCY.labels(label).observe(seconds)
        request_id = uuid.uuid4().hex
        self._access.record(
            AccessRecord(request_id, self._clock(), claimed, item, code, status, round(seconds * 1000, 3), source_ip)
        )
        return Answer(status, signed, request_id)
