"""接入渠道 registry: one entry per channel admitted through P092, keyed by its app_id.

A channel's entry is what the gateway verifies every request against: whether it is active, its environment (测试 first,
正式 after the second approval), its SM2 public keys with their validity, the IP allowlist, the quota and the grants (the
service items whose interface or H5 page it may use). Every change is an operation here, recorded as an event in the
entry's history by the P092 case that made it (开通, 上线, 暂停, 恢复, 注销, 变更授权, 密钥轮换), and undone by stepping
that case back.

No secret is kept here: only public keys. The SM4 key of each SM2 key is derived by the gateway from its master secret
(credentials.py), so the entry, its events on Kafka and the read models built from them hold nothing a reader could
use to impersonate or decrypt.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from ybj_gateway.service_items import ITEM_NUMBERS
from ybj_kernel.domain.registry import Op, Registry
from ybj_kernel.domain.validation import Admdvs, bilingual
from ybj_kernel.errors import Conflict
from ybj_kernel.sm2 import SM2Key, on_curve

CHANNEL = "channel"
APP_ID_PREFIX = "ch_"
SYSTEM_ID_PATTERN = r"^[a-z][a-z0-9]{1,31}$"  # 系统标识: the 首拼 of the system's name, e.g. zyybwxgzh

# Channel status (渠道状态) and environment (调用环境).
ACTIVE, SUSPENDED, REVOKED = "active", "suspended", "revoked"
STATUS_ZH = {ACTIVE: "正常", SUSPENDED: "已暂停", REVOKED: "已注销"}
TEST, PRODUCTION = "test", "production"
Environment = Literal["test", "production"]
ENVIRONMENT_ZH = {TEST: "测试", PRODUCTION: "正式"}

# The signing and encryption rule every channel is given (签名加密规则): the envelope of ybj_channel.
SIGN_RULE = {
    "version": "1.0",
    "sign_type": "SM2",  # SM3withSM2 (GB/T 32918.2), user id below
    "user_id": "1234567812345678",
    "enc_type": "SM4",  # SM4-CBC, PKCS#7 padding, random IV prepended (ybj_channel.envelope)
    "timestamp_window_seconds": 300,
}


def app_id_for(system_id: str) -> str:
    """The app_id a channel is issued: fixed by its 系统标识, so the same system is the same channel everywhere."""
    return APP_ID_PREFIX + system_id


def key_id_of(public_key: str) -> str:
    """A short stable name of a public key (the first 16 hex digits of its SM3 digest)."""
    return SM2Key(public_key).key_id


def _public_key(value: str) -> str:
    key = value.strip().lower()
    if len(key) == 130 and key.startswith("04"):  # the uncompressed form's prefix
        key = key[2:]
    if not on_curve(key):
        raise bilingual(
            "SM2 公钥无效：应为 128 位十六进制（x‖y，可带 04 前缀），且为 SM2 曲线上的点",
            "invalid SM2 public key: 128 hex digits (x || y, optionally prefixed 04) of a point on the SM2 curve",
        )
    return key


def _address(value: str) -> str:
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise bilingual(
            f"IP 地址无效：{value}（应为 IP 地址或网段，如 10.1.2.3 或 10.1.2.0/24）",
            f"invalid IP address: {value} (an address or a network, e.g. 10.1.2.3 or 10.1.2.0/24)",
        ) from None
    return str(network.network_address) if network.num_addresses == 1 else str(network)


def _items(value: list[int]) -> list[int]:
    unknown = sorted(set(value) - ITEM_NUMBERS)
    if unknown:
        raise bilingual(
            f"便民服务事项序号不存在：{'、'.join(map(str, unknown))}（应为 1-{len(ITEM_NUMBERS)}）",
            f"no such service item: {', '.join(map(str, unknown))} (1-{len(ITEM_NUMBERS)})",
        )
    return sorted(set(value))


PublicKey = Annotated[str, AfterValidator(_public_key)]
IpAllowlist = Annotated[list[Annotated[str, AfterValidator(_address)]], Field(min_length=1, max_length=50)]
ItemNumbers = Annotated[list[int], AfterValidator(_items), Field(max_length=200)]
# Requests a minute a channel may send: an example default chosen for the sandbox, not policy (the seeds give none).
EXAMPLE_QUOTA_PER_MINUTE = 600
Quota = Annotated[int, Field(ge=1, le=100_000, description="每分钟请求上限（次/分钟）")]


class Grants(BaseModel):
    """授权：the service items (by 序号 1-114) whose interface (接口) or H5 page (页面) the channel may use."""

    interfaces: ItemNumbers = Field(default_factory=list, description="授权接口（便民服务事项序号）")
    h5_pages: ItemNumbers = Field(default_factory=list, description="授权 H5 页面（便民服务事项序号）")


class ChannelOpening(BaseModel):
    """开通: the channel as P092's provisioning configured it, in the test environment."""

    app_id: str = Field(pattern=r"^ch_[a-z][a-z0-9]{1,31}$")
    system_id: str = Field(pattern=SYSTEM_ID_PATTERN, description="系统标识")
    system_name: str = Field(min_length=1, max_length=100, description="系统名称")
    applicant_org: str = Field(min_length=1, max_length=200, description="申请单位")
    kind: Literal["third_party", "agency"] = Field(description="third_party 第三方接入渠道 / agency 医保经办机构")
    admdvs: Admdvs = Field(description="所属医保区划")
    public_key: PublicKey = Field(description="渠道 SM2 公钥")
    ip_allowlist: IpAllowlist
    quota_per_minute: Quota
    grants: Grants


class Promotion(BaseModel):
    """上线（正式环境）: the second approval; the production system's addresses and quota when they differ."""

    ip_allowlist: IpAllowlist | None = None
    quota_per_minute: Quota | None = None


class GrantChange(BaseModel):
    """变更授权: the grants as they are to stand (every item, not a difference)."""

    grants: Grants


class Rotation(BaseModel):
    """密钥轮换: the new public key, and until when the current one still verifies (the overlap)."""

    public_key: PublicKey
    overlap_until: AwareDatetime = Field(description="原公钥有效期截止（含时区）")


class Nothing(BaseModel):
    """An operation without arguments (the reason is the case action's comment)."""


def _open(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state:
        raise Conflict(
            "CHANNEL_EXISTS",
            f"接入渠道 {args['app_id']} 已开通",
            f"channel {args['app_id']} is already open",
            "system_id",
        )
    key = args["public_key"]
    state.update(
        app_id=args["app_id"],
        system_id=args["system_id"],
        system_name=args["system_name"],
        applicant_org=args["applicant_org"],
        kind=args["kind"],
        admdvs=args["admdvs"],
        status=ACTIVE,
        environment=TEST,
        sign_rule=dict(SIGN_RULE),
        keys=[{"key_id": key_id_of(key), "public_key": key, "valid_until": None}],
        ip_allowlist=args["ip_allowlist"],
        quota_per_minute=args["quota_per_minute"],
        grants=args["grants"],
    )


def _not_revoked(state: dict[str, Any], what_zh: str, what_en: str) -> None:
    if state.get("status") == REVOKED:
        raise Conflict(
            "CHANNEL_REVOKED",
            f"接入渠道 {state.get('app_id')} 已注销，不能{what_zh}",
            f"channel {state.get('app_id')} is revoked: it cannot be {what_en}",
            "action",
        )


def _promote(state: dict[str, Any], args: dict[str, Any]) -> None:
    _not_revoked(state, "上线", "promoted")
    if state.get("environment") == PRODUCTION:
        raise Conflict(
            "ALREADY_IN_PRODUCTION", "接入渠道已在正式环境", "the channel is already in production", "action"
        )
    if state.get("status") != ACTIVE:
        raise Conflict(
            "CHANNEL_SUSPENDED", "接入渠道已暂停，恢复后才能上线", "the channel is suspended: resume it first", "action"
        )
    state["environment"] = PRODUCTION
    if args.get("ip_allowlist"):
        state["ip_allowlist"] = args["ip_allowlist"]
    if args.get("quota_per_minute"):
        state["quota_per_minute"] = args["quota_per_minute"]


def _suspend(state: dict[str, Any], _: dict[str, Any]) -> None:
    _not_revoked(state, "暂停", "suspended")
    if state.get("status") == SUSPENDED:
        raise Conflict("ALREADY_SUSPENDED", "接入渠道已暂停", "the channel is already suspended", "action")
    state["status"] = SUSPENDED


def _resume(state: dict[str, Any], _: dict[str, Any]) -> None:
    _not_revoked(state, "恢复", "resumed")
    if state.get("status") != SUSPENDED:
        raise Conflict("NOT_SUSPENDED", "接入渠道未暂停，无需恢复", "the channel is not suspended", "action")
    state["status"] = ACTIVE


def _revoke(state: dict[str, Any], _: dict[str, Any]) -> None:
    _not_revoked(state, "再次注销", "revoked again")
    state["status"] = REVOKED


def _change_grants(state: dict[str, Any], args: dict[str, Any]) -> None:
    _not_revoked(state, "变更授权", "given other grants")
    if args["grants"] == state.get("grants"):
        raise Conflict(
            "NOTHING_CHANGES", "授权与现有授权相同", "the grants are those the channel already has", "grants"
        )
    state["grants"] = args["grants"]


def _rotate_key(state: dict[str, Any], args: dict[str, Any]) -> None:
    _not_revoked(state, "轮换密钥", "given a new key")
    new = args["public_key"]
    keys: list[dict[str, Any]] = [dict(k) for k in state.get("keys", [])]
    if any(k["public_key"] == new for k in keys):
        raise Conflict(
            "KEY_ALREADY_USED",
            "新公钥与该渠道已登记的公钥相同，请使用新生成的密钥对",
            "the new public key is one the channel already had: generate a new key pair",
            "public_key",
        )
    until = args["overlap_until"]
    for key in keys:  # every earlier key stops verifying at the end of the overlap at the latest
        if key["valid_until"] is None or datetime.fromisoformat(key["valid_until"]) > datetime.fromisoformat(until):
            key["valid_until"] = until
    state["keys"] = [*keys, {"key_id": key_id_of(new), "public_key": new, "valid_until": None}]


CHANNELS = Registry(
    CHANNEL,
    "接入渠道",
    {
        "open": Op("接入渠道开通（测试环境）", "ChannelOpened", ChannelOpening, _open),
        "promote": Op("接入渠道上线（正式环境）", "ChannelPromoted", Promotion, _promote),
        "suspend": Op("接入渠道暂停", "ChannelSuspended", Nothing, _suspend),
        "resume": Op("接入渠道恢复", "ChannelResumed", Nothing, _resume),
        "revoke": Op("接入渠道注销", "ChannelRevoked", Nothing, _revoke),
        "change_grants": Op("接入渠道授权变更", "ChannelGrantsChanged", GrantChange, _change_grants),
        "rotate_key": Op("接入渠道密钥轮换", "ChannelKeyRotated", Rotation, _rotate_key),
    },
    frozenset({"open"}),
)
