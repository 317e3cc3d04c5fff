"""HTTP for the rules staff can list and try (试算): `GET /api/v1/rules`, `GET /api/v1/rules/{id}`, trial by POST.

A trial changes nothing: it validates the body and runs the rule's pure function. Errors are the kernel's
`YbjError`s, so mount the router on an app with `install_error_handlers` to render them as
{code, message_zh, message_en, field}.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ybj_kernel.domain.calendar import CALENDAR, WorkingDayCalendar
from ybj_kernel.domain.rules import Rule, RuleBook, run


class ErrorBody(BaseModel):
    """The common error body."""

    code: str
    message_zh: str
    message_en: str
    field: str | None = None


class RuleDescription(BaseModel):
    """A rule as listed: where it comes from, its configured numbers, and its input and output JSON Schemas."""

    id: str
    process_id: str = Field(description="所属业务流程 / the process the rule belongs to")
    process_ids: list[str] = Field(description="适用的全部业务流程 / every process it applies to")
    name_zh: str
    name_en: str
    source_zh: str = Field(description="指南原文 / the seed sentence(s), verbatim")
    source_ref: str
    parameters: dict[str, Any] = Field(description="配置的参数 / the configured numbers")
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    example: dict[str, Any] = Field(description="可直接试算的示例输入 / an input that runs as is")


_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "没有该规则 / no such rule"}}
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "输入无效，field 指明字段 / invalid input, `field` names it"}
}
_TRIAL_BODY = Body(description="规则的输入 / the rule's input")


def rules_router(book: RuleBook, today: Callable[[], date], calendar: WorkingDayCalendar = CALENDAR) -> APIRouter:
    """Routes listing the book's rules and running trials, dated by the application's `today`."""
    router = APIRouter(prefix="/api/v1/rules", tags=["rules 规则试算"])

    @router.get("", response_model=list[RuleDescription], responses=_INVALID, summary="列出规则 / list rules")
    def list_rules(
        process: Annotated[str | None, Query(description="只列该业务流程的规则 / only this process's rules")] = None,
    ) -> list[dict[str, Any]]:
        return book.describe(process)

    @router.get(
        "/{rule_id}",
        response_model=RuleDescription,
        responses={**_NOT_FOUND, **_INVALID},
        summary="规则详情 / one rule",
    )
    def get_rule(rule_id: str) -> dict[str, Any]:
        return book.get(rule_id).describe()

    # One documented route per rule, so OpenAPI shows each rule's own input and output schema. The body is read
    # raw and validated by `run`, which hands pydantic the application's date (`context={"today": ...}`).
    for rule in book:
        _add_trial(router, rule, today, calendar)

    @router.post(
        "/{rule_id}/trial",
        summary="试算 / try a rule",
        responses={200: {"description": "规则的输出 / the rule's output"}, **_NOT_FOUND, **_INVALID},
    )
    def trial(rule_id: str, body: Annotated[dict[str, Any], _TRIAL_BODY]) -> dict[str, Any]:
        # Reached only for ids without a route of their own, which the book does not hold: a 404.
        return run(book.get(rule_id), body, today(), calendar)

    return router


def _add_trial(
    router: APIRouter, rule: Rule[Any, Any], today: Callable[[], date], calendar: WorkingDayCalendar
) -> None:
    # An inline request-body schema cannot point into its own $defs inside an OpenAPI document: nested models (the
    # rows of a list to de-duplicate, say) are written out in place.
    schema = inlined(rule.input_model.model_json_schema(), rule.id)

    def trial(body: Annotated[dict[str, Any], _TRIAL_BODY]) -> JSONResponse:
        return JSONResponse(run(rule, body, today(), calendar))

    router.add_api_route(
        f"/{rule.id}/trial",
        trial,
        methods=["POST"],
        summary=f"试算：{rule.name_zh} / try: {rule.name_en}",
        description=f"{rule.process_id} {rule.source_zh}",
        operation_id=f"trial_{rule.id}",
        responses={200: {"model": rule.output_model, "description": "规则的输出 / the rule's output"}, **_INVALID},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": schema, "example": dict(rule.example)}},
            }
        },
    )


def inlined(schema: dict[str, Any], rule_id: str) -> dict[str, Any]:
    """The schema with each `#/$defs/…` reference replaced by the definition (a recursive model cannot be)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name in seen:
                    raise ValueError(f"rule {rule_id}: its input model {name} is recursive and cannot be documented")
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return walk({**defs[name], **rest}, (*seen, name))
            return {k: walk(v, seen) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, seen) for v in node]
        return node

    result: dict[str, Any] = walk(schema, ())
    return result
