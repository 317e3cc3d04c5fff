"""P092 医保信息平台便民服务接入流程 (seed 000, 三、接入流程): a channel admitted through the catalogue's seven steps.

申请 (the two forms) → 市州审核 (or the 省局业务部门's) → 提交工单 (公共服务子系统) → 省局审批 → 配置 (签名加密规则, the
channel's SM2 public key, IP allowlist, quota, grants; test environment) → 反馈账号信息 → 调度指导开发. The two
variants are the seed's two kinds of applicant (第三方接入渠道, 医保经办机构); both run every step.

The channel entry (registries/channels.py) opens when the case completes: the kernel applies a process's registry
effects at completion only, so the credentials configured at 配置 become usable once the municipal bureau has recorded
that it took up the development guidance (the last step). After that the completed case carries the channel's
management, each action an event of the case and of the channel's history, all undone by stepping the case back:
上线审批 (the second approval: test → production), 暂停, 恢复, 注销, 变更授权, 密钥轮换 (with an overlap in which the
old and the new key both verify).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ybj_gateway.processes.p092_forms import (
    ChannelApplication,
    CredentialsDelivery,
    DevelopmentGuidance,
    GrantChange,
    KeyRotation,
    MunicipalReview,
    ProductionApproval,
    ProvincialApproval,
    Provisioning,
    TicketSubmission,
)
from ybj_gateway.registries.channels import (
    CHANNEL,
    EXAMPLE_QUOTA_PER_MINUTE,
    SIGN_RULE,
    TEST,
    app_id_for,
    key_id_of,
)
from ybj_kernel.domain.process import (
    COMPLETED,
    ExtraAction,
    Material,
    ProcessDefinition,
    Stage,
    Uniqueness,
    Variant,
)
from ybj_kernel.domain.registry import Effect
from ybj_kernel.errors import InvalidInput

THIRD_PARTY = Variant("third_party", "第三方接入渠道")
AGENCY = Variant("agency", "医保经办机构（定点医药机构、村级卫生院等外延经办部门）")

# One admission in effect per 系统标识 (its app_id): a second application waits until the first is cancelled.
ONE_CHANNEL_PER_SYSTEM = Uniqueness(
    scope="channel_system_id",
    key=lambda data: str(data["system_id"]),
    field="system_id",
    message_zh="该系统标识已有接入申请或已开通的接入渠道",
    message_en="this system_id already has an application or a channel",
)
# Who acts for the bureau: the catalogue's actors; the 省局业务部门 may review in the municipal bureau's place
# (「报所辖市（州）医保部门或省局业务部门审核」) and raise the ticket (「各市（州）医保局、省局业务部门…提交审批」).
BUREAUS = ("municipal_bureau", "provincial_bureau")
PROVINCE = ("provincial_bureau",)


def provisioned(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """配置: the app_id (fixed by the 系统标识), the test environment, the key, addresses, quota, grants and rule."""
    public_key = step.get("public_key") or current.get("public_key")
    if not public_key:
        raise InvalidInput(
            "PUBLIC_KEY_REQUIRED",
            "申请单未提交渠道 SM2 公钥：请填写公钥，或通过网关的开通接口（生成密钥对）办理",
            "the application gives no SM2 public key: enter one, or provision through the gateway's route that "
            "generates a key pair",
            "public_key",
        )
    return {
        "app_id": app_id_for(str(current["system_id"])),
        "environment": TEST,
        "public_key": public_key,
        "key_id": key_id_of(str(public_key)),
        "ip_allowlist": step.get("ip_allowlist") or current["system_ips"],
        "quota_per_minute": step.get("quota_per_minute") or EXAMPLE_QUOTA_PER_MINUTE,
        "grants": {
            "interfaces": step.get("interfaces", current.get("interfaces", [])),
            "h5_pages": step.get("h5_pages", current.get("h5_pages", [])),
        },
        "sign_rule": dict(SIGN_RULE),
    }


def within_application(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """授予申请方对应接口/H5权限: what is granted at 配置 was applied for (a wider grant is 变更授权, with a reason)."""
    for field, zh in (("interfaces", "接口"), ("h5_pages", "H5 页面")):
        extra = sorted(set(step.get(field) or ()) - set(current.get(field) or ()))
        if extra:
            raise InvalidInput(
                "NOT_APPLIED_FOR",
                f"授权的{zh}超出申请范围：{'、'.join(map(str, extra))}",
                f"{field} not applied for: {', '.join(map(str, extra))}",
                field,
            )


def opened(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """The channel entry as 配置 set it up, in the test environment."""
    args = {
        "app_id": data["app_id"],
        "system_id": data["system_id"],
        "system_name": data["system_name"],
        "applicant_org": data["applicant_org"],
        "kind": variant or THIRD_PARTY.key,
        "admdvs": data["admdvs"],
        "public_key": data["public_key"],
        "ip_allowlist": data["ip_allowlist"],
        "quota_per_minute": data["quota_per_minute"],
        "grants": data["grants"],
    }
    return [Effect(CHANNEL, str(data["app_id"]), "open", args)]


def promoted(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """上线审批: the channel moves to production (with the production addresses and quota when given)."""
    args = {
        "ip_allowlist": data.get("production_ip_allowlist"),
        "quota_per_minute": data.get("production_quota_per_minute"),
    }
    return [Effect(CHANNEL, str(data["app_id"]), "promote", {k: v for k, v in args.items() if v is not None})]


def _plain(op: str) -> Any:
    def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
        return [Effect(CHANNEL, str(data["app_id"]), op, {})]

    effects.__doc__ = f"The channel's `{op}` operation."
    return effects


def grants_changed(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """变更授权: the grants as the action gives them."""
    grants = {"interfaces": data.get("new_interfaces", []), "h5_pages": data.get("new_h5_pages", [])}
    return [Effect(CHANNEL, str(data["app_id"]), "change_grants", {"grants": grants})]


def key_rotated(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """密钥轮换: the new public key, the current one verifying until the overlap ends."""
    args = {"public_key": data["new_public_key"], "overlap_until": data["overlap_until"]}
    return [Effect(CHANNEL, str(data["app_id"]), "rotate_key", args)]


def _management(
    name: str,
    name_zh: str,
    event: str,
    effects: Any,
    *,
    reason: bool,
    input: Any = None,
    example: Mapping[str, Any] | None = None,
) -> ExtraAction:
    return ExtraAction(
        name,
        name_zh,
        PROVINCE,
        frozenset({COMPLETED}),
        event,
        input=input,
        reason_required=reason,
        effects=effects,
        example=example or {},
    )


# A fictitious channel (遵义医保微信公众号, the seed's example of a 系统名称): example values only. The key below is an
# example key pair's public half, generated for these examples; its private half is in tests/unit/test_gateway_p092.py.
EXAMPLE_PUBLIC_KEY = (
    "51132bd4b0d52596d79e54fc95280bf94922a58b3b07626cf71de3fac93943ce"
    "ce4400e492740b0d3c217674660e9e2cf2ebf5a43fcd34e939c2815490665df1"
)
# A second example public key, the one a 密钥轮换 example rotates to (its private half was not kept: examples only).
EXAMPLE_NEXT_PUBLIC_KEY = (
    "499e02f24802c02b839fbea611e0ec833289597ec0cff17a6e12da1eda962ea7"
    "592c05c2c85f8c362270d381c4a013701acef889c341308858fe640af36d8952"
)
EXAMPLE_APPLICATION = {
    "applicant_org": "遵义市医疗保障局（示例）",
    "applied_on": "2026-12-01",
    "contact_name": "王示例",
    "contact_tel": "0851-28888888",
    "system_name": "遵义医保微信公众号",
    "system_id": "zyybwxgzh",
    "system_type": "小程序",
    "call_environment": "测试",
    "role": "申请方",
    "network_zone": "互联网区",
    "system_ips": ["10.52.3.10", "10.52.3.0/28"],
    "access_path": "https://zyyb.example.cn/wx",
    "usage_scenario": "参保群众在微信公众号查询参保险种和业务办理进度（示例）",
    "interfaces": [68, 114],
    "h5_pages": [114],
    "admdvs": "520300",
    "demand_category": "基础资及权限申请",
    "demand_description": "申请接入便民服务集成平台，开通参保险种查询和受理进度查询接口（示例）",
}

P092 = ProcessDefinition(
    id="P092",
    slug="convenience_service_channel_access",
    name_zh="医保信息平台便民服务接入流程",
    service="gateway",
    variants=(THIRD_PARTY, AGENCY),
    materials=(
        Material("《医保便民服务事项接入申请单》"),
        Material("《贵州省医保信息平台需求（问题）处理申请单》"),
    ),
    stages=(
        Stage(
            "apply",
            "申请部门规范填写《医保便民服务事项接入申请单》和《贵州省医保信息平台需求（问题）处理申请单》",
            ("applicant",),
            "Applied",
            input=ChannelApplication,
            unique=ONE_CHANNEL_PER_SYSTEM,
            example=EXAMPLE_APPLICATION,
        ),
        Stage(
            "municipal_review",
            "第三方单位申请报所辖市（州）医保部门或省局业务部门审核",
            BUREAUS,
            "MunicipalReviewApproved",
            review=True,
            input=MunicipalReview,
            example={"municipal_opinion": "同意接入（示例）", "seal_affixed": True},
        ),
        Stage(
            "submit_ticket",
            "经由“贵州省医疗保障信息平台-业务管理运维子系统-需求管理-功能优化新增-个人工单新增及查询”提交审批，"
            "所属业务系统选择“公共服务子系统”",
            BUREAUS,
            "TicketSubmitted",
            input=TicketSubmission,
            example={"ticket_no": "GD202612010001"},
        ),
        Stage(
            "provincial_approval",
            "省局审批",
            PROVINCE,
            "ProvincialApprovalGranted",
            review=True,
            reject_event="ProvincialApprovalRejected",
            input=ProvincialApproval,
            example={"provincial_opinion": "同意，先开通测试环境（示例）"},
        ),
        Stage(
            "provision_channel",
            "为申请方配置签名加密规则及公钥私钥，授予对应接口/H5权限、接口文档、测试环境",
            PROVINCE,
            "ChannelProvisioned",
            input=Provisioning,
            checks=(within_application,),
            derive=provisioned,
            example={"public_key": EXAMPLE_PUBLIC_KEY, "quota_per_minute": EXAMPLE_QUOTA_PER_MINUTE},
        ),
        Stage(
            "deliver_credentials",
            "将接口文档和账号信息通过工单系统反馈至对应市（州）医保局或省局业务部门",
            PROVINCE,
            "CredentialsDelivered",
            input=CredentialsDelivery,
            example={"delivered_to": "市（州）医保局"},
        ),
        Stage(
            "guide_development",
            "市（州）医保局或省局业务部门根据分配内容，调度指导申请方做好开发应用工作",
            BUREAUS,
            "DevelopmentGuided",
            input=DevelopmentGuidance,
            example={"guide_contact": "李指导（示例）"},
        ),
    ),
    extra_actions=(
        _management(
            "promote",
            "上线审批（正式环境）",
            "ProductionAccessApproved",
            promoted,
            reason=False,
            input=ProductionApproval,
            example={"production_opinion": "测试环境联调通过，同意上线正式环境（示例）"},
        ),
        _management("suspend", "暂停接入", "ChannelSuspended", _plain("suspend"), reason=True),
        _management("resume", "恢复接入", "ChannelResumed", _plain("resume"), reason=False),
        _management("revoke", "注销接入", "ChannelRevoked", _plain("revoke"), reason=True),
        _management(
            "change_grants",
            "变更授权",
            "ChannelGrantsChanged",
            grants_changed,
            reason=True,
            input=GrantChange,
            example={"new_interfaces": [68, 69, 114], "new_h5_pages": [114]},
        ),
        _management(
            "rotate_key",
            "密钥轮换",
            "ChannelKeyRotated",
            key_rotated,
            reason=False,
            input=KeyRotation,
            example={"new_public_key": EXAMPLE_NEXT_PUBLIC_KEY, "overlap_until": "2027-01-31T23:59:59+08:00"},
        ),
    ),
    cancel_roles=PROVINCE,
    effects=opened,
)
