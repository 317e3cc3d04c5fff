"""Reference data tables in the query schema (beside the read models, on the same metadata): loaded from files, never
changed by cases, so not read models: a rebuild from the topics leaves them alone (they are not in READ_MODELS).

`ref_entries` holds every kind's rows, keyed by (kind, key), with the columns searched (code, name, 医保区划, dates) and
the row as imported (`data`); `ref_imports` records each import (which file, its SHA-256, how many rows, whether it is
the shipped example), the newest of a kind telling where that kind's rows come from.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from ybj_query.models import Json, metadata

ref_entries = Table(
    "ref_entries",
    metadata,
    Column("kind", String(20), nullable=False),
    Column("key", Text, nullable=False),
    Column("code", Text, nullable=False),  # 药品/耗材代码, 医保编码, 文号, 经办机构编码: searched by prefix
    Column("name", Text, nullable=False),  # 注册名称, 标题, 机构名称: searched by a part of it
    Column("admdvs", String(6)),
    Column("begndate", Date),
    Column("enddate", Date),
    Column("data", Json, nullable=False),
    PrimaryKeyConstraint("kind", "key"),
)
# Prefix searches on the code (LIKE 'X…%') use the index whatever the database's collation.
Index("ref_entries_code", ref_entries.c.kind, ref_entries.c.code, postgresql_ops={"code": "text_pattern_ops"})

ref_imports = Table(
    "ref_imports",
    metadata,
    Column("import_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("example", Boolean, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)
Index("ref_imports_kind", ref_imports.c.kind, ref_imports.c.import_id)

REFERENCE_TABLES = (ref_entries, ref_imports)
