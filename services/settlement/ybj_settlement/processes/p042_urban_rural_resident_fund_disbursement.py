"""P042 城乡居民基金支出: 费用审核 → 汇总 → 提交 → 复核 → 签字, then 国家医疗保障信息平台支付 or 网银支付.

「基金拨付可通过国家医疗保障信息平台（银行报盘、银医互联代发）或网银支付」 (DOMAIN §2.2, chains
`fund_payment_platform_bank_file` and `fund_payment_online_banking`). Modelled here from the catalogue stages directly
(the shared chain builders of P027-P040 may replace the payment part later with the same keys and events). The
一级/二级/三级复核 are reviews: three different people, none of whom did an earlier step (不相容岗位分离). Inputs and checks
are in p042_fields.
"""

from __future__ import annotations

from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Variant
from ybj_settlement.documents.adjustments import AUDIT_SUMMARY
from ybj_settlement.processes.p042_fields import (
    BankFile,
    BankReceipt,
    BankReturn,
    CountAndAmount,
    FeeAudit,
    FirstReview,
    Handover,
    PendingSummary,
    SignOff,
    Voucher,
    bank_return,
    check_batch_no,
    check_count_and_amount,
    completed,
    summarise,
)

PLATFORM, NETBANK = "platform", "online_banking"
P, N = frozenset({PLATFORM}), frozenset({NETBANK})
COUNT = {"line_count": 2, "total_amt": "187654.32"}

FEE_AUDIT_EXAMPLE = {
    "setl_ym": "202611",
    "admdvs": "520102",
    "setl_batch_no": "JS2026110001",
    "institutions": [
        {
            "fixmedins_code": "H52010200001",
            "fixmedins_name": "贵阳市第一人民医院",
            "bank_name": "中国工商银行贵阳中华北路支行",
            "bank_acct": "2402001009200012345",
            "declared_amt": "150000.00",
            "deducted_amt": "2345.68",
            "approved_amt": "147654.32",
        },
        {
            "fixmedins_code": "H52010200002",
            "fixmedins_name": "贵阳市第二人民医院",
            "bank_name": "中国建设银行贵阳分行",
            "bank_acct": "52001000000052012345",
            "declared_amt": "40000.00",
            "approved_amt": "40000.00",
        },
    ],
}


P042 = ProcessDefinition(
    id="P042",
    slug="urban_rural_resident_fund_disbursement",
    name_zh="城乡居民基金支出",
    service="settlement",
    variants=(Variant(PLATFORM, "国家医疗保障信息平台支付"), Variant(NETBANK, "网银支付")),
    materials=(
        Material("定点医疗机构申报费用汇总表"),
        Material("定点医疗机构申报费用明细表"),
        Material("定点医疗机构医保部门自审报告"),
        Material("审核拨付汇总表"),
    ),
    stages=(
        Stage(
            "fee_audit",
            "费用审核（居民医疗待遇—医院费用审核模块，依次完成已申报的定点医疗机构费用审核）",
            ("auditor",),
            "FeesAudited",
            input=FeeAudit,
            example=FEE_AUDIT_EXAMPLE,
        ),
        Stage(
            "audit_summary",
            "审核情况汇总（完成审核、扣款操作后，导出审核汇总情况）",
            ("auditor",),
            "AuditSummaryExported",
            derive=summarise,
        ),
        Stage(
            "submit_to_finance",
            "提交审核情况（审核部门向基金拨付部门提供本期审核待拨付汇总表）",
            ("auditor",),
            "PendingDisbursementSubmitted",
            input=PendingSummary,
            checks=(check_count_and_amount,),
            example={**COUNT, "pending_summary_no": "DBF2026110001"},
        ),
        Stage(
            "finance_recheck",
            "复核（基金拨付部门对收到的待拨付数据进行复核）",
            ("finance",),
            "DisbursementDataRechecked",
            input=CountAndAmount,
            checks=(check_count_and_amount,),
            example=COUNT,
        ),
        Stage(
            "leader_sign_off",
            "各部门和分管领导签字完成《待拨付汇总表》并提交财务",
            ("approver",),
            "PaymentSummarySigned",
            input=SignOff,
            example={"dept_signers": ["审核科 张三", "基金财务科 李四"], "leader": "王五"},
        ),
        Stage(
            "disbursement_handover",
            "业务拨付数据交接确认（笔数、金额、结算批次号必须一致）",
            ("finance",),
            "DisbursementDataConfirmed",
            input=Handover,
            checks=(check_count_and_amount, check_batch_no("setl_batch_no", "setl_batch_no")),
            variants=P,
            example={**COUNT, "setl_batch_no": "JS2026110001"},
        ),
        Stage(
            "bank_file_dispatch",
            "银行代发报盘处理（向银行发送报盘）",
            ("finance",),
            "BankFileDispatched",
            input=BankFile,
            variants=P,
            example={"pay_batch_no": "ZF2026110001", "bank_file_no": "BP2026110001"},
        ),
        Stage(
            "payment_first_review",
            "基金支付审批—初审（查询支付批次号，核对金额、笔数、单位名称、单位账户、开户行）",
            ("finance",),
            "PaymentFirstReviewApproved",
            input=FirstReview,
            checks=(check_count_and_amount, check_batch_no("pay_batch_no", "pay_batch_no")),
            variants=P,
            example={**COUNT, "pay_batch_no": "ZF2026110001"},
        ),
        Stage(
            "recheck_level_1", "一级复核", ("finance_reviewer_1",), "FirstLevelRecheckApproved", review=True, variants=P
        ),
        Stage(
            "recheck_level_2",
            "二级复核",
            ("finance_reviewer_2",),
            "SecondLevelRecheckApproved",
            review=True,
            variants=P,
        ),
        Stage(
            "recheck_level_3",
            "三级复核（审批流程完成）",
            ("finance_reviewer_3",),
            "ThirdLevelRecheckApproved",
            review=True,
            variants=P,
        ),
        Stage(
            "bank_return",
            "银行回盘处理（查询拨付的款项是否成功）",
            ("bank", "finance"),
            "BankReturnProcessed",
            input=BankReturn,
            derive=bank_return,
            variants=P,
            example={"failed_codes": []},
        ),
        Stage(
            "payment_completed", "支付流程完成", ("system", "finance"), "PaymentCompleted", derive=completed, variants=P
        ),
        Stage(
            "cashier_voucher_netbank",
            "登录网银—出纳制单（根据业务单据的金额进行制单，录入收款人户名、账号、开户行、金额）",
            ("finance",),
            "PaymentVoucherPrepared",
            input=Voucher,
            checks=(check_count_and_amount,),
            variants=N,
            example={**COUNT, "voucher_no": "WY2026110001"},
        ),
        Stage(
            "recheck_level_1_netbank",
            "一级复核",
            ("finance_reviewer_1",),
            "FirstLevelRecheckApproved",
            review=True,
            variants=N,
        ),
        Stage(
            "recheck_level_2_netbank",
            "二级复核",
            ("finance_reviewer_2",),
            "SecondLevelRecheckApproved",
            review=True,
            variants=N,
        ),
        Stage(
            "recheck_level_3_netbank",
            "三级复核",
            ("finance_reviewer_3",),
            "ThirdLevelRecheckApproved",
            review=True,
            variants=N,
        ),
        Stage(
            "payment_completed_netbank",
            "审批支付流程完成",
            ("bank", "finance"),
            "PaymentCompleted",
            input=BankReceipt,
            derive=completed,
            variants=N,
            example={"bank_receipt_no": "HD2026110001"},
        ),
    ),
    documents=(AUDIT_SUMMARY,),
)
