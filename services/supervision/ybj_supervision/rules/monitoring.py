"""Monitoring rules over settlement records (事前/事中审核, in the style of the national 3101 interface).

Each rule is a pure function from a `MonitoringInput` to its hits; each hit says what is wrong (vola_cont), how much
(vola_amt, fen), how serious (sev_deg, see monitoring_models.SEVERITIES) and which settlement lines show it
(vola_evid). A reversed record (one whose setl_id another record `reverses`) and the reversal itself are not screened:
together they net to nothing. Item limits and sex-specific items are EXAMPLE data (policy/monitoring_examples.yaml).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ybj_kernel.domain.rules import Rule, RuleContext
from ybj_supervision.policy.monitoring import ITEMS, SEXES, ItemPolicy
from ybj_supervision.rules.monitoring_models import (
    Evidence,
    Hit,
    MonitoringInput,
    MonitoringOutput,
    SettlementRecord,
    Severity,
)

SEED = "seeds/001_42c4e4a66414dc3e.txt"
SOURCE_ZH = "「初审（点击单据审核按钮对筛查出的就诊疑点数据进行审核，对疑点标识违规或不违规的过程。）」"
SOURCE_REF = f"{SEED} L4040-4042"
INPATIENT = "21"


def in_effect(records: Iterable[SettlementRecord]) -> list[SettlementRecord]:
    """The records that count: neither reversed (冲正) by another nor a reversal themselves."""
    rows = list(records)
    reversed_ids = {r.reverses for r in rows if r.reverses}
    return [r for r in rows if r.reverses is None and r.setl_id not in reversed_ids]


def _hit(
    rule: tuple[str, str], record: SettlementRecord, cont: str, amt: int, sev: Severity, evid: list[Evidence]
) -> Hit:
    return Hit(
        rule_id=rule[0],
        rule_name=rule[1],
        vola_cont=cont,
        vola_amt=amt,
        sev_deg=sev,
        vola_evid=evid,
        psn_no=record.psn_no,
        mdtrt_id=record.mdtrt_id,
        fixmedins_code=record.fixmedins_code,
        setl_ym=f"{record.setl_time:%Y%m}",
    )


DUPLICATE = ("duplicate_billing", "同一人同日重复收费")
OVER_QUANTITY = ("quantity_over_limit", "超数量限制收费")
SEX_MISMATCH = ("sex_specific_item", "限性别项目性别不符")
OVERLAPPING_STAY = ("overlapping_inpatient_stays", "住院期间重叠")
AFTER_INSURANCE = ("billing_after_insurance_ended", "参保终止后发生费用")


def duplicate_billing(data: MonitoringInput, _: RuleContext | None = None) -> list[Hit]:
    """The same item billed more than once for one person on one day (across records): every bill after the first."""
    seen: dict[tuple[str, date, str], list[tuple[SettlementRecord, int]]] = defaultdict(list)
    for record in sorted(in_effect(data.records), key=lambda r: (r.setl_time, r.setl_id)):
        for i, line in enumerate(record.lines):
            seen[(record.psn_no, line.fee_ocur_time.date(), line.med_list_codg)].append((record, i))
    hits = []
    for (_psn, day, code), bills in seen.items():
        if len(bills) < 2:
            continue
        first, _first_line = bills[0]
        extra = bills[1:]
        amt = sum(r.lines[i].det_item_fee_sumamt for r, i in extra)
        by_setl: dict[str, list[int]] = defaultdict(list)
        for r, i in bills:
            by_setl[r.setl_id].append(i)
        name = first.lines[_first_line].med_list_name or code
        cont = f"{day:%Y-%m-%d} 同一人 {name}（{code}）收费 {len(bills)} 次，重复 {len(extra)} 次"
        evid = [Evidence(setl_id=s, line_idx=ix) for s, ix in by_setl.items()]
        hits.append(_hit(DUPLICATE, first, cont, amt, 2, evid))
    return hits


def quantity_over_limit(data: MonitoringInput, _: RuleContext | None = None, items: ItemPolicy = ITEMS) -> list[Hit]:
    """A line billing more of an item than its limit (示例 limits): the excess times the price, to the fen."""
    hits = []
    for record in in_effect(data.records):
        for i, line in enumerate(record.lines):
            limit = items.quantity_limits.get(line.med_list_codg)
            if limit is None or line.cnt <= limit[1]:
                continue
            excess = line.cnt - limit[1]
            amt = int((excess * line.pric).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            cont = f"{limit[0]}（{line.med_list_codg}）数量 {line.cnt} 超过限量 {limit[1]}，超出 {excess}"
            hits.append(_hit(OVER_QUANTITY, record, cont, amt, 2, [Evidence(setl_id=record.setl_id, line_idx=[i])]))
    return hits


def sex_specific_item(data: MonitoringInput, _: RuleContext | None = None, items: ItemPolicy = ITEMS) -> list[Hit]:
    """An item for one sex only billed for a person of the other: the whole line."""
    hits = []
    for record in in_effect(data.records):
        for i, line in enumerate(record.lines):
            only = items.sex_specific.get(line.med_list_codg)
            if only is None or record.gend is None or only[1] == record.gend:
                continue
            cont = f"{only[0]}（{line.med_list_codg}）限{SEXES[only[1]]}性，参保人性别为{SEXES[record.gend]}"
            evid = [Evidence(setl_id=record.setl_id, line_idx=[i])]
            hits.append(_hit(SEX_MISMATCH, record, cont, line.det_item_fee_sumamt, 3, evid))
    return hits


def overlapping_inpatient_stays(data: MonitoringInput, _: RuleContext | None = None) -> list[Hit]:
    """An inpatient stay (21) overlapping another stay of the same person; the later stay's fund payment is at stake.

    Two stays overlap when each begins before the other ends: a discharge and a new admission on the same day do not.
    """
    stays: dict[str, list[SettlementRecord]] = defaultdict(list)
    for record in in_effect(data.records):
        if record.med_type == INPATIENT:
            stays[record.psn_no].append(record)
    hits = []
    for rows in stays.values():
        rows.sort(key=lambda r: (r.begndate, r.setl_id))
        for k, later in enumerate(rows):
            for earlier in rows[:k]:
                if later.begndate < earlier.enddate and earlier.begndate < later.enddate:
                    cont = (
                        f"住院 {later.begndate}至{later.enddate}（{later.fixmedins_code}）与住院 "
                        f"{earlier.begndate}至{earlier.enddate}（{earlier.fixmedins_code}）时间重叠"
                    )
                    evid = [Evidence(setl_id=later.setl_id), Evidence(setl_id=earlier.setl_id)]
                    hits.append(_hit(OVERLAPPING_STAY, later, cont, later.hifp_pay, 3, evid))
                    break
    return hits


def billing_after_insurance_ended(data: MonitoringInput, _: RuleContext | None = None) -> list[Hit]:
    """Lines whose fee arose after the person's insurance ended (参保终止日期 given per person): those lines."""
    ends = {e.psn_no: e.enddate for e in data.insurance_ends}
    hits = []
    for record in in_effect(data.records):
        end = ends.get(record.psn_no)
        if end is None:
            continue
        late = [i for i, line in enumerate(record.lines) if line.fee_ocur_time.date() > end]
        if not late:
            continue
        amt = sum(record.lines[i].det_item_fee_sumamt for i in late)
        cont = f"参保终止日期 {end} 后发生费用 {len(late)} 条"
        hits.append(_hit(AFTER_INSURANCE, record, cont, amt, 2, [Evidence(setl_id=record.setl_id, line_idx=late)]))
    return hits


# The rules every settlement record is screened with as it arrives (screening.py), each person's records together.
SCREENS: tuple[Callable[[MonitoringInput], list[Hit]], ...] = (
    duplicate_billing,
    quantity_over_limit,
    sex_specific_item,
    overlapping_inpatient_stays,
    billing_after_insurance_ended,
)


def _output(rule: tuple[str, str], hits: Sequence[Hit]) -> MonitoringOutput:
    return MonitoringOutput(
        rule_id=rule[0],
        rule_name=rule[1],
        hits=list(hits),
        hit_cnt=len(hits),
        vola_sumamt=sum(h.vola_amt for h in hits),
    )


def _line(code: str, name: str, cnt: str, pric: int, at: str) -> dict[str, Any]:
    return {
        "med_list_codg": code,
        "med_list_name": name,
        "cnt": cnt,
        "pric": pric,
        "det_item_fee_sumamt": int(Decimal(cnt) * pric),
        "fee_ocur_time": at,
    }


def example_record(setl_id: str, lines: list[dict[str, Any]], **over: Any) -> dict[str, Any]:
    """An example settlement record (示例 data) of 王芳 at an example hospital, outpatient on 2026-11-20."""
    total = sum(int(line["det_item_fee_sumamt"]) for line in lines)
    return {
        "setl_id": setl_id,
        "mdtrt_id": f"MD{setl_id}",
        "psn_no": "52000000000000000001",
        "certno": "52011519850312002X",
        "gend": "2",
        "fixmedins_code": "H52010200001",
        "insutype": "390",
        "med_type": "11",
        "begndate": "2026-11-20",
        "enddate": "2026-11-20",
        "setl_time": "2026-11-20T10:00:00",
        "medfee_sumamt": total,
        "fulamt_ownpay_amt": 0,
        "hifp_pay": total // 2,
        "acct_pay": 0,
        "psn_cash_pay": total - total // 2,
        "reverses": None,
        "lines": lines,
        **over,
    }


AT = "2026-11-20T09:00:00"
EXAMPLES: dict[str, dict[str, Any]] = {
    DUPLICATE[0]: {
        "records": [
            example_record("S1", [_line("EX-XM-0002", "静脉输液（示例）", "1", 1500, AT)]),
            example_record("S2", [_line("EX-XM-0002", "静脉输液（示例）", "1", 1500, "2026-11-20T15:00:00")]),
        ]
    },
    OVER_QUANTITY[0]: {"records": [example_record("S1", [_line("EX-XM-0001", "一般专项护理（示例）", "5", 2000, AT)])]},
    SEX_MISMATCH[0]: {
        "records": [example_record("S1", [_line("EX-XM-2001", "前列腺特异性抗原测定（示例）", "1", 8000, AT)])]
    },
    OVERLAPPING_STAY[0]: {
        "records": [
            example_record("S1", [], med_type="21", begndate="2026-11-01", enddate="2026-11-10", hifp_pay=300000),
            example_record(
                "S2",
                [],
                med_type="21",
                fixmedins_code="H52010200002",
                begndate="2026-11-05",
                enddate="2026-11-12",
                hifp_pay=200000,
            ),
        ]
    },
    AFTER_INSURANCE[0]: {
        "records": [example_record("S1", [_line("EX-YP-0001", "阿莫西林胶囊（示例）", "20", 50, AT)])],
        "insurance_ends": [{"psn_no": "52000000000000000001", "enddate": "2026-10-31"}],
    },
}


def _rule(
    rule: tuple[str, str], name_en: str, fn: Callable[[MonitoringInput], list[Hit]], parameters: dict[str, Any]
) -> Rule[MonitoringInput, MonitoringOutput]:
    return Rule(
        id=rule[0],
        process_id="P072",
        name_zh=rule[1],
        name_en=name_en,
        source_zh=SOURCE_ZH,
        source_ref=SOURCE_REF,
        input_model=MonitoringInput,
        output_model=MonitoringOutput,
        fn=lambda data, _ctx: _output(rule, fn(data)),
        example=EXAMPLES[rule[0]],
        parameters={"severity": parameters.pop("severity"), **parameters},
    )


MONITORING_RULES: tuple[Rule[MonitoringInput, MonitoringOutput], ...] = (
    _rule(DUPLICATE, "same item billed twice for one person on one day", duplicate_billing, {"severity": 2}),
    _rule(
        OVER_QUANTITY,
        "quantity over the item's limit",
        quantity_over_limit,
        {"severity": 2, "quantity_limits": ITEMS.describe()["quantity_limits"], "example": True},
    ),
    _rule(
        SEX_MISMATCH,
        "sex-specific item billed for the other sex",
        sex_specific_item,
        {"severity": 3, "sex_specific": ITEMS.describe()["sex_specific"], "example": True},
    ),
    _rule(OVERLAPPING_STAY, "inpatient stay overlapping another stay", overlapping_inpatient_stays, {"severity": 3}),
    _rule(AFTER_INSURANCE, "billing after the insurance ended", billing_after_insurance_ended, {"severity": 2}),
)
