"""What an item handler gets: the verified call (channel, business data) and the platform's API it may use."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ybj_kernel.errors import Unavailable


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

    def get(self, path: str, params: Mapping[str, str] | None, app_id: str, admdvs: str) -> dict[str, Any]:
        """Any read of the platform's entry point (`/api/v1/...`) as the channel; its errors raised as YbjError
        (NotFound, InvalidInput, Conflict; Unavailable when it is out of reach)."""


class Commands(Protocol):
    """The commands an application item may give, through the platform's entry point, as the channel (role
    `channel`, the channel's 医保区划); their answer is the case's acknowledgement."""

    def open_case(
        self,
        process: str,
        variant: str | None,
        data: Mapping[str, Any],
        app_id: str,
        admdvs: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Open a case and do every stage the channel may do in the same command (`advance`): all or nothing.
        Answers {case_id, acceptance_no, process_id, stage, version}."""

    def act(
        self,
        case_id: str,
        action: str,
        expected_version: int,
        data: Mapping[str, Any],
        comment: str | None,
        app_id: str,
        admdvs: str,
    ) -> dict[str, Any]:
        """Take an action on a case (an extra action such as 备案变更, or cancel). Answers the acknowledgement."""


class NoCommands:
    """Commands where none can be given (a gateway wired for reads only): every command answers 503."""

    def open_case(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise _unavailable()

    def act(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise _unavailable()


def _unavailable() -> Unavailable:
    return Unavailable("COMMANDS_UNAVAILABLE", "网关暂不能受理申请类事项", "this gateway cannot give commands")


@dataclass(frozen=True)
class ItemCall:
    """One verified call of an item: who calls (the channel's entry), the business data it sent, and the platform's
    reads and commands, as that channel."""

    app_id: str
    channel: Mapping[str, Any]
    business: Mapping[str, Any]
    reads: QueryReads
    commands: Commands = field(default_factory=NoCommands)
    # The envelope's nonce: unique per request of this channel, the idempotency key of a command it gives.
    nonce: str = ""

    @property
    def admdvs(self) -> str:
        """The channel's 医保区划 (its reads and commands are scoped to it)."""
        return str(self.channel.get("admdvs") or "")

    def read(self, path: str, **params: Any) -> dict[str, Any]:
        """GET a read of the platform's entry point as this channel (None-valued parameters left out)."""
        given = {k: str(v) for k, v in params.items() if v is not None}
        return self.reads.get(path, given or None, self.app_id, self.admdvs)


# An item: its answer's business data, or a YbjError (answered as a signed refusal with its code and status).
ItemHandler = Callable[[ItemCall], dict[str, Any]]
