"""参保资助明细 (DOMAIN E10): who was subsidised for which year's resident contribution, one entry a person and year.

「生成资助明细，保存资助明细归档」: completing a P054 参保资助 case (批量 or 单个) files each subsidised person here, keyed
"<缴费年度>-<证件号码>". A person is subsidised once a year: a second grant is refused, whichever variant tries, and
缴费后单个资助 looks the entry up first (「个人未获得参保资助的承诺书」 is checked against it, not only believed).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ybj_kernel.domain.registry import Effect, Op, Registry
from ybj_kernel.errors import Conflict

SUBSIDY_REGISTRY = "assistance_subsidy"


def subsidy_key(clct_year: int | str, certno: str) -> str:
    """The entry of one person's subsidy for one 缴费年度."""
    return f"{int(clct_year)}-{certno.upper()}"


class SubsidyGrant(BaseModel):
    """资助明细: the person, their 身份属性, the year and the sum (fen), and how it was granted."""

    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    psn_idet_type: str = Field(min_length=2, max_length=6, description="身份属性")
    clct_year: int = Field(ge=2000, le=2100, description="缴费年度")
    sbsy_amt_fen: int = Field(ge=0, description="资助金额（分）")
    sbsy_mode: Literal["batch", "single"] = Field(description="资助方式 (batch 缴费时批量资助, single 缴费后单个资助)")
    admdvs: str = Field(pattern=r"^\d{6}$", description="医保区划")


def _grant(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("status") == "granted":
        raise Conflict(
            "ALREADY_SUBSIDIZED",
            f"{state['psn_name']}（{state['certno']}）{state['clct_year']}年度已获得参保资助，不能重复资助",
            f"{state['certno']} was already subsidised for {state['clct_year']}",
            "certno",
        )
    state.update(args, status="granted")


SUBSIDIES = Registry(
    SUBSIDY_REGISTRY,
    "参保资助明细",
    {"grant": Op("参保资助明细归档", "SubsidyGranted", SubsidyGrant, _grant)},
    frozenset({"grant"}),
)


def grant_effect(row: dict[str, Any], clct_year: int, mode: Literal["batch", "single"], admdvs: str) -> Effect:
    """File one subsidised person (row: certno, psn_name, psn_idet_type, sbsy_amt_fen)."""
    args = {**row, "clct_year": clct_year, "sbsy_mode": mode, "admdvs": admdvs}
    return Effect(SUBSIDY_REGISTRY, subsidy_key(clct_year, str(row["certno"])), "grant", args)
