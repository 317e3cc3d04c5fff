"""P054 参保资助: 缴费时批量资助 (the departments' lists in one case, 就高 de-duplicated, reviewed, pushed to tax, tax's
缴费成功/零申报 return, the 资助明细 filed and the sum paid into the fund: 「由县医保部门代缴」) and 缴费后单个资助 (one
insured resident, not yet subsidised that year, paid the 应资助金额 into their 一卡通).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Lookup, Uniqueness
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, Money, bilingual
from ybj_kernel.errors import Conflict, InvalidInput
from ybj_treatment.insured import check_insured, psn_no_of
from ybj_treatment.payments import payment_effect
from ybj_treatment.processes.p054_fields import (
    RESIDENT,
    V_BATCH,
    OneCard,
    Person,
    bank_of,
    certnos,
    listed,
    not_after_today,
)
from ybj_treatment.registries.assistance import SUBSIDY_REGISTRY, grant_effect, subsidy_key
from ybj_treatment.rules.assistance import (
    PSN_IDET_TYPES,
    CandidateRow,
    IdentifiedType,
    dedupe_subsidy,
    identity_reasons,
    same_person_same_name,
    subsidy_amount,
    subsidy_standard,
    to_fen,
    yuan,
)


class SubsidyImport(BaseModel):
    """导入部门提供需资助人员名单: the county, the 缴费年度, the 资助批次号 and the departments' rows."""

    model_config = ConfigDict(extra="forbid")

    admdvs: Admdvs = Field(description="医保区划（县级）")
    clct_year: int = Field(ge=2000, le=2100, description="缴费年度")
    sbsy_batch_no: str = Field(min_length=1, max_length=30, description="资助批次号")
    candidates: list[CandidateRow] = Field(min_length=1, description="需资助人员名单")

    @field_validator("candidates")
    @classmethod
    def _names_agree(cls, value: list[CandidateRow]) -> list[CandidateRow]:
        same_person_same_name(value)
        return value


class SubsidyListReview(BaseModel):
    """参保资助登记批量审核: who is left out, and when the list went to tax."""

    excluded: list[str] = Field(default_factory=list, description="不予资助人员（证件号码）")
    push_date: date = Field(description="推送税务部门日期")
    review_opinion: str | None = Field(default=None, max_length=500, description="审核意见")

    @field_validator("push_date")
    @classmethod
    def _past(cls, value: date, info: ValidationInfo) -> date:
        return not_after_today(value, info)


class TaxResult(BaseModel):
    """税务回推的一行: 缴费成功 or 零申报, and what the person paid."""

    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    pay_result: Literal["1", "2"] = Field(description="缴费结果 (1 缴费成功, 2 零申报)")
    psn_pay_amt: Money = Field(description="个人实缴金额（元）")

    @field_validator("certno")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def _zero_declared(self) -> TaxResult:
        if self.pay_result == "2" and self.psn_pay_amt != 0:
            raise bilingual("零申报人员的个人实缴金额应为 0", "a zero declaration pays nothing")
        return self


class TaxReturn(BaseModel):
    """税务生成缴费成功或零申报人员，回推至医保部门."""

    model_config = ConfigDict(extra="forbid")

    rtn_date: date = Field(description="回推日期")
    results: list[TaxResult] = Field(min_length=1, description="缴费成功或零申报人员")

    @field_validator("results")
    @classmethod
    def _once_each(cls, value: list[TaxResult]) -> list[TaxResult]:
        if len({r.certno for r in value}) != len(value):
            raise bilingual("同一证件号码回推了两次", "a certno is returned twice")
        return value


class SubsidyPersonReview(BaseModel):
    """参保资助人员批量审核: anyone withheld after tax's return."""

    withheld: list[str] = Field(default_factory=list, description="审核不予资助人员（证件号码）")
    review_opinion: str | None = Field(default=None, max_length=500, description="审核意见")


class SubsidyApplication(OneCard, Person):
    """缴费后单个资助: 姓名、身份证、身份属性、缴费金额、收款人“一卡通”银行账户信息."""

    admdvs: Admdvs = Field(description="医保区划（县级）")
    psn_idet_type: IdentifiedType = Field(description="身份属性")
    disabled_soldier_grade: int | None = Field(default=None, ge=1, le=10, description="残疾军人残疾等级（优抚对象）")
    clct_year: int = Field(ge=2000, le=2100, description="缴费年度")
    psn_clct_amt: Money = Field(gt=0, description="缴费金额（元）")
    tel: str | None = Field(default=None, pattern=r"^[\d\-+]{5,20}$", description="联系电话")
    insured_on: date | None = Field(default=None, description="参保核验日期（系统取缴费年度内离今天最近的一天）")

    @model_validator(mode="after")
    def _insured_on(self, info: ValidationInfo) -> SubsidyApplication:
        today = today_of(info)
        self.insured_on = min(max(date(self.clct_year, 1, 1), today), date(self.clct_year, 12, 31))
        return self


class SubsidyDisbursement(BaseModel):
    """按规定拨付资助资金; a batch's goes to the resident fund's 收入户 (县医保部门代缴)."""

    disb_date: date = Field(description="拨付日期")
    fund_acct_name: str | None = Field(default=None, max_length=100, description="基金收入户户名（批量资助）")
    fund_bank_name: str | None = Field(default=None, max_length=100, description="基金收入户开户银行（批量资助）")
    fund_bank_acct: str | None = Field(default=None, pattern=r"^\d{8,32}$", description="基金收入户账号（批量资助）")

    @field_validator("disb_date")
    @classmethod
    def _past(cls, value: date, info: ValidationInfo) -> date:
        return not_after_today(value, info)


def some_candidate(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """At least one person is left once the lists are de-duplicated."""
    if not dedupe_subsidy(step["candidates"])[0]:
        raise InvalidInput(
            "NO_CANDIDATES", "名单中没有可资助人员", "no one on the lists can be subsidised", "candidates"
        )


def candidate_list(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """拟资助人员名单, 就高 de-duplicated, with its totals and one printable line a person."""
    kept, dropped = dedupe_subsidy(step["candidates"])
    return {
        "subsidy_list": kept,
        "dropped_rows": dropped,
        "cand_cnt": len(kept),
        "sbsy_std_sumamt": str(sum((yuan(r["sbsy_std"]) for r in kept), Decimal("0.00"))),
        "candidate_lines": [
            f"{r['psn_name']} {r['certno']} {PSN_IDET_TYPES[r['psn_idet_type']]} {r['sbsy_std']}元" for r in kept
        ],
    }


def reviewable(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Only listed people can be left out, and someone must remain to push to tax."""
    names = certnos(current.get("subsidy_list"))
    listed(step.get("excluded", []), names, "excluded", "拟资助人员名单")
    if not set(names) - {c.upper() for c in step.get("excluded", [])}:
        raise InvalidInput("NO_CANDIDATES", "全部人员均不予资助，无需推送税务", "no one is left to push", "excluded")


def pushed(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The list pushed to tax."""
    excluded = {c.upper() for c in step.get("excluded", [])}
    rows = [r for r in current["subsidy_list"] if r["certno"] not in excluded]
    return {"pushed": rows, "pushed_cnt": len(rows)}


def returned_from_pushed(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Tax returns only people it was sent."""
    listed([r["certno"] for r in step["results"]], certnos(current.get("pushed")), "results", "推送税务的名单")


def withheld_returned(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """Only people tax returned can be withheld."""
    listed(step.get("withheld", []), certnos(current.get("results")), "withheld", "税务回推的人员")


def subsidy_details(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """资助明细: each pushed person tax returned as 缴费成功 or 零申报, at their 资助标准 (the rest were not paid)."""
    results = {r["certno"]: r for r in current["results"]}
    withheld = {c.upper() for c in step.get("withheld", [])}
    rows = [
        {
            "certno": p["certno"],
            "psn_name": p["psn_name"],
            "psn_idet_type": p["psn_idet_type"],
            "pay_result": results[p["certno"]]["pay_result"],
            "psn_pay_amt": results[p["certno"]]["psn_pay_amt"],
            "sbsy_amt": p["sbsy_std"],
        }
        for p in current["pushed"]
        if p["certno"] in results and p["certno"] not in withheld
    ]
    result_zh = {"1": "缴费成功", "2": "零申报"}
    return {
        "subsidy_details": rows,
        "sbsy_cnt": len(rows),
        "sbsy_sumamt": str(sum((yuan(r["sbsy_amt"]) for r in rows), Decimal("0.00"))),
        "detail_lines": [
            f"{r['psn_name']} {r['certno']} {PSN_IDET_TYPES[r['psn_idet_type']]} {result_zh[r['pay_result']]} "
            f"{r['sbsy_amt']}元"
            for r in rows
        ],
    }


def single_subsidy_allowed(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """An insured resident (390) in the 缴费年度, an 已明确身份 person, not yet subsidised that year."""
    check_insured(step, on=date.fromisoformat(step["insured_on"]), insutypes=RESIDENT)
    if reasons := identity_reasons(step["psn_idet_type"], step.get("disabled_soldier_grade")):
        raise InvalidInput(reasons[0].code, reasons[0].message_zh, reasons[0].message_en, reasons[0].field)
    if prior := step.get("prior_subsidy"):
        raise Conflict(
            "ALREADY_SUBSIDIZED",
            f"{step['psn_name']}（{step['certno']}）{step['clct_year']}年度已获得参保资助"
            f"（{'缴费时批量资助' if prior.get('sbsy_mode') == 'batch' else '缴费后单个资助'}），不能重复资助",
            f"{step['certno']} was already subsidised for {step['clct_year']}",
            "certno",
        )


def single_subsidy(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """系统计算生成资助信息: 资助标准 and 应资助金额."""
    kind, standard = subsidy_standard(step["psn_idet_type"])
    amount = subsidy_amount(step["psn_idet_type"], yuan(step["psn_clct_amt"]))
    return {"psn_no": psn_no_of(step), "sbsy_kind": kind, "sbsy_std": str(standard), "sbsy_amt": str(amount)}


def fund_account_for_batch(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A batch subsidy is paid into the fund's 收入户: its account is needed, and there must be a sum to pay."""
    if "subsidy_details" in current:
        for name, name_zh in (("fund_acct_name", "户名"), ("fund_bank_name", "开户银行"), ("fund_bank_acct", "账号")):
            if not step.get(name):
                raise InvalidInput(
                    "MISSING_FIELD", f"批量资助拨付至基金收入户，须填写其{name_zh}", f"{name} is required", name
                )
    if yuan(current.get("sbsy_sumamt", current.get("sbsy_amt", "0"))) <= 0:
        raise Conflict("NOTHING_TO_DISBURSE", "资助金额为 0，无需拨付", "there is nothing to disburse", "disb_date")


def _subsidy_key_of(data: Mapping[str, Any]) -> str | None:
    try:
        return subsidy_key(int(data["clct_year"]), str(data["certno"])) if data.get("certno") else None
    except (KeyError, TypeError, ValueError):
        return None


PRIOR_SUBSIDY = Lookup("prior_subsidy", SUBSIDY_REGISTRY, _subsidy_key_of)


SUBSIDY_BATCH = Uniqueness(
    scope="assistance_subsidy_batch",
    key=lambda d: f"{d['admdvs']}:{d['clct_year']}:{d['sbsy_batch_no']}",
    field="sbsy_batch_no",
    message_zh="该县本年度此资助批次已在办理",
    message_en="this subsidy batch of the county and year is already being handled",
)
SUBSIDY_PERSON = Uniqueness(
    scope="assistance_subsidy_person",
    key=lambda d: f"{d['clct_year']}:{d['certno']}",
    field="certno",
    message_zh="该人员本年度参保资助已在办理",
    message_en="this person's subsidy for the year is already being handled",
)


def subsidy_effects(data: Mapping[str, Any], variant: str | None) -> list[Effect]:
    """资助明细归档 (one entry a person and year), and the payment: into the fund (批量, 代缴) or the 一卡通 (单个)."""
    year, admdvs = int(data["clct_year"]), str(data["admdvs"])
    if variant == V_BATCH:
        rows = [
            {**{k: r[k] for k in ("certno", "psn_name", "psn_idet_type")}, "sbsy_amt_fen": to_fen(yuan(r["sbsy_amt"]))}
            for r in data["subsidy_details"]
        ]
        pay = payment_effect(
            f"P054-{admdvs}-{year}-{data['sbsy_batch_no']}",
            payee_type="institution",
            payee_name=str(data["fund_acct_name"]),
            payee_id=admdvs,
            amount_fen=to_fen(yuan(data["sbsy_sumamt"])),
            bank=bank_of(data, "fund_"),
            source_process="P054",
            reason_zh=f"{year}年度城乡居民医保参保资助（缴费时批量资助，县医保部门代缴）",
            admdvs=admdvs,
        )
        return [*(grant_effect(r, year, "batch", admdvs) for r in rows), pay]
    amount = to_fen(yuan(data["sbsy_amt"]))
    row = {k: data[k] for k in ("certno", "psn_name", "psn_idet_type")}
    return [
        grant_effect({**row, "sbsy_amt_fen": amount}, year, "single", admdvs),
        payment_effect(
            f"P054-{year}-{data['certno']}",
            payee_type="person",
            payee_name=str(data["psn_name"]),
            payee_id=str(data["psn_no"]),
            amount_fen=amount,
            bank=bank_of(data),
            source_process="P054",
            reason_zh=f"{year}年度城乡居民医保参保资助（缴费后单个资助）",
            admdvs=admdvs,
        ),
    ]
