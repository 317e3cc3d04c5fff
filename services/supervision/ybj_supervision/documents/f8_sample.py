"""The F8 inspections' printed 抽查清单 (DocumentSpec): the search, the seed and the records drawn."""

from __future__ import annotations

from ybj_kernel.domain.documents import DocumentField, DocumentSpec

SAMPLE_LIST = DocumentSpec(
    name="f8-sample-list",
    title_zh="F8费用结算明细抽查清单",
    fields=(
        DocumentField("fixmedins_code", "医院编码"),
        DocumentField("begndate", "开始时间", "date"),
        DocumentField("enddate", "结束时间", "date"),
        DocumentField("pay_category", "支付类别", "code", {"all": "全部", "outpatient": "门诊", "inpatient": "住院"}),
        DocumentField("record_cnt", "结算记录数"),
        DocumentField("medfee_sumamt_total", "医疗费总额合计", "money_yuan"),
        DocumentField("spot_seed", "抽样种子"),
        DocumentField("sample_seed", "抽样校验值（SM3）"),
        DocumentField("sample_cnt", "抽中记录数"),
        DocumentField("sample_lines", "抽中记录（结算ID 人员编号 医疗类别 结算日期 医疗费总额）"),
        DocumentField("finding_cnt", "审核发现条数"),
        DocumentField("vola_sumamt", "违规金额合计", "money_yuan"),
    ),
    stages=frozenset({"inspect", "completed"}),
    note_zh="抽样由抽样种子经SM3确定，可据案件数据复核。",
)
