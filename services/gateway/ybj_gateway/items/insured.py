"""Item 68 参保险种: the insured person's 参保关系 per 险种, to the person themself.

The request names the person by 证件类型, 证件号码 and 姓名; the three must agree with the person the registry holds
(「本人数据」), else the answer is the same PERSON_NOT_MATCHED whether no one or someone else holds the number, so that
a channel cannot learn who is insured by trying numbers. The answer masks the 证件号码 and leaves out 缴费基数.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_gateway.items.call import ItemCall
from ybj_gateway.items.masking import mask_certno
from ybj_gateway.items.served import Served
from ybj_gateway.sandbox import outside_sandbox
from ybj_kernel.domain.validation import validate_input
from ybj_kernel.errors import NotFound

# Display names of the codes the person's 参保关系 carry (as enrollment publishes them).
INSUTYPE_ZH = {
    "310": "职工基本医疗保险",
    "320": "公务员医疗补助",
    "330": "大额医疗费用补助",
    "390": "城乡居民基本医疗保险",
    "510": "生育保险",
}
STATUS_ZH = {
    "active": "参保缴费",
    "suspended": "暂停缴费",
    "stopped": "停保",
    "terminated": "终止参保",
    "retired": "退休",
}
RELATION_FIELDS = ("insutype", "status", "begndate", "enddate", "psn_type")


class PersonNamed(BaseModel):
    """The person a citizen's request is about: 人员证件类型, 证件号码 and 姓名, all three."""

    psn_cert_type: Literal["01", "02", "03", "04", "05", "06", "07", "08"] = Field(
        default="01", description="人员证件类型（01 居民身份证）"
    )
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")


def matched_person(call: ItemCall) -> tuple[dict[str, Any], dict[str, Any]]:
    """The person the request names (「本人数据」): found, with the three identifiers agreeing; else PERSON_NOT_MATCHED,
    the same whether no one or someone else holds the number. Returns (the person as the query service reads them,
    the validated identifiers).

    A gateway serving the sandbox only (sandbox.py) refuses anyone outside its roster with the same answer, before
    reading anything: the platform is not asked about a person the sandbox does not hold."""
    named = validate_input(PersonNamed, call.business)
    certno = str(named["certno"]).upper()
    if outside_sandbox(certno):
        raise _not_matched()
    found = call.reads.person_by_certno(certno, call.app_id, str(call.channel.get("admdvs") or ""))
    state = (found or {}).get("state") or {}
    if (
        not found
        or str(state.get("psn_name", "")).strip() != str(named["psn_name"]).strip()
        or str(state.get("psn_cert_type") or "01") != named["psn_cert_type"]
    ):
        raise _not_matched()
    return found, {**named, "certno": certno}


def _not_matched() -> NotFound:
    return NotFound(
        "PERSON_NOT_MATCHED",
        "未找到与证件类型、证件号码和姓名一致的参保人",
        "no insured person matches the certificate type, number and name given",
        "certno",
    )


def insured_types(call: ItemCall) -> dict[str, Any]:
    """参保险种: each 参保关系 with its 险种, status and dates."""
    found, named = matched_person(call)
    state, certno = found["state"], named["certno"]
    relations = [{k: r[k] for k in RELATION_FIELDS if r.get(k) is not None} for r in found.get("enrollments") or ()]
    for relation in relations:
        relation["insutype_name"] = INSUTYPE_ZH.get(str(relation.get("insutype")), "")
        relation["status_name"] = STATUS_ZH.get(str(relation.get("status")), "")
    return {
        "psn_name": state.get("psn_name"),
        "psn_cert_type": named["psn_cert_type"],
        "certno": mask_certno(certno),
        "insurances": relations,
    }


SERVED = {68: Served(insured_types, {"certno": "${person.certno}", "psn_name": "${person.psn_name}"})}
