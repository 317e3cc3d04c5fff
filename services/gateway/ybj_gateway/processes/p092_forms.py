"""P092's forms: the 申请单 of the seed (《医保便民服务事项接入申请单》 with 《贵州省医保信息平台需求（问题）处理申请单》),
the opinions of the two reviews, the ticket, the provisioning, and the inputs of the channel-management actions."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_gateway.registries.channels import (
    SYSTEM_ID_PATTERN,
    IpAllowlist,
    ItemNumbers,
    PublicKey,
    Quota,
)
from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.validation import Admdvs, bilingual

TEL_PATTERN = r"^[\d\-+]{5,20}$"
DemandCategory = Literal["政策调整", "功能优化新增", "数据提取", "业务问题", "基础资及权限申请"]


class ChannelApplication(BaseModel):
    """申请: the two forms as the applying unit fills them (申请单位须加盖公章: the paper forms are the materials)."""

    applicant_org: str = Field(min_length=1, max_length=200, description="申请单位（加盖公章）")
    applied_on: date = Field(description="申请时间")
    contact_name: str = Field(min_length=1, max_length=50, description="联系人")
    contact_tel: str = Field(pattern=TEL_PATTERN, description="联系电话")
    system_name: str = Field(
        min_length=1, max_length=100, description="系统名称：接入便民服务平台的申请方系统名称（例如遵义医保微信公众号）"
    )
    system_id: str = Field(pattern=SYSTEM_ID_PATTERN, description="系统标识：调用方系统名称的首拼（例如 zyybwxgzh）")
    system_type: Literal["网站", "APP", "小程序", "一体机"] = Field(description="系统类型")
    call_environment: Literal["正式", "测试"] = Field(
        description="调用环境（申请的环境；开通时一律先开通测试环境，正式环境须经上线审批）"
    )
    role: Literal["申请方", "服务提供方"] = Field(description="角色")
    network_zone: Literal["医保核心区", "医保公服区", "互联网区"] = Field(description="系统所在网络区域")
    system_ips: IpAllowlist = Field(description="系统 IP 地址：申请方系统的 IP 地址或网段")
    access_path: str = Field(min_length=1, max_length=500, description="访问路径：申请方的系统路径")
    usage_scenario: str = Field(min_length=1, max_length=2000, description="业务使用场景")
    interfaces: ItemNumbers = Field(default_factory=list, description="接口名称：申请的接口（便民服务事项序号 1-114）")
    h5_pages: ItemNumbers = Field(
        default_factory=list, description="页面名称：申请的 H5 页面（便民服务事项序号 1-114）"
    )
    admdvs: Admdvs = Field(description="所辖市（州）医保区划：审核本申请的市（州）医保局（省局业务部门为 520000）")
    fixmedins_code: str | None = Field(
        default=None, pattern=r"^[HP]\d{11}$", description="定点医药机构编号（医保经办机构为定点医药机构时填写）"
    )
    public_key: PublicKey | None = Field(
        default=None,
        description="渠道 SM2 公钥（128 位十六进制 x‖y）；不填则由省局开通时生成密钥对，私钥只在开通应答中出示一次",
    )
    demand_category: DemandCategory = Field(default="基础资及权限申请", description="需求类别")
    demand_description: str = Field(min_length=1, max_length=2000, description="需求（问题）描述")
    supporting_materials: str | None = Field(default=None, max_length=2000, description="辅助证明材料清单（如有）")

    @field_validator("applied_on")
    @classmethod
    def _not_future(cls, value: date, info: ValidationInfo) -> date:
        if value > today_of(info):
            raise bilingual("申请时间不能晚于今天", "applied_on cannot be after today")
        return value

    @model_validator(mode="after")
    def _asks_for_something(self) -> ChannelApplication:
        if not self.interfaces and not self.h5_pages:
            raise bilingual("请至少申请一个接口或 H5 页面", "apply for at least one interface or H5 page")
        return self


class MunicipalReview(BaseModel):
    """市州审核 (or the 省局业务部门's): the opinion, given under the bureau's seal."""

    municipal_opinion: str = Field(min_length=1, max_length=2000, description="市州审核意见")
    seal_affixed: Literal[True] = Field(description="市州审核意见已加盖市（州）医疗保障局公章")


class TicketSubmission(BaseModel):
    """提交工单: the ticket raised in 业务管理运维子系统-需求管理, filed under 公共服务子系统."""

    ticket_no: str = Field(min_length=1, max_length=60, description="工单编号")
    business_subsystem: Literal["公共服务子系统"] = Field(
        default="公共服务子系统", description="所属业务子系统（工单提交时选择“公共服务子系统”）"
    )


class ProvincialApproval(BaseModel):
    """省局审批: the 省局业务部门's opinion."""

    provincial_opinion: str = Field(min_length=1, max_length=2000, description="审核意见（省局业务部门）")


class Provisioning(BaseModel):
    """配置: the channel's key, addresses, quota and grants; left out, they are those of the application."""

    public_key: PublicKey | None = Field(
        default=None, description="渠道 SM2 公钥（申请单未提交时必填；网关的开通接口可生成密钥对）"
    )
    ip_allowlist: IpAllowlist | None = Field(default=None, description="IP 白名单（默认：申请单的系统 IP 地址）")
    quota_per_minute: Quota | None = Field(default=None, description="每分钟请求上限（默认：示例值 600）")
    interfaces: ItemNumbers | None = Field(
        default=None, description="授权接口（默认：申请的全部接口；不得超出申请范围）"
    )
    h5_pages: ItemNumbers | None = Field(
        default=None, description="授权 H5 页面（默认：申请的全部页面；不得超出申请范围）"
    )


class CredentialsDelivery(BaseModel):
    """反馈: the interface documents and account information sent back through the ticket system."""

    delivered_to: Literal["市（州）医保局", "省局业务部门"] = Field(description="反馈至")
    feedback_note: str | None = Field(default=None, max_length=2000, description="反馈说明（接口文档版本等）")


class DevelopmentGuidance(BaseModel):
    """调度指导: who guides the applicant's development, and the plan."""

    guide_contact: str = Field(min_length=1, max_length=50, description="指导联系人")
    guidance_plan: str | None = Field(default=None, max_length=2000, description="开发应用指导安排")


class ProductionApproval(BaseModel):
    """上线审批 (the second approval): the opinion, and the production system's addresses and quota when they differ."""

    production_opinion: str = Field(min_length=1, max_length=2000, description="正式环境上线审批意见")
    production_ip_allowlist: IpAllowlist | None = Field(default=None, description="正式环境 IP 白名单（默认不变）")
    production_quota_per_minute: Quota | None = Field(default=None, description="正式环境每分钟请求上限（默认不变）")


class GrantChange(BaseModel):
    """变更授权: the grants as they are to stand."""

    new_interfaces: ItemNumbers = Field(default_factory=list, description="授权接口（便民服务事项序号）")
    new_h5_pages: ItemNumbers = Field(default_factory=list, description="授权 H5 页面（便民服务事项序号）")


class KeyRotation(BaseModel):
    """密钥轮换: the channel's new SM2 public key; the current one still verifies until `overlap_until`."""

    new_public_key: PublicKey = Field(description="新 SM2 公钥")
    overlap_until: AwareDatetime = Field(description="新旧密钥并行截止时间（此后原公钥不再验签），含时区")

    @field_validator("overlap_until")
    @classmethod
    def _not_past(cls, value: AwareDatetime, info: ValidationInfo) -> AwareDatetime:
        if value.date() < today_of(info):
            raise bilingual("并行截止时间不能早于今天", "overlap_until cannot be before today")
        return value
