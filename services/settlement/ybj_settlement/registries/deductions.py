"""违规扣款 in force (DOMAIN E24), one entry per institution and month: what the monthly settlement must deduct.

Keyed f"{fixmedins_code}:{YYYYMM}" like the lead's `institution_month`, so that P079/P080 read it through the Lookup
`DEDUCTIONS` (field "deductions", key from the step's `fixmedins_code` and `setl_ym`). A P078 case adds its deduction
when it completes (after 复审); stepping the case back removes it again (「反向逐级回退和撤消」). Each deduction names
its source, a supervision case (`supervision:<受理号>`, 智能审核) or a manual decision (`manual:<决定书编号>`, 人工审核/稽核);
one source deducts once in a month. The state keeps the two totals the settlement needs: what comes off the
institution's declared amount (倍数处罚性扣款) and what reduces the 统筹区/分中心 amount (违规扣款).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.process import Lookup
from ybj_kernel.domain.registry import Effect, Op, Registry
from ybj_kernel.errors import Conflict

DEDUCTION = "deduction"
YM = r"^\d{4}(0[1-9]|1[0-2])$"


def deduction_key(fixmedins_code: str, ym: str) -> str:
    """The entry of one institution's deductions for one month."""
    return f"{fixmedins_code.upper()}:{ym}"


class DeductionItem(BaseModel):
    """One deduction: the institution and month, its source, kind, amount (fen) and the amount it reduces."""

    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$", description="医药机构编号")
    ym: str = Field(pattern=YM, description="扣款所属清算年月 (YYYYMM)")
    source: str = Field(
        pattern=r"^(supervision|manual):\S{1,60}$", description="来源：supervision:<案件受理号> 或 manual:<决定书编号>"
    )
    kind: Literal["ordinary", "penalty"] = Field(description="ordinary 违规扣款 / penalty 倍数处罚性扣款")
    amount_fen: int = Field(gt=0, description="应扣款金额（分）")
    reduces: Literal["declared", "pool"] = Field(description="declared 机构申报结算金额 / pool 统筹区/分中心应结算金额")


def _add(state: dict[str, Any], args: dict[str, Any]) -> None:
    items: list[dict[str, Any]] = state.get("items", [])
    if any(i["source"] == args["source"] for i in items):
        raise Conflict(
            "DEDUCTION_ALREADY_IN_FORCE",
            f"{args['fixmedins_code']} {args['ym']} 已有来源为 {args['source']} 的违规扣款，不能重复扣款",
            f"a deduction from {args['source']} is already in force for {args['fixmedins_code']} {args['ym']}",
            "source",
        )
    item = {k: args[k] for k in ("source", "kind", "amount_fen", "reduces")}
    items = [*items, item]
    state.update(
        fixmedins_code=args["fixmedins_code"],
        ym=args["ym"],
        items=items,
        declared_deduction_fen=sum(i["amount_fen"] for i in items if i["reduces"] == "declared"),
        pool_deduction_fen=sum(i["amount_fen"] for i in items if i["reduces"] == "pool"),
    )


DEDUCTIONS = Registry(
    DEDUCTION,
    "医药机构违规扣款",
    {"add": Op("违规扣款生效", "ViolationDeductionApproved", DeductionItem, _add)},
    frozenset({"add"}),
)


def add_effect(fixmedins_code: str, ym: str, source: str, kind: str, amount_fen: int, reduces: str) -> Effect:
    """Put one approved deduction in force for its institution-month."""
    args = {
        "fixmedins_code": fixmedins_code.upper(),
        "ym": ym,
        "source": source,
        "kind": kind,
        "amount_fen": amount_fen,
        "reduces": reduces,
    }
    return Effect(DEDUCTION, deduction_key(fixmedins_code, ym), "add", args)


def month_key(data: Mapping[str, Any]) -> str | None:
    """The institution-month a monthly-settlement step names (`fixmedins_code`, `setl_ym`), or None."""
    code, ym = data.get("fixmedins_code"), data.get("setl_ym")
    return deduction_key(str(code), str(ym)) if code and ym else None


# For P079/P080: the deductions in force for the institution-month being settled (None: no deduction).
DEDUCTIONS_LOOKUP = Lookup("deductions", DEDUCTION, month_key)
