"""Violations supervision confirmed, deducted here: each opens a P078 智能审核扣款 case (a process manager).

Supervision closes a P072 case whose panel (合议) found a violation by putting a `violation` entry in force, published as
`cn.ybj.supervision.violation.ViolationConfirmed.v1` (the institution, 医保区划, month, 违规金额, kind, multiple, fund
and period in `data.args`). The reaction opens one P078 case of the 智能审核扣款 variant for it, registered by the
system: 「接收智能审核系统推送的违规扣款数据信息」. The case names the violation (`supervision_case_no`, the violation's
key, which the deduction's `source` carries back) and the P072 case (`supervision_case_id`); staff then generate,
review and approve it as any other. The same violation delivered twice opens its case once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ybj_kernel.domain.reactions import Look, Opening, Reaction
from ybj_kernel.domain.registry import Effect

CONFIRMED = "cn.ybj.supervision.violation.ViolationConfirmed."
INTELLIGENT = "intelligent_review"
PASSED_ON = ("fixmedins_code", "admdvs", "setl_ym", "vola_amt", "multiple", "kind", "fund_type", "mdtrt_id")


def on_violation(envelope: Mapping[str, Any], _look: Look) -> list[Effect | Opening]:
    """A confirmed violation: open its deduction case."""
    args = (envelope.get("data") or {}).get("args") or {}
    key = str(envelope["subject"])
    data = {
        **{k: args[k] for k in PASSED_ON if args.get(k) is not None},
        "vola_begndate": args["vola_begndate"],
        "vola_enddate": args["vola_enddate"],
        "supervision_case_no": key,
        "supervision_case_id": envelope.get("bycaseid"),
    }
    return [Opening("P078", f"P078:supervision:{key}", str(args["admdvs"]), data, INTELLIGENT)]


REACTIONS = (Reaction("deduct_confirmed_violations", "supervision", CONFIRMED, on_violation),)
