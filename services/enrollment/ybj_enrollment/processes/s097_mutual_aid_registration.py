"""S097 账户共济登记 (service item 97): an employee (授权人) shares their 职工医保个人账户 with a close relative (使用人),
or ends that sharing. The seed gives the item no guide; this is the smallest honest process behind it.

- 共济绑定 (`bind`): 受理 (the citizen through a channel's 网上申请, or a clerk at the window) → 审核 by the bureau's
  staff, who confirm the kinship (by shared 公安/民政 data, or the 亲属关系证明 handed in at the window) → the binding in
  force from the day it is approved. The relation codes (配偶/父母/子女 …) are policy data (policy/mutual_aid.py).
- 解除共济绑定 (`unbind`): registered and in force at once, with no review. Unbinding only withdraws the 授权人's own
  consent to others spending their account; holding it for a review would let a relative go on spending money the
  holder no longer agrees to share, and there is nothing for staff to verify that the request does not already say.

At acceptance the platform looks both persons up (Stage.lookups): the 授权人 must be on the register under the name and
证件 given and insured as an employee (working or retired); the 使用人 likewise, insured here as an employee or a
resident; a binding of the same two already in effect is refused at once. Completion records the binding (or its end)
on both persons' `mutual_aid` entries; stepping the case back reverts both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_enrollment.policy.mutual_aid import POLICY
from ybj_enrollment.processes.fields import today_or_earlier
from ybj_enrollment.processes.mutual_aid_fields import (
    HOLDER,
    HOLDER_AID,
    HOLDER_PSN_NO,
    USER,
    USER_PSN_NO,
    UserNamed,
    bound,
    holder_is_employee,
    holder_named,
    not_bound,
    user_is_insured,
    user_named,
)
from ybj_enrollment.registries.mutual_aid import MUTUAL_AID
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import bilingual

BIND, UNBIND = "bind", "unbind"


class BindingApplication(UserNamed):
    """共济绑定申请: the 授权人, the 使用人 with their name, and what the 使用人 is to the 授权人."""

    user_name: str = Field(min_length=1, max_length=50, description="使用人姓名")
    rlts: str = Field(min_length=1, max_length=2, description="使用人与授权人关系代码（如 1 配偶, 2 父母, 3 子女）")

    @field_validator("rlts")
    @classmethod
    def _listed(cls, value: str) -> str:
        if POLICY.relation_name(value) is None:
            listed = "、".join(f"{c} {n}" for c, n in POLICY.relations.items())
            raise bilingual(
                f"关系代码不在共济范围内，可选：{listed}", f"rlts must be one of {', '.join(POLICY.relations)}"
            )
        return value


class BindingReview(BaseModel):
    """审核: the opinion, and the day the binding begins (the day it is approved, unless staff give an earlier one)."""

    aprv_opnn: str | None = Field(default=None, max_length=200, description="审核意见")
    begndate: date | None = Field(default=None, validate_default=True, description="共济关系生效日期（缺省为今天）")

    @field_validator("begndate", mode="after")
    @classmethod
    def _begndate(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "共济关系生效日期")


class UnbindingApplication(UserNamed):
    """解除共济绑定: the 授权人, the 使用人 (by 证件), and from when (today when left out)."""

    enddate: date | None = Field(default=None, validate_default=True, description="共济关系终止日期（缺省为今天）")
    unbind_rea: str | None = Field(default=None, max_length=200, description="解绑原因")

    @field_validator("enddate", mode="after")
    @classmethod
    def _enddate(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "共济关系终止日期")


def relation_name(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """关系名称 from the policy's code list, kept with the case (a later change of the list does not rewrite it)."""
    return {"rlts_name": POLICY.relation_name(str(step["rlts"]))}


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """绑定: the binding on both persons' entries; 解绑: its end on both."""
    holder, user = str(data["holder_psn_no"]), str(data["user_psn_no"])
    if variant == UNBIND:
        ended = {"holder_psn_no": holder, "user_psn_no": user, "enddate": data["enddate"]}
        return [
            Effect(MUTUAL_AID, holder, "unbind_user", ended),
            Effect(MUTUAL_AID, user, "unbind_authorizer", ended),
        ]
    binding = {
        "holder_psn_no": holder,
        "holder_certno": data["certno"],
        "holder_name": data["psn_name"],
        "user_psn_no": user,
        "user_certno": data["user_certno"],
        "user_name": data["user_name"],
        "rlts": data["rlts"],
        "rlts_name": data["rlts_name"],
        "begndate": data["begndate"],
    }
    return [Effect(MUTUAL_AID, holder, "bind_user", binding), Effect(MUTUAL_AID, user, "bind_authorizer", binding)]


HOLDER_EXAMPLE = {"certno": "520102199003070022", "psn_name": "陈静"}  # P002's example employee
USER_EXAMPLE = {"user_certno": "52011519850312002X", "user_name": "王芳"}  # P019's example resident

S097 = ProcessDefinition(
    id="S097",
    slug="mutual_aid_registration",
    name_zh="账户共济登记",
    service="enrollment",
    variants=(Variant(BIND, "共济绑定"), Variant(UNBIND, "解除共济绑定")),
    materials=(
        Material("授权人、使用人有效身份证件"),
        Material(
            "亲属关系证明（结婚证、户口簿或出生医学证明等）",
            required=False,
            condition_zh="窗口办理，或部门共享数据无法核验亲属关系时",
        ),
    ),
    stages=(
        Stage(
            "accept_binding",
            "受理共济绑定申请（授权人网上申请或窗口办理）",
            ("channel", "registrar"),
            "MutualAidBindingAccepted",
            input=BindingApplication,
            lookups=(HOLDER_PSN_NO, HOLDER, USER_PSN_NO, USER, HOLDER_AID),
            checks=(holder_named, holder_is_employee, user_named, user_is_insured, not_bound),
            derive=relation_name,
            variants=frozenset({BIND}),
            example={**HOLDER_EXAMPLE, **USER_EXAMPLE, "rlts": "1"},
        ),
        Stage(
            "review",
            "审核（核验亲属关系）",
            ("first_reviewer",),
            "MutualAidBindingApproved",
            review=True,
            input=BindingReview,
            variants=frozenset({BIND}),
            example={"aprv_opnn": "亲属关系核验一致"},
        ),
        Stage(
            "register_unbinding",
            "解除共济绑定（授权人网上申请或窗口办理，即时生效）",
            ("channel", "registrar"),
            "MutualAidUnbound",
            input=UnbindingApplication,
            lookups=(HOLDER_PSN_NO, HOLDER, USER_PSN_NO, HOLDER_AID),
            checks=(holder_named, bound),
            variants=frozenset({UNBIND}),
            example={**HOLDER_EXAMPLE, "user_certno": USER_EXAMPLE["user_certno"]},
        ),
    ),
    effects=effects,
)
