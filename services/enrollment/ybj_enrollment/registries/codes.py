"""Code lists and key derivations shared by the enrollment registries (confirm codes against the national 代码表)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ybj_kernel.errors import Conflict
from ybj_kernel.sm3 import sm3_hex

# 险种 (DOMAIN.md §0.1): 310 职工基本医疗保险, 390 城乡居民基本医疗保险, 510 生育保险, 320 公务员医疗补助,
# 330 大额医疗费用补助 (the last two to be verified against the national list).
Insutype = Literal["310", "320", "330", "390", "510"]
INSUTYPE_ZH = {
    "310": "职工基本医疗保险",
    "320": "公务员医疗补助",
    "330": "大额医疗费用补助",
    "390": "城乡居民基本医疗保险",
    "510": "生育保险",
}
# 基本医疗保险: a person holds at most one of these in effect at a time (职工 or 城乡居民).
BASIC_INSUTYPES = frozenset({"310", "390"})

# 参保关系 status.
ACTIVE, SUSPENDED, STOPPED, TERMINATED, RETIRED = "active", "suspended", "stopped", "terminated", "retired"
RELATION_STATUS_ZH = {
    ACTIVE: "参保缴费",
    SUSPENDED: "暂停缴费",
    STOPPED: "停保",
    TERMINATED: "终止参保",
    RETIRED: "退休",
}
IN_EFFECT = frozenset({ACTIVE, SUSPENDED, STOPPED, RETIRED})  # not yet terminated

# 单位 status.
NORMAL, PAUSED, DEREGISTERED, MERGED = "normal", "paused", "deregistered", "merged"
EMPLOYER_STATUS_ZH = {NORMAL: "正常", PAUSED: "暂停", DEREGISTERED: "注销", MERGED: "已合并"}


def psn_no_for(certno: str) -> str:
    """人员编号 given at a person's first enrollment: 16 digits derived from the 证件号码, fixed thereafter.

    (个人参保编号不能变更: a later certno correction keeps it; the certno index moves instead.)
    """
    return "52" + f"{int(sm3_hex(certno.upper().encode())[:16], 16) % 10**14:014d}"


def emp_no_for(uscc: str, admdvs: str) -> str:
    """单位编号 given at registration: the 医保区划 and 8 digits derived from the 统一社会信用代码, fixed thereafter."""
    return admdvs + f"{int(sm3_hex(uscc.upper().encode())[:12], 16) % 10**8:08d}"


def refuse(code: str, zh: str, en: str, field: str) -> Conflict:
    """A registry invariant that the requested change would break (409)."""
    return Conflict(code, zh, en, field)


# 征收方式 (codes to be confirmed against the national 代码表): P004 「根据单位信息默认为经办机构自收」.
ClctWay = Literal["1", "2"]
CLCT_WAY_ZH = {"1": "经办机构自收", "2": "税务征收"}
VirtualUnitKind = Literal["flexible_worker", "unemployed"]
FLEXIBLE_WORKER_UNIT: VirtualUnitKind = "flexible_worker"  # 灵活就业人员虚拟单位 (P003)
UNEMPLOYED_UNIT: VirtualUnitKind = "unemployed"  # 失业金代缴医疗虚拟单位 (P004)


@dataclass(frozen=True)
class VirtualUnit:
    """虚拟单位: the unit a flexible worker (P003) or an unemployed person (P004) is enrolled under, with its defaults.

    参保信息 defaults (人员类型, 医疗保险类别, 征缴规则, 基数核定规则) are the unit's: P003 lets a 统筹区 change them
    per person, P004 fixes them (「按照失业金代缴医疗虚拟单位默认不可修改」), together with the 申报工资.
    """

    emp_no: str
    emp_name: str
    kind: VirtualUnitKind
    admdvs: str
    insutypes: tuple[Insutype, ...]  # 参保险种 the 统筹区 offers under this unit (「视各统筹区政策」)
    psn_type: str  # 人员类型
    hi_type: str  # 医疗保险类别
    clct_rule: str  # 征缴规则
    base_rule: str  # 基数核定规则
    clct_way: ClctWay  # 征收方式
    decl_wage: int | None = None  # 申报工资 (fen), fixed for every person of the unit; None: entered per person


# The virtual units must exist before their persons are enrolled, yet no guide creates them and the seeds give no
# number, name or default for any of them (DOMAIN.md E01, F02, open question 10). These two are EXAMPLES of that
# set-up data, invented for illustration; each 统筹区 replaces them with its own units.
VIRTUAL_UNITS: dict[str, VirtualUnit] = {
    u.emp_no: u
    for u in (
        VirtualUnit(
            emp_no="52010099000001",
            emp_name="贵阳市灵活就业人员虚拟单位（示例）",
            kind=FLEXIBLE_WORKER_UNIT,
            admdvs="520100",
            insutypes=("310", "330"),
            psn_type="11",
            hi_type="1",
            clct_rule="1",
            base_rule="1",
            clct_way="2",
        ),
        VirtualUnit(
            emp_no="52010099000002",
            emp_name="贵阳市失业金代缴医疗虚拟单位（示例）",
            kind=UNEMPLOYED_UNIT,
            admdvs="520100",
            insutypes=("310",),
            psn_type="11",
            hi_type="1",
            clct_rule="2",
            base_rule="2",
            clct_way="1",
            decl_wage=300000,
        ),
    )
}


def virtual_unit(emp_no: str, kind: VirtualUnitKind) -> VirtualUnit | None:
    """The virtual unit of this kind under this number, if one is set up."""
    unit = VIRTUAL_UNITS.get(emp_no)
    return unit if unit is not None and unit.kind == kind else None
