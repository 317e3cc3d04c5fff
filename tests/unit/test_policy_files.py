"""The kernel's policy-file helpers: a bad file stops a service naming the file, and a bad row naming its number."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from ybj_kernel.policy_files import PolicyFileError, checked_rows, parsed_head


class _Head(BaseModel):
    model_config = ConfigDict(extra="forbid")

    example: bool
    rows: list[dict[str, Any]] = Field(min_length=1)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^\d{2}$")
    days: int = Field(ge=1)


def test_a_good_file_gives_its_head_and_rows() -> None:
    head = parsed_head("example: true\nrows:\n  - {code: '01', days: 3}\n", "ok.yaml", _Head)
    assert [r.days for r in checked_rows(_Row, head.rows, "row", "ok.yaml")] == [3]


def test_bad_yaml_names_the_file() -> None:
    with pytest.raises(PolicyFileError, match=r"^broken\.yaml: not valid YAML: "):
        parsed_head("example: true\nrows: [{code: '01'\n", "broken.yaml", _Head)


def test_a_bad_head_names_the_file_and_the_field() -> None:
    with pytest.raises(PolicyFileError, match=r"^head\.yaml: rows: List should have at least 1 item"):
        parsed_head("example: true\nrows: []\n", "head.yaml", _Head)
    with pytest.raises(PolicyFileError, match=r"^list\.yaml: file: Input should be a valid dictionary"):
        parsed_head("- 1\n", "list.yaml", _Head, whole="file")


def test_a_bad_row_names_its_number_label_and_field() -> None:
    raws = [{"code": "01", "days": 3}, {"code": "02", "days": 0}, {"code": "x", "days": 1}]
    with pytest.raises(PolicyFileError) as refused:
        checked_rows(_Row, raws, "limits row", "rows.yaml", label=lambda raw: raw.get("code"))
    assert str(refused.value) == "rows.yaml, limits row 2 (02): days: Input should be greater than or equal to 1"


def test_a_policy_file_error_is_a_value_error() -> None:
    assert issubclass(PolicyFileError, ValueError)


def test_the_services_policy_modules_export_the_kernels_error() -> None:
    from ybj_enrollment.policy import mutual_aid
    from ybj_settlement.policy import cycles
    from ybj_treatment.policy import cost_share, ltc, prescriptions

    for module in (mutual_aid, cycles, cost_share, ltc, prescriptions):
        assert module.PolicyFileError is PolicyFileError, module.__name__
