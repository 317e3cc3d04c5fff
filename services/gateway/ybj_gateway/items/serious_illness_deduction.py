"""The 大病医疗 special deduction of individual income tax (item 56): what part of a year's in-catalogue self-pay may be
deducted. The rule's two amounts are data with their source (serious_illness_deduction.yaml), checked when loaded;
the arithmetic is one small pure function, in fen as the platform keeps money."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, Field

RULE_FILE = Path(__file__).with_name("serious_illness_deduction.yaml")
Yuan = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class DeductionRule(BaseModel):
    """「超过 threshold 的部分，在 limit 限额内据实扣除」, and where it is written."""

    source_zh: str = Field(min_length=1)
    rule_zh: str = Field(min_length=1)
    threshold_yuan: Yuan
    limit_yuan: Yuan

    @property
    def threshold_fen(self) -> int:
        """The threshold in fen."""
        return int(self.threshold_yuan * 100)

    @property
    def limit_fen(self) -> int:
        """The limit in fen."""
        return int(self.limit_yuan * 100)


@dataclass(frozen=True)
class Deduction:
    """A year's figures (fen): the in-catalogue self-pay, and the part of it above the threshold, capped at the limit."""

    self_pay: int
    deductible: int


def load_rule(path: Path = RULE_FILE) -> DeductionRule:
    """The rule as the data file states it (a wrong file fails at start-up, naming the field)."""
    return DeductionRule.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def deduction(self_pay_fen: int, rule: DeductionRule) -> Deduction:
    """超过 threshold 的部分，在 limit 限额内据实扣除: max(0, self-pay − threshold), at most the limit."""
    self_pay = max(self_pay_fen, 0)
    return Deduction(self_pay, min(max(self_pay - rule.threshold_fen, 0), rule.limit_fen))


RULE = load_rule()
