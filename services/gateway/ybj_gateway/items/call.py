"""What an item handler gets: the verified call (channel, business data) and the reads it may make."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class QueryReads(Protocol):
    """The query service's reads an item may use (adapters/query_api.py), as the channel's identity."""

    def progress(self, acceptance_no: str) -> dict[str, Any]:
        """受理进度 of a case by its 受理号 (NotFound when there is none)."""

    def person_by_certno(self, certno: str, app_id: str, admdvs: str) -> dict[str, Any] | None:
        """The insured person holding this 证件号码 with their enrollments, or None."""

    def annual_statement(self, psn_no: str, year: int, app_id: str, admdvs: str) -> dict[str, Any]:
        """A person's totals of a year's settlement records by fund (fen), reversals netted out."""

    def institutions(self, fixmedins_type: str, admdvs: str | None, app_id: str, channel_admdvs: str) -> dict[str, Any]:
        """The designated institutions of a type (1 医疗机构, 2 零售药店), in a 医保区划 if given: `{items, total}`."""


@dataclass(frozen=True)
class ItemCall:
    """One verified call of an item: who calls (the channel's entry) and the business data it sent."""

    app_id: str
    channel: Mapping[str, Any]
    business: Mapping[str, Any]
    reads: QueryReads


# An item: its answer's business data, or a YbjError (answered as a signed refusal with its code and status).
ItemHandler = Callable[[ItemCall], dict[str, Any]]
