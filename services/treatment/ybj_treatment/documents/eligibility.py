"""The eligibility area's printed forms: the 《贵州省基本医疗保险门诊慢特病病种医疗证》 (医疗证).

P055 prints it once the qualification is approved (「同意申办，请打印医疗证」); P059 prints it again on 补证（遗失） or
换证（损坏） (「特殊病登记打印——录入参保人身份证号码或个人编码，点击查询，勾选人员信息点击打印」). Both read the same fields from the case: the
holder, the 病种 certified (`dise_list`, "code name" each), the 选定医院 and the 处方本编号.
"""

from __future__ import annotations

from ybj_kernel.domain.documents import DocumentField, DocumentSpec
from ybj_kernel.domain.process import COMPLETED
from ybj_treatment.registries.eligibility import CERTIFICATE_KIND_ZH

TITLE = "贵州省基本医疗保险门诊慢特病病种医疗证"
# From the 委托承诺书 (P057): what holding the certificate commits to.
NOTE = "严格按照贵州省基本医疗保险相关政策开药，不得出现将《医疗证》转借他人使用等违规行为。"
HOLDER = (
    DocumentField("psn_name", "姓名"),
    DocumentField("certno", "社会保障号/身份证号码"),
    DocumentField("psn_no", "个人编码"),
)
QUALIFIED = (
    DocumentField("dise_list", "认定病种"),
    DocumentField("cert_fixmedins_codes", "选定医院（定点医药机构编号）"),
    DocumentField("begndate", "认定开始日期", "date"),
    DocumentField("prescription_book_no", "特殊疾病处方本编号"),
)

# P055: printed after the approval of each variant that grants a qualification (not after a 撤销).
P055_CERTIFICATE = DocumentSpec(
    name="medical-certificate",
    title_zh=TITLE,
    fields=(*HOLDER, *QUALIFIED),
    stages=frozenset(
        {"qualification_registration", "prescription_book_numbering", "qualification_revocation", COMPLETED}
    ),
    note_zh=NOTE,
    variants=frozenset({"national_register", "provincial_online"}),
)


# P059: the same certificate, reprinted; the note says why (one form per variant).
def _reprint(name: str, variant: str, why_zh: str) -> DocumentSpec:
    return DocumentSpec(
        name=name,
        title_zh=TITLE,
        fields=(*HOLDER, *QUALIFIED, DocumentField("issue_date", "补换证日期", "date")),
        stages=frozenset({COMPLETED}),
        note_zh=f"{why_zh}。{NOTE}",
        variants=frozenset({variant}),
    )


P059_CERTIFICATES = (
    _reprint("medical-certificate-reissue", "lost", CERTIFICATE_KIND_ZH["lost"]),
    _reprint("medical-certificate-replacement", "damaged", CERTIFICATE_KIND_ZH["damaged"]),
)
