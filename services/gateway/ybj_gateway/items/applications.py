"""The application items of guided processes: each opens a case as the channel, or acts on the citizen's own case by its
受理号, answering with the 受理号 (applications.yaml beside this module says which item does what, as data).

What the gateway does itself is only what the channel cannot be trusted with: that the data is the caller's own (the
person or unit named agrees with the registry, a case acted on is theirs). Everything else — the fields, the rules,
whether the person is insured, the deadlines — the process checks as it does at the window, because the case is
opened through the platform's entry point like any other, as the channel (role `channel`, its 医保区划).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from ybj_gateway.items.call import ItemCall, ItemHandler
from ybj_gateway.items.insured import matched_person
from ybj_gateway.items.served import Served
from ybj_kernel.domain.validation import validate_input
from ybj_kernel.errors import InvalidInput, NotFound

Subject = Literal["person", "employer", "new_person", "new_employer", "new_institution"]
SUBJECTS = frozenset({"person", "employer", "new_person", "new_employer", "new_institution"})
# Fields of the request that name the caller or the case, never passed on as the case's own data.
_ACTING_FIELDS = frozenset({"acceptance_no", "reason", "psn_cert_type", "certno", "psn_name"})
# 受理号 status as a citizen reads it.
_DONE = {"completed": "已办结"}


@dataclass(frozen=True)
class Application:
    """One application item: the process it opens (or the processes whose case it acts on, and the action)."""

    no: int
    subject: Subject
    process: str | None = None
    variant: str | None = None
    acts_on: tuple[str, ...] = ()
    action: str | None = None
    # Other processes the item opens when the request names one (`process_id`): 105 报销受理 opens 住院 or 门诊.
    also_opens: tuple[str, ...] = ()
    example: Mapping[str, Any] | None = None
    after: tuple[int, ...] = ()
    assumption_zh: str | None = None

    def __post_init__(self) -> None:
        if self.subject not in SUBJECTS:
            raise ValueError(f"applications.yaml: item {self.no} has an unknown subject {self.subject!r}")
        if (self.process is None) == (not self.acts_on) or bool(self.acts_on) != bool(self.action):
            raise ValueError(f"applications.yaml: item {self.no} must either open a process or act on one")
        if self.acts_on and self.subject != "person":
            raise ValueError(f"applications.yaml: item {self.no} acts on a case: only a person's own")


class ActingOn(BaseModel):
    """An action on the caller's own case: its 受理号, and the reason where the action needs one (撤消, 取消备案)."""

    acceptance_no: str = Field(pattern=r"^\d{10,30}$", description="受理号")
    reason: str | None = Field(default=None, min_length=1, max_length=200, description="原因（撤消、取消备案时必填）")


class UnitNamed(BaseModel):
    """The unit a unit's request is about: 单位编号 and 单位名称, both."""

    emp_no: str = Field(min_length=1, max_length=30, description="单位编号")
    emp_name: str = Field(min_length=1, max_length=200, description="单位名称")


def load_applications(name: str = "applications.yaml") -> dict[int, Application]:
    """The table beside this module, checked."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    rows = (yaml.safe_load(text) or {}).get("applications") or []
    table: dict[int, Application] = {}
    for row in rows:
        item = Application(
            no=int(row["no"]),
            subject=row["subject"],
            process=row.get("process"),
            variant=row.get("variant"),
            acts_on=tuple(row.get("acts_on") or ()),
            action=row.get("action"),
            also_opens=tuple(row.get("also_opens") or ()),
            example=row.get("example") or {},
            after=tuple(int(n) for n in row.get("after") or ()),
            assumption_zh=row.get("assumption_zh"),
        )
        if item.no in table:
            raise ValueError(f"applications.yaml: item {item.no} is listed twice")
        table[item.no] = item
    return table


def answered(ack: Mapping[str, Any]) -> dict[str, Any]:
    """The acknowledgement a channel gets: the 受理号 the citizen keeps, the process and where the case stands."""
    stage = str(ack.get("stage", ""))
    return {
        "acceptance_no": ack.get("acceptance_no"),
        "process_id": ack.get("process_id"),
        "stage": stage,
        "status": _DONE.get(stage, "已受理"),
    }


def _checked_employer(call: ItemCall) -> None:
    """本单位数据: the unit named must be the registry's unit of that number, under that name; else the same answer
    whether no unit or another holds the number."""
    named = validate_input(UnitNamed, call.business)
    try:
        found = call.read(f"/api/v1/employers/{named['emp_no']}")
    except NotFound:
        found = {}
    state = found.get("state") or found
    if str(state.get("emp_name", "")).strip() != str(named["emp_name"]).strip():
        raise NotFound(
            "EMPLOYER_NOT_MATCHED",
            "未找到与单位编号和单位名称一致的参保单位",
            "no insured unit matches the unit number and name given",
            "emp_no",
        )


def _checked_caller(item: Application, call: ItemCall) -> dict[str, Any]:
    """The business data with the caller checked as the item's subject (the 证件号码 in its canonical form)."""
    data = dict(call.business)
    if item.subject == "person":
        _, named = matched_person(call)
        data["certno"] = named["certno"]
    elif item.subject == "employer":
        _checked_employer(call)
    return data


def opening(item: Application) -> ItemHandler:
    """The handler of an item that opens a case."""

    def handle(call: ItemCall) -> dict[str, Any]:
        data = _checked_caller(item, call)
        process, variant = str(item.process), item.variant
        chosen = data.pop("process_id", None)
        if chosen is not None:  # an item open to several processes (报销受理: 门诊 or 住院)
            allowed = (process, *item.also_opens)
            if chosen not in allowed:
                raise InvalidInput(
                    "INVALID_FIELD",
                    f"process_id 只能是 {'、'.join(allowed)}",
                    f"process_id must be one of {', '.join(allowed)}",
                    "process_id",
                )
            process, variant = str(chosen), data.pop("variant", None)
        ack = call.commands.open_case(process, variant, data, call.app_id, call.admdvs, call.nonce)
        return answered(ack)

    return handle


def acting(item: Application) -> ItemHandler:
    """The handler of an item that acts on the caller's own case, named by its 受理号."""

    def handle(call: ItemCall) -> dict[str, Any]:
        asked = validate_input(ActingOn, call.business)
        _, named = matched_person(call)
        try:
            case = call.read(f"/api/v1/acceptances/{asked['acceptance_no']}")
        except NotFound:
            case = {}
        owner = str((case.get("data") or {}).get("certno", "")).upper()
        if case.get("process_id") not in item.acts_on or owner != named["certno"]:
            # Not found, not this item's process, or someone else's: one answer, so that numbers cannot be probed.
            raise NotFound(
                "ACCEPTANCE_NO_NOT_FOUND",
                "没有该受理号的本人案件（或尚未同步，请稍候）",
                "no case of yours has this acceptance number (or it is not visible yet)",
                "acceptance_no",
            )
        data = {k: v for k, v in call.business.items() if k not in _ACTING_FIELDS}
        ack = call.commands.act(
            str(case["case_id"]),
            str(item.action),
            int(case["version"]),
            data,
            asked.get("reason"),
            call.app_id,
            call.admdvs,
        )
        return answered(ack)

    return handle


APPLICATIONS = load_applications()
SERVED = {
    no: Served(
        opening(item) if item.process else acting(item),
        example=item.example or {},
        after=item.after,
        assumption_zh=item.assumption_zh,
    )
    for no, item in APPLICATIONS.items()
}
