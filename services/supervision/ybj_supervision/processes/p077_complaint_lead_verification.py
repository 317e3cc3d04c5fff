"""P077 举报投诉线索核查: 稽核登记 → 调查 → 审核 → (申诉) → 合议 → 处理 → 结案, with the 社会保险稽核结案报告.

「根据局转办的举报投诉线索，对被核查的定点医药机构进行费用筛选，抽查被核查定点医疗机构病历或定点药店的结算数据单」
(L4129-4132). 「稽核对象收到稽核结论后如对结果产生异议，可在规定期限内提供相关材料并发起申诉请求」: the appeal is
optional; the seeds give no 期限, so none is enforced here. 「根据案件的严重程度填写稽核处理决定、提请行政处理、提请司法
处理」: a referral ticked needs what is referred.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage
from ybj_kernel.domain.validation import Admdvs, Money, bilingual
from ybj_kernel.errors import InvalidInput
from ybj_supervision.documents.complaints import CLOSING_REPORT


class Strict(BaseModel):
    """An input that refuses a misspelt field."""

    model_config = ConfigDict(extra="forbid")


class AuditRegistration(Strict):
    """稽核登记: the clue handed over by the bureau, whom it concerns, and the 稽核信息."""

    clue_no: str = Field(min_length=1, max_length=40, description="举报投诉线索编号（局转办）")
    clue_cont: str = Field(min_length=1, max_length=2000, description="举报投诉线索内容")
    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$", description="被稽核定点医药机构编号")
    fixmedins_name: str = Field(min_length=1, max_length=200, description="被稽核定点医药机构名称")
    admdvs: Admdvs = Field(description="医保区划")
    audit_notice_no: str = Field(min_length=1, max_length=40, description="稽核通知书编号")
    audit_begndate: date = Field(description="费用筛选期间开始")
    audit_enddate: date = Field(description="费用筛选期间结束")
    audit_info: str = Field(min_length=1, max_length=2000, description="稽核信息")

    @field_validator("audit_enddate")
    @classmethod
    def _period(cls, value: date, info: ValidationInfo) -> date:
        if value < info.data.get("audit_begndate", value):
            raise bilingual("稽核期间结束日期不能早于开始日期", "audit_enddate is before audit_begndate")
        return value


class Investigation(Strict):
    """调查: the 稽核检查表, the records or 病历 checked, what was found and how serious it is."""

    checklist_no: str = Field(min_length=1, max_length=40, description="稽核检查表编号")
    checked_setl_ids: list[str] = Field(default_factory=list, max_length=1000, description="抽查的结算ID")
    investigation_cont: str = Field(min_length=1, max_length=4000, description="调查情况")
    vola_amt: Money = Field(default=Decimal("0.00"), description="调查认定的违规金额（元）")
    sev_deg: Literal["1", "2", "3"] = Field(description="严重程度 (1 轻微, 2 一般, 3 严重)")


class Review(Strict):
    """审核: the 稽核结论 sent to the audited institution."""

    audit_conclusion: str = Field(min_length=1, max_length=2000, description="稽核结论")


class Appeal(Strict):
    """申诉: the institution's objection and its materials."""

    appeal_reason: str = Field(min_length=1, max_length=2000, description="申诉理由")
    attachments: list[str] = Field(default_factory=list, max_length=20, description="申诉材料编号")


class Collegial(Strict):
    """合议: the amount in violation the panel settles on."""

    vola_amt: Money = Field(description="合议认定的违规金额（元）")
    collegial_opinion: str = Field(min_length=1, max_length=2000, description="合议意见")


class Decision(Strict):
    """处理: 稽核处理决定, 提请行政处理, 提请司法处理, 其他说明, the files uploaded."""

    audit_decision: str = Field(min_length=1, max_length=2000, description="稽核处理决定")
    admin_referral: bool = Field(default=False, description="是否提请行政处理")
    admin_referral_cont: str | None = Field(default=None, max_length=2000, description="提请行政处理内容")
    judicial_referral: bool = Field(default=False, description="是否提请司法处理")
    judicial_referral_cont: str | None = Field(default=None, max_length=2000, description="提请司法处理内容")
    other_notes: str | None = Field(default=None, max_length=2000, description="其他说明")
    files: list[str] = Field(default_factory=list, max_length=20, description="相关文件编号")


class Closing(Strict):
    """结案: 审批意见 (同意结案)."""

    approval_opinion: str = Field(min_length=1, max_length=1000, description="审批意见")


def referrals_say_what(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A referral ticked (提请行政处理/提请司法处理) says what is referred."""
    for flag, text, zh in (
        ("admin_referral", "admin_referral_cont", "提请行政处理"),
        ("judicial_referral", "judicial_referral_cont", "提请司法处理"),
    ):
        if step.get(flag) and not step.get(text):
            raise InvalidInput("MISSING_FIELD", f"选择{zh}时须填写其内容", f"{text} is required when {flag}", text)


def amount_not_negative(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """违规金额 is zero or more."""
    if Decimal(str(step["vola_amt"])) < 0:
        raise InvalidInput("INVALID_VIOLATION_AMOUNT", "违规金额不能为负数", "vola_amt cannot be negative", "vola_amt")


P077 = ProcessDefinition(
    id="P077",
    slug="complaint_lead_verification",
    name_zh="举报投诉线索核查",
    service="supervision",
    materials=(
        Material("局转办的举报投诉线索（据此对被核查定点医药机构进行费用筛选，抽查病历或结算数据单）"),
        Material("稽核通知书"),
        Material("稽核检查表"),
    ),
    cancel_roles=("auditor",),
    stages=(
        Stage(
            "audit_registration",
            "稽核登记（填写稽核信息）",
            ("auditor",),
            "AuditRegistered",
            input=AuditRegistration,
            example={
                "clue_no": "JB2026110001",
                "clue_cont": "举报某医院重复收取静脉输液费（示例）",
                "fixmedins_code": "H52010200001",
                "fixmedins_name": "贵阳市第一人民医院",
                "admdvs": "520102",
                "audit_notice_no": "JHTZ2026-001",
                "audit_begndate": "2026-10-01",
                "audit_enddate": "2026-10-31",
                "audit_info": "根据局转办线索对该院10月门诊费用进行筛选并抽查结算数据单（示例）",
            },
        ),
        Stage(
            "investigation",
            "调查（查看案件调查信息）",
            ("auditor",),
            "InvestigationRecorded",
            input=Investigation,
            checks=(amount_not_negative,),
            example={
                "checklist_no": "JHJC2026-001",
                "checked_setl_ids": ["F80001", "F80002"],
                "investigation_cont": "抽查结算数据单2份，发现重复收费1次（示例）",
                "vola_amt": "15.00",
                "sev_deg": "1",
            },
        ),
        Stage(
            "review",
            "审核",
            ("first_reviewer",),
            "ReviewCompleted",
            review=True,
            input=Review,
            example={"audit_conclusion": "存在重复收费，违规金额15.00元（示例）"},
        ),
        Stage(
            "appeal",
            "申诉（稽核对象收到稽核结论后如有异议，在规定期限内提供相关材料并发起申诉请求）",
            ("institution",),
            "AppealSubmitted",
            optional=True,
            input=Appeal,
            example={"appeal_reason": "第二次输液为当日另一次医嘱（示例）"},
        ),
        Stage(
            "collegial_review",
            "合议",
            ("panel",),
            "CollegialReviewCompleted",
            review=True,
            input=Collegial,
            checks=(amount_not_negative,),
            example={"vola_amt": "15.00", "collegial_opinion": "维持稽核结论（示例）"},
        ),
        Stage(
            "decision",
            "处理（根据案件的严重程度填写稽核处理决定、提请行政处理、提请司法处理，上传相关文件）",
            ("auditor",),
            "DecisionRecorded",
            input=Decision,
            checks=(referrals_say_what,),
            example={"audit_decision": "追回违规费用15.00元（示例）", "other_notes": "无"},
        ),
        Stage(
            "close",
            "结案（填写审批意见，同意结案，生成社会保险稽核结案报告）",
            ("approver",),
            "CaseClosed",
            input=Closing,
            example={"approval_opinion": "同意结案"},
        ),
    ),
    documents=(CLOSING_REPORT,),
)
