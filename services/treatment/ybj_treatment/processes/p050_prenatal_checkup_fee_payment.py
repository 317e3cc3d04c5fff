"""P050 产前检查费支付 (service item 109 门诊产前检查备案): 生育门诊产前检查登记 → 生育门诊产前检查审核.

The guide's menu is 「人员就医登记管理——生育门诊产前检查」 and its materials are the 产检收费票据, the 费用清单 and a
bank account: the 登记 records the checkup at the hospital with its fees (生育门诊, 医疗类别 51), settled by the rule
`reimbursement_settlement` with the policy in force on the checkup date; approval hands the amount to settlement as a
`benefit_payment`. The 生育 menus are 城职 ones (「个人待遇管理（城职）」): the woman must be insured under 310 then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import Field

from ybj_kernel.domain.identity import gender_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.errors import Conflict
from ybj_treatment.insured import INSURED
from ybj_treatment.processes.p048_outpatient_expense_reimbursement import (
    HOSPITAL_CODE,
    HOSPITAL_LOOKUP,
    IDENTITY_MATERIAL,
    INVOICE,
    PARAMETERS_LOOKUP,
    FeeDetails,
    Settlement,
    Visit,
    check_visit,
    person_payment,
    settled,
    visit_facts,
)
from ybj_treatment.rules.reimbursement_models import FeeLine, lines_total

MATERNITY_INSUTYPES = frozenset({"310"})  # 「个人待遇管理（城职）——…生育」
FEMALE = "2"
# 陈静 (职工 310 from 2026-12-01, P002's example employee), 参保地 云岩区.
MOTHER = {"certno": "520102199003070022", "admdvs": "520102"}


def check_woman(step: Mapping[str, Any], what_zh: str) -> None:
    """生育 benefits are the insured woman's: refuse anyone else, naming them (field certno)."""
    person = step.get("insured") or {}
    certno = str(step.get("certno") or "")
    gend = person.get("gend") or (gender_of(certno) if len(certno) == 18 else None)
    if gend != FEMALE:
        raise Conflict(
            "NOT_FEMALE_INSURED",
            f"{person.get('psn_name', '')}（{certno}）不是女职工参保人，不能办理{what_zh}",
            f"{certno} is not an insured woman: {what_zh} is hers to claim",
            "certno",
        )


def maternity_checks(what_zh: str) -> tuple[Callable[[Mapping[str, Any], Mapping[str, Any]], None], ...]:
    """Insured under 310 on the visit date, at a designated hospital with a policy in force, and a woman."""
    return (check_visit(MATERNITY_INSUTYPES), lambda _c, step: check_woman(step, what_zh))


def facts_and_settlement(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """Who and where (as P048 keeps them), then the settlement of the lines given in this same step."""
    facts = visit_facts(MATERNITY_INSUTYPES)(current, step)
    return {**facts, **settled(current, {**step, **facts})}


class PrenatalCheckup(Visit, FeeDetails, Settlement):
    """生育门诊产前检查登记: the mother, the hospital and 产检收费票据, the checkup date and its 费用明细."""

    med_type: Literal["51"] = Field(default="51", description="医疗类别 (51 生育门诊)")
    begndate: date = Field(description="产前检查日期")


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """Approval pays the 产前检查费 (统筹支付) to the mother."""
    return person_payment(data, "P050", "产前检查费支付（生育门诊）", str(data["hifp_pay"]))


CHECKUP_LINES = [
    {
        "med_chrgitm_type": "03",
        "hilist_code": "220600003",
        "hilist_name": "产科B超检查",
        "chrgitm_lv": "01",
        "cnt": "1",
        "pric": "160.00",
        "det_item_fee_sumamt": "160.00",
    },
    {
        "med_chrgitm_type": "04",
        "hilist_code": "250307001",
        "hilist_name": "血常规",
        "chrgitm_lv": "01",
        "cnt": "1",
        "pric": "30.00",
        "det_item_fee_sumamt": "30.00",
    },
]

P050 = ProcessDefinition(
    id="P050",
    slug="prenatal_checkup_fee_payment",
    name_zh="产前检查费支付",
    service="treatment",
    materials=(
        Material(IDENTITY_MATERIAL),
        Material("医院门诊产检收费票据"),
        Material("费用清单（发票已注明明细项目的不提供）", required=False, condition_zh="发票未注明明细项目"),
        Material("银行账号（无社保卡的，首次报销提供）", required=False, condition_zh="无社保卡的首次报销"),
    ),
    stages=(
        Stage(
            "register",
            "生育门诊产前检查登记",
            ("registrar", "channel"),
            "Registered",
            input=PrenatalCheckup,
            lookups=(INSURED, HOSPITAL_LOOKUP, PARAMETERS_LOOKUP),
            checks=maternity_checks("产前检查费支付"),
            derive=facts_and_settlement,
            unique=INVOICE,
            example={
                **MOTHER,
                "fixmedins_code": HOSPITAL_CODE,
                "invoice_no": "MZ2026120200031",
                "begndate": "2026-12-02",
                "lines": CHECKUP_LINES,
                "medfee_sumamt": str(lines_total([FeeLine.model_validate(x) for x in CHECKUP_LINES])),
            },
        ),
        Stage("review", "生育门诊产前检查审核", ("first_reviewer",), "ReviewApproved", review=True),
    ),
    effects=effects,
)
