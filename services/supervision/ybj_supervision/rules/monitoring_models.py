"""The monitoring rules' models: a settlement record as the national settlement output gives it, and a hit.

Money here is integer fen, as the settlement records hold it (a case holds yuan; see rules/monitoring.py's grouping).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ybj_kernel.domain.validation import bilingual

# 严重程度 (sev_deg), this platform's scale (the seeds give none):
SEVERITIES = {
    1: "提示：疑似违规，需人工核实",
    2: "一般：明确违反规则，扣减所涉费用",
    3: "严重：可能涉及冒名就医、虚假住院或基金不应支付，转稽核",
}
Severity = Literal[1, 2, 3]


class Line(BaseModel):
    """一条费用明细."""

    med_list_codg: str = Field(min_length=1, max_length=50, description="医疗目录编码")
    med_list_name: str = Field(default="", max_length=200, description="医疗目录名称")
    cnt: Decimal = Field(description="数量")
    pric: int = Field(description="单价（分）")
    det_item_fee_sumamt: int = Field(description="明细项目费用总额（分）")
    fee_ocur_time: datetime = Field(description="费用发生时间")


class SettlementRecord(BaseModel):
    """一条结算记录 (the national settlement output, amounts in fen)."""

    setl_id: str = Field(min_length=1, max_length=40, description="结算ID")
    mdtrt_id: str = Field(min_length=1, max_length=40, description="就诊ID")
    psn_no: str = Field(min_length=1, max_length=40, description="人员编号")
    certno: str = Field(default="", max_length=50, description="证件号码")
    gend: Literal["1", "2"] | None = Field(default=None, description="性别 (1 男, 2 女; 未知则限性别规则不适用)")
    fixmedins_code: str = Field(min_length=1, max_length=30, description="定点医药机构编号")
    insutype: str = Field(default="", max_length=6, description="险种类型")
    med_type: str = Field(min_length=1, max_length=6, description="医疗类别 (11 普通门诊, 21 普通住院 …)")
    begndate: date = Field(description="开始日期（入院或就诊日期）")
    enddate: date = Field(description="结束日期（出院或就诊日期）")
    setl_time: datetime = Field(description="结算时间")
    medfee_sumamt: int = Field(description="医疗费总额（分）")
    fulamt_ownpay_amt: int = Field(default=0, description="全自费金额（分）")
    hifp_pay: int = Field(default=0, description="基本医疗保险统筹基金支出（分）")
    acct_pay: int = Field(default=0, description="个人账户支出（分）")
    psn_cash_pay: int = Field(default=0, description="个人现金支出（分）")
    reverses: str | None = Field(default=None, max_length=40, description="冲正的原结算ID")
    lines: list[Line] = Field(default_factory=list, description="费用明细")

    @model_validator(mode="after")
    def _dates(self) -> SettlementRecord:
        if self.enddate < self.begndate:
            raise bilingual("结束日期不能早于开始日期", "enddate is before begndate")
        return self


class InsuranceEnd(BaseModel):
    """The day a person's insurance ended (参保终止日期): billing after it is not the fund's."""

    psn_no: str = Field(min_length=1, max_length=40, description="人员编号")
    enddate: date = Field(description="参保终止日期")


class MonitoringInput(BaseModel):
    """The records screened, and (for the insurance rule) when each person's insurance ended."""

    model_config = ConfigDict(extra="forbid")

    records: list[SettlementRecord] = Field(min_length=1, description="结算记录")
    insurance_ends: list[InsuranceEnd] = Field(default_factory=list, description="参保终止日期（按人员）")

    @field_validator("records")
    @classmethod
    def _once_each(cls, value: list[SettlementRecord]) -> list[SettlementRecord]:
        if len({r.setl_id for r in value}) != len(value):
            raise bilingual("同一结算ID列了两次", "a setl_id is listed twice")
        return value


class Evidence(BaseModel):
    """Where a hit comes from: a settlement and the indexes of its lines (none: the record as a whole)."""

    setl_id: str
    line_idx: list[int] = Field(default_factory=list, description="费用明细序号（从0起）")


class Hit(BaseModel):
    """一条违规疑点 (3101 审核结果 names)."""

    rule_id: str
    rule_name: str
    vola_cont: str = Field(description="违规内容")
    vola_amt: int = Field(ge=0, description="违规金额（分）")
    sev_deg: Severity = Field(description="严重程度 (1 提示, 2 一般, 3 严重)")
    vola_evid: list[Evidence] = Field(min_length=1, description="违规依据（结算ID与明细序号）")
    psn_no: str
    mdtrt_id: str = Field(description="就诊ID（第一条依据的）")
    fixmedins_code: str
    setl_ym: str = Field(pattern=r"^\d{6}$", description="结算年月（第一条依据的）")


class MonitoringOutput(BaseModel):
    """A rule's hits over the records."""

    rule_id: str
    rule_name: str
    hits: list[Hit]
    hit_cnt: int
    vola_sumamt: int = Field(description="违规金额合计（分）")
