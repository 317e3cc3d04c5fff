"""Items 92-98 医保个人账户共济服务 (93 aside) and 111-112 个人医保账户代缴: an employee (授权人) shares their 职工医保个人账户
with close relatives (使用人), sets in which order a relative's share of a bill is charged, and pays a relative's
城乡居民 contribution from it. The seed gives these items no guide; enrollment backs them with its `mutual_aid` registry
and three processes the project adds (S097 账户共济登记, S096 修改使用人个人账户支付顺序, S111 个人医保账户代缴).

Every request names the person it is about, who must be the caller's own (insured.matched_person): in an application
item that person is the 授权人, since it is their account that is shared or spent. The relative is named by 证件 (and
name, where the process checks it); the process looks both up and refuses what the registry does not bear out, as at the
window. Queries read the person's own `mutual_aid` entry through the query service (both sides of their bindings are
on it, so no search is needed), and mask every 证件号码 in the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from ybj_gateway.items.call import ItemCall, ItemHandler
from ybj_gateway.items.insured import PersonNamed, matched_person
from ybj_gateway.items.masking import mask_certno
from ybj_gateway.items.served import Served
from ybj_gateway.sandbox import outside_sandbox
from ybj_kernel.domain.validation import bilingual, validate_input
from ybj_kernel.errors import NotFound

CertType = Literal["01", "02", "03", "04", "05", "06", "07", "08"]
BOUND = "bound"
STATUS_ZH = {"bound": "已绑定", "ended": "已解绑"}
STAGE_ZH = {"review": "待医保经办机构审核", "completed": "已办结"}
EMPLOYEE_HOLDING = frozenset({"active", "suspended", "retired"})  # a 310 relation that still holds an account


class RelativeNamed(PersonNamed):
    """The 授权人 (the person named, the caller's own) and the relative (使用人) by 证件."""

    user_cert_type: CertType = Field(default="01", description="使用人证件类型")
    user_certno: str = Field(min_length=1, max_length=50, description="使用人证件号码")

    @field_validator("user_certno")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class BindingRequest(RelativeNamed):
    """97 账户共济登记: bind (the relative's name and relation required) or unbind."""

    action: Literal["bind", "unbind"] = Field(default="bind", description="bind 共济绑定, unbind 解除共济绑定")
    user_name: str | None = Field(
        default=None, min_length=1, max_length=50, validate_default=True, description="使用人姓名"
    )
    rlts: str | None = Field(
        default=None, pattern=r"^\d{1,2}$", validate_default=True, description="关系代码（1 配偶, 2 父母, 3 子女）"
    )
    unbind_rea: str | None = Field(default=None, max_length=200, description="解绑原因")

    @field_validator("user_name", "rlts")
    @classmethod
    def _binding_needs(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("action", "bind") == "bind":
            what = {"user_name": "使用人姓名", "rlts": "使用人与授权人关系"}[str(info.field_name)]
            raise bilingual(f"共济绑定须填写{what}", f"{info.field_name} is required to bind")
        return value


class OrderRequest(RelativeNamed):
    """96 修改使用人个人账户支付顺序."""

    pay_order_type: Literal["1", "2"] = Field(
        description="支付顺序 (1 先本人个人账户后共济账户, 2 先共济账户后本人个人账户)"
    )


class ProxyRequest(RelativeNamed):
    """111 个人医保账户代缴: the relative's 城乡居民 contribution of a year."""

    user_name: str = Field(min_length=1, max_length=50, description="使用人姓名")
    clct_year: int = Field(ge=2000, le=2100, description="缴费年度")


class SideQuery(PersonNamed):
    """92: the person's bindings as 授权人, as 使用人, or both (left out)."""

    role: Literal["authorizer", "user"] | None = Field(
        default=None, description="authorizer 作为授权人, user 作为使用人"
    )


class YearQuery(PersonNamed):
    """112: the person's 代缴 records, of one 缴费年度 or all."""

    clct_year: int | None = Field(default=None, ge=2000, le=2100, description="缴费年度（不填为全部）")


# ---- application items ---------------------------------------------------------------------------------------------


def _opening(process: str, model: type[PersonNamed]) -> ItemHandler:
    """An item that opens `process` for the 授权人 named (S096, S097, S111)."""

    def handle(call: ItemCall) -> dict[str, Any]:
        asked = validate_input(model, call.business)
        _, named = matched_person(call)
        if outside_sandbox(str(asked["user_certno"])):
            raise NotFound(
                "USER_NOT_MATCHED",
                "未找到与证件类型、证件号码和姓名一致的参保人（使用人）",
                "no insured person matches the user's certificate type, number and name",
                "user_certno",
            )
        data = {**asked, "certno": named["certno"]}
        variant = data.pop("action", None)
        ack = call.commands.open_case(process, variant, data, call.app_id, call.admdvs, call.nonce)
        stage = str(ack.get("stage", ""))
        return {
            "acceptance_no": ack.get("acceptance_no"),
            "case_id": ack.get("case_id"),
            "process_id": ack.get("process_id", process),
            "stage": stage,
            "status": STAGE_ZH.get(stage, "已受理"),
        }

    return handle


# ---- query items ---------------------------------------------------------------------------------------------------


def _own(call: ItemCall) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The person named (checked), the head of the answer, and their `mutual_aid` entry's state ({} where none)."""
    found, named = matched_person(call)
    head = {"psn_name": found["state"].get("psn_name"), "certno": mask_certno(named["certno"])}
    return found, head, _aid_of(call, str(found["key"]))


def _aid_of(call: ItemCall, psn_no: str) -> dict[str, Any]:
    try:
        state: dict[str, Any] = call.read(f"/api/v1/registries/mutual_aid/{psn_no}").get("state") or {}
    except NotFound:
        return {}
    return state


def _binding(b: Mapping[str, Any]) -> dict[str, Any]:
    """One binding as a channel sees it: the other person's name, masked 证件号码, the relation and the period."""
    status = str(b.get("status", ""))
    return {
        "psn_name": b.get("psn_name"),
        "certno": mask_certno(str(b.get("certno", ""))),
        "rlts": b.get("rlts"),
        "rlts_name": b.get("rlts_name"),
        "begndate": b.get("begndate"),
        "enddate": b.get("enddate"),
        "status": status,
        "status_name": STATUS_ZH.get(status, status),
    }


def _in_effect(bindings: Any) -> list[Mapping[str, Any]]:
    return [b for b in bindings or () if b.get("status") == BOUND]


def relationships(call: ItemCall) -> dict[str, Any]:
    """92 按使用人和授权人查询共济关系: the person's bindings as 授权人 (their 使用人) and as 使用人 (their 授权人)."""
    role = validate_input(SideQuery, call.business).get("role")
    _, head, state = _own(call)
    answer = dict(head)
    if role in (None, "authorizer"):
        answer["as_authorizer"] = [_binding(b) for b in state.get("users", [])]
    if role in (None, "user"):
        answer["as_user"] = [_binding(b) for b in state.get("authorizers", [])]
    return answer


def authorizer_bindings(call: ItemCall) -> dict[str, Any]:
    """95 授权人绑定信息查询: whom the person's account is shared with, in effect and ended, oldest first."""
    _, head, state = _own(call)
    users = state.get("users", [])
    return {**head, "bound_count": len(_in_effect(users)), "users": [_binding(b) for b in users]}


def _accounts(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The accounts a 使用人's share is charged to, in order: their own, and each 授权人's."""
    by_psn_no = {b["psn_no"]: b for b in _in_effect(state.get("authorizers"))}
    listed = []
    for seq, psn_no in enumerate(state.get("pay_order", []), start=1):
        holder = by_psn_no.get(psn_no)
        if psn_no == state.get("psn_no"):
            listed.append({"seq": seq, "acct_kind": "own", "acct_kind_name": "本人个人账户（如有）"})
        elif holder is not None:
            who = {"psn_name": holder.get("psn_name"), "certno": mask_certno(str(holder.get("certno", "")))}
            listed.append({"seq": seq, "acct_kind": "mutual_aid", "acct_kind_name": "共济账户", **who})
    return listed


def payment_order(call: ItemCall) -> dict[str, Any]:
    """98 支付顺序查询: the person's own order as 使用人, and the order of each relative bound to their account."""
    _, head, state = _own(call)
    mine = None
    if _in_effect(state.get("authorizers")):
        mine = {
            "pay_order_type": state.get("pay_order_type"),
            "pay_order_name": state.get("pay_order_name"),
            "accounts": _accounts(state),
        }
    relatives = []
    for b in _in_effect(state.get("users")):
        theirs = _aid_of(call, str(b["psn_no"]))
        relatives.append(
            {
                "psn_name": b.get("psn_name"),
                "certno": mask_certno(str(b.get("certno", ""))),
                "pay_order_type": theirs.get("pay_order_type"),
                "pay_order_name": theirs.get("pay_order_name"),
            }
        )
    return {**head, "as_user": mine, "users": relatives}


def _yuan(fen: Any) -> str:
    return str((Decimal(int(fen or 0)) / 100).quantize(Decimal("0.01")))


def proxy_payments(call: ItemCall) -> dict[str, Any]:
    """112 个人医保账户代缴记录查询: contributions paid from the person's account for relatives, newest first."""
    year = validate_input(YearQuery, call.business).get("clct_year")
    _, head, state = _own(call)
    paid = [p for p in state.get("proxy_payments", []) if year is None or p.get("clct_year") == year]
    records = [
        {
            "user_name": p.get("user_name"),
            "user_certno": mask_certno(str(p.get("user_certno", ""))),
            "insutype": p.get("insutype", "390"),
            "clct_year": p.get("clct_year"),
            "pay_amt": _yuan(p.get("amount")),
            "paid_on": p.get("paid_on"),
        }
        for p in reversed(paid)
    ]
    return {**head, "records": records, "total_amt": _yuan(sum(int(p.get("amount") or 0) for p in paid))}


def overview(call: ItemCall) -> dict[str, Any]:
    """94 其他医保个人账户共济服务: the person's 共济 at a glance, and which 共济 items they can use now and why."""
    found, head, state = _own(call)
    users, authorizers = _in_effect(state.get("users")), _in_effect(state.get("authorizers"))
    employee = any(
        r.get("insutype") == "310" and r.get("status") in EMPLOYEE_HOLDING for r in found.get("enrollments") or ()
    )
    has_users = bool(users)
    actions = [
        (97, "账户共济登记（绑定）", employee, "须为职工医保参保人员（在职或退休）"),
        (97, "账户共济登记（解绑）", has_users, "须有生效的共济关系"),
        (96, "修改使用人个人账户支付顺序", has_users, "须有生效的共济关系"),
        (111, "个人医保账户代缴", has_users and employee, "须有生效的共济关系，且本人为职工医保参保人员"),
        (92, "按使用人和授权人查询共济关系", True, ""),
        (95, "授权人绑定信息查询", True, ""),
        (98, "支付顺序查询", True, ""),
        (112, "个人医保账户代缴记录查询", True, ""),
    ]
    return {
        **head,
        "summary": {
            "users_bound": len(users),
            "authorizers_bound": len(authorizers),
            "pay_order_name": state.get("pay_order_name") if authorizers else None,
            "proxy_payments": len(state.get("proxy_payments", [])),
        },
        "actions": [
            {"no": no, "name_zh": name, "available": ok, **({} if ok or not why else {"condition_zh": why})}
            for no, name, ok, why in actions
        ],
    }


PERSON = {"certno": "${person.certno}", "psn_name": "${person.psn_name}"}
RELATIVE = {"user_certno": "${relative.certno}"}
_AID = "职工医保个人账户家庭共济：指南未给出流程，按国家家庭共济政策设定，授权人为职工医保参保人员，使用人为其近亲属"

SERVED = {
    92: Served(
        relationships,
        PERSON,
        assumption_zh=f"{_AID}；本人的共济关系同时列出作为授权人（绑定的使用人）和作为使用人（其授权人）两方面，可用 role 只查一方；证件号码脱敏",
    ),
    94: Served(
        overview,
        PERSON,
        assumption_zh=f"{_AID}；「其他共济服务」内容不明，作兜底查询：答复本人共济关系概况及当前可办理的共济事项（97/96/111）与查询事项，"
        "不能办理的注明条件",
    ),
    95: Served(
        authorizer_bindings, PERSON, assumption_zh=f"{_AID}；列出本人作为授权人的全部绑定（含已解绑），证件号码脱敏"
    ),
    96: Served(
        _opening("S096", OrderRequest),
        {**PERSON, **RELATIVE, "pay_order_type": "2"},
        assumption_zh=f"{_AID}；由授权人为已绑定的使用人设置支付顺序（1 先本人个人账户后共济账户，绑定时默认；2 先共济账户后本人个人账户），"
        "提交即生效，不经审核：只调整已审核授权范围内各账户的扣费先后，不改变任何人可用的资金（S096）",
    ),
    97: Served(
        _opening("S097", BindingRequest),
        {
            **PERSON,
            "action": "bind",
            "user_certno": "${extra-04.certno}",
            "user_name": "${extra-04.psn_name}",
            "rlts": "2",
        },
        assumption_zh=f"{_AID}；关系代码 1 配偶、2 父母、3 子女（示例代码表，可由统筹区配置）；绑定经医保经办机构审核亲属关系后生效，"
        "解绑（action=unbind）提交即生效；使用人须在本省参加基本医疗保险（S097）",
    ),
    98: Served(
        payment_order,
        PERSON,
        assumption_zh=f"{_AID}；答复本人作为使用人的支付顺序（扣费账户先后）及本人绑定的各使用人的支付顺序",
    ),
    111: Served(
        _opening("S111", ProxyRequest),
        {**PERSON, **RELATIVE, "user_name": "${relative.psn_name}", "clct_year": 2027},
        assumption_zh="授权人以职工医保个人账户为已绑定的使用人代缴某年度城乡居民医保个人缴费；金额为该年度个人缴费标准（示例参数，"
        "由统筹区配置），受理时核对账户余额，经审核后从个人账户划出并记入使用人缴费记录；同一人同一年度只能缴费一次（S111）",
    ),
    112: Served(
        proxy_payments,
        PERSON,
        assumption_zh="答复本人个人账户为使用人代缴的记录（可按缴费年度），新者在前，证件号码脱敏，金额单位元",
    ),
}
