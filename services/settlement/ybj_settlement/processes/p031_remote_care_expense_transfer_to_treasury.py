"""P031 异地就医医疗支出结算: 月末划转财政明细表 → 部门领导签字 → the online-banking chain, seed L1244.

「月末最后一个工作日，查询机关事业单位和企业医疗保险收入户月末余额，制作异地就医医疗支出结算月末划转财政明细表，经部门领导签字完成
后，划转财政，登录网银——出纳制单（根据所制作的明细进行制单，录入收款人户名、账号、开户行、金额后制单完成）——一级复核——二级复核
——三级复核——审批支付流程完成。」 Rule R13: the statement is made on the month's last working day (the kernel's working-day
calendar), else refused naming stmt_date. The statement is the summary the 出纳制单 is checked against; 部门领导签字 is a
review (the leader may return it: TransferStatementReturned). The balances are recorded as the statement states them;
the seed sets no rule between them and the amount transferred. Payee, account and amounts are 示例 (examples).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field

from ybj_kernel.domain.calendar import is_working_day
from ybj_kernel.domain.process import Material, Stage
from ybj_kernel.domain.validation import Money
from ybj_kernel.errors import InvalidInput
from ybj_settlement.processes.payment_chains import Summary, online_banking_chain, summary_stage


def last_working_day(year: int, month: int) -> date:
    """R13: the last working day of the month (月末最后一个工作日) on the working-day calendar."""
    day = date(year, month, calendar.monthrange(year, month)[1])
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


class TransferStatement(Summary):
    """《异地就医医疗支出结算月末划转财政明细表》: the month-end balances and the transfer to 财政."""

    stmt_date: date = Field(description="制表日期（月末最后一个工作日）")
    gov_inst_bal: Money = Field(description="机关事业单位医疗保险收入户月末余额（元）")
    enterprise_bal: Money = Field(description="企业医疗保险收入户月末余额（元）")


class SignOff(BaseModel):
    """部门领导签字."""

    signed_by: str = Field(min_length=1, max_length=50, description="签字领导")


def on_last_working_day(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """R13: 「月末最后一个工作日」."""
    made = date.fromisoformat(str(step["stmt_date"]))
    last = last_working_day(made.year, made.month)
    if made != last:
        raise InvalidInput(
            "NOT_LAST_WORKING_DAY",
            f"明细表须在月末最后一个工作日（{last.isoformat()}）制作",
            f"the statement is made on the month's last working day ({last.isoformat()})",
            "stmt_date",
        )


EXAMPLE = {  # 示例
    "doc_no": "MX202611",
    "stmt_date": "2026-11-30",
    "gov_inst_bal": "2860000.00",
    "enterprise_bal": "5120000.35",
    "purpose": "异地就医医疗支出划转财政",
    "pay_cnt": 1,
    "pay_sumamt": "1523400.55",
    "payees": [
        {
            "acct_name": "贵州省财政厅社会保障基金财政专户",
            "bank_acct": "2402000129200000001",
            "bank_name": "中国工商银行贵州省分行营业部",
            "amount": "1523400.55",
        },
    ],
}

P031 = online_banking_chain(
    id="P031",
    slug="remote_care_expense_transfer_to_treasury",
    name_zh="异地就医医疗支出结算",
    summary_title="异地就医医疗支出结算月末划转财政明细表",
    lead=(
        summary_stage(
            "prepare_transfer_statement",
            "月末最后一个工作日，查询机关事业单位和企业医疗保险收入户月末余额，制作异地就医医疗支出结算月末划转财政明细表",
            "TransferStatementPrepared",
            EXAMPLE,
            model=TransferStatement,
            roles=("finance",),
            checks=(on_last_working_day,),
        ),
        Stage(
            "leader_sign_off",
            "部门领导签字",
            ("approver",),
            "PaymentSummarySigned",
            review=True,
            reject_event="TransferStatementReturned",
            input=SignOff,
            example={"signed_by": "部门领导（示例）"},
        ),
    ),
    stage_names=(
        "登录网银—出纳制单（根据所制作的明细进行制单，录入收款人户名、账号、开户行、金额）",
        "一级复核",
        "二级复核",
        "三级复核",
        "审批支付流程完成",
    ),
    materials=(Material("异地就医医疗支出结算月末划转财政明细表"),),
    summary_example=EXAMPLE,
)
