"""P080 异地就医医药机构费用月结算: the shared flow `institution_monthly_settlement`, in the 异地就医管理子系统."""

from __future__ import annotations

from ybj_settlement.documents.cycles import P080_DOCUMENTS
from ybj_settlement.processes.institution_monthly_settlement import monthly_settlement

P080 = monthly_settlement(
    id="P080",
    slug="remote_institution_monthly_settlement",
    name_zh="异地就医医药机构费用月结算",
    declarer_zh="异地就医定点医药机构",
    subsystem_zh="异地就医管理子系统",
    summary_form="《异地就医定点医药机构医疗费用清算汇总表》",
    documents=P080_DOCUMENTS,
)
