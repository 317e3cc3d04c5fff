"""Settlement records (联网结算明细, E22): what institutions billed, per visit, the facts settlement adds up.

Institutions send their per-visit settlement records shaped like the national settlement output (amounts in yuan as
the interface has them; kept here in fen). Each is an entry of the `settlement_record` registry under its `setl_id`:
the same record sent again changes nothing, a different one under a `setl_id` already taken is refused. A 冲正 (the
national 2601) is a new record naming the original in `reverses`; the original is marked reversed, never edited. The
`institution_month` registry keeps each institution's monthly totals (counts and fen, reversals netted out), which the
monthly settlement (P079/P080) looks up to check a declaration against (`INSTITUTION_MONTH`).

A batch is checked whole before anything is recorded: one bad record refuses the batch, naming its row and field, and
nothing is imported.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from ybj_kernel.domain.process import Lookup
from ybj_kernel.domain.registry import Entry, Op, Registry, apply_op, open_entry
from ybj_kernel.errors import Conflict, InvalidInput

RECORD = "settlement_record"
MONTH = "institution_month"
MAX_BATCH = 5_000  # records in one request: an example limit for this deployment, like the other batch limits
SUMS = ("medfee_sumamt", "fulamt_ownpay_amt", "hifp_pay", "acct_pay", "psn_cash_pay")
FEN = Decimal("0.01")


def fen(yuan: Decimal) -> int:
    """Yuan (two decimals at most) as integer fen."""
    return int((yuan / FEN).to_integral_value(ROUND_HALF_UP))


class RecordLine(BaseModel):
    """One itemised line (费用明细)."""

    med_list_codg: str = Field(min_length=1, max_length=50, description="医疗目录编码")
    med_list_name: str | None = Field(default=None, max_length=200, description="医疗目录名称")
    cnt: Decimal = Field(gt=0, max_digits=16, decimal_places=4, description="数量")
    pric: Decimal = Field(ge=0, max_digits=16, decimal_places=6, description="单价（元）")
    det_item_fee_sumamt: Decimal = Field(ge=0, max_digits=16, decimal_places=2, description="明细项目费用总额（元）")
    fee_ocur_time: datetime | None = Field(default=None, description="费用发生时间")


class SettlementRecord(BaseModel):
    """One settlement (结算) as the national settlement output gives it."""

    setl_id: str = Field(min_length=1, max_length=30, description="结算ID")
    mdtrt_id: str = Field(min_length=1, max_length=30, description="就诊ID")
    psn_no: str = Field(min_length=1, max_length=30, description="人员编号")
    certno: str | None = Field(default=None, max_length=50, description="证件号码")
    gend: str | None = Field(default=None, pattern=r"^[129]$", description="性别")
    fixmedins_code: str = Field(pattern=r"^[HP]\d{11}$", description="定点医药机构编号")
    insutype: str = Field(pattern=r"^\d{3}$", description="险种类型")
    med_type: str = Field(min_length=1, max_length=6, description="医疗类别")
    begndate: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="开始日期")
    enddate: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="结束日期")
    setl_time: datetime = Field(description="结算时间")
    medfee_sumamt: Decimal = Field(max_digits=16, decimal_places=2, description="医疗费总额（元）")
    fulamt_ownpay_amt: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2, description="全自费金额")
    hifp_pay: Decimal = Field(
        default=Decimal(0), max_digits=16, decimal_places=2, description="基本医疗保险统筹基金支出"
    )
    acct_pay: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2, description="个人账户支出")
    psn_cash_pay: Decimal = Field(default=Decimal(0), max_digits=16, decimal_places=2, description="个人现金支出")
    reverses: str | None = Field(default=None, max_length=30, description="冲正的原结算ID")
    lines: list[RecordLine] = Field(default_factory=list, description="费用明细")

    @field_validator("medfee_sumamt")
    @classmethod
    def _not_negative(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError("医疗费总额不能为负（冲正请填写 reverses）/ medfee_sumamt may not be negative")
        return value

    def stored(self) -> dict[str, Any]:
        """The record as the registry keeps it: amounts in fen, times in ISO form."""
        data = self.model_dump(mode="json")
        for field in SUMS:
            data[field] = fen(getattr(self, field))
        data["lines"] = [
            {
                **line.model_dump(mode="json"),
                "pric": fen(line.pric),
                "det_item_fee_sumamt": fen(line.det_item_fee_sumamt),
            }
            for line in self.lines
        ]
        data["ym"] = self.setl_time.strftime("%Y%m")
        return data


def _record(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state and {k: v for k, v in state.items() if k != "reversed_by"} != args:
        raise Conflict(
            "SETL_ID_TAKEN",
            f"结算ID {args['setl_id']} 已有不同的结算记录，不能覆盖（如需更正请冲正后重报）",
            f"setl_id {args['setl_id']} already holds a different record; reverse it and send a new one",
            "setl_id",
        )
    state.update(args)


def _reverse(state: dict[str, Any], args: dict[str, Any]) -> None:
    if state.get("reversed_by") not in (None, args["by"]):
        raise Conflict(
            "ALREADY_REVERSED",
            f"结算ID {state['setl_id']} 已被 {state['reversed_by']} 冲正",
            f"setl_id {state['setl_id']} was already reversed by {state['reversed_by']}",
            "reverses",
        )
    state["reversed_by"] = args["by"]


def _add(state: dict[str, Any], args: dict[str, Any]) -> None:
    for field in ("count", *SUMS):
        state[field] = int(state.get(field, 0)) + int(args[field])
    state.setdefault("fixmedins_code", args["fixmedins_code"])
    state.setdefault("ym", args["ym"])


RECORDS = Registry(
    RECORD,
    "结算记录",
    {
        "record": Op("结算记录上传", "SettlementRecorded", None, _record),
        "reverse": Op("结算冲正", "SettlementReversed", None, _reverse),
    },
    frozenset({"record"}),
)
MONTHS = Registry(
    MONTH, "医药机构月度结算汇总", {"add": Op("月度汇总累计", "MonthTotalsAdded", None, _add)}, frozenset({"add"})
)
REGISTRIES = (RECORDS, MONTHS)


def month_key(data: Mapping[str, Any]) -> str | None:
    """The `institution_month` key of a step naming an institution and a 结算年月."""
    code, ym = data.get("fixmedins_code"), data.get("setl_ym")
    return f"{code}:{ym}" if code and ym else None


# Looked up by the monthly settlement: the institution's records of the month, as totals.
INSTITUTION_MONTH = Lookup("institution_month", MONTH, month_key)


def records_in_file(content: bytes) -> list[dict[str, Any]]:
    """The records of an uploaded file: JSON Lines (one record a line, as HIS systems export them) or one JSON array;
    UTF-8, with or without a BOM. A line that is not a JSON object refuses the file, naming the line."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("INVALID_FILE", "文件须为 UTF-8 编码", "the file must be UTF-8", "file") from None
    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                "INVALID_FILE",
                f"文件不是有效的 JSON（第 {exc.lineno} 行）",
                f"not valid JSON (line {exc.lineno})",
                "file",
            ) from None
        lines = list(rows) if isinstance(rows, list) else [rows]
    else:
        lines = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                raise InvalidInput(
                    "INVALID_FILE", f"第 {n} 行不是有效的 JSON", f"line {n} is not valid JSON", f"records[{len(lines)}]"
                ) from None
    for i, row in enumerate(lines):
        if not isinstance(row, dict):
            raise InvalidInput(
                "INVALID_FILE", f"第 {i + 1} 条不是一条结算记录", f"item {i + 1} is not a record", f"records[{i}]"
            )
    return lines


def validated(rows: Sequence[Mapping[str, Any]]) -> list[SettlementRecord]:
    """Every row checked before any is recorded: the first bad one refuses the batch, naming its row and field."""
    if not rows:
        raise InvalidInput("EMPTY_BATCH", "没有结算记录", "no settlement records", "records")
    if len(rows) > MAX_BATCH:
        raise InvalidInput(
            "TOO_MANY_ROWS",
            f"一次最多上传 {MAX_BATCH} 条结算记录，本次 {len(rows)} 条，请分批上传",
            f"at most {MAX_BATCH} records a request, got {len(rows)}",
            "records",
        )
    records, seen = [], set()
    for i, row in enumerate(rows):
        try:
            record = SettlementRecord.model_validate(row)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise InvalidInput(
                "INVALID_RECORD",
                f"第 {i + 1} 条结算记录的 {field} 有误：{first['msg']}",
                f"record {i + 1}, {field}: {first['msg']}",
                f"records[{i}].{field}",
            ) from None
        if record.setl_id in seen:
            raise InvalidInput(
                "DUPLICATE_IN_BATCH",
                f"第 {i + 1} 条结算记录的结算ID {record.setl_id} 在本批中重复",
                f"record {i + 1}: setl_id {record.setl_id} appears twice in the batch",
                f"records[{i}].setl_id",
            )
        seen.add(record.setl_id)
        records.append(record)
    return records


def changes(
    records: Sequence[SettlementRecord], existing: Mapping[str, Entry], months: Mapping[str, Entry], cause: str
) -> tuple[list[Entry], int]:
    """The entries a batch changes (new records, reversed originals, monthly totals) and how many records are new.

    `existing` holds the entries of the batch's setl_ids and of the originals it reverses, `months` those of its
    institution-months, as the store has them. A record already there unchanged is skipped; its totals counted once.
    """
    touched: dict[str, Entry] = {}
    deltas: dict[str, dict[str, Any]] = defaultdict(lambda: {"count": 0, **dict.fromkeys(SUMS, 0)})
    new = 0
    stored = {r.setl_id: r.stored() for r in records}
    for record in records:
        data = stored[record.setl_id]
        if (found := existing.get(record.setl_id)) is not None and found.in_effect:
            apply_op(RECORDS, found, "record", data, cause)  # the same record again changes nothing; another refuses
            continue
        sign = 1
        if record.reverses:
            original = touched.get(record.reverses) or existing.get(record.reverses)
            if original is None or not original.in_effect:
                raise Conflict(
                    "ORIGINAL_NOT_FOUND",
                    f"冲正记录 {record.setl_id} 所冲正的结算ID {record.reverses} 不存在",
                    f"the record {record.setl_id} reverses {record.reverses}, which is not recorded",
                    "reverses",
                )
            apply_op(RECORDS, original, "reverse", {"by": record.setl_id}, cause)
            touched[record.reverses] = original
            data = {**data, **{f: -abs(int(original.state[f])) for f in SUMS}}
            sign = -1
        touched[record.setl_id] = open_entry(RECORDS, record.setl_id, "record", data, cause)
        new += 1
        delta = deltas[f"{record.fixmedins_code}:{data['ym']}"]
        delta["count"] += sign
        for field in SUMS:
            delta[field] += int(data[field])
    month_entries = []
    for key, delta in deltas.items():
        code, ym = key.split(":")
        args = {**delta, "fixmedins_code": code, "ym": ym}
        if (month := months.get(key)) is not None:
            apply_op(MONTHS, month, "add", args, cause)
        else:
            month = open_entry(MONTHS, key, "add", args, cause)
        month_entries.append(month)
    return [*touched.values(), *month_entries], new
