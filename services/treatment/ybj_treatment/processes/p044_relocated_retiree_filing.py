"""P044 异地安置退休人员异地就医备案: 登记 → 审核, with 备案变更 (amend) and 取消备案 (revoke)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.identity import certno_problem
from ybj_kernel.domain.process import COMPLETED, ExtraAction, ProcessDefinition, Stage
from ybj_kernel.domain.validation import Admdvs, bilingual

REVOKED = "revoked"  # 已取消备案
RELOCATED_RETIREE: Literal["异地安置"] = "异地安置"


class RemoteCareFiling(BaseModel):
    """异地安置登记: the insured retiree, where they settled, and from when the filing applies."""

    mdtrt_cert_type: Literal["01", "02", "03"] = Field(
        default="02", description="就医凭证类型 (01 医保电子凭证, 02 身份证, 03 社保卡)"
    )
    psn_cert_type: Literal["01", "02", "03", "04", "05", "06", "07", "08"] = Field(default="01", description="证件类型")
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    ec_token: str | None = Field(default=None, max_length=200, description="医保电子凭证令牌 ecToken")
    remote_care_type: Literal["异地安置"] = Field(default=RELOCATED_RETIREE, description="异地就医类别")
    admdvs: Admdvs = Field(description="参保地医保区划")
    resettle_admdvs: Admdvs = Field(description="安置地医保区划")
    begndate: date = Field(description="登记生效开始日期")
    tel: str | None = Field(default=None, pattern=r"^[\d\-+]{5,20}$", description="联系电话")
    resettle_addr: str | None = Field(default=None, max_length=200, description="安置地地址")

    @field_validator("certno")
    @classmethod
    def _certno(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("psn_cert_type", "01") == "01" and (
            problem := certno_problem(value.upper(), today=today_of(info))
        ):
            raise bilingual(f"证件号码无效：{problem[0]}", f"invalid 居民身份证号: {problem[1]}")
        return value.upper()

    @field_validator("resettle_admdvs")
    @classmethod
    def _elsewhere(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("admdvs"):
            raise bilingual("安置地医保区划不能与参保地相同", "resettle_admdvs must differ from the insured admdvs")
        return value


class FilingChange(BaseModel):
    """备案变更: the parts of a filing that may change while it is in effect."""

    resettle_admdvs: Admdvs | None = Field(default=None, description="安置地医保区划")
    begndate: date | None = Field(default=None, description="登记生效开始日期")
    tel: str | None = Field(default=None, pattern=r"^[\d\-+]{5,20}$", description="联系电话")
    resettle_addr: str | None = Field(default=None, max_length=200, description="安置地地址")

    @model_validator(mode="after")
    def _something_changes(self) -> FilingChange:
        if not self.model_dump(exclude_none=True):
            raise bilingual("备案变更至少需要修改一项信息", "an amendment must change at least one field")
        return self


P044 = ProcessDefinition(
    id="P044",
    slug="retiree_resettlement_remote_care_filing",
    name_zh="异地安置退休人员异地就医备案",
    service="treatment",
    stages=(
        Stage(
            "register",
            "信息录入（异地安置登记）",
            ("registrar",),
            "Registered",
            input=RemoteCareFiling,
            example={
                "certno": "520102195601010021",
                "psn_name": "赵秀兰",
                "admdvs": "520102",
                "resettle_admdvs": "440300",
                "begndate": "2026-12-01",
            },
        ),
        Stage("review", "信息审核（异地安置登记审核）", ("first_reviewer",), "ReviewApproved", review=True),
    ),
    extra_actions=(
        ExtraAction(
            "amend", "备案变更", ("registrar",), frozenset({"review", COMPLETED}), "FilingAmended", input=FilingChange
        ),
        ExtraAction(
            "revoke",
            "取消备案",
            ("registrar",),
            frozenset({COMPLETED}),
            "FilingRevoked",
            to_stage=REVOKED,
            reason_required=True,
        ),
    ),
    extra_terminal_stages=frozenset({REVOKED}),
)
