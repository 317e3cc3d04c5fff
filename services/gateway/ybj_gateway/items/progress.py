"""Item 114 受理类服务进度查询: where a case stands, by its 受理号 (the query service's progress read, no personal data)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.served import Served
from ybj_kernel.domain.validation import validate_input


class ProgressQuery(BaseModel):
    """受理号 of the case asked about."""

    acceptance_no: str = Field(pattern=r"^\d{10,30}$", description="受理号")


ANSWERED = (
    "acceptance_no",
    "process_id",
    "process_name_zh",
    "stage",
    "stage_name_zh",
    "status",
    "accepted_at",
    "updated_at",
)


def acceptance_progress(call: ItemCall) -> dict[str, Any]:
    """The case's process, stage and status (办理中 / 已办结 / 已撤消 / 审核不通过 …), when accepted and last changed."""
    asked = validate_input(ProgressQuery, call.business)
    found = call.reads.progress(str(asked["acceptance_no"]))
    return {k: found[k] for k in ANSWERED if k in found}


SERVED = {
    114: Served(
        acceptance_progress,
        {"acceptance_no": "${answer:1.acceptance_no}"},
        after=(1,),
        assumption_zh="通用进度查询：任一受理类事项（及窗口受理）的受理号均可查询流程、环节和状态；不含个人数据，故不核对本人",
    ),
}
