"""From the monitoring rules' hits to P072 cases: one 疑点登记 an institution and month (结算年月).

Pure: the hits in, the P072 opening inputs out (their `hits` rows in yuan, as case data holds money). The fen are
added before the one conversion to yuan, so a case's 疑点金额 is its hits' sum to the fen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ybj_supervision.rules.monitoring_models import Hit

TASK_TYPE = "事后审核"  # the records screened are settled ones: this platform's choice of 任务类型


def fen_to_yuan(fen: int) -> str:
    """Integer fen as the case's Decimal yuan string."""
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def _case_hit(hit: Hit) -> dict[str, Any]:
    return {
        "rule_id": hit.rule_id,
        "rule_name": hit.rule_name,
        "vola_cont": hit.vola_cont,
        "vola_amt": fen_to_yuan(hit.vola_amt),
        "sev_deg": hit.sev_deg,
        "psn_no": hit.psn_no,
        "mdtrt_id": hit.mdtrt_id,
        "vola_evid": [e.model_dump() for e in hit.vola_evid],
    }


def suspicions_from_hits(hits: Iterable[Hit], admdvs: str) -> list[dict[str, Any]]:
    """Group hits per institution and 结算年月 into P072 opening inputs, ordered by institution then month.

    `mdtrt_id` and `rule_code` are the group's when all its hits share one, else left out (each hit keeps its own).
    """
    groups: dict[tuple[str, str], list[Hit]] = defaultdict(list)
    for hit in hits:
        groups[(hit.fixmedins_code, hit.setl_ym)].append(hit)
    cases = []
    for (code, ym), rows in sorted(groups.items()):
        visits = {h.mdtrt_id for h in rows}
        rules = {h.rule_id for h in rows}
        cases.append(
            {
                "task_type": TASK_TYPE,
                "task_name": f"{ym[:4]}年{ym[4:]}月智能监控疑点（{code}）",
                "fixmedins_code": code,
                "admdvs": admdvs,
                "setl_ym": ym,
                "suspect_amount": fen_to_yuan(sum(h.vola_amt for h in rows)),
                "hits": [_case_hit(h) for h in rows],
                **({"mdtrt_id": next(iter(visits))} if len(visits) == 1 else {}),
                **({"rule_code": next(iter(rules))} if len(rules) == 1 else {}),
            }
        )
    return cases
