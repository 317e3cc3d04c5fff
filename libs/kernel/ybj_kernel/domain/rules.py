"""Rules staff can list and try (试算): small pure functions with an id, their process and their source sentence.

A trial and a real case run the same `Rule` through `run`, so they never disagree. Convention for refusals: a rule
never raises for a business "no". Its output says so, `allowed: false` with `reasons` (a `Verdict`), so a trial
shows the figures behind the refusal; a process turns that into its error with `refusal()`. Only malformed input
(a missing field, an end before its start, a date outside the working-day calendar) is an `InvalidInput` (422).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field, ValidationError

from ybj_kernel.domain.calendar import CALENDAR, WorkingDayCalendar
from ybj_kernel.domain.validation import _first_error
from ybj_kernel.errors import InvalidInput, NotFound

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides its input: the application's date and the working-day calendar."""

    today: date
    calendar: WorkingDayCalendar = CALENDAR


class Reason(BaseModel):
    """Why a rule said no (or flagged something), with a code a process can use as its error code."""

    code: str = Field(description="机器可读的原因代码 / machine-readable reason code")
    message_zh: str
    message_en: str
    field: str | None = Field(default=None, description="原因所涉字段 / the input field concerned")


class Verdict(BaseModel):
    """Output base of a rule that judges an action: `allowed`, and the reasons when it is not."""

    allowed: bool = Field(description="是否允许 / whether the action is allowed")
    reasons: list[Reason] = Field(default_factory=list, description="不允许的原因 / why not")


@dataclass(frozen=True)
class Rule(Generic[In, Out]):
    """One rule: who it belongs to, the seed sentence it implements, its models and its pure function."""

    id: str
    process_id: str
    name_zh: str
    name_en: str
    source_zh: str  # the seed sentence(s), verbatim in 「」 (the PDF extraction's spaces around numbers removed)
    source_ref: str  # where in the seed, e.g. "seeds/001 L575"
    input_model: type[In]
    output_model: type[Out]
    fn: Callable[[In, RuleContext], Out]
    example: Mapping[str, Any]  # an input that runs, shown to staff and used by tests
    also_applies_to: tuple[str, ...] = ()  # further processes using the same sentence (e.g. P002, P005)
    parameters: Mapping[str, Any] = field(default_factory=dict)  # the configured numbers, JSON-safe

    @property
    def process_ids(self) -> tuple[str, ...]:
        """Every process this rule applies to, its own first."""
        return (self.process_id, *self.also_applies_to)

    def describe(self) -> dict[str, Any]:
        """The rule as listed by `GET /api/v1/rules`: ids, names, source, parameters and JSON Schemas."""
        return {
            "id": self.id,
            "process_id": self.process_id,
            "process_ids": list(self.process_ids),
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "source_zh": self.source_zh,
            "source_ref": self.source_ref,
            "parameters": dict(self.parameters),
            "input_schema": self.input_model.model_json_schema(),
            "output_schema": self.output_model.model_json_schema(mode="serialization"),
            "example": dict(self.example),
        }


class RuleBook:
    """Rules by id; two rules with one id are refused when the book is built."""

    def __init__(self, rules: Iterable[Rule[Any, Any]]) -> None:
        self._rules: dict[str, Rule[Any, Any]] = {}
        for rule in rules:
            if rule.id in self._rules:
                raise ValueError(f"RuleBook: rule id {rule.id!r} is declared twice")
            self._rules[rule.id] = rule

    def __iter__(self) -> Iterator[Rule[Any, Any]]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def get(self, rule_id: str) -> Rule[Any, Any]:
        """The rule with this id, or NotFound (404)."""
        rule = self._rules.get(rule_id)
        if rule is None:
            raise NotFound("RULE_NOT_FOUND", f"没有该规则：{rule_id}", f"no such rule: {rule_id}", "rule_id")
        return rule

    def describe(self, process: str | None = None) -> list[dict[str, Any]]:
        """Every rule (or those applying to `process`) as `Rule.describe` renders it."""
        return [r.describe() for r in self if process is None or process in r.process_ids]


def evaluate(
    rule: Rule[In, Out], raw_input: Mapping[str, Any], today: date, calendar: WorkingDayCalendar = CALENDAR
) -> Out:
    """Validate `raw_input` (with `today` as validation context) and run the rule, returning its output model."""
    try:
        validated = rule.input_model.model_validate(dict(raw_input), context={"today": today, "calendar": calendar})
    except ValidationError as exc:
        raise _first_error(exc) from None
    output = rule.fn(validated, RuleContext(today=today, calendar=calendar))
    if not isinstance(output, rule.output_model):
        raise TypeError(f"rule {rule.id} returned {type(output).__name__}, not {rule.output_model.__name__}")
    return output


def run(
    rule: Rule[Any, Any], raw_input: Mapping[str, Any], today: date, calendar: WorkingDayCalendar = CALENDAR
) -> dict[str, Any]:
    """Run the rule on raw input and return its output JSON-safe; bad input is InvalidInput naming the field."""
    return dict(evaluate(rule, raw_input, today, calendar).model_dump(mode="json"))


def refusal(output: BaseModel) -> InvalidInput | None:
    """The error a process raises for a refusing `Verdict` (its first reason), or None when allowed."""
    if not isinstance(output, Verdict) or output.allowed:
        return None
    if not output.reasons:
        return InvalidInput("RULE_REFUSED", "规则不允许该操作", "the rule does not allow this")
    first = output.reasons[0]
    return InvalidInput(first.code, first.message_zh, first.message_en, first.field)
