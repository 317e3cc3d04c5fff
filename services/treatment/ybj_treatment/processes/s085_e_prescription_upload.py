"""S085 电子处方流转信息上传: how e-prescriptions and what becomes of them reach the platform (items 82-89).

The seeds give no guide for e-prescriptions (DOMAIN §4.3); the project adds this process so that the `prescription`
registry is changed only by cases, like every other. A designated institution uploads, each in one step (role
`institution`; its step never bars bureau staff from anything):

- `issue` 开具上传: a designated hospital (定点医疗机构, 医药服务 open on the day) uploads the prescription its
  physician issued and its pharmacist audited (处方审核 stays the hospital's: the platform receives audited
  prescriptions). The patient, named by 证件号码 and 姓名, must be insured on the day of issue. 有效天数: the example
  policy's default when not given, at most its maximum (policy/prescriptions_example.yaml: EXAMPLE values).
- `dispense` 购药登记: the pharmacy the patient chose (S082) records that it dispensed the prescription, with the
  settlement's amounts (总额 = 统筹 + 个人账户 + 现金).
- `revoke` 作废: the issuing hospital revokes a prescription not yet bought.
- `expire` 失效登记: a prescription past its last valid day and never bought is recorded as expired, dated the day
  after that last day (by the platform, role `system`, or by the institution). Nothing runs it on a schedule yet.

Each completes at once and changes the prescription (registries/prescriptions.py), which appends a status message.
Which institution a caller may act for is not bound to its token here (no process of the platform binds it yet).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import ProcessDefinition, Stage, Variant
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Money, bilingual
from ybj_kernel.errors import Conflict
from ybj_treatment.insured import INSURED, check_insured, psn_no_of
from ybj_treatment.policy.prescriptions import VALIDITY
from ybj_treatment.processes.p044_relocated_retiree_filing import same_person
from ybj_treatment.registries.institutions import (
    EXAMPLE_HOSPITAL,
    EXAMPLE_PHARMACY,
    HOSPITAL,
    INSTITUTION,
    PHARMACY,
    about,
    active_on,
    fen_of,
    institution_of,
)
from ybj_treatment.registries.prescriptions import (
    EXAMPLE_DRUG,
    EXAMPLE_RXNO,
    PRESCRIPTION,
    PRESCRIPTION_REGISTRY,
    DrugLine,
    FixmedinsCode,
    LocalTime,
    RxNo,
    prescription_of,
)

ISSUE, DISPENSE, REVOKE, EXPIRE = "issue", "dispense", "revoke", "expire"
# The example patient: 王芳 (P019's example resident, insured under 390 from 2026-01-01).
EXAMPLE_PATIENT = {"psn_cert_type": "01", "certno": "52011519850312002X", "psn_name": "王芳"}


class Issuance(BaseModel):
    """开具上传: the prescription as issued, the patient named by 证件号码 and 姓名."""

    hi_rxno: RxNo
    rx_trace_code: str | None = Field(default=None, max_length=64, description="处方追溯码")
    fixmedins_code: FixmedinsCode = Field(description="开方定点医疗机构编号")
    prsc_dept_name: str | None = Field(default=None, max_length=100, description="开方科室")
    dr_code: str = Field(pattern=r"^[0-9A-Z]{1,30}$", description="医保医师代码")
    dr_name: str = Field(min_length=1, max_length=50, description="开方医师姓名")
    psn_cert_type: Literal["01", "02", "03", "04", "05", "06", "07", "08"] = Field(default="01", description="证件类型")
    certno: str = Field(min_length=1, max_length=50, description="证件号码")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    diag_code: str = Field(pattern=r"^[A-Z][0-9A-Za-z.]{2,19}$", description="主诊断代码（ICD-10）")
    diag_name: str = Field(min_length=1, max_length=200, description="主诊断名称")
    drugs: list[DrugLine] = Field(min_length=1, max_length=50, description="药品明细")
    prsc_time: LocalTime = Field(description="开具时间")
    valid_days: int | None = Field(
        default=None, ge=1, validate_default=True, description="有效天数（含开具当日；不填按示例政策默认值）"
    )

    @field_validator("certno", "diag_code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()

    @field_validator("valid_days")
    @classmethod
    def _within_policy(cls, value: int | None) -> int:
        if value is None:
            return VALIDITY.default_days
        if value > VALIDITY.max_days:
            raise bilingual(
                f"有效天数最长为{VALIDITY.max_days}天（{VALIDITY.note_zh}）",
                f"a prescription is valid for at most {VALIDITY.max_days} days (example policy)",
            )
        return value


class DispensingRecord(BaseModel):
    """购药登记: which pharmacy dispensed which prescription, when, and the settlement's amounts (元)."""

    hi_rxno: RxNo
    fixmedins_code: FixmedinsCode = Field(description="发药定点零售药店编号")
    disp_time: LocalTime = Field(description="发药（购药）时间")
    setl_id: str | None = Field(default=None, max_length=40, description="结算ID")
    medfee_sumamt: Money = Field(description="医疗费用总额（元）")
    hifp_pay: Money = Field(description="统筹基金支付（元）")
    acct_pay: Money = Field(description="个人账户支付（元）")
    psn_cash_pay: Money = Field(description="个人现金支付（元）")

    @model_validator(mode="after")
    def _parts_make_the_total(self) -> DispensingRecord:
        if self.hifp_pay + self.acct_pay + self.psn_cash_pay != self.medfee_sumamt:
            raise bilingual(
                "统筹基金支付、个人账户支付与个人现金支付之和应等于医疗费用总额",
                "hifp_pay + acct_pay + psn_cash_pay must equal medfee_sumamt",
            )
        return self


class RevocationRecord(BaseModel):
    """作废: by the issuing hospital, when and why."""

    hi_rxno: RxNo
    fixmedins_code: FixmedinsCode = Field(description="开方定点医疗机构编号")
    revoke_time: LocalTime = Field(description="作废时间")
    reason: str = Field(min_length=1, max_length=200, description="作废原因")


class ExpiryRecord(BaseModel):
    """失效登记: the prescription; the day is the platform's."""

    hi_rxno: RxNo
    on: date | None = Field(default=None, description="登记日期（系统记录）")

    @model_validator(mode="after")
    def _today(self, info: ValidationInfo) -> ExpiryRecord:
        self.on = today_of(info)
        return self


def _day_of(value: Any) -> date:
    return datetime.fromisoformat(str(value)).date()


def _issuing_hospital(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """A designated hospital whose 医药服务 are open on the day of issue."""
    hospital = institution_of(step, kind=HOSPITAL)
    if not active_on(hospital, _day_of(step["prsc_time"])):
        raise Conflict(
            "INSTITUTION_PAUSED",
            f"定点医疗机构 {hospital['fixmedins_code']} 在开具当日医药服务未开通",
            f"institution {hospital['fixmedins_code']} is not open on the day of issue",
            "fixmedins_code",
        )


def _insured_on_the_day(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    check_insured(step, on=_day_of(step["prsc_time"]))


def _issue_facts(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    return {**about(current, step), "psn_no": psn_no_of(step)}


def _the_pharmacy(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    institution_of(step, kind=PHARMACY)


def _the_hospital(_: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    institution_of(step, kind=HOSPITAL)


def _prescription_area(_: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """An expiry belongs to the prescription's 医保区划."""
    return {"admdvs": prescription_of(step)["admdvs"]}


ISSUE_ARGS = (
    "hi_rxno",
    "rx_trace_code",
    "fixmedins_code",
    "fixmedins_name",
    "admdvs",
    "prsc_dept_name",
    "dr_code",
    "dr_name",
    "psn_no",
    "psn_cert_type",
    "certno",
    "psn_name",
    "diag_code",
    "diag_name",
    "drugs",
    "prsc_time",
    "valid_days",
)
MONEY = ("medfee_sumamt", "hifp_pay", "acct_pay", "psn_cash_pay")


def effects(data: Mapping[str, Any], variant: str | None) -> Sequence[Effect]:
    """The prescription changes as the institution reported (money in fen)."""
    key = str(data["hi_rxno"])
    if variant == DISPENSE:
        args = {k: data[k] for k in ("fixmedins_code", "fixmedins_name", "disp_time", "setl_id") if k in data}
        return [Effect(PRESCRIPTION_REGISTRY, key, "dispense", {**args, **{k: fen_of(data[k]) for k in MONEY}})]
    if variant == REVOKE:
        args = {k: data[k] for k in ("fixmedins_code", "revoke_time", "reason")}
        return [Effect(PRESCRIPTION_REGISTRY, key, "revoke", args)]
    if variant == EXPIRE:
        return [Effect(PRESCRIPTION_REGISTRY, key, "expire", {"on": data["on"]})]
    return [Effect(PRESCRIPTION_REGISTRY, key, "issue", {k: data[k] for k in ISSUE_ARGS if k in data})]


EXAMPLES: dict[str, dict[str, Any]] = {
    ISSUE: {
        "hi_rxno": EXAMPLE_RXNO,
        "fixmedins_code": EXAMPLE_HOSPITAL,
        "prsc_dept_name": "心血管内科",
        "dr_code": "D52010200123",
        "dr_name": "王强",
        **EXAMPLE_PATIENT,
        "diag_code": "I10.X00",
        "diag_name": "原发性高血压",
        "drugs": [EXAMPLE_DRUG],
        "prsc_time": "2026-12-01T09:30:00",
        "valid_days": 3,
    },
    DISPENSE: {
        "hi_rxno": EXAMPLE_RXNO,
        "fixmedins_code": EXAMPLE_PHARMACY,
        "disp_time": "2026-12-01T15:20:00",
        "setl_id": "SETL5201022026120100001",
        "medfee_sumamt": "57.60",
        "hifp_pay": "28.80",
        "acct_pay": "0.00",
        "psn_cash_pay": "28.80",
    },
    REVOKE: {
        "hi_rxno": EXAMPLE_RXNO,
        "fixmedins_code": EXAMPLE_HOSPITAL,
        "revoke_time": "2026-12-01T11:00:00",
        "reason": "诊断调整，重新开具",
    },
    EXPIRE: {"hi_rxno": EXAMPLE_RXNO},
}

S085 = ProcessDefinition(
    id="S085",
    slug="e_prescription_upload",
    name_zh="电子处方流转信息上传",
    service="treatment",
    variants=(
        Variant(ISSUE, "电子处方开具上传"),
        Variant(DISPENSE, "电子处方购药登记（药店发药）"),
        Variant(REVOKE, "电子处方作废"),
        Variant(EXPIRE, "电子处方失效登记"),
    ),
    stages=(
        Stage(
            ISSUE,
            "定点医疗机构上传已审核的电子处方",
            ("institution",),
            "PrescriptionUploaded",
            input=Issuance,
            variants=frozenset({ISSUE}),
            lookups=(INSTITUTION, INSURED),
            checks=(_issuing_hospital, _insured_on_the_day, same_person),
            derive=_issue_facts,
            example=EXAMPLES[ISSUE],
        ),
        Stage(
            DISPENSE,
            "定点零售药店上传购药（发药）及结算信息",
            ("institution",),
            "DispensingUploaded",
            input=DispensingRecord,
            variants=frozenset({DISPENSE}),
            lookups=(INSTITUTION,),
            checks=(_the_pharmacy,),
            derive=about,
            example=EXAMPLES[DISPENSE],
        ),
        Stage(
            REVOKE,
            "开方定点医疗机构作废电子处方",
            ("institution",),
            "RevocationUploaded",
            input=RevocationRecord,
            variants=frozenset({REVOKE}),
            lookups=(INSTITUTION,),
            checks=(_the_hospital,),
            derive=about,
            example=EXAMPLES[REVOKE],
        ),
        Stage(
            EXPIRE,
            "超过有效期未购药的电子处方登记失效",
            ("system", "institution"),
            "ExpiryRecorded",
            input=ExpiryRecord,
            variants=frozenset({EXPIRE}),
            lookups=(PRESCRIPTION,),
            derive=_prescription_area,
            example=EXAMPLES[EXPIRE],
        ),
    ),
    effects=effects,
)
