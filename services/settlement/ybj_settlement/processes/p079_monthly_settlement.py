"""P079 基本医疗保险（生育保险）定点医药机构费用月结算: the shared flow `institution_monthly_settlement`, with its 拨付单据 and
汇总合单."""

from __future__ import annotations

from ybj_settlement.documents.cycles import P079_DOCUMENTS
from ybj_settlement.processes.institution_monthly_settlement import monthly_settlement

P079 = monthly_settlement(
    id="P079",
    slug="institution_monthly_settlement",
    name_zh="基本医疗保险（生育保险）定点医药机构费用月结算",
    declarer_zh="定点医药机构",
    subsystem_zh="医保业务基础子系统（医保待遇）",
    summary_form="《定点医药机构医疗费用清算汇总表》",
    documents=P079_DOCUMENTS,
)
