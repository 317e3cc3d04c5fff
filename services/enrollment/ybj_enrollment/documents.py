"""The printed forms of the enrollment processes (打印), as data, keyed by catalogue process id.

Every enrollment process whose catalogue entry lists `export_items` has its forms here: P018 《扣款申请表》 and
《追缴申请表》, P022 《银行端查询微税凭证》, P024-P026 the 银行回单. Two forms come from the guides' text instead:
P016 《参保凭证》 (service item 17 「出具《参保凭证》」) and the 缴费凭证 of P025/P026 (stage 「为参保单开具缴费凭证」).
Field codes follow the national interface names where one exists (`psn_name`, `certno`, `insutype`, `emp_name`,
`begndate`, `balc`); the others (`ovpay_amt`, `rcov_amt`, `fin_intf_sn` …) are this platform's own, to be aligned
with the process inputs when those processes are written. Amounts are Decimal yuan (the national `balc` style).
"""

from __future__ import annotations

from types import MappingProxyType

from ybj_kernel.domain.documents import DocumentField, DocumentSpec
from ybj_kernel.domain.process import COMPLETED

# 证件类型: only 01 is confirmed (DOMAIN.md); any other code prints as stored until the national list is checked.
PSN_CERT_TYPES = MappingProxyType({"01": "居民身份证"})
# 险种类型 (GLOSSARY / DOMAIN.md); 320 and 330 are from the national list and still to be verified there.
INSUTYPES = MappingProxyType(
    {
        "310": "职工基本医疗保险",
        "320": "公务员医疗补助",
        "330": "大额医疗费用补助",
        "390": "城乡居民基本医疗保险",
        "510": "生育保险",
    }
)

# P016 《信息表》: the 转出地 划转 the account's funds or pays them out in one sum (一次性清退).
ACCOUNT_FUNDS_HANDLING = MappingProxyType({"1": "划转", "2": "一次性清退"})

PSN_NAME = DocumentField("psn_name", "姓名")
CERT_TYPE = DocumentField("psn_cert_type", "证件类型", "code", PSN_CERT_TYPES)
CERTNO = DocumentField("certno", "证件号码")
INSUTYPE = DocumentField("insutype", "险种类型", "code", INSUTYPES)
BALANCE = DocumentField("balc", "个人账户余额", "money_yuan")
OVERPAID = DocumentField("ovpay_amt", "多划拨金额", "money_yuan")

ENROLLMENT_CERTIFICATE = DocumentSpec(  # P016 出具《参保凭证》, for the 关系转移接续
    name="enrollment-certificate",
    title_zh="参保凭证",
    fields=(
        PSN_NAME,
        CERT_TYPE,
        CERTNO,
        INSUTYPE,
        DocumentField("emp_name", "参保单位"),
        DocumentField("begndate", "参保开始日期", "date"),
        DocumentField("enddate", "参保终止日期", "date"),
        DocumentField("pay_months", "实际缴费月数"),
        DocumentField("out_admdvs", "转出地医保区划"),
        DocumentField("in_admdvs", "转入地医保区划"),
        DocumentField("acct_trans_type", "个人账户资金处理方式", "code", ACCOUNT_FUNDS_HANDLING),
        DocumentField("trans_amt", "个人账户转移金额", "money_yuan"),
    ),
    # The 参保 period, 缴费月数 and the funds come with the 《信息表》: the certificate is printed once it is issued.
    stages=frozenset({"complete_transfer", COMPLETED}),
    note_zh="本凭证用于办理基本医疗保险关系转移接续。",
)

DEDUCTION_APPLICATION = DocumentSpec(  # P018 扣款流程: 「保存打印《扣款申请表》」, once the deduction is saved
    name="deduction-application",
    title_zh="扣款申请表（个人账户多划账扣款）",
    fields=(
        PSN_NAME,
        CERT_TYPE,
        CERTNO,
        INSUTYPE,
        BALANCE,
        OVERPAID,
        DocumentField("dedc_amt", "扣款金额", "money_yuan"),
        DocumentField("rfnd_amt", "扣款后余额（办理一次性清退）", "money_yuan"),
    ),
    stages=frozenset({COMPLETED}),
    variants=frozenset({"deduction"}),
    note_zh="扣款后的个人账户余额按个人账户一次性清退办理。",
)

RECOVERY_APPLICATION = DocumentSpec(  # P018 追缴流程: 「打印《追缴申请表》（一式三份）」 and reprints after it
    name="recovery-application",
    title_zh="追缴申请表（个人账户多划账追回）",
    fields=(
        PSN_NAME,
        CERT_TYPE,
        CERTNO,
        INSUTYPE,
        DocumentField("emp_name", "参保人所在单位"),
        BALANCE,
        OVERPAID,
        DocumentField("rcov_amt", "追回金额", "money_yuan"),
    ),
    stages=frozenset({"print_recovery_form", "collect_from_family", "deposit_to_pool", COMPLETED}),
    variants=frozenset({"recovery"}),
    note_zh="本表一式三份，参保人员、经办及基金财务部门各留存一份；追缴款项缴入基金收入户。",
)

TAX_PAYMENT_VOUCHER = DocumentSpec(  # P022 「打印《银行端查询微税凭证》交缴费人」
    name="tax-payment-voucher",
    title_zh="银行端查询微税凭证",
    fields=(
        PSN_NAME,
        CERT_TYPE,
        CERTNO,
        INSUTYPE,
        DocumentField("clct_year", "缴费年度"),
        DocumentField("clct_grade", "缴费档次"),
        DocumentField("psn_clct_amt", "个人缴费标准", "money_yuan"),
        DocumentField("sbsy_amt", "政府资助金额", "money_yuan"),
        DocumentField("psn_pay_amt", "应缴金额", "money_yuan"),
        DocumentField("tax_vchr_no", "凭证号码"),
    ),
    stages=frozenset(
        {"print_payment_voucher", "pay", "feed_back_enrollment", "monthly_verification", "special_group_verification"}
        | {COMPLETED}
    ),
    note_zh="缴费人凭本凭证到银行端查询并缴纳城乡居民基本医疗保险费。",
)


def _bank_receipt(source_code: str, source_label: str, payer_label: str) -> DocumentSpec:
    """The 银行回单 printed once the bank statement matches the business document (P024-P026)."""
    return DocumentSpec(
        name="bank-receipt",
        title_zh="银行回单",
        fields=(
            DocumentField(source_code, source_label),
            DocumentField("psn_name", payer_label),
            CERTNO,
            DocumentField("arvl_amt", "到账金额", "money_yuan"),
            DocumentField("arvl_date", "到账日期", "date"),
            DocumentField("bank_sn", "银行流水号"),
            DocumentField("fin_intf_sn", "财务接口流水号"),
        ),
        note_zh="与银行流水核对无误后打印；转入金额、转入姓名应与业务单据一致。",
    )


def _payment_certificate(payer_label: str) -> DocumentSpec:
    """The 缴费凭证 issued for the 参保单 once the income is confirmed (P025, P026)."""
    return DocumentSpec(
        name="payment-certificate",
        title_zh="缴费凭证",
        fields=(
            DocumentField("psn_name", payer_label),
            CERT_TYPE,
            CERTNO,
            INSUTYPE,
            DocumentField("arvl_amt", "缴费金额", "money_yuan"),
            DocumentField("arvl_date", "到账日期", "date"),
            DocumentField("fin_intf_sn", "财务接口流水号"),
        ),
        stages=frozenset({"issue_payment_certificate", COMPLETED}),
    )


DOCUMENTS: dict[str, tuple[DocumentSpec, ...]] = {
    "P016": (ENROLLMENT_CERTIFICATE,),
    "P018": (DEDUCTION_APPLICATION, RECOVERY_APPLICATION),
    "P022": (TAX_PAYMENT_VOUCHER,),
    "P024": (_bank_receipt("notice_no", "转移通知单号", "转入姓名"),),
    "P025": (_bank_receipt("bill_no", "补缴征缴单号", "缴费人姓名"), _payment_certificate("缴费人姓名")),
    "P026": (_bank_receipt("notice_no", "缴费通知单号", "失业人员姓名"), _payment_certificate("失业人员姓名")),
}
