"""The channel SDK client and the example script, against a stand-in gateway that follows docs/channel/envelope.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from ybj_channel import example, keys
from ybj_channel.client import ChannelClient, ChannelRefused
from ybj_channel.envelope import EnvelopeError, open_sealed, seal
from ybj_channel.refusals import REFUSALS

PERSON = {"psn_cert_type": "01", "certno": "11010519491231002X", "psn_name": "张三"}  # example data


class StandInGateway:
    """Just the envelope rules of the spec: verify (and decrypt) the request, answer in a platform-signed envelope."""

    def __init__(self, sm4_key: bytes | None) -> None:
        self.channel_private, self.channel_public = keys.new_sm2_keypair()
        self.platform_private, self.platform_public = keys.new_sm2_keypair()
        self.sm4_key = sm4_key
        self.answer_key = (self.platform_private, self.platform_public)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path == "/channel/v1/items":
            envelope: dict[str, Any] = dict(request.url.params)
        else:
            envelope = json.loads(request.content)
        self.requests.append(envelope)
        try:
            business = open_sealed(envelope, self.channel_public, self.sm4_key)
        except EnvelopeError as error:
            return self._refuse(envelope, error.code)
        if request.method == "GET":
            return self._answer(envelope, 200, {"items": [{"no": 68, "name_zh": "参保信息查询", "granted": True}]})
        match = re.fullmatch(r"/channel/v1/items/(\d+)", request.url.path)
        if match and match.group(1) == "68":
            return self._answer(envelope, 200, {"psn_name": business["psn_name"], "insutype": "390"}, encrypt=True)
        return self._refuse(envelope, "ITEM_NOT_GRANTED")

    def _refuse(self, envelope: dict[str, Any], code: str) -> httpx.Response:
        refusal = REFUSALS[code]
        body = {"code": code, "message_zh": refusal.message_zh, "message_en": refusal.message_en}
        return self._answer(envelope, refusal.http_status, body)

    def _answer(
        self, request: dict[str, Any], status: int, business: dict[str, Any], *, encrypt: bool = False
    ) -> httpx.Response:
        private, public = self.answer_key
        sm4_key = self.sm4_key if encrypt else None
        return httpx.Response(status, json=seal(str(request.get("appId", "")), business, private, public, sm4_key))


def _client(gateway: StandInGateway) -> ChannelClient:
    http = httpx.Client(transport=httpx.MockTransport(gateway))
    return ChannelClient(
        "http://gateway.test/",
        "zyybwxgzh",
        gateway.channel_private,
        gateway.channel_public,
        gateway.sm4_key,
        gateway.platform_public,
        http,
    )


@pytest.mark.parametrize("sm4_key", [keys.new_sm4_key(), None], ids=["sm4", "clear"])
def test_a_granted_item_answers_with_the_platforms_verified_data(sm4_key: bytes | None) -> None:
    gateway = StandInGateway(sm4_key)
    assert _client(gateway).call(68, PERSON) == {"psn_name": "张三", "insutype": "390"}
    sent = gateway.requests[0]
    assert sent["appId"] == "zyybwxgzh"
    assert ("encData" in sent) is (sm4_key is not None)
    if sm4_key is not None:
        assert "certno" not in json.dumps(sent)  # encrypted on the wire


def test_the_item_list_is_a_get_with_the_envelope_in_signed_query_parameters() -> None:
    gateway = StandInGateway(keys.new_sm4_key())
    assert _client(gateway).items() == [{"no": 68, "name_zh": "参保信息查询", "granted": True}]
    assert set(gateway.requests[0]) == {"appId", "timestamp", "nonce", "version", "signType", "signData"}


def test_a_refusal_is_raised_with_its_code_messages_and_status() -> None:
    gateway = StandInGateway(keys.new_sm4_key())
    with pytest.raises(ChannelRefused) as caught:
        _client(gateway).call(107, PERSON)
    assert (caught.value.code, caught.value.http_status) == ("ITEM_NOT_GRANTED", 403)
    assert caught.value.message_zh == REFUSALS["ITEM_NOT_GRANTED"].message_zh


def test_a_request_signed_with_another_key_is_refused_by_the_gateway() -> None:
    gateway = StandInGateway(keys.new_sm4_key())
    private, public = keys.new_sm2_keypair()
    http = httpx.Client(transport=httpx.MockTransport(gateway))
    client = ChannelClient(
        "http://gateway.test", "zyybwxgzh", private, public, gateway.sm4_key, gateway.platform_public, http
    )
    with pytest.raises(ChannelRefused, match="BAD_SIGNATURE"):
        client.call(68, PERSON)


def test_an_answer_not_signed_by_the_platform_is_not_trusted() -> None:
    gateway = StandInGateway(keys.new_sm4_key())
    gateway.answer_key = keys.new_sm2_keypair()
    with pytest.raises(EnvelopeError, match="BAD_SIGNATURE"):
        _client(gateway).call(68, PERSON)


def test_an_unsigned_answer_is_not_trusted() -> None:
    http = httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(502, json={"detail": "bad gateway"})))
    private, public = keys.new_sm2_keypair()
    client = ChannelClient("http://gateway.test", "a", private, public, None, public, http)
    with pytest.raises(EnvelopeError, match="BAD_SIGNATURE"):
        client.call(68, PERSON)


def test_the_example_lists_and_calls_items_and_reports_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm4_key = keys.new_sm4_key()
    gateway = StandInGateway(sm4_key)
    key_file = tmp_path / "key.json"
    assert example.main(["--new-key-file", str(key_file)]) == 0
    assert key_file.stat().st_mode & 0o077 == 0
    key = json.loads(key_file.read_text())
    gateway.channel_private, gateway.channel_public = key["private_key"], key["public_key"]
    key_file.write_text(json.dumps({**key, "sm4_key": sm4_key.hex(), "platform_public_key": gateway.platform_public}))
    common = ["--base-url", "http://gateway.test", "--app-id", "zyybwxgzh", "--key-file", str(key_file)]
    http = httpx.Client(transport=httpx.MockTransport(gateway))
    capsys.readouterr()

    assert example.main([*common, "--item", "68", "--business", json.dumps(PERSON)], http) == 0
    assert json.loads(capsys.readouterr().out) == {"psn_name": "张三", "insutype": "390"}
    assert example.main([*common, "--list"], http) == 0
    assert json.loads(capsys.readouterr().out)[0]["no"] == 68
    assert example.main([*common, "--item", "107"], http) == 1
    assert "refused ITEM_NOT_GRANTED (HTTP 403)" in capsys.readouterr().out
