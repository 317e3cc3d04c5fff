"""P054 城乡医疗救助's rules as pure functions staff can try (试算): 就高 de-duplication (DOMAIN R21), 抽查 (R22),
已明确身份救助对象 (R23), 应资助金额 and 救助金额.

The seed gives the sentences, never the figures: 资助标准, 救助比例, the resident contribution and the 抽查 ratio are
「示例」 values in `AssistancePolicy`, to be replaced by the 统筹区's own policy (DOMAIN §3.3), never presented as policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ybj_kernel.domain.rules import Reason
from ybj_kernel.domain.validation import CertNo, bilingual
from ybj_kernel.sm3 import sm3_hex

SEED = "seeds/001_42c4e4a66414dc3e.txt"
CENT = Decimal("0.01")

# 人员属性 / 身份属性 (psn_idet_type): the seed's groups, verbatim. The codes are this platform's until checked against
# the national 代码表 (人员身份类别): 0x 已明确身份救助对象 (L2054-2058), 1x 未明确身份救助对象 (L2068-2071).
PSN_IDET_TYPES = MappingProxyType(
    {
        "01": "特困供养人员",
        "02": "孤儿",
        "03": "最低生活保障家庭成员",
        "04": "建档立卡脱贫人口",
        "05": "20世纪60年代初精减退职老职工",
        "06": "家庭经济困难的精神障碍患者",
        "07": "肇事肇祸的精神障碍患者",
        "08": "艾滋病人和艾滋病机会性感染者",
        "09": "享受抚恤补助的优抚对象（不含一至六级残疾军人）",
        "11": "低收入家庭中的老年人",
        "12": "低收入家庭中的未成年人",
        "13": "低收入家庭中的重度残疾人",
        "14": "低收入家庭中的重病患者",
        "15": "因医疗自付费用过高导致家庭无力承担的患者",
        "16": "县级以上人民政府（管委会）规定的其他特殊困难人员",
    }
)
IDENTIFIED = frozenset(c for c in PSN_IDET_TYPES if c.startswith("0"))  # 已明确身份救助对象
UNIDENTIFIED = frozenset(c for c in PSN_IDET_TYPES if c.startswith("1"))  # 未明确身份救助对象（需申请认定）
ENTITLED_VETERAN = "09"  # 享受抚恤补助的优抚对象
EXCLUDED_DISABILITY_GRADES = range(1, 7)  # 「不含一至六级残疾军人」
PsnIdetType = Literal["01", "02", "03", "04", "05", "06", "07", "08", "09", "11", "12", "13", "14", "15", "16"]
IdentifiedType = Literal["01", "02", "03", "04", "05", "06", "07", "08", "09"]
SubsidyKind = Literal["full", "fixed"]
SUBSIDY_KINDS_ZH = MappingProxyType({"full": "全额资助", "fixed": "定额资助"})
# 救助金额的核算方式: the flowchart's 「系统一站式」 (定点医疗机构) and 「经办人手工核」 (非定点医疗机构).
CALC_WAYS = MappingProxyType({"1": "系统一站式", "2": "经办人手工核算"})
# 撤销救助登记的情形 (L2252-2253, L2267-2268): 举报信息核实不符合救助, 抽查不属实, 审批不符合救助.
REVOKE_BASES = MappingProxyType({"1": "举报信息核实不符合救助", "2": "抽查不属实", "3": "审批不符合救助"})
RevokeBasis = Literal["1", "2", "3"]


def _standards() -> Mapping[str, tuple[SubsidyKind, Decimal]]:
    full: SubsidyKind = "full"
    fixed: SubsidyKind = "fixed"
    return MappingProxyType(
        {
            "01": (full, Decimal("0")),
            "02": (full, Decimal("0")),
            "03": (fixed, Decimal("200.00")),
            "04": (fixed, Decimal("100.00")),
            "05": (fixed, Decimal("200.00")),
            "06": (fixed, Decimal("200.00")),
            "07": (full, Decimal("0")),
            "08": (fixed, Decimal("200.00")),
            "09": (fixed, Decimal("200.00")),
        }
    )


def _ratios() -> Mapping[str, Decimal]:
    return MappingProxyType(
        {
            **{c: Decimal("1.00") for c in ("01", "02")},
            "03": Decimal("0.70"),
            **{c: Decimal("0.60") for c in ("04", "05", "06", "07", "08", "09")},
            **{c: Decimal("0.50") for c in sorted(UNIDENTIFIED)},
        }
    )


@dataclass(frozen=True)
class AssistancePolicy:
    """示例 (example) figures: the seeds give none of them (DOMAIN §3.3). Replace with the 统筹区's policy."""

    # 城乡居民个人缴费标准（元/年），示例: what a 全额资助 pays for.
    resident_contribution: Decimal = Decimal("400.00")
    # 资助标准 by 身份属性，示例: 全额 (the whole contribution) or 定额 (a fixed sum, at most what was paid).
    subsidy_standards: Mapping[str, tuple[SubsidyKind, Decimal]] = field(default_factory=_standards)
    # 救助比例 of the 就医合规个人自付费用 by 人员属性，示例.
    assistance_ratios: Mapping[str, Decimal] = field(default_factory=_ratios)
    # 「按一定比例抽查复核」: the share of a 公示批次 drawn for the 镇村干部's check，示例.
    spot_check_ratio: Decimal = Decimal("0.20")

    def describe(self) -> dict[str, Any]:
        """The figures as JSON, marked as examples."""
        return {
            "example": True,
            "resident_contribution": str(self.resident_contribution),
            "subsidy_standards": {
                c: {"kind": k, "amount": str(a) if k == "fixed" else None}
                for c, (k, a) in self.subsidy_standards.items()
            },
            "assistance_ratios": {c: str(r) for c, r in self.assistance_ratios.items()},
            "spot_check_ratio": str(self.spot_check_ratio),
        }


POLICY = AssistancePolicy()


def yuan(value: Any) -> Decimal:
    """Money as the case data holds it (a Decimal string) back to Decimal."""
    return Decimal(str(value))


def to_fen(amount: Decimal) -> int:
    """Yuan to integer fen (registries and events hold fen)."""
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# ---- 应资助金额 and 就高原则 (R21) -------------------------------------------------------------------------------


def subsidy_standard(psn_idet_type: str, policy: AssistancePolicy = POLICY) -> tuple[SubsidyKind, Decimal]:
    """The 资助标准 of a 身份属性: its kind and the sum it is worth (全额: the whole resident contribution)."""
    kind, amount = policy.subsidy_standards[psn_idet_type]
    return kind, policy.resident_contribution if kind == "full" else amount


def subsidy_amount(psn_idet_type: str, paid: Decimal, policy: AssistancePolicy = POLICY) -> Decimal:
    """应资助金额 after payment: the whole of what was paid (全额), or the fixed sum but never more than was paid."""
    kind, standard = subsidy_standard(psn_idet_type, policy)
    return paid if kind == "full" else min(standard, paid)


def dedupe_subsidy(
    candidates: Sequence[Mapping[str, Any]], policy: AssistancePolicy = POLICY
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """「按照就高原则去重并确定资助标准」: one row per 证件号码, at the highest standard of the lists naming them.

    A tie goes to the 身份属性 the seed names first. Returns (kept, dropped); each dropped row says why.
    """
    by_person: dict[str, list[Mapping[str, Any]]] = {}
    for row in candidates:
        by_person.setdefault(str(row["certno"]).upper(), []).append(row)
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for certno, rows in by_person.items():
        eligible = [r for r in rows if not _excluded_veteran(r)]
        dropped += [_dropped(certno, r, "优抚对象不含一至六级残疾军人") for r in rows if _excluded_veteran(r)]
        if not eligible:
            continue
        best = max(eligible, key=lambda r: (subsidy_standard(str(r["psn_idet_type"]), policy)[1], -_rank(r)))
        kind, standard = subsidy_standard(str(best["psn_idet_type"]), policy)
        kept.append(
            {
                "certno": certno,
                "psn_name": best["psn_name"],
                "psn_idet_type": best["psn_idet_type"],
                "sbsy_kind": kind,
                "sbsy_std": str(standard),
                "dept_names": sorted({str(r.get("dept_name") or "") for r in eligible} - {""}),
            }
        )
        why = f"就高去重：按{PSN_IDET_TYPES[str(best['psn_idet_type'])]}（{standard}元）资助"
        dropped += [_dropped(certno, r, why) for r in eligible if r is not best]
    return kept, dropped


def _rank(row: Mapping[str, Any]) -> int:
    return list(PSN_IDET_TYPES).index(str(row["psn_idet_type"]))


def _excluded_veteran(row: Mapping[str, Any]) -> bool:
    grade = row.get("disabled_soldier_grade")
    return (
        str(row["psn_idet_type"]) == ENTITLED_VETERAN and grade is not None and int(grade) in EXCLUDED_DISABILITY_GRADES
    )


def _dropped(certno: str, row: Mapping[str, Any], reason: str) -> dict[str, Any]:
    return {
        "certno": certno,
        "psn_idet_type": row["psn_idet_type"],
        "dept_name": row.get("dept_name"),
        "reason": reason,
    }


# ---- 已明确身份救助对象 (R23) --------------------------------------------------------------------------------------


def identity_reasons(psn_idet_type: str, disabled_soldier_grade: int | None) -> list[Reason]:
    """Why someone is not an 已明确身份救助对象 (empty: they are one)."""
    if psn_idet_type not in IDENTIFIED:
        return [
            Reason(
                code="NOT_IDENTIFIED_RECIPIENT",
                message_zh=f"{PSN_IDET_TYPES[psn_idet_type]}属于未明确身份救助对象，须调查核实并公示（按未明确身份救助对象办理）",
                message_en="not an identified recipient: the case needs the investigation and public notice of an "
                "unidentified recipient",
                field="psn_idet_type",
            )
        ]
    if psn_idet_type == ENTITLED_VETERAN and disabled_soldier_grade in EXCLUDED_DISABILITY_GRADES:
        return [
            Reason(
                code="DISABLED_SOLDIER_EXCLUDED",
                message_zh=f"享受抚恤补助的优抚对象不含一至六级残疾军人（残疾等级 {disabled_soldier_grade} 级）",
                message_en=f"entitled veterans exclude disabled soldiers of grades 1 to 6 (grade {disabled_soldier_grade})",
                field="disabled_soldier_grade",
            )
        ]
    return []


# ---- 救助金额 -----------------------------------------------------------------------------------------------------


def compliant_selfpay(inscp_scp_amt: Decimal, hifp_pay: Decimal, hifmi_pay: Decimal, hifob_pay: Decimal) -> Decimal:
    """就医合规个人自付费用: 符合政策范围金额 less what the 统筹基金, 大病保险 and 大额补助 paid ([A] the platform's reading)."""
    return inscp_scp_amt - hifp_pay - hifmi_pay - hifob_pay


def assistance_amount(psn_idet_type: str, selfpay: Decimal, policy: AssistancePolicy = POLICY) -> Decimal:
    """救助金额 (系统一站式): the 合规自付 times the 人员属性's 救助比例, rounded half up to the fen."""
    return (selfpay * policy.assistance_ratios[psn_idet_type]).quantize(CENT, rounding=ROUND_HALF_UP)


# ---- 按一定比例抽查复核 (R22) --------------------------------------------------------------------------------------


def spot_check_draw(pub_batch_no: str, certno: str) -> Decimal:
    """A person's draw in [0, 1): the first 8 hex digits of SM3(公示批次号:证件号码), to 4 places; anyone can redo it."""
    digest = sm3_hex(f"{pub_batch_no}:{certno.upper()}".encode())
    return (Decimal(int(digest[:8], 16)) / Decimal(16**8)).quantize(Decimal("0.0001"), rounding="ROUND_DOWN")


def spot_checked(pub_batch_no: str, certno: str, policy: AssistancePolicy = POLICY) -> bool:
    """Whether the county draws this person of the 公示批次 for the 镇村干部's check: their draw is under the ratio.

    Each person is drawn alone with the probability of the ratio, so a batch is checked in that proportion on average,
    and neither the county nor the clerk can pick whom: the draw follows from the batch number and the 证件号码.
    """
    return spot_check_draw(pub_batch_no, certno) < policy.spot_check_ratio


# ---- 近一年的收入 (R24) --------------------------------------------------------------------------------------------


def last_twelve_months(applied_on: date) -> tuple[date, date]:
    """「近一年」: the twelve whole months before the month of the application."""
    first_of_month = applied_on.replace(day=1)
    start = first_of_month.replace(year=first_of_month.year - 1)
    end = date.fromordinal(first_of_month.toordinal() - 1)
    return start, end


# ---- rows and figures the process and the trials share ------------------------------------------------------


class Strict(BaseModel):
    """An input that refuses a misspelt field rather than ignoring it."""

    model_config = ConfigDict(extra="forbid")


class CandidateRow(Strict):
    """一行部门名单: the person, the 身份属性 the department gives, and which department."""

    certno: CertNo = Field(description="证件号码（居民身份证）")
    psn_name: str = Field(min_length=1, max_length=50, description="姓名")
    psn_idet_type: IdentifiedType = Field(description="身份属性 (01-09 已明确身份救助对象)")
    dept_name: str = Field(min_length=1, max_length=100, description="提供部门")
    disabled_soldier_grade: int | None = Field(
        default=None, ge=1, le=10, description="残疾军人残疾等级（优抚对象填写）"
    )

    @field_validator("certno")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


def same_person_same_name(rows: Iterable[CandidateRow | Mapping[str, Any]]) -> None:
    """Two lists naming one 证件号码 must give one name (else the lists disagree about who it is)."""
    names: dict[str, str] = {}
    for row in rows:
        certno, name = (row.certno, row.psn_name) if isinstance(row, CandidateRow) else (row["certno"], row["psn_name"])
        if names.setdefault(str(certno).upper(), str(name)) != name:
            raise bilingual(
                f"证件号码 {certno} 在各部门名单中的姓名不一致（{names[str(certno).upper()]}、{name}）",
                f"the lists give certno {certno} two names",
            )


def check_funds_within_scope(inscp: Decimal, hifp: Decimal, hifmi: Decimal, hifob: Decimal) -> None:
    """The funds cannot pay more than the 符合政策范围金额."""
    if hifp + hifmi + hifob > inscp:
        raise bilingual(
            f"统筹基金、大病保险、大额补助支出合计 {hifp + hifmi + hifob} 元超过符合政策范围金额 {inscp} 元",
            "the funds paid more than the amount within the policy scope",
        )
