"""The channel SDK: calls the gateway's service items inside signed (and encrypted) envelopes, verifies the answers.

Requests:
- `POST /channel/v1/items/{no}`: body = the envelope of the business JSON (SM4-encrypted when the channel has an
  SM4 key).
- `GET /channel/v1/items`: the envelope without business data travels as query parameters
  (`?appId=&timestamp=&nonce=&version=1.0&signType=SM2&signData=`); it is signed and checked exactly like a body
  envelope (empty `encType` and `bizData` are dropped from the string to sign anyway).
- `POST /channel/v1/h5-sessions`: like an item call without `itemNo`; opens an H5 session for one person.

Answers are envelopes signed by the platform's key: business data in `bizData`, or in `encData` under the channel's
SM4 key; HTTP 2xx is an answer, any other status a refusal whose business data is {code, message_zh, message_en}.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import httpx

from ybj_channel.envelope import ENC_TYPE, EnvelopeError, open_sealed, seal

__all__ = ["ChannelClient", "ChannelRefused"]


class ChannelRefused(Exception):
    """The gateway refused the request (a signed refusal): its code, bilingual message and HTTP status."""

    def __init__(self, code: str, message_zh: str, message_en: str, http_status: int) -> None:
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.http_status = http_status
        super().__init__(f"{code} (HTTP {http_status}): {message_en}")


class ChannelClient:
    """A channel's connection to the gateway: its appId, SM2 key pair and SM4 key, and the platform's public key."""

    def __init__(
        self,
        base_url: str,
        app_id: str,
        private_key: str,
        public_key: str,
        sm4_key: bytes | None,
        platform_public_key: str,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self._private_key = private_key
        self._public_key = public_key
        self._sm4_key = sm4_key
        self._platform_public_key = platform_public_key
        self._owns_http = http is None
        self._http = httpx.Client(timeout=30.0) if http is None else http

    def call(self, item_no: int, business: Mapping[str, Any]) -> dict[str, Any]:
        """Call service item `item_no` with `business`; its answer, or ChannelRefused."""
        envelope = seal(self.app_id, business, self._private_key, self._public_key, self._sm4_key, item_no=item_no)
        response = self._http.post(f"{self.base_url}/channel/v1/items/{int(item_no)}", json=envelope)
        return self._answer(response)

    def items(self) -> list[dict[str, Any]]:
        """The service items (`no`, `group_zh`, `name_zh`, `kind`, `granted`), each saying whether this channel holds it."""
        envelope = seal(self.app_id, {}, self._private_key, self._public_key, None)
        params = {key: value for key, value in envelope.items() if isinstance(value, str) and value}
        answer = self._answer(self._http.get(f"{self.base_url}/channel/v1/items", params=params))
        items = answer.get("items")
        if not isinstance(items, list):
            raise EnvelopeError("MALFORMED", "the item list answer has no items list")
        return items

    def h5_session(self, person: Mapping[str, Any]) -> dict[str, Any]:
        """Open an H5 session for one person (`psn_cert_type`, `certno`, `psn_name`): `{session, expires_at, h5_url}`;
        the citizen's browser opens `h5_url` on the platform's address (the token is a secret: send it to that
        person only)."""
        envelope = seal(self.app_id, person, self._private_key, self._public_key, self._sm4_key)
        return self._answer(self._http.post(f"{self.base_url}/channel/v1/h5-sessions", json=envelope))

    def _answer(self, response: httpx.Response) -> dict[str, Any]:
        """Verify the platform's signed answer and return its business data; raise ChannelRefused for a refusal."""
        try:
            body = response.json()
        except ValueError as exc:
            raise EnvelopeError("MALFORMED", f"HTTP {response.status_code} answer is not JSON") from exc
        if not isinstance(body, dict) or "signData" not in body:
            # Not from the gateway's envelope layer (a proxy, an unknown route): nothing here can be trusted.
            raise EnvelopeError(
                "BAD_SIGNATURE", f"HTTP {response.status_code} answer is unsigned: {response.text[:200]}"
            )
        sm4_key = self._sm4_key if body.get("encType") == ENC_TYPE else None
        business = open_sealed(body, self._platform_public_key, sm4_key)
        if response.is_success:
            return business
        raise ChannelRefused(
            str(business.get("code") or f"HTTP_{response.status_code}"),
            str(business.get("message_zh", "")),
            str(business.get("message_en", "")),
            response.status_code,
        )

    def close(self) -> None:
        """Close the HTTP connection pool if this client made it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
