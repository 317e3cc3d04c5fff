"""Printed forms of the institutions area (打印), as data.

- P063 / P064 《资金结算账户信息变动表》 (附件 2): 「本表一式三份，变更时分别交至省医保事务中心基金财务科和协议管理科」,
  「本表填写完成后需单位法人签字并加盖公章」; printed from the 银行账户变更 case for signature and filing.
- P063 / P064 《变更登记表》 (附件 1): the change as entered, 变更前 → 变更后, for the 基本信息修改 variants.
- P081 《医药（连锁）集团定点机构关系变更》: the relation change as reviewed (the catalogue's 「经办模块数据（查询导出）」).

Field codes are the case's data (national names where one exists: fixmedins_code, fixmedins_name).
"""

from __future__ import annotations

from ybj_kernel.domain.documents import DocumentField, DocumentSpec
from ybj_kernel.domain.process import COMPLETED

HOSPITAL = "1"
FIXMEDINS = DocumentField("fixmedins_code", "定点机构编码")
FIXMEDINS_NAME = DocumentField("fixmedins_name", "定点机构名称")


def bank_change_form(kind: str) -> DocumentSpec:
    """《贵州省基本医疗保险定点医疗机构（零售药店）资金结算账户信息变动表》 of P063 (kind "1") or P064 (kind "2")."""
    who = "定点医疗机构" if kind == HOSPITAL else "定点零售药店"
    return DocumentSpec(
        name="bank-account-change",
        title_zh=f"贵州省基本医疗保险{who}资金结算账户信息变动表",
        fields=(
            FIXMEDINS,
            FIXMEDINS_NAME,
            DocumentField("orig_acct_name", "原开户名称"),
            DocumentField("chg_rea", "变更理由"),
            DocumentField("acct_name", "变更后开户名称"),
            DocumentField("bank_acct", "变更后银行账号"),
            DocumentField("bank_name", "变更后开户银行"),
            DocumentField("bank_code", "开户银行行号"),
            DocumentField("bank_hq_code", "开户银行总行行号"),
        ),
        stages=frozenset({"bank_account_review", COMPLETED}),
        variants=frozenset({"bank_account"}),
        note_zh="承诺：本机构对变更信息的准确性、合法性负责。定点机构签章：＿＿＿＿　"
        "注：1．本表用于定点医疗机构变更资金结算账户；2．本表一式三份，变更时分别交至省医保事务中心基金财务科和协议管理科；"
        "3．本表填写完成后需单位法人签字并加盖公章。",
    )


def change_registration_form(kind: str) -> DocumentSpec:
    """《贵州省基本医疗保险定点医疗机构（零售药店）变更登记表》 of P063 (kind "1") or P064 (kind "2")."""
    who, name, code = (
        ("定点医疗机构", "机构名称", "机构编号") if kind == HOSPITAL else ("定点零售药店", "药店名称", "药店编号")
    )
    return DocumentSpec(
        name="change-registration",
        title_zh=f"贵州省基本医疗保险{who}变更登记表",
        fields=(
            DocumentField("fixmedins_name", name),
            DocumentField("fixmedins_code", code),
            DocumentField("aply_name", "申请人姓名"),
            DocumentField("tel", "联系电话"),
            DocumentField("chg_summary", "变更内容（变更前 → 变更后）"),
            DocumentField("chg_time", "变更时间", "date"),
        ),
        stages=frozenset({"basic_info_review", "basic_info_review_provincial", COMPLETED}),
        variants=frozenset({"national_basic_info", "provincial_basic_info"}),
        note_zh="本表及提供的复印件均需加盖机构公章。",
    )


CHAIN_RELATION_CHANGE = DocumentSpec(
    name="chain-relation-change",
    title_zh="医药（连锁）集团定点机构关系变更",
    fields=(
        DocumentField("chain_code", "一级医药机构编码"),
        DocumentField("chain_name", "一级医药机构名称"),
        DocumentField("fixmedins_code", "二级机构编码"),
        DocumentField("fixmedins_name", "二级机构名称"),
        DocumentField("chg_kind", "变更类型"),
        DocumentField("opt_date", "经办时间", "date"),
    ),
    stages=frozenset({"first_review", "second_review", COMPLETED}),
    note_zh="医保经办机构根据定点医药机构申请对其连锁机构关系进行绑定或者解绑，便于定点医药机构医疗费用合单拨付。",
)
