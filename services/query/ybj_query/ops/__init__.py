"""What the query service offers the operators' `ybj` command (ybj_kernel/ops/commands.py): rebuild and verify the
read models, the projector's positions (for `ybj lag`), replay a range into the read models, and the dead letters
(list, retry).

The kernel loads this module by name (ybj_kernel/ops/services.py), since it imports no service. Each function takes the
platform's settings as `ybj` found them and works on the query service's own database (`Settings.pg_dsn_for("query")`);
the heavier modules are imported when a command needs them, so that `ybj lag` starts quickly.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

import orjson
from aiokafka import TopicPartition
from sqlalchemy import Engine, select

from ybj_kernel.ops.offsets import OffsetRange
from ybj_kernel.settings import Settings
from ybj_query.consumer import dead_letter_topic
from ybj_query.models import positions

__all__ = [
    "dead_letter_topic",
    "list_dead_letters",
    "projector_positions",
    "rebuild",
    "replay",
    "retry_dead_letters",
    "verify",
    "waiting_dead_letters",
]


def query_settings(settings: Settings) -> Settings:
    """The settings with the query service's database as the process's own."""
    return settings.model_copy(update={"pg_dsn": settings.pg_dsn_for("query")})


def _engine(settings: Settings) -> Engine:
    from ybj_query.__main__ import engine_for

    return engine_for(query_settings(settings))


def projector_positions(settings: Settings) -> dict[TopicPartition, int]:
    """The projector's stored positions: the next offset to apply, per topic partition."""
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(positions)).all()
    finally:
        engine.dispose()
    return {TopicPartition(r.topic, r.partition): int(r.next_offset) for r in rows}


async def waiting_dead_letters(settings: Settings) -> int:
    """How many dead letters wait for `ybj deadletters retry`."""
    from ybj_query.ops.deadletters import count_waiting, retry_group

    prefix = settings.topic_prefix
    return await count_waiting(settings.kafka_bootstrap, dead_letter_topic(prefix), retry_group(prefix))


def rebuild(settings: Settings) -> None:
    """Empty the read models and rebuild them from the topics (`python -m ybj_query rebuild`, progress on stderr)."""
    from ybj_query.__main__ import rebuild as rebuild_read_models

    rebuild_read_models(query_settings(settings))


def verify(settings: Settings, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Rebuild into a shadow schema and compare with the live read models; 0 when equal."""
    from ybj_query.shadow import verify_readmodels

    return verify_readmodels(query_settings(settings), out, err=err)


def list_dead_letters(settings: Settings, out: TextIO, as_json: bool) -> int:
    """Print the waiting dead letters (a table, or JSON lines' worth as one JSON document)."""
    from ybj_query.ops.deadletters import read_waiting, render_list, retry_group

    prefix = settings.topic_prefix
    topic = dead_letter_topic(prefix)
    waiting = asyncio.run(read_waiting(settings.kafka_bootstrap, topic, retry_group(prefix)))
    if as_json:
        document = {"topic": topic, "waiting": [d.as_json() for d in waiting.letters]}
        out.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if not waiting.letters:
        out.write(f"no dead letters waiting in {topic}\n")
        return 0
    out.write(f"{len(waiting.letters):,} dead letters waiting in {topic}:\n{render_list(waiting.letters)}\n")
    return 0


def retry_dead_letters(settings: Settings, out: TextIO, err: TextIO, dry_run: bool) -> int:
    """Retry the waiting dead letters; 0 when every one is applied or was already, 1 when some went back."""
    from ybj_query.ops.deadletters import read_waiting, retry_group
    from ybj_query.ops.retry import retry, summary

    prefix = settings.topic_prefix
    topic, group = dead_letter_topic(prefix), retry_group(prefix)
    engine = _engine(settings)

    async def run() -> int:
        waiting = await read_waiting(settings.kafka_bootstrap, topic, group)
        if not waiting.letters:
            out.write(f"no dead letters waiting in {topic}\n")
            return 0
        tally = await retry(engine, settings.kafka_bootstrap, topic, group, waiting, err, dry_run)
        out.write("\n".join(summary(tally, topic, dry_run)) + "\n")
        return 1 if tally.back else 0

    try:
        return asyncio.run(run())
    finally:
        engine.dispose()


def replay(settings: Settings, span: OffsetRange, out: TextIO, err: TextIO) -> int:
    """Apply a range of one partition to the read models again; 0 when nothing failed or waits."""
    from ybj_query.ops.replay import NotConsumed, summary
    from ybj_query.ops.replay import replay as replay_range

    engine = _engine(settings)
    try:
        tally = asyncio.run(replay_range(engine, settings.kafka_bootstrap, span, err))
    except NotConsumed as exc:
        err.write(f"ybj replay: {exc}\n")
        return 2
    finally:
        engine.dispose()
    out.write("\n".join(summary(tally, span)) + "\n")
    return 1 if tally.missed else 0
