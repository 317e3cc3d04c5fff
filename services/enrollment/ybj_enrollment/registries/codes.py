"""Code lists and key derivations shared by the enrollment registries (confirm codes against the national 代码表)."""

from __future__ import annotations

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
