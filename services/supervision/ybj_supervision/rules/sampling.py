"""Reproducible 抽查 of settlement records: the seed follows from the case's acceptance data, the draw from the seed.

seed = SM3(fixmedins_code:begndate:enddate:抽样种子); each record's rank = SM3(seed:setl_id); the sample is the
records of lowest rank, as many as asked (by count) or ceil(ratio × records) (by ratio, at least one). Anyone with the
case's data redoes the draw, and no one picks the records: changing the 抽样种子 after seeing the draw is a new step
in the case's history.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from ybj_kernel.sm3 import sm3_hex


def sample_seed(fixmedins_code: str, begndate: str, enddate: str, spot_seed: str) -> str:
    """The draw's seed (hex SM3) from the acceptance data."""
    return sm3_hex(f"{fixmedins_code}:{begndate}:{enddate}:{spot_seed}".encode())


def sample_size(total: int, ratio: Decimal | None, count: int | None) -> int:
    """How many are drawn: the count (at most all), or ceil(ratio × total) and at least one; none of nothing."""
    if total == 0:
        return 0
    if count is not None:
        return min(count, total)
    assert ratio is not None, "a sample is drawn by ratio or by count"
    return max(1, min(total, math.ceil(ratio * total)))


def draw(seed: str, setl_ids: Sequence[str], size: int) -> list[str]:
    """The `size` setl_ids of lowest SM3(seed:setl_id), in that order."""
    ranked = sorted(setl_ids, key=lambda s: (sm3_hex(f"{seed}:{s}".encode()), s))
    return ranked[:size]
