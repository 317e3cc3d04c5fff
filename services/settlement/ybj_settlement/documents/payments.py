"""Printed forms of the fund payment chains (P027-P040).

The catalogue lists no export_items for these processes; the two forms here are the ones the chains hand around on
paper: the signed summary (《…拨付汇总单》, 审批表, 会议纪要, 明细表 — its title is the process's material) as recorded
when the case opened, and, in the bank-file chain, the 回盘 reconciliation (成功/失败 by row, paid + failed = sent).
Field codes are the case data of payment_chains.py.
"""

from __future__ import annotations

from ybj_kernel.domain.documents import DocumentField, DocumentSpec
from ybj_kernel.domain.process import COMPLETED

SUMMARY_FIELDS = (
    DocumentField("doc_no", "单据编号"),
    DocumentField("purpose", "用途"),
    DocumentField("pay_cnt", "笔数"),
    DocumentField("pay_sumamt", "金额", "money_yuan"),
    DocumentField("payee_lines", "收款明细（户名 账号 开户行 金额）"),
    DocumentField("signed_by", "签字领导"),
)


def payment_summary(title_zh: str, *, bank_file: bool) -> DocumentSpec:
    """The signed summary as the case holds it; the bank-file chain's adds the 结算批次号 and 支付批次号."""
    batch = (DocumentField("setl_batch_no", "结算批次号"), DocumentField("pay_batch_no", "支付批次号"))
    return DocumentSpec(
        name="payment-summary",
        title_zh=title_zh,
        fields=(*batch, *SUMMARY_FIELDS) if bank_file else SUMMARY_FIELDS,
        note_zh="笔数、金额须与系统拨付数据一致。"
        if bank_file
        else "出纳按本单录入收款人户名、账号、开户行、金额制单。",
    )


def bank_return_statement() -> DocumentSpec:
    """银行回盘对账单: issued once the 回盘 is processed."""
    return DocumentSpec(
        name="bank-return-statement",
        title_zh="银行回盘对账单",
        fields=(
            DocumentField("setl_batch_no", "结算批次号"),
            DocumentField("pay_batch_no", "支付批次号"),
            DocumentField("pay_cnt", "报盘笔数"),
            DocumentField("pay_sumamt", "报盘金额", "money_yuan"),
            DocumentField("paid_cnt", "成功笔数"),
            DocumentField("paid_sumamt", "成功金额", "money_yuan"),
            DocumentField("failed_cnt", "失败笔数"),
            DocumentField("failed_sumamt", "失败金额", "money_yuan"),
            DocumentField("bank_file_sm3", "报盘文件 SM3"),
            DocumentField("return_file_sm3", "回盘文件 SM3"),
        ),
        stages=frozenset({"payment_completed", COMPLETED}),
        note_zh="成功笔数 + 失败笔数 = 报盘笔数；失败明细（含银行失败原因）见案件数据 failed_lines。",
    )
