"""Inputs and outputs of the reimbursement and maternity rules (rules/reimbursement.py), shared with the processes.

A 费用明细 line is one model for the 明细录入 stage and for the settlement rule, so a line the clerk can enter is a line
the rule takes, and a trial (试算) refuses exactly what the case refuses. Money is Decimal yuan; every product is
rounded once, half up to the fen, by `to_fen`, and nowhere else.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator

from ybj_kernel.domain.rules import Verdict
from ybj_kernel.domain.validation import Money, bilingual, field_errors
from ybj_treatment.policy.cost_share import HospLv, Insutype, MedType

FEN = Decimal("0.01")
MAX_LINES = 1000  # one claim's lines: a technical bound on the case's size, not a policy number

# 医疗收费项目类别 and 收费项目等级 (national code lists; confirm against the 医保代码表 before use).
MED_CHRGITM_TYPE_ZH = {
    "01": "床位费",
    "02": "诊察费",
    "03": "检查费",
    "04": "化验费",
    "05": "治疗费",
    "06": "手术费",
    "07": "护理费",
    "08": "卫生材料费",
    "09": "西药费",
    "10": "中药饮片费",
    "11": "中成药费",
    "12": "一般诊疗费",
    "13": "挂号费",
    "14": "其他费",
}
CHRGITM_LV_ZH = {"01": "甲类", "02": "乙类", "03": "丙类"}
MedChrgitmType = Literal["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14"]


def to_fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up: the one place where money is rounded."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


class FeeLine(BaseModel):
    """One line of 费用明细: 类别, 项目编码, 名称, 等级, 数量, 单价 and 金额 (= 数量 × 单价, to the fen)."""

    med_chrgitm_type: MedChrgitmType = Field(
        description="医疗收费项目类别 (01 床位费, 02 诊察费, 03 检查费, 04 化验费, 05 治疗费, 06 手术费, 07 护理费, "
        "08 卫生材料费, 09 西药费, 10 中药饮片费, 11 中成药费, 12 一般诊疗费, 13 挂号费, 14 其他费)"
    )
    hilist_code: str = Field(
        min_length=1, max_length=50, pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-_]*$", description="项目编码"
    )
    hilist_name: str = Field(min_length=1, max_length=200, description="项目名称")
    chrgitm_lv: Literal["01", "02", "03"] = Field(description="收费项目等级 (01 甲类, 02 乙类, 03 丙类)")
    cnt: Decimal = Field(gt=0, max_digits=12, decimal_places=4, description="数量")
    pric: Decimal = Field(ge=0, max_digits=16, decimal_places=6, description="单价（元）")
    det_item_fee_sumamt: Money = Field(description="金额（元）")

    @field_validator("det_item_fee_sumamt")
    @classmethod
    def _count_times_price(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        cnt, pric = info.data.get("cnt"), info.data.get("pric")
        if cnt is not None and pric is not None and value != (expected := to_fen(cnt * pric)):
            raise bilingual(
                f"金额 {value} 与数量 {cnt} × 单价 {pric} = {expected} 不符（精确到分）",
                f"the amount {value} is not quantity {cnt} × unit price {pric} = {expected} (to the fen)",
            )
        return value


def lines_total(lines: list[FeeLine]) -> Decimal:
    """The sum of the lines' amounts (exact: each amount is in fen)."""
    return sum((line.det_item_fee_sumamt for line in lines), Decimal("0.00"))


class InstitutionParameter(BaseModel):
    """One version of a designated institution's parameters, as the `institution` registry holds it (P063)."""

    exe_date: date = Field(description="执行日期")
    dedc_std: int | None = Field(default=None, ge=0, description="起付线（分）；空为本版本未设")
    selfpay_prop: Decimal | None = Field(default=None, ge=0, le=1, description="自付比例；空为本版本未设")


def _items(model: type[BaseModel], value: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """Each item checked with `model`; a bad one is refused naming `field.index.item_field` (as a nested model would)."""
    checked = []
    for i, item in enumerate(value):
        try:
            checked.append(model.model_validate(item).model_dump(mode="json"))
        except ValidationError as exc:
            first = field_errors(exc)[0]
            raise replace(first, field=f"{field}.{i}.{first.field}" if first.field else f"{field}.{i}") from None
    return checked


class SettlementInput(BaseModel):
    """What a claim is settled from: who and where (险种, 医疗机构级别, 医疗类别), the visit date, and the lines.

    The lists hold plain objects checked item by item (a rule's input stays flat for its trial's documented body); the
    item schemas are inlined under `items`.
    """

    insutype: Insutype = Field(description="险种类型 (310 职工基本医疗保险, 390 城乡居民基本医疗保险)")
    hosp_lv: HospLv = Field(description="医疗机构级别 (01 三级, 02 二级, 03 一级, 09 未定级)")
    med_type: MedType = Field(
        description="医疗类别 (11 普通门诊, 14 门诊慢特病, 21 普通住院, 51 生育门诊, 52 生育住院, 53 计划生育手术费)"
    )
    begndate: date = Field(description="就诊日期（住院为入院日期）：按该日执行的待遇政策计算")
    lines: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_LINES,
        description="费用明细",
        json_schema_extra={"items": FeeLine.model_json_schema()},
    )
    fund_paid_ytd: Money = Field(
        default=Decimal("0.00"), description="本年度该医疗类别统筹基金已支付（元，计算封顶线剩余额度）"
    )
    inst_params: list[dict[str, Any]] = Field(
        default_factory=list,
        description="定点医疗机构参数（起付线、自付比例、执行日期；来自定点医药机构登记）",
        json_schema_extra={"items": InstitutionParameter.model_json_schema()},
    )

    @field_validator("lines")
    @classmethod
    def _lines(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _items(FeeLine, value, "lines")

    @field_validator("inst_params")
    @classmethod
    def _parameters(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _items(InstitutionParameter, value, "inst_params")

    def fee_lines(self) -> list[FeeLine]:
        """The lines as models."""
        return [FeeLine.model_validate(item) for item in self.lines]

    def parameter_versions(self) -> list[InstitutionParameter]:
        """The institution's parameter versions as models."""
        return [InstitutionParameter.model_validate(item) for item in self.inst_params]


class AppliedPolicy(BaseModel):
    """The terms the claim was settled with, and where each came from."""

    row: dict[str, Any] = Field(description="所用政策表行（险种、级别、医疗类别、起止日期、参数）")
    example: bool = Field(description="政策表为示例数据")
    dedc_std: Decimal = Field(description="起付线（元）")
    dedc_source: str = Field(description="起付线来源（table 政策表 / institution 定点医疗机构参数及其执行日期）")
    selfpay_prop: Decimal = Field(description="自付比例")
    selfpay_source: str = Field(description="自付比例来源")
    pool_prop: Decimal = Field(description="统筹支付比例（1 − 自付比例）")
    prepay_prop: Decimal = Field(description="乙类先行自付比例")
    hifp_cap: Decimal | None = Field(description="封顶线（元/年）；空为不封顶")


class CategoryTotal(BaseModel):
    """The lines of one 医疗收费项目类别, summed."""

    med_chrgitm_type: str
    name_zh: str
    amount: Decimal


class SettlementOutput(BaseModel):
    """Every figure of the settlement. 统筹支付 + 个人负担合计 = 医疗费用总额, exactly, in fen."""

    policy: AppliedPolicy
    medfee_sumamt: Decimal = Field(description="医疗费用总额")
    cls_a_amt: Decimal = Field(description="甲类费用")
    cls_b_amt: Decimal = Field(description="乙类费用")
    fulamt_ownpay_amt: Decimal = Field(description="全自费金额（丙类）")
    preselfpay_amt: Decimal = Field(description="先行自付金额（乙类 × 先行自付比例）")
    inscp_scp_amt: Decimal = Field(description="合规费用（符合政策范围金额）")
    act_pay_dedc: Decimal = Field(description="实际支付起付线")
    pool_base: Decimal = Field(description="起付线以上合规费用")
    hifp_pay_calc: Decimal = Field(description="按比例计算的统筹支付（封顶前）")
    cap_left: Decimal | None = Field(description="本年度封顶线剩余额度；空为不封顶")
    hifp_pay: Decimal = Field(description="统筹支付")
    over_cap_amt: Decimal = Field(description="超封顶线个人负担")
    copay_amt: Decimal = Field(description="比例自付（起付线以上合规费用的个人部分，含舍入差额）")
    psn_selfpay: Decimal = Field(description="个人自付（起付线 + 比例自付 + 超封顶线）")
    psn_part_amt: Decimal = Field(description="个人负担合计（个人自付 + 先行自付 + 全自费）")
    by_category: list[CategoryTotal] = Field(description="按医疗收费项目类别汇总")


class BankAccountInput(BaseModel):
    """C09: whether this claim must come with a bank account, and whether one came."""

    has_ss_card: bool = Field(description="持有社会保障卡（金融账户）")
    first_claim: bool = Field(description="首次报销")
    bank_acct: str | None = Field(default=None, max_length=40, description="银行账号")


class BankAccountOutput(Verdict):
    """`required`: no 社保卡 and a first claim; not allowed when required and missing."""

    required: bool = Field(description="须提供银行账号")


Birth = Literal["birth", "miscarriage_early", "miscarriage_late"]
BIRTH_ZH = {"birth": "生育", "miscarriage_early": "怀孕未满4个月流产", "miscarriage_late": "怀孕满4个月流产"}


class AllowanceInput(BaseModel):
    """生育津贴核定: the employer's average monthly wage last year, and what the leave is for."""

    avg_wage: Money = Field(gt=0, description="用人单位上年度职工月平均工资（元）")
    birth_type: Birth = Field(
        default="birth",
        description="生育类型 (birth 生育, miscarriage_early 怀孕未满4个月流产, miscarriage_late 怀孕满4个月流产)",
    )
    dystocia: bool = Field(default=False, description="难产")
    babies: int = Field(default=1, ge=1, le=9, description="生育婴儿数")


class AllowanceOutput(BaseModel):
    """The leave days, part by part, and the allowance: 月平均工资 ÷ 折算天数 × 产假天数, rounded once."""

    base_days: int = Field(description="产假基本天数")
    dystocia_days: int = Field(description="难产增加天数")
    multiple_days: int = Field(description="多胞胎增加天数")
    extra_days: int = Field(description="本省增加天数（示例配置）")
    leave_days: int = Field(description="产假天数合计")
    avg_wage: Decimal = Field(description="用人单位上年度职工月平均工资")
    day_divisor: Decimal = Field(description="月工资折算日数（示例配置）")
    allowance: Decimal = Field(description="生育津贴（元）")


EmpType = Literal["enterprise", "government", "public_institution", "self_funded_institution"]
EMP_TYPE_ZH = {
    "enterprise": "企业",
    "government": "机关",
    "public_institution": "事业单位（非自收自支）",
    "self_funded_institution": "自收自支事业单位",
}


class PayeeInput(BaseModel):
    """C10: who receives the 生育津贴, and whether an account must come with this claim."""

    emp_type: EmpType = Field(
        description="单位类型 (enterprise 企业, government 机关, public_institution 事业单位, "
        "self_funded_institution 自收自支事业单位)"
    )
    has_ss_card: bool = Field(default=True, description="个人持有社会保障卡（金融账户）")
    first_claim: bool = Field(default=False, description="个人首次报销")
    employer_account_on_file: bool = Field(default=False, description="单位职工报销过（单位对公账户已提供）")
    bank_acct: str | None = Field(default=None, max_length=40, description="所提供的银行账号（个人或单位对公）")


class PayeeOutput(Verdict):
    """The payee (the person, or their employer's 对公账户) and whether an account must be given now."""

    payee: Literal["person", "employer"] = Field(description="拨付对象 (person 个人, employer 单位对公账户)")
    account_required: bool = Field(description="本次须提供银行账号")


def fen(yuan: Decimal | str) -> int:
    """Yuan (a Decimal or its string, fen precision) as integer fen, for registries and events."""
    return int(to_fen(Decimal(str(yuan))) * 100)
