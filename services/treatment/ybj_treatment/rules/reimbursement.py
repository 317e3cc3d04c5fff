"""The reimbursement and maternity rules staff can list and try (试算), and the cases run through the same functions.

- `reimbursement_settlement` (P048, P049, and the 生育 claims P050-P052): the cost share of a claim's lines under the
  policy in force on the visit date (policy/cost_share.py; EXAMPLE figures, the seeds give none).
- `bank_account_required` (C09): 「银行账号：无社保卡的需提供银行账号，首次报销提供」.
- `maternity_allowance` (P053): 生育津贴 = 月平均工资 ÷ 折算日数 × 产假天数 (the seeds give no formula: EXAMPLE policy).
- `maternity_allowance_payee` (C10): the employer's 对公账户 or the person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from ybj_kernel.domain.rules import Reason, Rule
from ybj_kernel.errors import InvalidInput
from ybj_treatment.policy.cost_share import (
    HOSP_LV_ZH,
    INSUTYPE_ZH,
    MED_TYPE_ZH,
    TABLE,
    ParameterVersion,
    PolicyTable,
    terms_on,
)
from ybj_treatment.rules.reimbursement_models import (
    MED_CHRGITM_TYPE_ZH,
    AllowanceInput,
    AllowanceOutput,
    AppliedPolicy,
    BankAccountInput,
    BankAccountOutput,
    CategoryTotal,
    PayeeInput,
    PayeeOutput,
    SettlementInput,
    SettlementOutput,
    lines_total,
    to_fen,
)

SEED = "seeds/001_42c4e4a66414dc3e.txt"
ZERO = Decimal("0.00")


def no_policy(insutype: str, hosp_lv: str, med_type: str, on: date) -> InvalidInput:
    """The error for a visit the policy table has no row for (names the visit date)."""
    what_zh = f"{INSUTYPE_ZH.get(insutype, insutype)}、{HOSP_LV_ZH.get(hosp_lv, hosp_lv)}、{MED_TYPE_ZH.get(med_type, med_type)}"
    return InvalidInput(
        "NO_POLICY",
        f"就诊日期 {on.isoformat()} 没有在执行的待遇政策（{what_zh}）",
        f"no policy is in force on {on.isoformat()} for insutype {insutype}, hosp_lv {hosp_lv}, med_type {med_type}",
        "begndate",
    )


def settle(inp: SettlementInput, table: PolicyTable = TABLE) -> SettlementOutput:
    """The cost share: 全自费 (丙类) and 先行自付 (乙类 × ratio) first; of the rest (合规费用) the 起付线, then the fund
    pays the 统筹支付比例 of what is above it, up to what is left of the year's 封顶线. The person bears the remainder."""
    row = table.row_for(inp.insutype, inp.hosp_lv, inp.med_type, inp.begndate)
    if row is None:
        raise no_policy(inp.insutype, inp.hosp_lv, inp.med_type, inp.begndate)
    versions = [ParameterVersion(p.exe_date, p.dedc_std, p.selfpay_prop) for p in inp.parameter_versions()]
    lines = inp.fee_lines()
    terms = terms_on(row, versions, inp.begndate, table.override_med_types)
    by_level: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_type: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        by_level[line.chrgitm_lv] += line.det_item_fee_sumamt
        by_type[line.med_chrgitm_type] += line.det_item_fee_sumamt
    total = lines_total(lines)
    fulamt = by_level["03"]
    preselfpay = to_fen(by_level["02"] * row.prepay_prop)
    inscp = total - fulamt - preselfpay
    dedc = min(inscp, terms.dedc_std)
    base = inscp - dedc
    pool_prop = Decimal(1) - terms.selfpay_prop
    calc = to_fen(base * pool_prop)
    cap_left = None if row.hifp_cap is None else max(ZERO, row.hifp_cap - inp.fund_paid_ytd)
    hifp = calc if cap_left is None else min(calc, cap_left)
    psn_selfpay = (
        inscp - hifp
    )  # the remainder: 起付线, the share at the 自付比例 (with the rounding), what the cap left
    policy = AppliedPolicy(
        row=row.describe(),
        example=table.example,
        dedc_std=terms.dedc_std,
        dedc_source=terms.dedc_source,
        selfpay_prop=terms.selfpay_prop,
        selfpay_source=terms.selfpay_source,
        pool_prop=pool_prop,
        prepay_prop=row.prepay_prop,
        hifp_cap=row.hifp_cap,
    )
    return SettlementOutput(
        policy=policy,
        medfee_sumamt=total,
        cls_a_amt=by_level["01"],
        cls_b_amt=by_level["02"],
        fulamt_ownpay_amt=fulamt,
        preselfpay_amt=preselfpay,
        inscp_scp_amt=inscp,
        act_pay_dedc=dedc,
        pool_base=base,
        hifp_pay_calc=calc,
        cap_left=cap_left,
        hifp_pay=hifp,
        over_cap_amt=calc - hifp,
        copay_amt=base - calc,
        psn_selfpay=psn_selfpay,
        psn_part_amt=psn_selfpay + preselfpay + fulamt,
        by_category=[
            CategoryTotal(med_chrgitm_type=t, name_zh=MED_CHRGITM_TYPE_ZH[t], amount=a)
            for t, a in sorted(by_type.items())
        ],
    )


SETTLEMENT_EXAMPLE: dict[str, Any] = {
    "insutype": "390",
    "hosp_lv": "01",
    "med_type": "21",
    "begndate": "2026-05-10",
    "lines": [
        {
            "med_chrgitm_type": "01",
            "hilist_code": "110200001",
            "hilist_name": "普通病房床位费",
            "chrgitm_lv": "01",
            "cnt": "5",
            "pric": "60.00",
            "det_item_fee_sumamt": "300.00",
        },
        {
            "med_chrgitm_type": "09",
            "hilist_code": "XJ01CAA040A001010101445",
            "hilist_name": "阿莫西林胶囊",
            "chrgitm_lv": "02",
            "cnt": "3",
            "pric": "25.50",
            "det_item_fee_sumamt": "76.50",
        },
        {
            "med_chrgitm_type": "06",
            "hilist_code": "311201001",
            "hilist_name": "腹腔镜下阑尾切除术",
            "chrgitm_lv": "01",
            "cnt": "1",
            "pric": "2860.00",
            "det_item_fee_sumamt": "2860.00",
        },
        {
            "med_chrgitm_type": "08",
            "hilist_code": "C0301010010000",
            "hilist_name": "一次性使用输液器（自费）",
            "chrgitm_lv": "03",
            "cnt": "2",
            "pric": "12.00",
            "det_item_fee_sumamt": "24.00",
        },
    ],
}


def settlement_rule(table: PolicyTable = TABLE) -> Rule[SettlementInput, SettlementOutput]:
    """The settlement of a 零星报销 or 生育医疗费 claim (DOMAIN R34, with the national 全自费/先行自付/封顶线)."""
    return Rule(
        id="reimbursement_settlement",
        process_id="P049",
        also_applies_to=("P048", "P050", "P051", "P052"),
        name_zh="零星报销结算（起付线、自付比例、先行自付、封顶线；政策参数为示例数据）",
        name_en="manual claim settlement (deductible, co-payment, pre-payment, cap; the policy figures are examples)",
        source_zh="P049「明细录入，输入受理编号查询，费用信息中录入明细，有多个明细点击添加录入，录入完后点击明细保存」"
        "「住院结算，输入受理编号，点击结算」；P063「起付线、自付比例修改」「录入起付线、自付比例、执行日期等信息，点击保存」",
        source_ref=f"{SEED} L1884-1889, L3113-3121",
        input_model=SettlementInput,
        output_model=SettlementOutput,
        fn=lambda inp, _: settle(inp, table),
        example=SETTLEMENT_EXAMPLE,
        parameters=table.describe(),
    )


def bank_account_required(inp: BankAccountInput) -> BankAccountOutput:
    """C09: an account is required without a 社保卡 on a first claim; later claims use the one given then."""
    required = not inp.has_ss_card and inp.first_claim
    if required and not (inp.bank_acct or "").strip():
        reason = Reason(
            code="BANK_ACCOUNT_REQUIRED",
            message_zh="无社保卡的首次报销须提供银行账号",
            message_en="a first claim without a social security card needs a bank account",
            field="bank_acct",
        )
        return BankAccountOutput(allowed=False, reasons=[reason], required=True)
    return BankAccountOutput(allowed=True, required=required)


def bank_account_rule() -> Rule[BankAccountInput, BankAccountOutput]:
    """C09 as a rule staff can try."""
    return Rule(
        id="bank_account_required",
        process_id="P048",
        also_applies_to=("P049", "P050", "P052"),
        name_zh="报销银行账号（无社保卡的首次报销提供）",
        name_en="bank account for a claim (first claim without a social security card)",
        source_zh="「银行账号：无社保卡的需提供银行账号，首次报销提供。」",
        source_ref=f"{SEED} L1819, L1865, L1907, L1994",
        input_model=BankAccountInput,
        output_model=BankAccountOutput,
        fn=lambda inp, _: bank_account_required(inp),
        example={"has_ss_card": False, "first_claim": True, "bank_acct": "6228480123456789012"},
    )


@dataclass(frozen=True)
class MaternityLeavePolicy:
    """产假天数 and the daily rate's divisor. EXAMPLE CONFIGURATION: the seeds give neither. The days follow the national
    《女职工劳动保护特别规定》 (国务院令第619号, 第七条: 98 days, 15 more for 难产, 15 more per extra baby, 15 or 42 days
    after a miscarriage before or after 4 months), to be confirmed; the province's additional days are an example 0."""

    base_days: int = 98
    dystocia_days: int = 15
    per_extra_baby_days: int = 15
    miscarriage_early_days: int = 15
    miscarriage_late_days: int = 42
    extra_days: int = 0  # example: the province's 奖励假 is not in the seeds
    day_divisor: Decimal = Decimal("30")  # example: 月平均工资 ÷ 30 = 日津贴


EXAMPLE_LEAVE = MaternityLeavePolicy()


def maternity_allowance(inp: AllowanceInput, policy: MaternityLeavePolicy = EXAMPLE_LEAVE) -> AllowanceOutput:
    """生育津贴: the average monthly wage ÷ the divisor × the leave days, rounded once to the fen."""
    if inp.birth_type == "birth":
        base, dystocia = policy.base_days, policy.dystocia_days if inp.dystocia else 0
        multiple, extra = policy.per_extra_baby_days * (inp.babies - 1), policy.extra_days
    else:
        early = inp.birth_type == "miscarriage_early"
        base = policy.miscarriage_early_days if early else policy.miscarriage_late_days
        dystocia = multiple = extra = 0
    days = base + dystocia + multiple + extra
    return AllowanceOutput(
        base_days=base,
        dystocia_days=dystocia,
        multiple_days=multiple,
        extra_days=extra,
        leave_days=days,
        avg_wage=inp.avg_wage,
        day_divisor=policy.day_divisor,
        allowance=to_fen(inp.avg_wage * days / policy.day_divisor),
    )


def maternity_allowance_rule(policy: MaternityLeavePolicy = EXAMPLE_LEAVE) -> Rule[AllowanceInput, AllowanceOutput]:
    """P053 生育津贴核定 as a rule staff can try."""
    return Rule(
        id="maternity_allowance",
        process_id="P053",
        name_zh="生育津贴核定（产假天数与折算日数为示例配置）",
        name_en="maternity allowance (leave days and the day divisor are example configuration)",
        source_zh="「生育津贴核定，录入基本信息本次报销待遇选择个人津贴，后面依次录入基本信息、拨付对象、银行信息、最后核定」",
        source_ref=f"{SEED} L2030-2034",
        input_model=AllowanceInput,
        output_model=AllowanceOutput,
        fn=lambda inp, _: maternity_allowance(inp, policy),
        example={"avg_wage": "6500.00", "birth_type": "birth", "dystocia": False, "babies": 1},
        parameters={
            "base_days": policy.base_days,
            "dystocia_days": policy.dystocia_days,
            "per_extra_baby_days": policy.per_extra_baby_days,
            "miscarriage_early_days": policy.miscarriage_early_days,
            "miscarriage_late_days": policy.miscarriage_late_days,
            "extra_days": policy.extra_days,
            "day_divisor": str(policy.day_divisor),
            "example": True,
            "note_zh": "示例配置：指南未给出生育津贴计发办法；天数参照《女职工劳动保护特别规定》，待核实并按本省规定配置",
        },
    )


PERSONAL_PAYEES = frozenset({"government", "public_institution"})


def maternity_allowance_payee(inp: PayeeInput) -> PayeeOutput:
    """C10: 机关事业单位 staff are paid themselves (C09 for the account); 企业 and 自收自支事业单位 staff through the
    employer's 对公账户, given once (「单位职工报销过的不再提供」)."""
    payee: Literal["person", "employer"]
    if inp.emp_type in PERSONAL_PAYEES:
        payee, required = "person", not inp.has_ss_card and inp.first_claim
        zh, en = (
            "无社保卡的首次报销须提供个人银行账号",
            "a first claim without a social security card needs a bank account",
        )
    else:
        payee, required = "employer", not inp.employer_account_on_file
        zh, en = "企业和自收自支事业单位人员须提供本单位对公账户", "the employer's corporate account is needed"
    if required and not (inp.bank_acct or "").strip():
        reason = Reason(code="BANK_ACCOUNT_REQUIRED", message_zh=zh, message_en=en, field="bank_acct")
        return PayeeOutput(allowed=False, reasons=[reason], payee=payee, account_required=True)
    return PayeeOutput(allowed=True, payee=payee, account_required=required)


def maternity_payee_rule() -> Rule[PayeeInput, PayeeOutput]:
    """C10 as a rule staff can try."""
    return Rule(
        id="maternity_allowance_payee",
        process_id="P053",
        name_zh="生育津贴拨付对象（机关事业单位拨个人，企业和自收自支事业单位拨单位）",
        name_en="maternity allowance payee (the person, or the employer's corporate account)",
        source_zh="「银行账户：（1）机关事业单位人员报销：个人无社保卡的需提供银行账号，首次报销提供；"
        "（2）企业和自收自支事业单位人员报销提供本单位对公账户信息（单位职工报销过的不再提供）。」",
        source_ref=f"{SEED} L2017-2022",
        input_model=PayeeInput,
        output_model=PayeeOutput,
        fn=lambda inp, _: maternity_allowance_payee(inp),
        example={"emp_type": "enterprise", "employer_account_on_file": False, "bank_acct": "52050100360009000001"},
    )


SETTLEMENT = settlement_rule()
BANK_ACCOUNT = bank_account_rule()
MATERNITY_ALLOWANCE = maternity_allowance_rule()
MATERNITY_PAYEE = maternity_payee_rule()
RULES: tuple[Rule[Any, Any], ...] = (SETTLEMENT, BANK_ACCOUNT, MATERNITY_ALLOWANCE, MATERNITY_PAYEE)
