"""The roles a process may name: the catalogue's actor vocabulary (../shared/catalogue/README.md, "Actors")."""

from __future__ import annotations

# Bureau staff: a step done by one of them is a step in their name for separation of duties (不相容岗位分离).
STAFF_ROLES = frozenset(
    {
        "registrar",  # 经办/窗口/登记
        "first_reviewer",  # 初审, or a single-level 审核
        "second_reviewer",  # 复审/复核
        "approver",  # 领导审批/签字, 局长办公会
        "finance",  # 基金财务/出纳
        "finance_reviewer_1",  # 一级复核
        "finance_reviewer_2",  # 二级复核
        "finance_reviewer_3",  # 三级复核
        "auditor",  # 费用审核/稽核/检查 (acts in cases; not the read-only `oversight`)
        "panel",  # 合议
    }
)
# Whoever is not bureau staff: the platform itself, the parties a case is about, and outside bodies. Their
# steps never bar a member of staff from reviewing the case.
OUTSIDE_ROLES = frozenset(
    {
        "system",
        "institution",  # 定点医药机构
        "applicant",
        "employer",
        "bank",
        "tax_bureau",
        "hr_bureau",
        "finance_bureau",
        "county_bureau",
        "municipal_bureau",
        "provincial_bureau",
        "transfer_in_agency",
        "transfer_out_agency",
        "remote_settlement_center",
        "vendor",  # 银海公司
        "commercial_insurer",
        "channel",  # 便民服务渠道: a third-party channel acting for a citizen through the gateway (its 医保区划)
    }
)
# Every role a process definition may name.
PROCESS_ROLES = STAFF_ROLES | OUTSIDE_ROLES
# 审计/纪检/基金监管: reads everything in its 医保区划 and acts on nothing, so no definition may name it.
OVERSIGHT = "oversight"


def counts_for_duties(role: str) -> bool:
    """Tell whether a step done in this role bars its doer from reviewing the case."""
    return role in STAFF_ROLES
