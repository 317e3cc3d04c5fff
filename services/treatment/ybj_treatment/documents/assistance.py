"""P054 城乡医疗救助's printed forms: the catalogue's export_items, and the two forms the guide names besides them.

export_items: 拟资助人员名单（导出）, 阶段汇总明细, 阶段汇总救助金额拨付单, 救助信息（公示）, 公示人员名册. From the guide's text:
the 「需手工资助人员清册（包括姓名、身份证、身份属性、缴费金额、应资助金额、收款人“一卡通”银行账户信息）」 of 缴费后单个资助,
and the 「书面答复意见」 given when a registration is revoked. Field codes follow the case data of the process
(national names where one exists: psn_name, certno, medfee_sumamt, inscp_scp_amt, hifp_pay, hifmi_pay, hifob_pay,
maf_pay, fixmedins_code); the list fields (candidate_lines, detail_lines) print one line a person.
"""

from __future__ import annotations

from ybj_kernel.domain.documents import DocumentField, DocumentSpec
from ybj_kernel.domain.process import COMPLETED
from ybj_treatment.rules.assistance import CALC_WAYS, PSN_IDET_TYPES, REVOKE_BASES

REVOKED = "revoked"  # 已撤销救助登记 (the extra action's terminal stage)

PSN_NAME = DocumentField("psn_name", "姓名")
CERTNO = DocumentField("certno", "身份证号码")
PSN_IDET_TYPE = DocumentField("psn_idet_type", "人员属性", "code", PSN_IDET_TYPES)
ACCT_NAME = DocumentField("acct_name", "收款人")
BANK_NAME = DocumentField("bank_name", "开户银行")
BANK_ACCT = DocumentField("bank_acct", "“一卡通”银行账号")
SELFPAY = DocumentField("compliant_selfpay_amt", "就医合规个人自付费用", "money_yuan")
MAF_PAY = DocumentField("maf_pay", "救助金额", "money_yuan")

BATCH, SINGLE, ONSITE = frozenset({"subsidy_batch"}), frozenset({"subsidy_single"}), frozenset({"onsite_settlement"})
IDENTIFIED, UNIDENTIFIED = frozenset({"identified"}), frozenset({"unidentified"})
AFTER_APPROVAL = frozenset(
    {"approve_assistance", "county_review", "register_after_approval", "disburse_assistance", "publicize"}
    | {"revoke_registration", COMPLETED}
)

CANDIDATE_LIST = DocumentSpec(  # 「导出生成的拟资助人员名单并推送税务部门缴费」
    name="subsidy-candidate-list",
    title_zh="拟资助人员名单（导出）",
    fields=(
        DocumentField("admdvs", "医保区划"),
        DocumentField("clct_year", "缴费年度"),
        DocumentField("sbsy_batch_no", "资助批次号"),
        DocumentField("cand_cnt", "拟资助人数"),
        DocumentField("sbsy_std_sumamt", "资助标准合计", "money_yuan"),
        DocumentField("candidate_lines", "拟资助人员（姓名 身份证号码 身份属性 资助标准）"),
    ),
    stages=frozenset(
        {"subsidy_registration_review", "tax_payment_result", "subsidy_person_review", "disburse_subsidy", COMPLETED}
    ),
    variants=BATCH,
    note_zh="按照就高原则去重并确定资助标准；本名单推送税务部门缴费。",
)

SUBSIDY_DETAILS = DocumentSpec(  # 「生成资助明细，保存资助明细归档」
    name="subsidy-details",
    title_zh="参保资助明细",
    fields=(
        DocumentField("admdvs", "医保区划"),
        DocumentField("clct_year", "缴费年度"),
        DocumentField("sbsy_batch_no", "资助批次号"),
        DocumentField("sbsy_cnt", "资助人数"),
        DocumentField("sbsy_sumamt", "资助金额合计", "money_yuan"),
        DocumentField("detail_lines", "资助明细（姓名 身份证号码 身份属性 税务结果 资助金额）"),
    ),
    stages=frozenset({"disburse_subsidy", COMPLETED}),
    variants=BATCH,
)

MANUAL_SUBSIDY_ROLL = DocumentSpec(  # 「系统筛选生成需手工资助人员清册」
    name="manual-subsidy-roll",
    title_zh="需手工资助人员清册",
    fields=(
        PSN_NAME,
        CERTNO,
        DocumentField("psn_idet_type", "身份属性", "code", PSN_IDET_TYPES),
        DocumentField("clct_year", "缴费年度"),
        DocumentField("psn_clct_amt", "缴费金额", "money_yuan"),
        DocumentField("sbsy_amt", "应资助金额", "money_yuan"),
        ACCT_NAME,
        BANK_NAME,
        BANK_ACCT,
    ),
    stages=frozenset({"disburse_subsidy", COMPLETED}),
    variants=SINGLE,
)

DISBURSEMENT_SLIP = DocumentSpec(  # 「生成阶段汇总救助金额拨付单……按规定程序签字盖章」
    name="disbursement-slip",
    title_zh="阶段汇总救助金额拨付单",
    fields=(
        DocumentField("fixmedins_code", "定点医疗机构编号"),
        DocumentField("fixmedins_name", "定点医疗机构名称"),
        DocumentField("begndate", "申报期间起", "date"),
        DocumentField("enddate", "申报期间止", "date"),
        DocumentField("psn_cnt", "救助人次"),
        DocumentField("medfee_sumamt_total", "医疗费总额合计", "money_yuan"),
        DocumentField("compliant_selfpay_sumamt", "就医合规个人自付费用合计", "money_yuan"),
        DocumentField("maf_pay_sumamt", "救助金额合计（垫付）", "money_yuan"),
        DocumentField("acct_name", "收款单位（对公账户户名）"),
        BANK_NAME,
        DocumentField("bank_acct", "对公账户账号"),
    ),
    # Printed once the agency has reviewed the claim, for the institution to check, sign and stamp.
    stages=frozenset({"disbursement_slip"}),
    variants=ONSITE,
    note_zh="医疗机构申报人员核实后签字盖章；医疗救助资金直接划入医疗机构对公账户。",
)

STAGE_SUMMARY = DocumentSpec(  # 「生成阶段汇总明细，并打印按规定提交审批」
    name="stage-summary",
    title_zh="阶段汇总明细",
    fields=(
        PSN_NAME,
        CERTNO,
        PSN_IDET_TYPE,
        DocumentField("fixmedins_name", "就医医疗机构"),
        DocumentField("diag_name", "疾病诊断"),
        DocumentField("setl_date", "结算日期", "date"),
        DocumentField("medfee_sumamt", "医疗费总额", "money_yuan"),
        DocumentField("inscp_scp_amt", "符合政策范围金额", "money_yuan"),
        DocumentField("hifp_pay", "基本医疗保险统筹基金支出", "money_yuan"),
        DocumentField("hifmi_pay", "居民大病保险资金支出", "money_yuan"),
        DocumentField("hifob_pay", "职工大额医疗费用补助基金支出", "money_yuan"),
        SELFPAY,
        MAF_PAY,
        DocumentField("calc_way", "核算方式", "code", CALC_WAYS),
        ACCT_NAME,
        BANK_NAME,
        BANK_ACCT,
    ),
    stages=AFTER_APPROVAL,
    variants=IDENTIFIED | UNIDENTIFIED,
)

ANNOUNCEMENT_ROSTER = DocumentSpec(  # 「生成公示人员名册（包括救助对象姓名、地址、人员属性、就医合规个人自付费用、公示时间、监督举报电话等）」
    name="announcement-roster",
    title_zh="公示人员名册",
    fields=(
        DocumentField("pub_batch_no", "公示批次号"),
        DocumentField("psn_name", "救助对象姓名"),
        DocumentField("addr", "地址"),
        PSN_IDET_TYPE,
        SELFPAY,
        DocumentField("pub_date", "公示时间", "date"),
        DocumentField("sup_tel", "监督举报电话"),
    ),
    stages=frozenset({"announcement_result_review", REVOKED} | AFTER_APPROVAL),
    variants=UNIDENTIFIED,
    note_zh="对公示对象有异议的，请在公示期内拨打监督举报电话反映。",
)

ASSISTANCE_NOTICE = DocumentSpec(  # 「打印救助信息在患者居住地乡镇及村居务公开栏长期公示」
    name="assistance-notice",
    title_zh="救助信息（公示）",
    fields=(
        PSN_NAME,
        DocumentField("addr", "地址"),
        PSN_IDET_TYPE,
        SELFPAY,
        MAF_PAY,
        DocumentField("disb_date", "拨付日期", "date"),
        DocumentField("pub_place", "公示地点"),
        DocumentField("long_pub_date", "公示时间", "date"),
    ),
    stages=frozenset({"publicize", "revoke_registration", COMPLETED}),
    variants=IDENTIFIED | UNIDENTIFIED,
    note_zh="在患者居住地乡镇及村居务公开栏长期公示。",
)

WRITTEN_REPLY = DocumentSpec(  # 「撤销救助登记，生成书面答复意见并答复申请人」
    name="written-reply",
    title_zh="书面答复意见",
    fields=(
        PSN_NAME,
        CERTNO,
        DocumentField("revoke_basis", "撤销情形", "code", REVOKE_BASES),
        DocumentField("reply_opinion", "答复意见"),
    ),
    stages=frozenset({REVOKED, COMPLETED}),
    variants=UNIDENTIFIED,
)

DOCUMENTS = (
    CANDIDATE_LIST,
    SUBSIDY_DETAILS,
    MANUAL_SUBSIDY_ROLL,
    DISBURSEMENT_SLIP,
    STAGE_SUMMARY,
    ANNOUNCEMENT_ROSTER,
    ASSISTANCE_NOTICE,
    WRITTEN_REPLY,
)
