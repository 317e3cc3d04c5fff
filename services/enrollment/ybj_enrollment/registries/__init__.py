"""The registries the enrollment service owns, by name: employers, persons, accounts, and their unique-key indexes."""

from ybj_enrollment.registries.accounts import ACCOUNTS
from ybj_enrollment.registries.employers import EMPLOYERS
from ybj_enrollment.registries.fund_income import FUND_INCOME, INCOME_DOCUMENTS, RESIDENT_SUBSIDIES
from ybj_enrollment.registries.mutual_aid import MUTUAL_AID_REGISTRY
from ybj_enrollment.registries.persons import PERSONS
from ybj_kernel.domain.registry import Registry, index_registry

USCC_INDEX = index_registry("uscc", "统一社会信用代码", "单位")
CERTNO_INDEX = index_registry("certno", "证件号码", "人员")

REGISTRIES: dict[str, Registry] = {
    r.name: r
    for r in (
        EMPLOYERS,
        PERSONS,
        ACCOUNTS,
        USCC_INDEX,
        CERTNO_INDEX,
        FUND_INCOME,
        INCOME_DOCUMENTS,
        RESIDENT_SUBSIDIES,
        MUTUAL_AID_REGISTRY,
    )
}
