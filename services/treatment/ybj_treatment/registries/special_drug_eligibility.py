"""特殊药品用药资格 (E13): who may be prescribed which special drug, where and by whom; granted by P060's review.

`special_drug_eligibility` (key the insured person's 证件号码 `certno`, upper case): `{certno, psn_no, psn_name,
drugs: {hilist_code: {"status": "approved", hilist_name, fixmedins_code, bilg_dr_certno, bilg_dr_name, diag_name,
begndate}}}`: the 「五定」 as approved (定患者 the entry, 定药品 the key, 定医院 and 定医师 its hospital and physician).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ybj_kernel.domain.registry import Op, Registry
from ybj_kernel.errors import Conflict, NotFound
from ybj_treatment.registries.physicians import HOSPITAL_CODE

APPROVED = "approved"


class EligibilityGrant(BaseModel):
    """审核通过的特殊药品用药资格: who, which drug, at which hospital, prescribed by whom, from when."""

    certno: str = Field(min_length=1, max_length=50)
    psn_no: str = Field(min_length=1, max_length=30)
    psn_name: str = Field(min_length=1, max_length=50)
    hilist_code: str = Field(min_length=1, max_length=50)
    hilist_name: str = Field(min_length=1, max_length=200)
    fixmedins_code: str = Field(pattern=HOSPITAL_CODE)
    bilg_dr_certno: str = Field(min_length=18, max_length=18)
    bilg_dr_name: str = Field(min_length=1, max_length=50)
    diag_name: str = Field(min_length=1, max_length=200)
    begndate: date


class EligibilityQuery(BaseModel):
    """审核登记查询: the drug asked about."""

    hilist_code: str = Field(min_length=1, max_length=50)


def _grant(state: dict[str, Any], args: dict[str, Any]) -> None:
    drugs: dict[str, Any] = state.setdefault("drugs", {})
    held = drugs.get(args["hilist_code"])
    if held is not None and held.get("status") == APPROVED:
        raise Conflict(
            "ELIGIBILITY_EXISTS",
            f"{args['psn_name']}已有{args['hilist_name']}的特殊药品用药资格（{held['fixmedins_code']}）",
            f"{args['certno']} already holds the special-drug eligibility for {args['hilist_code']}",
            "hilist_code",
        )
    state.update(certno=args["certno"], psn_no=args["psn_no"], psn_name=args["psn_name"])
    keep = ("hilist_name", "fixmedins_code", "bilg_dr_certno", "bilg_dr_name", "diag_name", "begndate")
    drugs[args["hilist_code"]] = {"status": APPROVED, **{k: args[k] for k in keep}}


def _check_held(state: dict[str, Any], args: dict[str, Any]) -> None:
    # Also on an empty state (no eligibility at all: Op.checks_missing), naming the drug asked about.
    held = (state.get("drugs") or {}).get(args["hilist_code"])
    if held is None or held.get("status") != APPROVED:
        raise NotFound(
            "ELIGIBILITY_NOT_FOUND",
            f"该参保人没有药品 {args['hilist_code']} 的特殊药品用药资格审核登记",
            f"no special-drug eligibility is registered for {args['hilist_code']}",
            "hilist_code",
        )


SPECIAL_DRUG_ELIGIBILITY = Registry(
    "special_drug_eligibility",
    "特殊药品用药资格",
    {
        "grant": Op("特殊药品用药资格审核通过", "SpecialDrugEligibilityGranted", EligibilityGrant, _grant),
        # Records nothing: the eligibility is registered (审核登记查询, 用药历史情况查询).
        "check_held": Op(
            "特殊药品用药资格审核登记",
            "SpecialDrugEligibilityFound",
            EligibilityQuery,
            _check_held,
            checks_missing=True,
        ),
    },
    frozenset({"grant"}),
)
