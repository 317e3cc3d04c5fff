"""The gateway's refusal codes: one per reason a channel request is turned away, with its HTTP status and messages.

Shared by the gateway (which answers with them in a signed error envelope) and the client SDK (which raises them),
and listed in docs/channel/envelope.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """A refusal reason: its code, HTTP status and bilingual message."""

    code: str
    http_status: int
    message_zh: str
    message_en: str


_TABLE = (
    Refusal("UNKNOWN_CHANNEL", 401, "未知的接入渠道（appId 未注册）", "unknown channel: the appId is not registered"),
    Refusal("CHANNEL_SUSPENDED", 403, "接入渠道已暂停", "the channel is suspended"),
    Refusal("CHANNEL_REVOKED", 403, "接入渠道已注销", "the channel is revoked"),
    Refusal("BAD_SIGNATURE", 401, "签名验证失败", "the signature does not verify"),
    Refusal(
        "TIMESTAMP_OUT_OF_WINDOW",
        401,
        "请求时间戳超出允许范围（±300 秒）",
        "the request timestamp is outside the allowed window (±300 s)",
    ),
    Refusal(
        "NONCE_REUSED", 409, "随机串（nonce）已使用，疑似重放请求", "the nonce was already used: a replayed request"
    ),
    Refusal("IP_NOT_ALLOWED", 403, "来源 IP 不在白名单内", "the source IP address is not on the channel's allowlist"),
    Refusal("ITEM_NOT_GRANTED", 403, "渠道未获授权调用该服务事项", "the channel holds no grant for this service item"),
    Refusal(
        "TEST_CREDENTIALS_ON_PRODUCTION",
        403,
        "测试环境凭证不能用于正式环境",
        "test credentials cannot be used on the production environment",
    ),
    Refusal("RATE_LIMITED", 429, "调用频率超出渠道配额", "the channel's request quota is exceeded"),
    Refusal("UNDECRYPTABLE", 400, "业务数据无法解密（SM4）", "the business data cannot be decrypted (SM4)"),
    Refusal("MALFORMED", 400, "报文格式错误", "the envelope or its business data is malformed"),
)

REFUSALS: dict[str, Refusal] = {refusal.code: refusal for refusal in _TABLE}
