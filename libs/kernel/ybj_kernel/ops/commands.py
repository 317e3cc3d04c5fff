"""The operators' `ybj` commands: `readmodels verify|rebuild`, `lag`, `replay`, `deadletters list|retry`.

Each finds the running platform first (ops/locate.py) and says where its settings came from on stderr; long work shows
a progress bar on stderr (ops/progress.py), results go to stdout. Exit status: 0 done and all well, 1 done but
something needs attention (a lag part not measured, read models that differ, dead letters or replayed messages that
still fail), 2 not done (platform not found or not reachable, a range refused, a rebuild not confirmed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Mapping
from typing import TextIO

import orjson
from aiokafka import TopicPartition

from ybj_kernel.envelope import topic_for
from ybj_kernel.ops import offsets, services
from ybj_kernel.ops.locate import Located, PlatformNotFound, locate, masked
from ybj_kernel.settings import DOMAIN_SERVICES, Settings

NOT_DONE = 2
Ask = Callable[[str], str]  # asks a question, returns the answer (`input`, or a test's)

REPLAY_HELP = """\
Apply offsets --from..--to (default: to the partition's last message) of one partition to a consumer again, after a
fix. The consumer's own position is not moved and it may keep running: the range is read here, alone, in order.

  query (or query-projector): the read models. Per case (and registry entry) versions apply in order and each
    once, so a replay fills in what the read models lack (an event dead-lettered before the fix and the later
    events of its case the projector passed over) and changes nothing they already hold. It never recomputes an
    applied event: for that, `ybj readmodels rebuild`. Each chunk is applied in one transaction holding the
    projector's position of the partition, so the projector waits for it rather than interleaving. An event whose
    case lacks an earlier version waits (start earlier); failures are listed with their offsets.
  <service>-reactor: the service's reactions run again on the range, in this process, on the service's database.
    Reactions are idempotent (recorded under the causing event's id): events reacted to before change nothing,
    ones a reaction refused before the fix apply now. The reactor's group offsets are not touched.

A range outside what the partition holds, or a topic the consumer does not read, is refused."""

RETRY_HELP = """\
After a fix, apply each dead letter waiting in <prefix>.query.dead-letter to the read models again with the query
service's projection code. One that applies restores its case: the case's later events, which the projector passed
over meanwhile, are applied after it, in order, under the projector's position lock. One the read models hold
already is done. One that still fails (or still waits for an earlier version) goes back on the dead-letter topic
with the new reason, its origin kept: nothing is lost. What was read is then recorded in the consumer group
<prefix>.query.dead-letter-retry, so a second retry applies nothing twice. Exit status 1 when some went back."""


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `readmodels`, `lag`, `replay` and `deadletters` to the `ybj` command line."""
    models = sub.add_parser("readmodels", help="verify or rebuild the query service's read models")
    models_cmds = models.add_subparsers(dest="readmodels_command", required=True)
    models_cmds.add_parser("verify", help="rebuild into a shadow schema and compare with the live read models")
    rebuild = models_cmds.add_parser(
        "rebuild",
        help="EMPTY the read models and rebuild them from the topics (stop the projector first)",
        description="Empties the read models and rebuilds them from the beginning of the topics, with a progress bar. "
        "Stop the projector first (Kubernetes: scale deployment/query-projector to 0) and start it after. Asks for "
        "confirmation unless --yes.",
    )
    rebuild.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    show = sub.add_parser("lag", help="relay lag per service, consumer lag per partition, dead letters waiting")
    show.add_argument("--json", action="store_true", help="one JSON document instead of tables")
    replay = sub.add_parser(
        "replay",
        help="apply a topic range to a consumer again after a fix",
        description=REPLAY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("--consumer", required=True, choices=["query", *services.consumers()])
    replay.add_argument("--topic", required=True, help="e.g. ybj.enrollment.events")
    replay.add_argument("--partition", required=True, type=_offset)
    replay.add_argument("--from", dest="start", required=True, type=_offset, metavar="OFFSET")
    replay.add_argument("--to", dest="last", type=_offset, metavar="OFFSET", help="last offset (included)")
    letters = sub.add_parser("deadletters", help="messages the projector could not apply")
    letters_cmds = letters.add_subparsers(dest="deadletters_command", required=True)
    listing = letters_cmds.add_parser("list", help="the dead letters waiting: origin, case or entry, time, reason")
    listing.add_argument("--json", action="store_true", help="one JSON document instead of a table")
    retry = letters_cmds.add_parser(
        "retry",
        help="apply the waiting dead letters again after a fix",
        description=RETRY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    retry.add_argument("--dry-run", action="store_true", help="say what would happen; write and commit nothing")


def _offset(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def find_platform(command: str, err: TextIO, environ: Mapping[str, str] | None = None) -> Located | None:
    """The platform's settings, said on `err`; None (and why, on `err`) when it cannot be found."""
    try:
        located = locate(environ)
    except PlatformNotFound as exc:
        err.write(f"ybj {command}: {exc}\n")
        return None
    err.write(f"{located.describe()}\n")
    return located


def run(
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    ask: Ask | None = None,
) -> int:
    """Run one of these commands (output to `out`, progress and messages to `err`: default stdout and stderr)."""
    out, err = out or sys.stdout, err or sys.stderr
    command = _name(args)
    located = find_platform(command, err, environ)
    if located is None:
        return NOT_DONE
    settings = located.settings
    try:
        if args.command == "readmodels" and args.readmodels_command == "rebuild":
            return _rebuild(settings, args.yes, err, ask)
        if args.command == "readmodels":
            return int(services.query_ops().verify(settings, out, err))
        if args.command == "lag":
            return _lag(settings, args.json, out)
        if args.command == "replay":
            return _replay(settings, args, out, err)
        if args.deadletters_command == "list":
            return int(services.query_ops().list_dead_letters(settings, out, args.json))
        return int(services.query_ops().retry_dead_letters(settings, out, err, args.dry_run))
    except offsets.RangeRefused as exc:
        err.write(f"ybj {command}: refused: {exc}\n")
    except Exception as exc:
        if not unreachable(exc):
            raise
        err.write(f"ybj {command}: cannot reach the platform ({_first_line(exc)}); settings from {located.source}\n")
    return NOT_DONE


def unreachable(exc: BaseException) -> bool:
    """Whether an error means the database or Kafka cannot be reached (said plainly instead of a traceback)."""
    import psycopg
    import sqlalchemy.exc
    from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError

    kinds = (psycopg.OperationalError, sqlalchemy.exc.OperationalError, KafkaConnectionError, KafkaTimeoutError)
    return isinstance(exc, kinds) or (exc.__cause__ is not None and unreachable(exc.__cause__))


def _name(args: argparse.Namespace) -> str:
    sub = getattr(args, f"{args.command}_command", None)
    return f"{args.command} {sub}" if sub else str(args.command)


def _first_line(exc: BaseException) -> str:
    text = (str(exc).strip().splitlines() or [""])[0]
    name = type(exc).__name__
    return text if text.startswith(name) else f"{name}: {text}"


def _rebuild(settings: Settings, yes: bool, err: TextIO, ask: Ask | None) -> int:
    where = f"{masked(settings.pg_dsn_for('query'))} from the topics {settings.topic_prefix}.*"
    if not yes:
        if ask is None and not sys.stdin.isatty():
            err.write("ybj readmodels rebuild: not rebuilt: it empties the read models; pass --yes to confirm\n")
            return NOT_DONE
        question = (
            f"This EMPTIES the read models in {where} and rebuilds them (stop the projector first). Type yes to go on: "
        )
        if (ask or input)(question).strip().lower() != "yes":
            err.write("ybj readmodels rebuild: not rebuilt\n")
            return NOT_DONE
    services.query_ops().rebuild(settings)
    return 0


def _lag(settings: Settings, as_json: bool, out: TextIO) -> int:
    from ybj_kernel.ops import lag  # the case engine it loads is for `ybj lag` only: other commands start sooner

    report = lag.measure(settings)
    if as_json:
        out.write(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        out.write(report.as_text() + "\n")
    return 0 if report.complete else 1


def consumer_topics(consumer: str, prefix: str) -> list[str]:
    """The topics a consumer reads (the projector: every domain service's)."""
    service = services.consumer_service(consumer)
    if service is None:
        return [topic_for(prefix, s) for s in DOMAIN_SERVICES]
    return services.reactor_topics(service, prefix)


def _replay(settings: Settings, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    topics = consumer_topics(args.consumer, settings.topic_prefix)
    if args.topic not in topics:
        raise offsets.RangeRefused(f"{args.consumer} does not read {args.topic}; it reads {', '.join(topics)}")

    async def bounds() -> dict[TopicPartition, offsets.Bounds]:
        return await offsets.bounds(
            settings.kafka_bootstrap, await offsets.partitions(settings.kafka_bootstrap, [args.topic])
        )

    span = offsets.checked_range(args.topic, args.partition, args.start, args.last, asyncio.run(bounds()))
    service = services.consumer_service(args.consumer)
    if service is None:
        return int(services.query_ops().replay(settings, span, out, err))
    return _replay_reactions(settings, args.consumer, service, span, out, err)


def _replay_reactions(
    settings: Settings, consumer: str, service: str, span: offsets.OffsetRange, out: TextIO, err: TextIO
) -> int:
    from ybj_kernel.entrypoints.service_main import bootstrap
    from ybj_kernel.ops.replay import replay_reactions, summary

    own = settings.model_copy(update={"pg_dsn": settings.pg_dsn_for(service)})
    app = bootstrap(services.application_class(service), own)
    try:
        outcomes = asyncio.run(replay_reactions(app, settings.kafka_bootstrap, span, err))
    finally:
        app.close()
    out.write("\n".join(summary(consumer, span, outcomes)) + "\n")
    return 0
