"""P023 城乡医保补助资金: a county's yearly resident subsidy, matched to its enrollment count, received and settled.

「每年7月提取截止6月底医保信息系统内各县（市、新区）参保人数，按照中央、省、州、县分配比例测算应承担金额部分后联合州财政局下发
州、县两级资金匹配文件」 → 「州、县两级…将相关金额拨付至州医保基金财政专户，州财政、医保局根据银行入账情况进行账务处理，并在当年
12月前进行核实对帐」 → 「次年…上报最终上年度6月底参保情况至财专办，财专办再次进行核实清理后，下发最终资金结算文件」.

The seeds give neither the per-capita standard (人均财政补助标准) nor the 分配比例: both are entered from the year's
资金文件 and kept in the case; the stage examples are example figures, not policy. Completion records the settlement
in the `resident_subsidy` registry under (补助年度, 县级医保区划).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from ybj_enrollment.processes.fields import fen
from ybj_enrollment.processes.fund_income import PastDate
from ybj_enrollment.registries.fund_income import SUBSIDY_LEVELS
from ybj_kernel.domain.clock import today_of
from ybj_kernel.domain.process import Material, ProcessDefinition, Stage, Uniqueness
from ybj_kernel.domain.registry import Effect
from ybj_kernel.domain.validation import Admdvs, Money, bilingual
from ybj_kernel.errors import InvalidInput

Ratio = Decimal  # a percentage with two decimals, e.g. 80.00
HUNDRED = Decimal(100)
# 「截止6月底」 counts, extracted 「每年7月」; 「在当年12月前进行核实对帐」, read as by 30 November (DOMAIN R12 notes
# that 「12月前」 could also mean "by December"; the reading is data here, and a late reconciliation is flagged only).
SNAPSHOT_MONTH_DAY = (6, 30)
RECONCILE_BY_MONTH_DAY = (11, 30)


def subsidy_shares(count: int, per_capita_fen: int, ratios: Mapping[str, Decimal]) -> dict[str, int]:
    """应承担金额 per level, in fen: count × standard split by the ratios, rounded half up to the fen.

    The last level (县) takes what rounding leaves, so the four shares add up to the total exactly.
    """
    total = count * per_capita_fen
    shares: dict[str, int] = {}
    for level in SUBSIDY_LEVELS[:-1]:
        exact = Decimal(total) * ratios[level] / HUNDRED
        shares[level] = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    shares[SUBSIDY_LEVELS[-1]] = total - sum(shares.values())
    return shares


class SubsidyMatching(BaseModel):
    """数据提取: the county's enrollment count at 30 June, the year's standard and 分配比例, and the matching document."""

    sbsy_year: int = Field(ge=2000, le=2100, description="补助年度")
    admdvs: Admdvs = Field(description="县（市、新区）医保区划")
    insu_cnt: int = Field(ge=0, description="参保人数（截止6月底）")
    sbsy_std: Money = Field(description="人均财政补助标准（元/人·年，按当年补助资金文件）")
    cent_ratio: Ratio = Field(ge=0, le=100, decimal_places=2, description="中央分担比例（%）")
    prov_ratio: Ratio = Field(ge=0, le=100, decimal_places=2, description="省级分担比例（%）")
    pref_ratio: Ratio = Field(ge=0, le=100, decimal_places=2, description="州级分担比例（%）")
    cnty_ratio: Ratio = Field(ge=0, le=100, decimal_places=2, description="县级分担比例（%）")
    match_doc_no: str = Field(min_length=1, max_length=100, description="资金匹配文件文号")

    @field_validator("sbsy_year")
    @classmethod
    def _extracted_from_july(cls, value: int, info: ValidationInfo) -> int:
        if today_of(info) <= date(value, *SNAPSHOT_MONTH_DAY):
            raise bilingual(
                f"{value}年6月底的参保人数须在{value}年7月起提取", "the 30 June count is extracted from July on"
            )
        return value

    @field_validator("admdvs")
    @classmethod
    def _county(cls, value: str) -> str:
        if value.endswith("00"):
            raise bilingual("须为县（市、新区）医保区划", "admdvs must be a county-level division")
        return value


class SubsidyReceipts(BaseModel):
    """金额核实: what reached the 州医保基金财政专户 from the 州 and 县 levels, as the bank entered it."""

    pref_rcv_amt: Money = Field(description="州级到账金额（元）")
    cnty_rcv_amt: Money = Field(description="县级到账金额（元）")
    rcon_date: PastDate = Field(description="对账日期")


class FinalSettlement(BaseModel):
    """补助资金结算: the final 上年度6月底 count after 核实清理, and the 财专办's settlement document."""

    fnl_insu_cnt: int = Field(ge=0, description="核实清理后参保人数（上年度6月底）")
    stl_doc_no: str = Field(min_length=1, max_length=100, description="资金结算文件文号")
    stl_date: PastDate = Field(description="资金结算文件日期")


def ratios_add_up(_current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """The 中央、省、州、县 分配比例 share the whole amount."""
    total = sum(_ratios(step).values(), Decimal(0))
    if total != HUNDRED:
        raise InvalidInput(
            "RATIOS_NOT_100",
            f"中央、省、州、县分担比例合计为 {total}%，须为 100%",
            f"the four ratios add up to {total}, not 100",
            "cnty_ratio",
        )


def _ratios(data: Mapping[str, Any]) -> dict[str, Decimal]:
    return {level: Decimal(str(data[f"{level}_ratio"])) for level in SUBSIDY_LEVELS}


def matched_shares(_current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """测算应承担金额 (fen) per level, and the dates the year runs on."""
    year = int(step["sbsy_year"])
    std = fen(Decimal(str(step["sbsy_std"])))
    shares = subsidy_shares(int(step["insu_cnt"]), std, _ratios(step))
    return {
        "snap_date": date(year, *SNAPSHOT_MONTH_DAY).isoformat(),
        "rcon_due": date(year, *RECONCILE_BY_MONTH_DAY).isoformat(),
        "sbsy_std_fen": std,
        "sbsy_sum_fen": sum(shares.values()),
        **{f"{level}_share_fen": amount for level, amount in shares.items()},
    }


def reconciled(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """到账 against 应承担 for the 州 and 县 levels (fen; negative: short), and whether the 对帐 came late."""
    out: dict[str, Any] = {}
    for level in ("pref", "cnty"):
        received = fen(Decimal(str(step[f"{level}_rcv_amt"])))
        out[f"{level}_rcv_fen"] = received
        out[f"{level}_diff_fen"] = received - int(current[f"{level}_share_fen"])
    out["rcon_balanced"] = out["pref_diff_fen"] == 0 and out["cnty_diff_fen"] == 0
    out["rcon_late"] = str(step["rcon_date"]) > str(current["rcon_due"])
    return out


def settled_next_year(current: Mapping[str, Any], step: Mapping[str, Any]) -> None:
    """「次年…下发最终资金结算文件」: the settlement comes in a later year than the subsidy's."""
    if int(str(step["stl_date"])[:4]) <= int(current["sbsy_year"]):
        raise InvalidInput(
            "INVALID_FIELD",
            f"最终资金结算文件应于{current['sbsy_year']}年的次年下发",
            "the final settlement comes in a year after the subsidy year",
            "stl_date",
        )


def final_shares(current: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, Any]:
    """The final shares on the cleaned-up count (fen), and the 清算差额 per level against what was matched."""
    shares = subsidy_shares(int(step["fnl_insu_cnt"]), int(current["sbsy_std_fen"]), _ratios(current))
    out: dict[str, Any] = {"fnl_sum_fen": sum(shares.values())}
    for level, amount in shares.items():
        out[f"{level}_final_fen"] = amount
        out[f"{level}_adj_fen"] = amount - int(current[f"{level}_share_fen"])
    return out


def effects(data: Mapping[str, Any], _variant: str | None) -> list[Effect]:
    """The county's year in the subsidy registry: matched, received, settled."""
    settlement = {
        "sbsy_year": data["sbsy_year"],
        "admdvs": data["admdvs"],
        "match_doc_no": data["match_doc_no"],
        "insu_cnt": data["insu_cnt"],
        "sbsy_std_fen": data["sbsy_std_fen"],
        "ratios": {level: str(data[f"{level}_ratio"]) for level in SUBSIDY_LEVELS},
        "shares_fen": {level: data[f"{level}_share_fen"] for level in SUBSIDY_LEVELS},
        "received_fen": {level: data[f"{level}_rcv_fen"] for level in ("pref", "cnty")},
        "fnl_insu_cnt": data["fnl_insu_cnt"],
        "final_shares_fen": {level: data[f"{level}_final_fen"] for level in SUBSIDY_LEVELS},
        "adjustments_fen": {level: data[f"{level}_adj_fen"] for level in SUBSIDY_LEVELS},
        "stl_doc_no": data["stl_doc_no"],
        "stl_date": data["stl_date"],
    }
    return [Effect("resident_subsidy", f"{data['sbsy_year']}:{data['admdvs']}", "settle", settlement)]


COUNTY_YEAR = Uniqueness(
    scope="resident_subsidy_year",
    key=lambda data: f"{data['sbsy_year']}:{data['admdvs']}",
    field="admdvs",
    message_zh="该县（市、新区）本年度城乡医保补助资金已在办理",
    message_en="this county's resident subsidy for the year is already being handled",
)

P023 = ProcessDefinition(
    id="P023",
    slug="urban_rural_resident_subsidy_funds",
    name_zh="城乡医保补助资金",
    service="enrollment",
    materials=(
        Material("省财政厅、医保局下发城乡居民基本医疗补助资金文件"),
        Material("州财政局、医保局下发城乡居民基本医疗补助资金文件"),
        Material("次年清算人数后省医保局、财政厅下发补助资金文件", required=False, condition_zh="次年补助资金结算时"),
    ),
    stages=(
        Stage(
            "extract_enrollment_counts",
            "数据提取：提取截止6月底各县（市、新区）参保人数，按中央、省、州、县分配比例测算应承担金额，"
            "联合州财政局下发州、县两级资金匹配文件",
            ("municipal_bureau",),
            "SubsidyMatchingIssued",
            input=SubsidyMatching,
            checks=(ratios_add_up,),
            derive=matched_shares,
            unique=COUNTY_YEAR,
            example={
                "sbsy_year": 2025,
                "admdvs": "522601",
                "insu_cnt": 412365,
                # Example figures, not policy: the standard and the ratios are the year's 补助资金文件's.
                "sbsy_std": "700.00",
                "cent_ratio": "80.00",
                "prov_ratio": "10.00",
                "pref_ratio": "4.00",
                "cnty_ratio": "6.00",
                "match_doc_no": "黔东南财社〔2025〕58号",
            },
        ),
        Stage(
            "verify_receipts",
            "金额核实：州、县两级将相关金额拨付至州医保基金财政专户，根据银行入账情况进行账务处理并核实对帐",
            ("finance",),
            "SubsidyReceiptsReconciled",
            input=SubsidyReceipts,
            derive=reconciled,
            example={"pref_rcv_amt": "11546220.00", "cnty_rcv_amt": "17319330.00", "rcon_date": "2025-11-20"},
        ),
        Stage(
            "final_settlement",
            "补助资金结算：次年核实清理后上报最终上年度6月底参保情况至财专办，财专办下发最终资金结算文件",
            ("finance_bureau",),
            "SubsidySettled",
            input=FinalSettlement,
            checks=(settled_next_year,),
            derive=final_shares,
            example={"fnl_insu_cnt": 411980, "stl_doc_no": "黔财社〔2026〕112号", "stl_date": "2026-09-15"},
        ),
    ),
    cancel_roles=("finance",),
    effects=effects,
)
