"""Reference data imported from files in the national formats (ybj_query.reference): CSV (UTF-8 or GB18030, title rows
above the header, the national file's other columns ignored) and .xlsx; every row checked, a bad one named by its line
and column, and a refused file leaves the rows before it exactly as they were (one transaction). The shipped examples
load into empty kinds and are served marked as examples. On SQLite in memory: the same SQLAlchemy statements."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import StaticPool

from ybj_kernel.auth import TokenVerifier, ensure_dev_keys, issue_token
from ybj_kernel.entrypoints.http_common import install_error_handlers
from ybj_query.models import SCHEMA
from ybj_query.reference import reference_router, store
from ybj_query.reference.checking import MAX_PROBLEMS, ImportRefused
from ybj_query.reference.store import CHUNK, example_file, import_file

DRUG_HEADER = ["药品代码", "注册名称", "剂型", "规格", "生产企业", "医保甲乙类"]
AMOXICILLIN = ["XJ01CAA040E001010100001", "阿莫西林胶囊", "胶囊剂", "0.25g", "测试制药有限公司", "甲类"]
METFORMIN = ["XA10BAE001A001010100003", "盐酸二甲双胍片", "片剂", "0.5g", "测试制药有限公司", "甲"]


@pytest.fixture
def engine() -> Engine:
    """The reference tables on SQLite in memory (the query schema mapped to SQLite's one)."""
    sqlite = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    return sqlite.execution_options(schema_translate_map={SCHEMA: None})  # one database for every thread


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def _drug(n: int) -> list[str]:
    """A well-formed drug row with a distinct code."""
    return [f"XJ01CAA040E0010101{n:05d}", f"测试药品{n}", "片剂", "10mg", "测试制药有限公司", "乙类"]


def _refused(engine: Engine, kind: str, path: Path) -> ImportRefused:
    with pytest.raises(ImportRefused) as refused:
        import_file(engine, kind, path)
    return refused.value


def test_a_csv_in_the_national_format_is_imported_and_searched(engine: Engine, tmp_path: Path) -> None:
    # GB18030 as Chinese Excel saves it, a title row above the header, a column the platform does not keep.
    rows = [
        ["国家医保药品分类与代码（节选）"],
        [*DRUG_HEADER, "药品本位码"],
        [*AMOXICILLIN, "86900001"],
        [*METFORMIN, ""],
    ]
    done = import_file(engine, "drugs", _csv(tmp_path / "drugs.csv", rows, encoding="gb18030"))
    assert (done.rows, done.example) == (2, False)

    total, found = store.search(engine, "drugs", name="二甲双胍")
    assert total == 1
    assert found[0]["med_list_codg"] == "XA10BAE001A001010100003"
    assert found[0]["chrgitm_lv"] == "01"  # 「甲」 as the national code of 甲类
    assert "药品本位码" not in found[0]
    assert store.search(engine, "drugs", code="xj01")[0] == 1  # a code's beginning, any case
    assert store.sources(engine)["drugs"]["file_name"] == "drugs.csv"  # type: ignore[index]


def test_an_xlsx_is_imported_with_its_dates_and_numeric_cells(engine: Engine, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["医保编码", "名称", "限价类型", "限价", "计价单位", "医保区划", "开始日期", "结束日期"])
    sheet.append(
        [AMOXICILLIN[0], "阿莫西林胶囊", "集中带量采购中选价", 0.085, "粒", 520000, datetime(2026, 1, 1), None]
    )
    sheet.append(["C1401010010100100009", "注射器", "挂网限价", 0.3, "支", 520100, "2025/1/1", "2025年12月31日"])
    book.save(tmp_path / "limits.xlsx")

    assert import_file(engine, "price_limits", tmp_path / "limits.xlsx").rows == 2
    _, in_force = store.search(engine, "price_limits", admdvs="520102", on=date(2026, 3, 1))
    assert [(r["hilist_code"], r["hilist_pric_uplmt_amt"], r["admdvs"]) for r in in_force] == [
        (AMOXICILLIN[0], "0.085", "520000")  # the province's limit holds in 云岩区; the 2025 one has ended
    ]
    assert store.search(engine, "price_limits", on=date(2025, 6, 1))[0] == 1


@pytest.mark.parametrize(
    ("bad", "line", "column"),
    [
        (["XJ01CAA040E00101010001", *AMOXICILLIN[1:]], 3, "药品代码"),  # 22 characters
        (["AJ01CAA040E001010100001", *AMOXICILLIN[1:]], 3, "药品代码"),  # neither X nor Z
        ([AMOXICILLIN[0], "阿莫西林胶囊", "胶囊剂", "", "测试制药有限公司", "甲类"], 3, "规格"),  # required, empty
        ([*AMOXICILLIN[:5], "丁类"], 3, "医保甲乙类"),
    ],
)
def test_a_bad_row_is_refused_naming_its_line_and_column(
    engine: Engine, tmp_path: Path, bad: list[str], line: int, column: str
) -> None:
    refused = _refused(engine, "drugs", _csv(tmp_path / "drugs.csv", [DRUG_HEADER, METFORMIN, bad]))
    assert [(p.line, p.column) for p in refused.problems] == [(line, column)]
    assert f"第 {line} 行「{column}」" in str(refused)
    assert store.search(engine, "drugs")[0] == 0  # not even the good row before it


def test_a_consumable_code_is_c_and_19_digits(engine: Engine, tmp_path: Path) -> None:
    header = ["耗材代码", "注册名称", "规格型号", "生产企业"]
    good = ["C1401010010100100009", "注射器", "5ml", "测试器械有限公司"]
    bad = ["C140101001010010000", "注射器", "10ml", "测试器械有限公司"]  # 19 characters
    refused = _refused(engine, "consumables", _csv(tmp_path / "c.csv", [header, good, bad]))
    assert [(p.line, p.column) for p in refused.problems] == [(3, "耗材代码")]
    assert import_file(engine, "consumables", _csv(tmp_path / "c.csv", [header, good])).rows == 1


def test_a_refused_file_leaves_the_rows_imported_before_untouched(engine: Engine, tmp_path: Path) -> None:
    before = import_file(engine, "drugs", _csv(tmp_path / "first.csv", [DRUG_HEADER, AMOXICILLIN, METFORMIN]))
    # More rows than one insert holds, the bad one last: rows were written before it was read, and are undone.
    rows = [DRUG_HEADER, *(_drug(n) for n in range(CHUNK + 10)), ["XJ01", "坏行", "片剂", "1g", "企业", "甲类"]]
    refused = _refused(engine, "drugs", _csv(tmp_path / "second.csv", rows))
    assert [(p.line, p.column) for p in refused.problems] == [(CHUNK + 12, "药品代码")]

    total, found = store.search(engine, "drugs")
    assert (total, {r["reg_nam"] for r in found}) == (2, {"阿莫西林胶囊", "盐酸二甲双胍片"})
    assert store.sources(engine)["drugs"]["sha256"] == before.sha256  # type: ignore[index]


def test_every_problem_of_a_file_is_told_at_once_and_duplicates_name_the_first_line(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [DRUG_HEADER, AMOXICILLIN, [*METFORMIN[:3], "", *METFORMIN[4:]], AMOXICILLIN]
    refused = _refused(engine, "drugs", _csv(tmp_path / "d.csv", rows))
    assert [(p.line, p.column) for p in refused.problems] == [(3, "规格"), (4, "药品代码")]
    assert "第 2 行" in refused.problems[1].message_zh

    many = [DRUG_HEADER, *([*_drug(n)[:3], "", *_drug(n)[4:]] for n in range(MAX_PROBLEMS + 5))]
    refused = _refused(engine, "drugs", _csv(tmp_path / "many.csv", many))
    assert (len(refused.problems), refused.count) == (MAX_PROBLEMS, MAX_PROBLEMS + 5)


def test_a_file_without_a_required_column_or_of_another_type_is_refused(engine: Engine, tmp_path: Path) -> None:
    no_spec = [[c for c in DRUG_HEADER if c != "规格"], [v for i, v in enumerate(AMOXICILLIN) if i != 3]]
    refused = _refused(engine, "drugs", _csv(tmp_path / "d.csv", no_spec))
    assert [(p.line, p.column) for p in refused.problems] == [(1, "规格")]

    refused = _refused(engine, "drugs", _csv(tmp_path / "d.csv", [["名称", "备注"], ["x", "y"]]))
    assert "找不到表头" in refused.problems[0].message_zh
    (tmp_path / "d.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert ".xls" in _refused(engine, "drugs", tmp_path / "d.xls").problems[0].message_zh
    assert "没有数据行" in _refused(engine, "drugs", _csv(tmp_path / "e.csv", [DRUG_HEADER])).problems[0].message_zh


def test_rows_checked_beyond_their_format(engine: Engine, tmp_path: Path) -> None:
    limits = [
        ["医保编码", "名称", "限价类型", "限价", "计价单位", "医保区划", "开始日期", "结束日期"],
        [AMOXICILLIN[0], "阿莫西林胶囊", "挂网限价", "0.1", "粒", "520000", "2026-01-01", "2025-12-31"],
    ]
    assert _refused(engine, "price_limits", _csv(tmp_path / "l.csv", limits)).problems[0].column == "结束日期"
    policy = [["文号", "标题", "发文机关", "发布日期"], ["测试发〔2026〕1号", "标题", "测试局", "2026-02-30"]]
    problems = _refused(engine, "policies", _csv(tmp_path / "p.csv", policy)).problems
    assert [p.column for p in problems] == ["发布日期"]  # no such date
    policy[1][3] = "2026-02-28"
    assert "链接和摘要" in _refused(engine, "policies", _csv(tmp_path / "p.csv", policy)).problems[0].message_zh
    agency = [["经办机构编码", "机构名称", "医保区划", "地址", "联系电话", "办公时间"]]
    agency.append(["520100001", "测试中心", "5201", "测试路1号", "12393", "工作日"])
    assert _refused(engine, "agencies", _csv(tmp_path / "a.csv", agency)).problems[0].column == "医保区划"


def test_the_shipped_examples_load_into_empty_kinds_only_and_are_labelled(engine: Engine, tmp_path: Path) -> None:
    import_file(
        engine,
        "policies",
        _csv(
            tmp_path / "p.csv",
            [
                ["文号", "标题", "发文机关", "发布日期", "摘要"],
                ["测试发〔2026〕1号", "标题", "测试局", "2026-01-01", "摘要"],
            ],
        ),
    )
    loaded = {done.kind: done for done in store.ensure_reference_data(engine)}
    assert sorted(loaded) == ["agencies", "consumables", "drugs", "price_limits"]  # policies had rows already
    assert all(done.rows == 12 and done.example for done in loaded.values())
    assert all("示例" in example_file(kind).read_text(encoding="utf-8").splitlines()[0] for kind in loaded)
    assert store.ensure_reference_data(engine) == []  # a second start loads nothing
    _, drugs = store.search(engine, "drugs", limit=200)
    assert all(len(d["med_list_codg"]) == 23 for d in drugs)
    _, consumables = store.search(engine, "consumables", limit=200)
    assert all(len(c["med_list_codg"]) == 20 and c["med_list_codg"][0] == "C" for c in consumables)


def test_the_routes_serve_a_page_one_row_and_where_the_rows_come_from(engine: Engine, tmp_path: Path) -> None:
    private, public = tmp_path / "jwt-private.pem", tmp_path / "jwt-public.pem"
    ensure_dev_keys(private, public)
    api = FastAPI()
    install_error_handlers(api)
    api.state.verifier = TokenVerifier(public.read_bytes(), "ybj")
    api.include_router(reference_router(engine))  # loads the examples: the tables are empty
    client = TestClient(api)
    token = {"Authorization": f"Bearer {issue_token(private.read_bytes(), 'ch', ['channel'], '520300')}"}

    page = client.get("/api/v1/reference/drugs", params={"name": "阿莫西林", "page_size": 2}, headers=token)
    assert page.status_code == 200, page.text
    body = page.json()
    assert (body["total"], len(body["items"]), body["source"]["example"]) == (3, 2, True)
    assert body["items"][0]["chrgitm_lv_name"] == "甲类"
    one = client.get("/api/v1/reference/consumables/c0101010010100100001", headers=token)
    assert one.json()["item"]["reg_nam"] == "冠状动脉药物洗脱支架系统"
    missing = client.get("/api/v1/reference/drugs/XJ01CAA040E001010199999", headers=token)
    assert (missing.status_code, missing.json()["code"]) == (404, "REFERENCE_NOT_FOUND")
    kinds = client.get("/api/v1/reference", headers=token).json()["items"]
    assert [k["kind"] for k in kinds] == ["drugs", "consumables", "price_limits", "policies", "agencies"]
    assert client.get("/api/v1/reference/prices", headers=token).status_code == 422
    assert client.get("/api/v1/reference/drugs").status_code == 401
