"""P054 城乡医疗救助: 参保资助 (批量 or 单个) and 直接医疗救助 (医疗机构现场结算, or 个人申请 by 已明确/未明确身份救助对象).

- 缴费时批量资助: one case is one county's import of the departments' lists (名单 in the case, uploadable as a lists
  workbook); it de-duplicates them 「按照就高原则」 (rules/assistance.py), is reviewed and pushed to tax, takes tax's
  缴费成功/零申报 return, files the 资助明细 and hands the sum to settlement as paid into the fund (代缴).
- 缴费后单个资助: one case a person; they must be insured (390) and not yet subsidised that year (the 资助明细 registry).
- 医疗机构现场结算: one case is one designated hospital's 阶段 claim; its 对公账户 is paid the 救助金额 it advanced.
- 个人申请: one case a person and settlement (结算ID); they must be insured on the day of the settlement. 未明确身份
  adds 调查核实, the 公示 roster, the 公示结果 review (an objection is verified, or the registration revoked with a
  书面答复意见), and the county's review with its deterministic 按一定比例抽查 draw. The payment goes to their 一卡通.

Every approved sum is a `benefit_payment` hand-over (payments.py) made as the case completes; stepping back withdraws it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ybj_kernel.domain.process import ExtraAction, Material, ProcessDefinition, Variant
from ybj_kernel.domain.registry import Effect
from ybj_treatment.documents.assistance import DOCUMENTS, REVOKED
from ybj_treatment.processes import p054_onsite, p054_personal, p054_subsidy
from ybj_treatment.processes.p054_fields import V_BATCH, V_IDENTIFIED, V_ONSITE, V_SINGLE, V_UNIDENTIFIED
from ybj_treatment.processes.p054_personal import WrittenReply
from ybj_treatment.processes.p054_stages import STAGES


def effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """资助明细归档 and each variant's payment, a `benefit_payment` handed to settlement (P041 pays it)."""
    if variant in (V_BATCH, V_SINGLE):
        return p054_subsidy.subsidy_effects(data, variant)
    if variant == V_ONSITE:
        return p054_onsite.onsite_effects(data)
    return p054_personal.personal_effects(data, variant)


def _m(name_zh: str, condition_zh: str) -> Material:
    return Material(name_zh, required=False, condition_zh=condition_zh)


P054 = ProcessDefinition(
    id="P054",
    slug="urban_rural_medical_assistance",
    name_zh="城乡医疗救助",
    service="treatment",
    variants=(
        Variant(V_BATCH, "参保资助—缴费时批量资助"),
        Variant(V_SINGLE, "参保资助—缴费后单个资助"),
        Variant(V_ONSITE, "直接医疗救助—医疗机构现场结算"),
        Variant(V_IDENTIFIED, "直接医疗救助—个人申请救助结算（已明确身份救助对象）"),
        Variant(V_UNIDENTIFIED, "直接医疗救助—个人申请救助结算（未明确身份救助对象）"),
    ),
    # None applies to every variant, so none is required of all: each says when it is needed.
    materials=(
        _m("缴费参保人有效身份证件（参保资助）", "参保资助"),
        _m("缴费参保凭证（参保资助）", "参保资助"),
        _m("收款人“一卡通”银行账户信息", "参保资助、个人申请救助结算"),
        _m("代办人身份证原件和办理人员有效身份证件复印件（委托代办）", "委托代办"),
        _m("《XX城乡医疗救助申请表》（已明确身份救助对象）", "已明确身份救助对象"),
        _m("《XX城乡医疗救助申请审核审批表》（未明确身份救助对象）", "未明确身份救助对象"),
        _m("申请人有效身份证件（有效身份证件包括身份证、居住证、户口簿、护照等）", "个人申请救助结算"),
        _m("家庭近一年的收入及现有财产说明材料（未明确身份救助对象）", "未明确身份救助对象"),
        _m("个人未获得参保资助的承诺书（缴费后单个资助）", "缴费后单个资助"),
    ),
    stages=STAGES,
    extra_actions=(
        # 「举报信息核实不符合救助，撤销救助登记，生成书面答复意见并答复申请人」 (公示结果审核), and 「对抽查不属实，或审批
        # 不符合救助的……撤销救助登记，生成书面答复意见并答复申请人」 (after the county's review): before any payment.
        ExtraAction(
            "revoke",
            "撤销救助登记（书面答复申请人）",
            ("first_reviewer",),
            frozenset({"announcement_result_review", "county_review", "register_after_approval"}),
            "AssistanceRegistrationRevoked",
            to_stage=REVOKED,
            input=WrittenReply,
            reason_required=True,
        ),
    ),
    extra_terminal_stages=frozenset({REVOKED}),
    effects=effects,
    documents=DOCUMENTS,
)
