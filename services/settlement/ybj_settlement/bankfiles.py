"""银行代发报盘 (the file sent to the bank) and 回盘 (the bank's return file): a pure generator and a pure parser.

The seeds name the steps only (「银行代发报盘处理（确认所拨付的数据以后，向银行进行一个报盘发送）」, 「银行回盘处理（可查询
拨付的款项是否成功）」); the layout below is this service's own (示例 format, example layout), to be replaced by the
cooperating bank's specification when it is known.

Format: encoding GBK (a 汉字 is two bytes); one record a line, lines end with CRLF; every column has a fixed width in
GBK bytes, text left-aligned and space-padded, numbers right-aligned and zero-padded. Amounts are integer fen (分),
never yuan with a decimal point.

    header   H | 结算批次号 20 | 支付批次号 20                                            (41 bytes)
    detail   D | 序号 6 | 户名 60 | 账号 32 | 开户行 60 | 金额(分) 15 | 用途 40 | 结算批次号 20   (234 bytes)
    control  T | 笔数 6 | 总金额(分) 18                                                  (25 bytes)

The return file (回盘) has the same header, each detail line followed by 状态 4 (「成功」 or 「失败」) and 失败原因 60
(blank when paid), and a control line `T | 笔数 6 | 总金额 18 | 成功笔数 6 | 成功金额 18 | 失败笔数 6 | 失败金额 18`.

A return file is refused whole (InvalidInput naming the line and the column) when a line is malformed, when its
control line does not add up, or when it does not answer exactly the rows that were sent (a row not sent, a row
changed, a row twice or a row missing): a tampered file pays nobody.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ybj_kernel.errors import InvalidInput

CRLF = b"\r\n"
ENCODING = "gbk"
PAID, FAILED = "成功", "失败"
# (column, Chinese name, width in GBK bytes, numeric)
HEADER = (("setl_batch_no", "结算批次号", 20, False), ("pay_batch_no", "支付批次号", 20, False))
DETAIL = (
    ("seq", "序号", 6, True),
    ("acct_name", "户名", 60, False),
    ("bank_acct", "账号", 32, False),
    ("bank_name", "开户行", 60, False),
    ("amount_fen", "金额", 15, True),
    ("purpose", "用途", 40, False),
    ("setl_batch_no", "结算批次号", 20, False),
)
RETURN_DETAIL = (*DETAIL, ("status", "状态", 4, False), ("fail_reason", "失败原因", 60, False))
CONTROL = (("count", "笔数", 6, True), ("total_fen", "总金额", 18, True))
RETURN_CONTROL = (
    *CONTROL,
    ("paid_count", "成功笔数", 6, True),
    ("paid_fen", "成功金额", 18, True),
    ("failed_count", "失败笔数", 6, True),
    ("failed_fen", "失败金额", 18, True),
)
Column = tuple[str, str, int, bool]


@dataclass(frozen=True)
class Payee:
    """One row to pay: 户名, 账号, 开户行 and 金额 in fen."""

    acct_name: str
    bank_acct: str
    bank_name: str
    amount_fen: int


@dataclass(frozen=True)
class BankBatch:
    """What one 报盘 pays: the batch numbers, the 用途 printed on every line, and the payees in order."""

    setl_batch_no: str
    pay_batch_no: str
    purpose: str
    payees: tuple[Payee, ...]


@dataclass(frozen=True)
class ReturnedRow:
    """One answered row of a 回盘: the payee as sent (序号 from 1), paid or not, and the bank's reason."""

    seq: int
    payee: Payee
    paid: bool
    fail_reason: str = ""


@dataclass(frozen=True)
class BankReturn:
    """A 回盘 that answers every row sent exactly once; paid + failed = sent, in count and in fen."""

    paid: tuple[ReturnedRow, ...]
    failed: tuple[ReturnedRow, ...]

    @property
    def paid_fen(self) -> int:
        """What the bank paid, in fen."""
        return sum(r.payee.amount_fen for r in self.paid)

    @property
    def failed_fen(self) -> int:
        """What the bank could not pay, in fen."""
        return sum(r.payee.amount_fen for r in self.failed)


def to_fen(yuan: str | Decimal) -> int:
    """Decimal yuan with fen precision to integer fen (refuses a fraction of a fen)."""
    fen = Decimal(str(yuan)) * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{yuan} has a fraction of a fen")
    return int(fen)


def fits(text: str, width: int) -> bool:
    """Tell whether `text` encodes in GBK within `width` bytes (and holds no line break)."""
    try:
        return len(text.encode(ENCODING)) <= width and "\r" not in text and "\n" not in text
    except UnicodeEncodeError:
        return False


def _cell(value: str | int, name: str, width: int, numeric: bool) -> bytes:
    if numeric:
        text = str(value)
        if not text.isdigit() or len(text) > width:
            raise InvalidInput("BANK_FILE_FIELD", f"{name}超出{width}位", f"{name} does not fit {width} digits", name)
        return text.rjust(width, "0").encode("ascii")
    if not fits(str(value), width):
        raise InvalidInput(
            "BANK_FILE_FIELD",
            f"{name}「{value}」不能以 GBK 写入 {width} 字节",
            f"{name} {value!r} does not fit {width} GBK bytes",
            name,
        )
    encoded = str(value).encode(ENCODING)
    return encoded + b" " * (width - len(encoded))


def _record(kind: bytes, columns: Sequence[Column], values: Mapping[str, str | int]) -> bytes:
    return kind + b"".join(_cell(values[c], name, w, num) for c, name, w, num in columns)


def _detail_values(batch: BankBatch, seq: int, payee: Payee) -> dict[str, str | int]:
    return {
        "seq": seq,
        "acct_name": payee.acct_name,
        "bank_acct": payee.bank_acct,
        "bank_name": payee.bank_name,
        "amount_fen": payee.amount_fen,
        "purpose": batch.purpose,
        "setl_batch_no": batch.setl_batch_no,
    }


def _header(batch: BankBatch) -> bytes:
    return _record(b"H", HEADER, {"setl_batch_no": batch.setl_batch_no, "pay_batch_no": batch.pay_batch_no})


def bank_file(batch: BankBatch) -> bytes:
    """The 报盘 of `batch`, GBK bytes in the layout of this module's docstring."""
    lines = [_header(batch)]
    lines += [_record(b"D", DETAIL, _detail_values(batch, i, p)) for i, p in enumerate(batch.payees, 1)]
    total = sum(p.amount_fen for p in batch.payees)
    lines.append(_record(b"T", CONTROL, {"count": len(batch.payees), "total_fen": total}))
    return CRLF.join(lines) + CRLF


def return_file(batch: BankBatch, failures: Mapping[int, str]) -> bytes:
    """The 回盘 a bank would send for `batch`: rows by 序号 in `failures` failed with that reason, the others paid.

    The bank's side of the exchange, for examples and tests.
    """
    lines = [_header(batch)]
    for i, p in enumerate(batch.payees, 1):
        values = {**_detail_values(batch, i, p), "status": FAILED if i in failures else PAID}
        lines.append(_record(b"D", RETURN_DETAIL, {**values, "fail_reason": failures.get(i, "")}))
    failed = [p.amount_fen for i, p in enumerate(batch.payees, 1) if i in failures]
    total = sum(p.amount_fen for p in batch.payees)
    control = {"count": len(batch.payees), "total_fen": total, "paid_count": len(batch.payees) - len(failed)}
    control |= {"paid_fen": total - sum(failed), "failed_count": len(failed), "failed_fen": sum(failed)}
    lines.append(_record(b"T", RETURN_CONTROL, control))
    return CRLF.join(lines) + CRLF


# ---- parsing the 回盘 ---------------------------------------------------------------------------------------------


def _refuse(line: int, column: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(
        "BANK_RETURN_REFUSED",
        f"回盘文件第{line}行「{column}」：{zh}，整个回盘不予处理",
        f"return file line {line}, {column}: {en}; the whole return file is refused",
        f"return_file[{line}].{column}",
    )


def _fields(raw: bytes, line: int, kind: bytes, columns: Sequence[Column]) -> dict[str, str]:
    width = 1 + sum(c[2] for c in columns)
    if raw[:1] != kind:
        raise _refuse(line, "记录类型", f"应为 {kind.decode()}", f"record type should be {kind.decode()}")
    if len(raw) != width:
        raise _refuse(
            line, "记录长度", f"应为 {width} 字节，实为 {len(raw)}", f"{width} bytes expected, got {len(raw)}"
        )
    values, at = {}, 1
    for column, name, w, numeric in columns:
        cell = raw[at : at + w]
        at += w
        try:
            text = cell.decode(ENCODING)
        except UnicodeDecodeError:
            raise _refuse(line, name, "不是有效的 GBK 文本", "not valid GBK text") from None
        if numeric and not text.isdigit():
            raise _refuse(line, name, f"应为{w}位数字", f"{w} digits expected")
        values[column] = text.rstrip(" ")
    return values


def _lines(content: bytes | str) -> list[bytes]:
    raw = content.encode(ENCODING) if isinstance(content, str) else content
    lines = raw.replace(CRLF, b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) < 2:
        raise _refuse(len(lines) + 1, "记录类型", "缺少表头或控制行", "the header or the control line is missing")
    return lines


def parse_return(content: bytes | str, sent: BankBatch) -> BankReturn:
    """Read the 回盘 of `sent`, or refuse it whole (see the module docstring); text is taken as the GBK file decoded."""
    lines = _lines(content)
    header = _fields(lines[0], 1, b"H", HEADER)
    for column, name, _, _ in HEADER:
        if header[column] != getattr(sent, column):
            raise _refuse(1, name, f"与报盘（{getattr(sent, column)}）不符", f"differs from the file sent ({column})")
    rows: list[ReturnedRow] = []
    for n, raw in enumerate(lines[1:-1], 2):
        rows.append(_returned_row(_fields(raw, n, b"D", RETURN_DETAIL), n, sent, len(rows) + 1))
    last = len(lines)
    if len(rows) != len(sent.payees):
        raise _refuse(last, "笔数", f"回盘{len(rows)}笔，报盘{len(sent.payees)}笔", "does not answer every row sent")
    control = {k: int(v) for k, v in _fields(lines[-1], last, b"T", RETURN_CONTROL).items()}
    result = BankReturn(tuple(r for r in rows if r.paid), tuple(r for r in rows if not r.paid))
    counted = {
        "count": len(rows),
        "total_fen": result.paid_fen + result.failed_fen,
        "paid_count": len(result.paid),
        "paid_fen": result.paid_fen,
        "failed_count": len(result.failed),
        "failed_fen": result.failed_fen,
    }
    for column, name, _, _ in RETURN_CONTROL:
        if control[column] != counted[column]:
            raise _refuse(last, name, f"控制数{control[column]}与明细合计{counted[column]}不符", "control total off")
    return result


def _returned_row(values: Mapping[str, str], line: int, sent: BankBatch, expected_seq: int) -> ReturnedRow:
    seq = int(values["seq"])
    if seq != expected_seq or seq > len(sent.payees):
        raise _refuse(line, "序号", f"报盘中没有第{seq}笔或顺序不符", f"row {seq} was not sent in this order")
    payee = sent.payees[seq - 1]
    expected = _detail_values(sent, seq, payee)
    for column, name, _, numeric in DETAIL:
        given, wanted = values[column], expected[column]
        if (int(given) != wanted) if numeric else (given != str(wanted).rstrip(" ")):
            raise _refuse(line, name, "与报盘不符（回盘被篡改）", "differs from the row sent (tampered)")
    if values["status"] not in (PAID, FAILED):
        raise _refuse(line, "状态", "应为「成功」或「失败」", "status must be 成功 or 失败")
    paid = values["status"] == PAID
    if paid == bool(values["fail_reason"]):
        raise _refuse(line, "失败原因", "失败须写明原因，成功不得填写", "a failure needs a reason, a payment none")
    return ReturnedRow(seq, payee, paid, values["fail_reason"])
