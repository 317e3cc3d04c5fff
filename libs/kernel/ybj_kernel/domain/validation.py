"""Bilingual validation helpers shared by every process's input models."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from ybj_kernel.domain.identity import admdvs_problem, certno_problem, uscc_problem
from ybj_kernel.errors import InvalidInput


def bilingual(zh: str, en: str) -> PydanticCustomError:
    """Build a validation error that carries its message in Chinese and English."""
    return PydanticCustomError("ybj_invalid", en, {"zh": zh, "en": en})


def _check_certno(value: str) -> str:
    problem = certno_problem(value)
    if problem:
        raise bilingual(f"证件号码无效：{problem[0]}", f"invalid 居民身份证号: {problem[1]}")
    return value


def _check_uscc(value: str) -> str:
    problem = uscc_problem(value)
    if problem:
        raise bilingual(f"统一社会信用代码无效：{problem[0]}", f"invalid unified social credit code: {problem[1]}")
    return value


def _check_admdvs(value: str) -> str:
    problem = admdvs_problem(value)
    if problem:
        raise bilingual(f"医保区划无效：{problem[0]}", f"invalid admdvs: {problem[1]}")
    return value


CertNo = Annotated[str, AfterValidator(_check_certno)]
Uscc = Annotated[str, AfterValidator(_check_uscc)]
Admdvs = Annotated[str, AfterValidator(_check_admdvs)]
# Money in yuan with fen precision; never a float.
Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]


def validate_input(
    model: type[BaseModel] | None, data: Mapping[str, Any], *, context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Validate `data` with `model` and return it JSON-safe, or raise InvalidInput naming the field.

    `context` reaches the model's validators (e.g. the application's date as `today`).
    """
    if model is None:
        return {}
    try:
        validated = model.model_validate(dict(data), context=dict(context) if context is not None else None)
        return validated.model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        raise _first_error(exc) from None


def _first_error(exc: ValidationError) -> InvalidInput:
    return field_errors(exc)[0]


def field_errors(exc: ValidationError) -> list[InvalidInput]:
    """Every field error of `exc` as a bilingual InvalidInput naming its field, in the model's order."""
    return [_as_invalid(err) for err in exc.errors(include_url=False)]


def _as_invalid(err: ErrorDetails) -> InvalidInput:
    field = ".".join(str(p) for p in err["loc"]) or None
    ctx = err.get("ctx") or {}
    if "zh" in ctx and "en" in ctx:
        return InvalidInput("INVALID_FIELD", str(ctx["zh"]), str(ctx["en"]), field)
    if err["type"] == "missing":
        return InvalidInput("MISSING_FIELD", f"缺少必填字段：{field}", f"required field is missing: {field}", field)
    return InvalidInput("INVALID_FIELD", f"字段 {field} 无效：{err['msg']}", f"{field} is invalid: {err['msg']}", field)
