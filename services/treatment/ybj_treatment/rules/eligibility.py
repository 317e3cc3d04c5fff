"""The eligibility area's rules (DOMAIN R25, R29, and the 异地 check of P044-P047), as pure functions staff can try.

Every number is the seed's and sits in a policy dataclass, so that a 统筹区 with its own requirements (「各统筹区按
本地区要求提供申请表及相关申请资料」) can be configured as data. The processes run the same `Rule` objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ybj_kernel.domain.rules import Reason, Rule, RuleContext, Verdict

SEED = "seeds/001_42c4e4a66414dc3e.txt"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field in a trial is an error, not ignored


# ---- R25 近两年内的出院记录: P055 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecentRecordsPolicy:
    """How recent the 出院记录及相关检查、化验报告 must be (seed: 近两年内)."""

    years: int = 2


class RecentRecordsInput(_Input):
    """The date of the latest 出院记录 (or 检查、化验报告) handed in, and the day of the application."""

    record_date: date = Field(description="出院记录（检查、化验报告）日期")
    applied_on: date = Field(description="申请日期")


class RecentRecordsOutput(Verdict):
    """Whether the records are recent enough, and the earliest date that still counts."""

    earliest: date = Field(description="最早可接受的记录日期")


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def recent_records_rule(
    policy: RecentRecordsPolicy = RecentRecordsPolicy(),
) -> Rule[RecentRecordsInput, RecentRecordsOutput]:
    """R25: the records are dated within N years before the application (both ends counted), never after it."""

    def fn(inp: RecentRecordsInput, _: RuleContext) -> RecentRecordsOutput:
        earliest = years_before(inp.applied_on, policy.years)
        if inp.record_date > inp.applied_on:
            reason = Reason(
                code="RECORD_AFTER_APPLICATION",
                message_zh=f"出院记录日期（{inp.record_date}）不能晚于申请日期（{inp.applied_on}）",
                message_en=f"the record date {inp.record_date} is after the application date {inp.applied_on}",
                field="dscg_date",
            )
            return RecentRecordsOutput(allowed=False, reasons=[reason], earliest=earliest)
        if inp.record_date < earliest:
            reason = Reason(
                code="RECORDS_TOO_OLD",
                message_zh=f"需提供近{policy.years}年内的出院记录及相关检查、化验报告：记录日期 {inp.record_date} "
                f"早于 {earliest}",
                message_en=f"the records must be from the last {policy.years} years: {inp.record_date} is before "
                f"{earliest}",
                field="dscg_date",
            )
            return RecentRecordsOutput(allowed=False, reasons=[reason], earliest=earliest)
        return RecentRecordsOutput(allowed=True, earliest=earliest)

    return Rule(
        id="chronic_disease_recent_records",
        process_id="P055",
        name_zh="门诊慢特病认定：近两年内的出院记录及检查、化验报告",
        name_en="chronic/special disease certification: hospital records from the last two years",
        source_zh="「近两年内的出院记录及相关检查、化验报告原件（复印件需要医院盖章）」",
        source_ref=f"{SEED} L2335",
        input_model=RecentRecordsInput,
        output_model=RecentRecordsOutput,
        fn=fn,
        example={"record_date": "2026-10-20", "applied_on": "2026-12-05"},
        parameters={"years": policy.years},
    )


# ---- R29 申请表须经副主任（及以上）医师审核: P055 ---------------------------------------------------------------

# 医师职称 from the highest down (卫生专业技术资格: 正高, 副高, 中级, 初级 师, 初级 士).
Title = Literal["主任医师", "副主任医师", "主治医师", "医师", "医士"]
TITLES: tuple[str, ...] = ("主任医师", "副主任医师", "主治医师", "医师", "医士")


@dataclass(frozen=True)
class SignerPolicy:
    """The lowest 职称 that may sign the 定点医疗机构审核意见 of the 申请表 (seed: 副主任（及以上）医师)."""

    lowest: str = "副主任医师"


class SignerInput(_Input):
    """The 职称 of the physician who signed the 定点医疗机构审核意见."""

    title: Title = Field(description="签字医师职称")


class SignerOutput(Verdict):
    """Whether the signer's 职称 is high enough, and the lowest that is."""

    lowest: str = Field(description="最低职称")


def signer_title_rule(policy: SignerPolicy = SignerPolicy()) -> Rule[SignerInput, SignerOutput]:
    """R29: the 申请表's 定点医疗机构审核意见 is signed by a 副主任医师 or a 主任医师."""
    allowed_titles = TITLES[: TITLES.index(policy.lowest) + 1]

    def fn(inp: SignerInput, _: RuleContext) -> SignerOutput:
        if inp.title in allowed_titles:
            return SignerOutput(allowed=True, lowest=policy.lowest)
        reason = Reason(
            code="SIGNER_TITLE_TOO_LOW",
            message_zh=f"申请表须经定点医疗机构{policy.lowest.removesuffix('医师')}（及以上）医师审核，{inp.title}不能签署",
            message_en=f"the application must be signed by a {policy.lowest} or higher, not a {inp.title}",
            field="ide_dr_title",
        )
        return SignerOutput(allowed=False, reasons=[reason], lowest=policy.lowest)

    return Rule(
        id="chronic_disease_signer_title",
        process_id="P055",
        name_zh="门诊慢特病认定申请表：副主任（及以上）医师审核",
        name_en="chronic/special disease application signed by an associate chief physician or higher",
        # The 申请表 (附件) has a box 「定点医疗机构审核意见」 signed by the 「副主任（及以上）医师」.
        source_zh="「定点医疗机构审核意见」「副主任（及以上）医师：」「签名：」 (《贵州省门诊慢特病病种待遇认定申请表》)",
        source_ref=f"{SEED} L2514-2520",
        input_model=SignerInput,
        output_model=SignerOutput,
        fn=fn,
        example={"title": "副主任医师"},
        parameters={"lowest": policy.lowest, "titles": list(allowed_titles)},
    )


# ---- 异地: the place of treatment lies outside the insured's 统筹区: P044-P047 ----------------------------------


@dataclass(frozen=True)
class RemotePolicy:
    """[A] 异地 means another 统筹区. Guizhou pools at the 市（州） level, so two 医保区划 are the same 统筹区 when
    their first `pool_digits` digits agree (520102 云岩区 and 520103 南明区 are both 贵阳). Not a seed number: the
    seeds only say 「安置地医保区划」; a 统筹区 pooling at another level changes `pool_digits`."""

    pool_digits: int = 4


class RemoteInput(_Input):
    """参保地 and 就医地（安置地） 医保区划."""

    admdvs: str = Field(pattern=r"^\d{6}$", description="参保地医保区划")
    mdtrtarea_admdvs: str = Field(pattern=r"^\d{6}$", description="就医地（安置地）医保区划")


class RemoteOutput(Verdict):
    """Whether the place of treatment is 异地, and the two 统筹区 compared."""

    insured_pool: str = Field(description="参保地统筹区")
    treatment_pool: str = Field(description="就医地统筹区")


def remote_place_rule(policy: RemotePolicy = RemotePolicy()) -> Rule[RemoteInput, RemoteOutput]:
    """The 安置地/居住地/工作地 of a remote-care filing lies in another 统筹区 than the insured's."""

    def pool(admdvs: str) -> str:
        return admdvs[: policy.pool_digits].ljust(6, "0")

    def fn(inp: RemoteInput, _: RuleContext) -> RemoteOutput:
        mine, theirs = pool(inp.admdvs), pool(inp.mdtrtarea_admdvs)
        if mine != theirs:
            return RemoteOutput(allowed=True, insured_pool=mine, treatment_pool=theirs)
        reason = Reason(
            code="NOT_REMOTE",
            message_zh=f"安置地医保区划 {inp.mdtrtarea_admdvs} 与参保地 {inp.admdvs} 同属统筹区 {mine}，不属于异地就医",
            message_en=f"{inp.mdtrtarea_admdvs} lies in the insured's own pooling area {mine}: not remote care",
            field="resettle_admdvs",
        )
        return RemoteOutput(allowed=False, reasons=[reason], insured_pool=mine, treatment_pool=theirs)

    return Rule(
        id="remote_care_place",
        process_id="P044",
        also_applies_to=("P045", "P046", "P047"),
        name_zh="异地就医备案：安置地（就医地）须在参保地统筹区以外",
        name_en="remote-care filing: the place of treatment lies outside the insured's pooling area",
        source_zh="「点击新增分别录入异地就医类别（异地安置）、安置地医保区划、登记生效开始日期等必填信息」",
        source_ref=f"{SEED} L1605-1608",
        input_model=RemoteInput,
        output_model=RemoteOutput,
        fn=fn,
        example={"admdvs": "520102", "mdtrtarea_admdvs": "440300"},
        parameters={"pool_digits": policy.pool_digits},
    )


RECENT_RECORDS = recent_records_rule()
SIGNER_TITLE = signer_title_rule()
REMOTE_PLACE = remote_place_rule()
RULES: tuple[Rule[Any, Any], ...] = (RECENT_RECORDS, SIGNER_TITLE, REMOTE_PLACE)
