"""The printed forms of the reimbursement area (打印): P048/P049 《个人零星报销单据》 and P051 《拨付单据》.

Both are the catalogue's `export_items`. Their rows read the figures the 结算 step keeps at the top of the case's data
(the rule `reimbursement_settlement`'s output, the same a trial gives), under the national 2207-style names.
"""

from __future__ import annotations

from types import MappingProxyType

from ybj_kernel.domain.documents import DocumentField, DocumentSpec
from ybj_kernel.domain.process import COMPLETED
from ybj_treatment.policy.cost_share import INSUTYPE_ZH, MED_TYPE_ZH

INSUTYPES = MappingProxyType(dict(INSUTYPE_ZH))
MED_TYPES = MappingProxyType(dict(MED_TYPE_ZH))

PERSON = (
    DocumentField("psn_name", "姓名"),
    DocumentField("certno", "证件号码"),
    DocumentField("psn_no", "人员编号"),
    DocumentField("insutype", "险种类型", "code", INSUTYPES),
)
VISIT = (
    DocumentField("fixmedins_code", "定点医疗机构编码"),
    DocumentField("fixmedins_name", "定点医疗机构名称"),
    DocumentField("med_type", "医疗类别", "code", MED_TYPES),
    DocumentField("begndate", "就诊（入院）日期", "date"),
    DocumentField("enddate", "出院日期", "date"),
    DocumentField("invoice_no", "医院收费票据号码"),
)

REIMBURSEMENT_RECEIPT = DocumentSpec(  # P048/P049 「个人零星报销单据打印」, once the settlement is approved
    name="reimbursement-receipt",
    title_zh="个人零星报销单据",
    fields=(
        *PERSON,
        *VISIT,
        DocumentField("medfee_sumamt", "医疗费用总额", "money_yuan"),
        DocumentField("fulamt_ownpay_amt", "全自费金额", "money_yuan"),
        DocumentField("preselfpay_amt", "先行自付金额", "money_yuan"),
        DocumentField("inscp_scp_amt", "合规费用", "money_yuan"),
        DocumentField("act_pay_dedc", "起付线", "money_yuan"),
        DocumentField("hifp_pay", "统筹支付", "money_yuan"),
        DocumentField("psn_selfpay", "个人自付", "money_yuan"),
        DocumentField("psn_part_amt", "个人负担合计", "money_yuan"),
    ),
    stages=frozenset({"print_receipt", COMPLETED}),
    note_zh="统筹支付 + 个人负担合计 = 医疗费用总额；统筹支付按就诊（入院）日期执行的待遇政策计算。",
)

DISBURSEMENT_SLIP = DocumentSpec(  # P051 「凭留存的结算发票原件和…打印的拨付单据，到贵阳市中心财务部进行拨款」
    name="disbursement-slip",
    title_zh="拨付单据（生育医疗费）",
    fields=(
        *PERSON,
        *VISIT[:5],
        DocumentField("invoice_no", "结算发票号码"),
        DocumentField("medfee_sumamt", "医疗费用总额", "money_yuan"),
        DocumentField("hifp_pay", "拨付金额", "money_yuan"),
        DocumentField("acct_name", "收款人"),
        DocumentField("bank_name", "开户银行"),
        DocumentField("bank_acct", "银行账号"),
    ),
    stages=frozenset({"disburse_at_counter", COMPLETED}),
    variants=frozenset({"counter"}),
    note_zh="请凭留存的结算发票原件和本拨付单据，到贵阳市中心财务部进行拨款。",
)
