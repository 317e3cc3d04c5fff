"""`ybj readmodels verify`: rebuild every read model into a shadow schema from the topics and compare it with the
live one, table by table (row count and an order-independent checksum); exit status 0 only when they are equal.

The comparison is made once the live projector and the shadow stand at the same positions of every partition,
read in one snapshot (REPEATABLE READ), so events arriving meanwhile do not make a false difference: when the
live projector is ahead the shadow catches up again, when it is behind the verifier waits for it. Both long parts, the
rebuild and the comparison (every row of both schemas hashed), show a progress bar on stderr.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import Connection, Engine, Table, func, select, text

from ybj_kernel.adapters.kafka import client_options, partitions_of
from ybj_kernel.ops.progress import Progress as Bar
from ybj_kernel.settings import Settings
from ybj_kernel.sm3 import sm3_digest
from ybj_query.__main__ import REBUILD_CONSUMERS, engine_for, projector_for, topics
from ybj_query.consumer import create_schema
from ybj_query.models import READ_MODELS, SCHEMA, positions
from ybj_query.progress import Progress

SHADOW_SCHEMA = "query_shadow"
SETTLE_SECONDS = 120.0  # how long the verifier waits for the live projector to reach the shadow's positions
SHOWN_DIFFERENCES = 5
TICK_ROWS = 5_000  # rows hashed between two progress reports
_MOD = 2**256


def shadow_engine(engine: Engine, schema: str = SHADOW_SCHEMA) -> Engine:
    """The same database, with every read-model statement sent to `schema` instead of the live one."""
    return engine.execution_options(schema_translate_map={SCHEMA: schema})


async def catch_up(settings: Settings, engine: Engine, report: Callable[[int, int], None] | None = None) -> int:
    """Apply the topics to `engine`'s read models from their stored positions to the current ends (as a rebuild)."""
    tps = await partitions_of(settings.kafka_bootstrap, topics(settings))
    groups = [g for i in range(REBUILD_CONSUMERS) if (g := [tp for tp in tps if tp.partition % REBUILD_CONSUMERS == i])]
    projectors = [projector_for(settings, engine) for _ in groups]
    try:
        for projector, group in zip(projectors, groups, strict=True):
            await projector.start(group=False, partitions=group)
        return sum(await asyncio.gather(*(p.catch_up(report) for p in projectors)))
    finally:
        for projector in projectors:
            await projector.stop()


def table_digests(conn: Connection, table: Table, tick: Callable[[int], None] | None = None) -> dict[str, bytes]:
    """SM3 of every row (its columns in the model's order), by primary key; `tick(n)` hears of every `TICK_ROWS`."""
    key_columns = [c.name for c in table.primary_key.columns]
    columns = [c.name for c in table.columns]
    out: dict[str, bytes] = {}
    for row in conn.execute(select(table)).mappings():
        key = "/".join(str(row[c]) for c in key_columns)
        out[key] = sm3_digest(orjson.dumps([row[c] for c in columns], default=str, option=orjson.OPT_SORT_KEYS))
        if tick is not None and len(out) % TICK_ROWS == 0:
            tick(TICK_ROWS)
    if tick is not None:
        tick(len(out) % TICK_ROWS)
    return out


def row_count(conn: Connection) -> int:
    """Rows of every read model in the connection's schema (the comparison's progress total, for one side)."""
    return sum(int(conn.execute(select(func.count()).select_from(table)).scalar() or 0) for table in READ_MODELS)


def checksum(digests: dict[str, bytes]) -> str:
    """An order-independent checksum: the sum of the rows' digests modulo 2**256."""
    return f"{sum(int.from_bytes(d, 'big') for d in digests.values()) % _MOD:064x}"


def _positions(conn: Connection) -> dict[TopicPartition, int]:
    return {TopicPartition(r.topic, r.partition): int(r.next_offset) for r in conn.execute(select(positions))}


def compare(live: Engine, shadow: Engine, out: TextIO, progress_to: TextIO | None = None) -> tuple[str, list[str]]:
    """In one snapshot: 'behind'/'ahead' when the live projector is not where the shadow is, else the differences
    (with a progress bar of the rows hashed on `progress_to`, if given)."""
    rebuilt = schema_of_engine(shadow)
    with live.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        mine, theirs = _positions(_in(conn, SCHEMA)), _positions(_in(conn, rebuilt))
        if mine != theirs:
            return ("behind" if any(mine.get(tp, 0) < o for tp, o in theirs.items()) else "ahead"), []
        progress: Bar | None = None
        if progress_to is not None:
            total = row_count(_in(conn, SCHEMA)) + row_count(_in(conn, rebuilt))
            progress = Bar(total, progress_to, label="compare", unit="rows", counted="tables")
        try:
            differences = _differences(conn, rebuilt, out, progress)
        finally:
            if progress is not None:
                progress.close()
        return "compared", differences


def _differences(conn: Connection, rebuilt: str, out: TextIO, progress: Bar | None) -> list[str]:
    """Each table of both schemas hashed row by row; the table's line on `out`, and the differences found."""
    tick = None if progress is None else progress.advance
    differences = []
    for table in READ_MODELS:
        a, b = table_digests(_in(conn, SCHEMA), table, tick), table_digests(_in(conn, rebuilt), table, tick)
        if progress is not None:
            progress.advance(0, 1)
        same = len(a) == len(b) and checksum(a) == checksum(b)
        out.write(
            f"  {table.name}: live {len(a):,} rows {checksum(a)[:16]}…, rebuilt {len(b):,} rows "
            f"{checksum(b)[:16]}… {'equal' if same else 'DIFFERENT'}\n"
        )
        if not same:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            for k in keys[:SHOWN_DIFFERENCES]:
                state = "only live" if k not in b else "only rebuilt" if k not in a else "differs"
                differences.append(f"{table.name} {k}: {state}")
            if len(keys) > SHOWN_DIFFERENCES:
                differences.append(f"{table.name}: … {len(keys) - SHOWN_DIFFERENCES} more rows differ")
    return differences


def _in(conn: Connection, schema: str) -> Connection:
    """The connection with its read-model statements sent to `schema` from now on (SQLAlchemy sets it in place)."""
    return conn.execution_options(schema_translate_map={SCHEMA: schema})


def schema_of_engine(engine: Engine) -> str:
    """The schema an engine's read-model statements go to."""
    translate: dict[str, str] = engine.get_execution_options().get("schema_translate_map") or {}
    return translate.get(SCHEMA, SCHEMA)


def verify_readmodels(
    settings: Settings, out: TextIO = sys.stdout, settle: float = SETTLE_SECONDS, err: TextIO = sys.stderr
) -> int:
    """Rebuild into the shadow schema, compare with the live read models, print the differences; 0 when equal.
    Progress bars (the rebuild, the comparison) go to `err`."""
    live = engine_for(settings, synchronous_commit=False)
    shadow = shadow_engine(live)
    with live.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE"))
    create_schema(shadow)

    async def rebuild() -> int:
        tps = await partitions_of(settings.kafka_bootstrap, topics(settings))
        backlog = await _backlog(settings, tps)
        progress = Progress(backlog, err, label="verify")
        try:
            return await catch_up(settings, shadow, progress.advance)
        finally:
            progress.close()

    applied = asyncio.run(rebuild())
    out.write(f"rebuilt {applied:,} events into {SHADOW_SCHEMA}; comparing with {SCHEMA}\n")
    deadline = time.monotonic() + settle
    while True:
        state, differences = compare(live, shadow, out, err)
        if state == "compared":
            break
        if time.monotonic() > deadline:
            out.write(f"the live projector stayed {state} of the rebuild for {settle:.0f}s; is it running?\n")
            return 2
        if state == "ahead":
            asyncio.run(catch_up(settings, shadow))
        else:
            time.sleep(0.5)
    for line in differences:
        out.write(f"  {line}\n")
    if differences:
        out.write(f"read models DIFFER from a rebuild (kept in schema {SHADOW_SCHEMA} for inspection)\n")
        return 1
    with live.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE"))
    out.write("read models equal a rebuild from the topics\n")
    return 0


async def _backlog(settings: Settings, tps: list[TopicPartition]) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, **client_options())
    await consumer.start()
    try:
        begin: dict[Any, int] = await consumer.beginning_offsets(tps)
        end: dict[Any, int] = await consumer.end_offsets(tps)
    finally:
        await consumer.stop()
    return sum(end[tp] - begin[tp] for tp in tps)
