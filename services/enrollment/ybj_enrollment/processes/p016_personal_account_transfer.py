"""P016 参保人员个人账户转移: 受理 → 《联系函》 → 《信息表》 with the account's funds → 办结, on working-day clocks.

The three clocks are the rule `transfer_deadlines`' policy (5, 10 and 5 working days, 法定节假日 skipped and 调休
counted), declared as the stages' deadlines, so a case's 时限 and a trial agree. Each clock counts from the date
its paper says (「受理后」: the 受理日期; 「收到《联系函》后」: the 联系函's date; 「收到《信息表》…后」: the 信息表's
date), which defaults to the day it is entered and may be earlier when the paper was received before it was keyed
in (papers pass through the platform the day they are issued: 「有条件的可通过平台…进行信息传递」).

The 转出地 either 划转 the whole account or pays it out in one sum (一次性清退). At completion the account records
it: 转出 (or 清退) of the whole balance when this platform holds the account, and the 310 relation here ends
(终止参保) on the 信息表's 参保终止日期; 转入 of the funds received when it is the 转入地. The 《参保凭证》 is printed from the 《信息表》's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_enrollment.documents import DOCUMENTS
from ybj_enrollment.processes.fields import PersonLookup, fen, today_or_earlier
from ybj_enrollment.processes.p012_personal_account_injection import PERSON, psn_no_of
from ybj_enrollment.rules import TransferPolicy
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, Money, bilingual
from ybj_kernel.errors import InvalidInput

CLOCKS = TransferPolicy()  # the same policy as the rule transfer_deadlines: 5, 10, 5 working days
OUT, IN = "1", "2"  # 转移方向
TRANSFER, REFUND = "1", "2"  # 个人账户资金处理方式: 划转, 一次性清退


class TransferApplication(PersonLookup):
    """《基本医疗保险关系转移接续申请表》: the person, the two 统筹区 and which side this platform is."""

    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    insutype: Literal["310"] = Field(default="310", description="险种类型 (310 职工基本医疗保险)")
    trans_dir: Literal["1", "2"] = Field(
        description="转移方向 (1 转出：本地个人账户转往转入地, 2 转入：转出地个人账户转入本地)"
    )
    out_admdvs: Admdvs = Field(description="转出地医保区划")
    in_admdvs: Admdvs = Field(description="转入地医保区划")
    acpt_date: date | None = Field(default=None, validate_default=True, description="受理日期（缺省为今天）")

    @field_validator("acpt_date", mode="after")
    @classmethod
    def _acpt_date(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "受理日期")

    @field_validator("in_admdvs")
    @classmethod
    def _two_places(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("out_admdvs"):
            raise bilingual("转入地与转出地医保区划相同，无需转移", "in_admdvs is the same as out_admdvs")
        return value


class ContactLetter(BaseModel):
    """转入地经办机构生成并发出《联系函》."""

    ctc_letter_no: str = Field(min_length=1, max_length=40, description="《联系函》编号")
    ctc_letter_date: date | None = Field(
        default=None, validate_default=True, description="《联系函》发出日期（缺省为今天）"
    )

    @field_validator("ctc_letter_date", mode="after")
    @classmethod
    def _ctc_letter_date(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "《联系函》发出日期")


class InfoSheet(BaseModel):
    """转出地经办机构生成、发出《信息表》(参保及缴费信息) and 划转 or 一次性清退 the account's funds."""

    info_sheet_no: str = Field(min_length=1, max_length=40, description="《信息表》编号")
    info_sheet_date: date | None = Field(
        default=None, validate_default=True, description="《信息表》发出日期（缺省为今天）"
    )
    emp_name: str = Field(min_length=1, max_length=200, description="参保单位")
    begndate: date = Field(description="参保开始日期")
    enddate: date = Field(description="参保终止日期")
    pay_months: int = Field(ge=0, le=1200, description="实际缴费月数")
    acct_trans_type: Literal["1", "2"] = Field(description="个人账户资金处理方式 (1 划转, 2 一次性清退)")
    trans_amt: Money = Field(description="个人账户转移金额（元；一次性清退时为清退金额）")
    trans_date: date | None = Field(
        default=None, validate_default=True, description="资金划转（清退）日期（缺省为今天）"
    )

    @field_validator("enddate")
    @classmethod
    def _ends_after_start(cls, value: date, info: ValidationInfo) -> date:
        begin = info.data.get("begndate")
        if begin is not None and value < begin:
            raise bilingual("参保终止日期不能早于参保开始日期", "enddate cannot be before begndate")
        return value

    @field_validator("trans_date", mode="after")
    @classmethod
    def _trans_date(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "资金划转日期")

    @field_validator("info_sheet_date", mode="after")
    @classmethod
    def _info_sheet_date(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "《信息表》发出日期")


class Completion(BaseModel):
    """转入地经办机构收到《信息表》和转移资金后办结: the funds as they arrived (划转 only)."""

    arvl_amt: Money | None = Field(default=None, description="转移资金到账金额（元；划转时必填）")
    arvl_date: date | None = Field(default=None, validate_default=True, description="到账日期（缺省为今天）")

    @field_validator("arvl_date", mode="after")
    @classmethod
    def _arvl_date(cls, value: date | None, info: ValidationInfo) -> date:
        return today_or_earlier(value, info, "到账日期")


def funds_arrived(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """划转: the funds received must be the 《信息表》's amount; 一次性清退: no funds come."""
    if current.get("acct_trans_type") != TRANSFER:
        if step.get("arvl_amt") is not None and Decimal(str(step["arvl_amt"])) != 0:
            raise InvalidInput(
                "NO_FUNDS_EXPECTED",
                "个人账户资金已一次性清退，转入地不应收到转移资金",
                "the account was paid out in one sum: no funds are transferred",
                "arvl_amt",
            )
        return
    if step.get("arvl_amt") is None:
        raise InvalidInput(
            "MISSING_FIELD", "请填写转移资金到账金额", "the amount of the funds received is required", "arvl_amt"
        )
    if Decimal(str(step["arvl_amt"])) != Decimal(str(current["trans_amt"])):
        raise InvalidInput(
            "TRANSFER_AMOUNT_MISMATCH",
            f"到账金额 {step['arvl_amt']} 元与《信息表》转移金额 {current['trans_amt']} 元不一致",
            f"the funds received ({step['arvl_amt']}) are not the information sheet's {current['trans_amt']}",
            "arvl_amt",
        )


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """转出: the whole account leaves (划转 or 清退) and the 310 relation here ends on the 信息表's 参保终止日期;
    转入: the funds received come in. No account entry when no money moves."""
    amount = fen(Decimal(str(data["trans_amt"])))
    psn_no = psn_no_of(data)
    route = f"{data['out_admdvs']}→{data['in_admdvs']}"
    detail = {"info_sheet_no": str(data["info_sheet_no"]), "ctc_letter_no": str(data["ctc_letter_no"])}
    if data["trans_dir"] == OUT:
        refund = data["acct_trans_type"] == REFUND
        ended = {"insutype": "310", "on": data["enddate"], "reason": f"关系转移接续，转往 {data['in_admdvs']}"}
        entry = {
            "psn_no": psn_no,
            "kind": "refund" if refund else "transfer_out",
            "amount": amount,
            "on": data["trans_date"],
            "summary": f"关系转移接续：个人账户资金{'一次性清退' if refund else '划转'}（{route}）",
            "whole": True,
            "detail": detail,
        }
        moved = [Effect("account", psn_no, "move", entry)] if amount else []
        return [*moved, Effect("person", psn_no, "terminate", ended)]
    if amount == 0 or data["acct_trans_type"] == REFUND:
        return []
    entry = {
        "psn_no": psn_no,
        "kind": "transfer_in",
        "amount": amount,
        "on": data["arvl_date"],
        "summary": f"关系转移接续：个人账户资金转入（{route}）",
        "detail": detail,
    }
    return [Effect("account", psn_no, "move", entry)]


P016 = ProcessDefinition(
    id="P016",
    slug="personal_account_transfer",
    name_zh="参保人员个人账户转移",
    service="enrollment",
    materials=(Material("本人居民身份证（或电子医保凭证）"), Material("《基本医疗保险关系转移接续申请表》")),
    stages=(
        Stage(
            "accept_application",
            "全省通办服务窗口接受申请，交转入地医保经办机构受理",
            ("registrar", "channel"),
            "TransferApplicationAccepted",
            input=TransferApplication,
            example={**PERSON, "psn_name": "陈晶", "trans_dir": OUT, "out_admdvs": "520102", "in_admdvs": "530102"},
        ),
        Stage(
            "issue_contact_letter",
            "转入地经办机构生成并发出《联系函》",
            ("transfer_in_agency",),
            "ContactLetterIssued",
            input=ContactLetter,
            due=CLOCKS.contact_letter,
            due_from="acpt_date",
            example={"ctc_letter_no": "LXH5301022026000123"},
        ),
        Stage(
            "issue_info_sheet",
            "转出地经办机构生成、发出《信息表》并划转或一次性清退个人账户资金",
            ("transfer_out_agency",),
            "InfoSheetIssued",
            input=InfoSheet,
            due=CLOCKS.info_sheet,
            due_from="ctc_letter_date",
            example={
                "info_sheet_no": "XXB5201022026000456",
                "emp_name": "贵阳云岩数智科技有限公司",
                "begndate": "2026-01-01",
                "enddate": "2026-11-30",
                "pay_months": 11,
                "acct_trans_type": TRANSFER,
                "trans_amt": "1000.00",  # the whole balance P012's example injected
            },
        ),
        Stage(
            "complete_transfer",
            "转入地经办机构收到《信息表》和转移资金后办结",
            ("transfer_in_agency",),
            "TransferCompleted",
            input=Completion,
            checks=(funds_arrived,),
            due=CLOCKS.completion,
            due_from="info_sheet_date",
            example={"arvl_amt": "1000.00"},
        ),
    ),
    effects=effects,
    documents=DOCUMENTS["P016"],
)
