"""P081 连锁定点医药机构关系管理: 申请 → 新增一级医药集团 / 二级医药机构绑定 / 解绑 → 初审 → 复审.

「医保经办机构根据定点医药机构申请对其连锁机构关系进行绑定或者解绑，便于定点医药机构医疗费用合单拨付」. The
institution hands in the 《医药（连锁）集团定点机构关系变更申报表》 naming the 一级医药集团 (连锁医药机构编码和名称);
the registrar creates the group (新增一级医药集团, with 相关机构信息), or binds or unbinds a 二级机构 (「核对信息后」:
the stage looks up the group and the member and checks them), and two reviewers pass it (「根据经办时间查询需初审的变更
信息，核对无误后点击初审通过」, then 复审). Completion changes the `chain_group` registry and the member's
`chain_group` field; a member bound to one group cannot be bound to another before it is unbound.

「以上经办模块数据均可查询和导出」: the change is printed as `chain-relation-change`. The 连锁医药机构编码's format is
not in the seed (an example code is used).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Lookup, Material, ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, Uscc
from ybj_kernel.errors import Conflict, NotFound
from ybj_treatment.documents.institutions import CHAIN_RELATION_CHANGE
from ybj_treatment.processes.p065_new_designated_medical_institution import APPLICANTS
from ybj_treatment.registries.institutions import (
    CHAIN_GROUP,
    CHAIN_GROUP_REGISTRY,
    CHAIN_GROUPS,
    EXAMPLE_PHARMACY,
    EXAMPLE_PHARMACY_NAME,
    INSTITUTION_REGISTRY,
    INSTITUTIONS,
    ChainCode,
    FixmedinsCode,
    fixmedins_code_of,
    institution_of,
    simulate,
)

CREATE, BIND, UNBIND = "create_group", "bind", "unbind"
CHG_KIND_ZH = {CREATE: "医药集团机构新增", BIND: "二级医药机构绑定", UNBIND: "二级医药机构解绑"}
MEMBER = Lookup("member", INSTITUTION_REGISTRY, key=fixmedins_code_of)
EXAMPLE_CHAIN = {"chain_code": "LS52010200001", "chain_name": "贵阳大药房医药连锁有限公司"}  # example code and name


class ChainApplication(BaseModel):
    """《医药（连锁）集团定点机构关系变更申报表》: the group concerned, and who applies."""

    chain_code: ChainCode = Field(description="连锁医药机构编码（一级医药集团）")
    chain_name: str = Field(min_length=1, max_length=200, description="连锁医药机构名称")
    admdvs: Admdvs = Field(description="医保区划")
    aply_name: str = Field(min_length=1, max_length=50, description="申请人姓名")
    tel: str = Field(pattern=r"^[\d\-+]{5,20}$", description="联系电话")
    chg_desc: str | None = Field(default=None, max_length=500, description="变更事项说明")


class Handled(BaseModel):
    """经办时间: the day the registrar handles the change (the reviewers find it by it)."""

    opt_date: date | None = Field(default=None, description="经办时间（系统记录）")

    @model_validator(mode="after")
    def _today(self, info: ValidationInfo) -> Handled:
        self.opt_date = today_of(info)
        return self


class GroupCreation(Handled):
    """新增一级医药集团: 相关机构信息."""

    uscc: Uscc | None = Field(default=None, description="统一社会信用代码")
    legrep_name: str | None = Field(default=None, max_length=50, description="法定代表人")
    addr: str | None = Field(default=None, max_length=200, description="地址")


class MemberChange(Handled):
    """二级医药机构绑定 / 解绑: 二级机构编码（名称）."""

    fixmedins_code: FixmedinsCode = Field(description="二级机构编码")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="二级机构名称")


def _new_group(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The group to create must not exist yet; the derived facts name the change."""
    if step.get("chain_group"):
        raise Conflict(
            "CHAIN_GROUP_EXISTS",
            f"一级医药集团 {current['chain_code']} 已存在",
            f"chain group {current['chain_code']} already exists",
            "chain_code",
        )
    return {"chg_kind": CHG_KIND_ZH[CREATE]}


def _group_and_member(kind: str) -> Any:
    def check(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
        group = step.get("chain_group")
        if not group:
            raise NotFound(
                "CHAIN_GROUP_NOT_FOUND",
                f"没有编码为 {current['chain_code']} 的一级医药集团（须先办理医药集团机构新增）",
                f"no chain group {current['chain_code']} (create it first)",
                "chain_code",
            )
        if group["chain_name"] != current["chain_name"]:
            raise Conflict(
                "CHAIN_NAME_MISMATCH",
                f"申报表的连锁医药机构名称（{current['chain_name']}）与登记的（{group['chain_name']}）不一致",
                f"the form's chain_name is not the registered one ({group['chain_name']})",
                "chain_name",
            )
        member = institution_of(step, fact="member")
        if member["fixmedins_name"] != step["fixmedins_name"]:
            raise Conflict(
                "NAME_MISMATCH",
                f"二级机构名称（{step['fixmedins_name']}）与登记的（{member['fixmedins_name']}）不一致",
                f"the member's name is not the registered one ({member['fixmedins_name']})",
                "fixmedins_name",
            )
        args = {
            "fixmedins_code": step["fixmedins_code"],
            "fixmedins_name": step["fixmedins_name"],
            "on": step["opt_date"],
        }
        simulate(CHAIN_GROUPS, group, kind, args, {})
        simulate(
            INSTITUTIONS,
            member,
            "join_chain" if kind == BIND else "leave_chain",
            {"chain_group": group["chain_code"]},
            {},
        )

    return check


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """The group created, or the member bound to / unbound from it on both sides."""
    chain = str(data["chain_code"])
    if variant == CREATE:
        info = {k: data.get(k) for k in ("chain_code", "chain_name", "admdvs", "uscc", "legrep_name", "addr")}
        return [Effect(CHAIN_GROUP_REGISTRY, chain, "create", {**info, "crte_date": data["opt_date"]})]
    code = str(data["fixmedins_code"])
    member = {"fixmedins_code": code, "fixmedins_name": data["fixmedins_name"], "on": data["opt_date"]}
    return [
        Effect(CHAIN_GROUP_REGISTRY, chain, "bind" if variant == BIND else "unbind", member),
        Effect(INSTITUTION_REGISTRY, code, "join_chain" if variant == BIND else "leave_chain", {"chain_group": chain}),
    ]


def _member_stage(key: str, name_zh: str, event: str, kind: str) -> Stage:
    return Stage(
        key,
        name_zh,
        ("registrar",),
        event,
        input=MemberChange,
        variants=frozenset({kind}),
        lookups=(CHAIN_GROUP, MEMBER),
        checks=(_group_and_member(kind),),
        derive=lambda _c, _s: {"chg_kind": CHG_KIND_ZH[kind]},
        example={"fixmedins_code": EXAMPLE_PHARMACY, "fixmedins_name": EXAMPLE_PHARMACY_NAME},
    )


P081 = ProcessDefinition(
    id="P081",
    slug="chain_institution_relationship_management",
    name_zh="连锁定点医药机构关系管理",
    service="treatment",
    variants=(
        Variant(CREATE, "医药集团机构新增"),
        Variant(BIND, "二级医药机构绑定"),
        Variant(UNBIND, "二级医药机构解绑"),
    ),
    materials=(Material("《医药（连锁）集团定点机构关系变更申报表》"),),
    stages=(
        Stage(
            "apply",
            "定点医药机构向医保经办机构提交集团（连锁）关系变更申请",
            APPLICANTS,
            "Applied",
            input=ChainApplication,
            example={**EXAMPLE_CHAIN, "admdvs": "520102", "aply_name": "赵敏", "tel": "0851-85552002"},
        ),
        Stage(
            "create_group",
            "新增一级医药集团（录入连锁医药机构编码和名称及相关机构信息，保存）",
            ("registrar",),
            "GroupCreated",
            input=GroupCreation,
            variants=frozenset({CREATE}),
            lookups=(CHAIN_GROUP,),
            derive=_new_group,
            example={"uscc": "91520102MA6GYC3L0M", "legrep_name": "陈芳", "addr": "贵阳市云岩区延安中路20号"},
        ),
        _member_stage("bind", "二级医药机构绑定（将二级机构绑定到一级机构下）", "MemberBound", BIND),
        _member_stage("unbind", "二级医药机构解绑（将二级机构从一级机构中解除绑定）", "MemberUnbound", UNBIND),
        Stage("first_review", "医疗集团关系变更初审", ("first_reviewer",), "FirstReviewApproved", review=True),
        Stage("second_review", "医疗集团关系变更复审", ("second_reviewer",), "SecondReviewApproved", review=True),
    ),
    effects=effects,
    documents=(CHAIN_RELATION_CHANGE,),
)
