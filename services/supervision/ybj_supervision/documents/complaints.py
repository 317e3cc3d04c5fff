"""P077's printed form: 社会保险稽核结案报告 (「案件文书生成社会保险稽核结案报告」, issued once the case is closed)."""

from __future__ import annotations

from ybj_kernel.domain.documents import DocumentField, DocumentSpec

SEVERITIES_ZH = {"1": "轻微", "2": "一般", "3": "严重"}

CLOSING_REPORT = DocumentSpec(
    name="audit-closing-report",
    title_zh="社会保险稽核结案报告",
    fields=(
        DocumentField("clue_no", "举报投诉线索编号"),
        DocumentField("audit_notice_no", "稽核通知书编号"),
        DocumentField("fixmedins_code", "被稽核定点医药机构编号"),
        DocumentField("fixmedins_name", "被稽核定点医药机构名称"),
        DocumentField("audit_begndate", "稽核期间开始", "date"),
        DocumentField("audit_enddate", "稽核期间结束", "date"),
        DocumentField("audit_info", "稽核信息"),
        DocumentField("checklist_no", "稽核检查表编号"),
        DocumentField("investigation_cont", "调查情况"),
        DocumentField("sev_deg", "严重程度", "code", SEVERITIES_ZH),
        DocumentField("audit_conclusion", "稽核结论"),
        DocumentField("appeal_reason", "申诉理由"),
        DocumentField("collegial_opinion", "合议意见"),
        DocumentField("vola_amt", "认定违规金额", "money_yuan"),
        DocumentField("audit_decision", "稽核处理决定"),
        DocumentField("admin_referral_cont", "提请行政处理"),
        DocumentField("judicial_referral_cont", "提请司法处理"),
        DocumentField("other_notes", "其他说明"),
        DocumentField("approval_opinion", "审批意见"),
    ),
    stages=frozenset({"completed"}),
    note_zh="本报告由结案时的案件数据生成，校验码可据案件历史复核。",
)
