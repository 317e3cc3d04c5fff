"""The SREs' `ybj` commands without infrastructure: where they find the platform (or say where they looked), their
arguments, the ranges they refuse, their plain output, and the pure parts of dead-letter retry."""

from __future__ import annotations

import argparse
import io
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import ConsumerRecord, TopicPartition

from ybj_dev import run
from ybj_dev.platform import REACTING_SERVICES as DEV_REACTING_SERVICES
from ybj_dev.platform import Platform
from ybj_kernel.cli import main
from ybj_kernel.ops import commands, locate, services
from ybj_kernel.ops.lag import DeadLetters, LagReport, PartitionLag, RelayLag
from ybj_kernel.ops.offsets import Bounds, RangeRefused, checked_range
from ybj_kernel.ops.progress import Progress
from ybj_kernel.settings import DOMAIN_SERVICES
from ybj_query.ops import catch_up, retry
from ybj_query.ops.deadletters import DeadLetter, render_list

TOPIC = "ybj.enrollment.events"


@pytest.fixture(autouse=True)
def no_platform_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts outside any deployment, with an empty run folder of its own."""
    for name in ("YBJ_PG_DSN", "YBJ_KAFKA_BOOTSTRAP", "YBJ_TOPIC_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("YBJ_RUN_DIR", str(tmp_path / "run"))


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


# ---------------------------------------------------------------- finding the platform


def test_in_a_deployment_the_environment_is_the_whole_answer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    locate.write_settings_file(tmp_path / "run" / locate.PLATFORM_FILE, {"YBJ_TOPIC_PREFIX": "fromfile"}, "test")
    monkeypatch.setenv("YBJ_PG_DSN", "postgresql://u:secret@db:5432/ybj")
    found = locate.locate()
    assert found.source == "the environment (YBJ_*)"
    assert found.settings.pg_dsn == "postgresql://u:secret@db:5432/ybj"
    assert found.settings.topic_prefix == "ybj"  # the file is not read at all
    assert "secret" not in found.describe()


def test_outside_one_the_run_folders_platform_file_is_read_from_any_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    platform = Platform(run_dir, "postgresql://ybj:ybj@127.0.0.1:55432/ybj", "127.0.0.1:9092", topic_prefix="demo")
    written = run.write_platform_settings(platform)
    locate.write_settings_file(run_dir / locate.INFRA_FILE, {"YBJ_PG_DSN": "postgresql://other/db"}, "infra")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    found = locate.locate()
    assert found.source == str(written) == str(run_dir / "platform.env")
    assert (found.settings.pg_dsn, found.settings.kafka_bootstrap) == (platform.pg_dsn, "127.0.0.1:9092")
    assert found.settings.topic_prefix == "demo"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600  # it holds the database password
    monkeypatch.setenv("YBJ_TOPIC_PREFIX", "mine")  # the environment still wins over the file
    assert locate.locate().settings.topic_prefix == "mine"


def test_the_infrastructure_file_serves_when_no_platform_file_is_there(tmp_path: Path) -> None:
    locate.write_settings_file(
        tmp_path / "run" / locate.INFRA_FILE,
        {"YBJ_PG_DSN": "postgresql://ybj:ybj@127.0.0.1:55432/ybj", "YBJ_KAFKA_BOOTSTRAP": "127.0.0.1:9092"},
        "infra",
    )
    found = locate.locate()
    assert found.source.endswith("infra.env")
    assert found.settings.topic_prefix == "ybj"


@pytest.mark.parametrize(
    "argv",
    [
        ["lag"],
        ["lag", "--json"],
        ["deadletters", "list"],
        ["deadletters", "retry", "--dry-run"],
        ["readmodels", "verify"],
        ["readmodels", "rebuild", "--yes"],
        ["replay", "--consumer", "query", "--topic", TOPIC, "--partition", "0", "--from", "0"],
        ["audit", "verify"],
        ["audit", "checkpoint"],
    ],
)
def test_without_a_platform_every_command_says_where_it_looked_and_what_to_set(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run_main(argv, capsys)
    assert status == 2
    assert out == ""
    assert f"ybj {argv[0]}" in err
    assert str(tmp_path / "run" / "platform.env") in err
    assert str(tmp_path / "run" / "infra.env") in err
    assert "YBJ_PG_DSN" in err
    assert "YBJ_KAFKA_BOOTSTRAP" in err
    assert "YBJ_RUN_DIR" in err
    assert not (tmp_path / "run").exists()  # nothing made on the way


def test_a_password_never_shows_in_a_message() -> None:
    assert locate.masked("postgresql://ybj:s3cret@db:5432/ybj") == "postgresql://ybj:***@db:5432/ybj"
    assert locate.masked("host=db password=s3cret dbname=ybj") == "host=db password=*** dbname=ybj"
    assert locate.masked("postgresql://db/ybj") == "postgresql://db/ybj"


# ---------------------------------------------------------------- arguments


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ybj")
    commands.add_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_replay_arguments() -> None:
    args = parse(["replay", "--consumer", "treatment-reactor", "--topic", TOPIC, "--partition", "2", "--from", "5"])
    assert (args.consumer, args.topic, args.partition, args.start, args.last) == (
        "treatment-reactor",
        TOPIC,
        2,
        5,
        None,
    )
    assert (
        parse(["replay", "--consumer", "query", "--topic", TOPIC, "--partition", "0", "--from", "1", "--to", "9"]).last
        == 9
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["replay", "--topic", TOPIC, "--partition", "0", "--from", "0"],  # no consumer
        ["replay", "--consumer", "enrollment-reactor", "--topic", TOPIC, "--partition", "0", "--from", "0"],
        ["replay", "--consumer", "query", "--topic", TOPIC, "--partition", "0", "--from", "-1"],
        ["replay", "--consumer", "query", "--topic", TOPIC, "--partition", "x", "--from", "0"],
        ["deadletters"],
        ["readmodels", "rebuild", "--force"],
    ],
)
def test_bad_arguments_are_refused_by_the_parser(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(argv)
    assert exited.value.code == 2
    assert "usage: ybj" in capsys.readouterr().err


def test_the_help_of_replay_and_retry_says_what_is_safe(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["replay", "--help"], ["deadletters", "retry", "--help"]):
        with pytest.raises(SystemExit):
            parse(argv)
    text = " ".join(capsys.readouterr().out.split())
    assert "changes nothing they already hold" in text
    assert "group offsets are not touched" in text
    assert "goes back on the dead-letter topic" in text
    assert "a second retry applies nothing twice" in text


# ---------------------------------------------------------------- refusals before anything is written


class FakeQueryOps:
    """Stands in for ybj_query.ops: records what was called."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def rebuild(self, _settings: Any) -> None:
        self.calls.append("rebuild")


def with_platform(monkeypatch: pytest.MonkeyPatch) -> FakeQueryOps:
    monkeypatch.setenv("YBJ_PG_DSN", "postgresql://ybj:pw@127.0.0.1:1/ybj")
    monkeypatch.setenv("YBJ_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    fake = FakeQueryOps()
    monkeypatch.setattr(services, "query_ops", lambda: fake)
    return fake


def test_a_rebuild_asks_first_and_does_nothing_without_a_yes(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = with_platform(monkeypatch)
    asked: list[str] = []

    def say(answer: str) -> Callable[[str], str]:
        def ask(question: str) -> str:
            asked.append(question)
            return answer

        return ask

    err = io.StringIO()
    assert commands.run(parse(["readmodels", "rebuild"]), io.StringIO(), err, ask=say("no")) == 2
    assert "EMPTIES the read models" in asked[0]
    assert "pw" not in asked[0]
    assert "not rebuilt" in err.getvalue()
    assert fake.calls == []
    assert commands.run(parse(["readmodels", "rebuild"]), io.StringIO(), io.StringIO(), ask=say("yes")) == 0
    assert commands.run(parse(["readmodels", "rebuild", "--yes"]), io.StringIO(), io.StringIO()) == 0
    assert fake.calls == ["rebuild", "rebuild"]


def test_a_rebuild_without_a_terminal_needs_yes(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = with_platform(monkeypatch)
    monkeypatch.setattr("sys.stdin", io.StringIO())
    err = io.StringIO()
    assert commands.run(parse(["readmodels", "rebuild"]), io.StringIO(), err) == 2
    assert "pass --yes" in err.getvalue()
    assert fake.calls == []


def test_replay_refuses_a_topic_the_consumer_does_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    with_platform(monkeypatch)
    err = io.StringIO()
    argv = ["replay", "--consumer", "treatment-reactor", "--topic", "ybj.gateway.events", "--partition", "0"]
    assert commands.run(parse([*argv, "--from", "0"]), io.StringIO(), err) == 2
    assert "treatment-reactor does not read ybj.gateway.events; it reads ybj.enrollment.events" in err.getvalue()


def test_an_unreachable_platform_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YBJ_PG_DSN", "postgresql://ybj:pw@127.0.0.1:1/ybj")
    monkeypatch.setenv("YBJ_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    err = io.StringIO()
    assert commands.run(parse(["deadletters", "list"]), io.StringIO(), err) == 2
    assert "cannot reach the platform" in err.getvalue()
    assert "settings from the environment" in err.getvalue()


KNOWN = {
    TopicPartition(TOPIC, 0): Bounds(0, 100),
    TopicPartition(TOPIC, 1): Bounds(10, 20),
    TopicPartition(TOPIC, 2): Bounds(0, 0),
}


def test_a_range_inside_the_partition_is_taken_to_its_end_by_default() -> None:
    span = checked_range(TOPIC, 1, 10, None, KNOWN)
    assert (span.start, span.last, span.size) == (10, 19, 10)
    assert checked_range(TOPIC, 0, 5, 5, KNOWN).size == 1


@pytest.mark.parametrize(
    ("partition", "start", "last", "message"),
    [
        (1, 5, None, r"holds offsets 10 to 19; --from 5 is outside it"),
        (1, 20, None, r"holds offsets 10 to 19; --from 20 is outside it"),
        (1, 12, 20, r"holds offsets 10 to 19; --to 20 is outside it"),
        (0, 50, 40, "--to 40 is before --from 50"),
        (2, 0, None, "holds no messages"),
        (3, 0, None, "has no partition 3; it has partitions 0, 1, 2"),
    ],
)
def test_a_range_outside_the_partition_is_refused(partition: int, start: int, last: int | None, message: str) -> None:
    with pytest.raises(RangeRefused, match=message):
        checked_range(TOPIC, partition, start, last, KNOWN)


def test_an_unknown_topic_is_named() -> None:
    with pytest.raises(RangeRefused, match="no partitions"):
        checked_range("ybj.nothing.events", 0, 0, None, KNOWN)


# ---------------------------------------------------------------- the services `ybj` reaches by name


def test_every_name_ybj_loads_resolves_and_the_reacting_services_are_those_with_reactions() -> None:
    assert hasattr(services.query_ops(), "retry_dead_letters")
    reacting = tuple(s for s in DOMAIN_SERVICES if services.application_class(s).reactions)
    assert reacting == services.REACTING_SERVICES == DEV_REACTING_SERVICES
    assert services.consumers() == ["query-projector", "treatment-reactor", "settlement-reactor", "supervision-reactor"]
    assert services.consumer_service("query") is None
    assert services.consumer_service("settlement-reactor") == "settlement"
    assert services.reactor_topics("treatment", "ybj") == ["ybj.enrollment.events", "ybj.settlement.events"]
    with pytest.raises(ValueError, match="unknown consumer"):
        services.consumer_service("enrollment-reactor")


# ---------------------------------------------------------------- plain output


def test_lag_as_tables_and_as_json() -> None:
    report = LagReport(
        relays=[RelayLag("enrollment", 1_250, 1_200), RelayLag("treatment", error="cannot read db")],
        consumers=[PartitionLag("query-projector", TOPIC, 0, 5_000, 4_000)],
        dead_letters=DeadLetters("ybj.query.dead-letter", 3),
    )
    text = report.as_text()
    assert "enrollment   1,250      1,200   50\n" in text
    assert "treatment        -          -    -  cannot read db" in text
    assert "query-projector  ybj.enrollment.events          0  5,000     4,000  1,000" in text
    assert "DEAD LETTERS in ybj.query.dead-letter: 3 waiting" in text
    document = orjson.loads(orjson.dumps(report.as_json()))
    assert document["relays"][0] == {
        "service": "enrollment",
        "stored": 1250,
        "published": 1200,
        "error": None,
        "lag": 50,
    }
    assert document["consumers"][0]["lag"] == 1000
    assert document["dead_letters"]["waiting"] == 3
    assert document["complete"] is False
    measured = LagReport(relays=[RelayLag("enrollment", 1, 1)], dead_letters=DeadLetters("t", 0))
    assert measured.complete
    assert "error" not in measured.as_text()


def test_a_progress_bar_off_a_terminal_is_a_labelled_line() -> None:
    out = io.StringIO()
    progress = Progress(4, out, label="replay", unit="messages", counted="changed", tty=False)
    progress.advance(4, 1)
    progress.close()
    assert out.getvalue().startswith("replay: [########################] 100% 4/4 messages, 1 changed,")
    assert "\r" not in out.getvalue()


# ---------------------------------------------------------------- dead letters


def record(
    offset: int,
    key: bytes | None,
    value: bytes | None,
    headers: list[tuple[str, bytes]] | None = None,
    partition: int = 0,
) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(TOPIC, partition, offset, 1_700_000_000_000, 0, key, value, None, 0, 0, headers or [])


def dead(
    offset: int, key: bytes | None, value: bytes | None, reason: str = "ValueError: bad", **more: str
) -> DeadLetter:
    headers = [
        ("reason", reason.encode()),
        ("topic", TOPIC.encode()),
        ("partition", b"1"),
        ("offset", str(offset).encode()),
    ]
    headers += [(k, v.encode()) for k, v in more.items()]
    return DeadLetter.of(record(offset + 1000, key, value, headers, partition=2))


CASE = b"5f0c6a5e-0000-4000-8000-000000000001"


def test_a_dead_letter_is_read_off_its_headers() -> None:
    letter = dead(41, CASE, orjson.dumps({"caseid": CASE.decode(), "caseversion": 3}))
    assert (letter.partition, letter.offset) == (2, 1041)
    assert letter.source == TopicPartition(TOPIC, 1)
    assert (letter.source_offset, letter.reason, letter.retries, letter.first_reason) == (
        41,
        "ValueError: bad",
        0,
        "ValueError: bad",
    )
    assert (letter.subject, letter.version, letter.origin) == (CASE.decode(), 3, f"{TOPIC}[1]@41")
    assert letter.dead_lettered_at == "2023-11-14T22:13:20+00:00"
    registry = dead(1, b"e1", orjson.dumps({"entryid": "e1", "registry": "person", "subject": "P1", "entryversion": 2}))
    assert (registry.subject, registry.version) == ("person P1", 2)
    garbage = dead(2, b"k-7", b"\xff not JSON")
    assert (garbage.subject, garbage.version) == ("k-7", None)
    bare = DeadLetter.of(record(3, None, b"{}"))
    assert (bare.source, bare.origin, bare.subject) == (None, "?", "-")


def test_a_dead_letter_put_back_keeps_its_origin_and_first_reason_and_counts_the_retry() -> None:
    letter = dead(41, CASE, b"{}", reason="TypeError: new", retries="2", **{"first-reason": "DataError: first"})
    headers = dict(letter.again("DataError: still"))
    assert headers == {
        "reason": b"DataError: still",
        "topic": TOPIC.encode(),
        "partition": b"1",
        "offset": b"41",
        "retries": b"3",
        "first-reason": b"DataError: first",
    }


def test_the_list_names_origin_case_version_retries_time_and_reason() -> None:
    text = render_list([dead(41, CASE, orjson.dumps({"caseid": CASE.decode(), "caseversion": 3}))])
    header, row = text.splitlines()
    assert header.split()[:3] == ["from", "case", "or"]
    assert row.split() == [f"{TOPIC}[1]@41", CASE.decode(), "3", "0", "2023-11-14T22:13:20+00:00", "ValueError:", "bad"]


def test_retry_handles_each_origin_once_and_catches_up_only_the_later_events_of_the_dead_letters_keys() -> None:
    other = b"other-case"
    letters = [dead(10, CASE, b"v2"), dead(10, CASE, b"v2"), dead(14, other, b"w1"), dead(12, CASE, b"v3")]
    kept, copies = catch_up.once_each(letters)
    assert copies == 1
    assert [d.source_offset for d in kept] == [10, 14, 12]
    firsts = catch_up.first_offsets(kept)
    assert firsts == {CASE: 10, other: 14}
    source = [
        record(9, CASE, b"v1"),  # before its dead letter: not caught up
        record(11, b"unrelated", b"x"),
        record(12, CASE, b"v3"),  # a dead letter itself: handled as one
        record(13, other, b"w0"),  # before its key's dead letter
        record(15, CASE, b"v4"),
        record(16, other, b"w2"),
    ]
    later = catch_up.later_of(source, firsts, kept)
    assert [(r.offset, r.value) for r in later] == [(15, b"v4"), (16, b"w2")]
    ordered = catch_up.in_order(kept, later)
    assert [(w.source_offset, "dead") if isinstance(w, DeadLetter) else (w.offset, "later") for w in ordered] == [
        (10, "dead"),
        (12, "dead"),
        (14, "dead"),
        (15, "later"),
        (16, "later"),
    ]


def test_the_retry_summary_says_what_went_back_and_why() -> None:
    from ybj_query.ops.apply import Applied, Result

    tally = retry.Tally()
    tally.outcomes.update({Result.APPLIED: 2, Result.FAILED: 1, Result.WAITING: 1})
    tally.caught_up = 3
    failed = Applied(Result.FAILED, f"case {CASE.decode()}", 2, "DataError: value too long")
    waiting = Applied(Result.WAITING, f"case {CASE.decode()}", 3, "the read model holds version 1, not 2")
    tally.back = [
        retry.Resend(CASE, b"", [], f"{TOPIC}[1]@10", failed),
        retry.Resend(CASE, b"", [], f"{TOPIC}[1]@12", waiting),
    ]
    lines = retry.summary(tally, "ybj.query.dead-letter", dry_run=True)
    assert lines[0] == "retried 4 dead letters from ybj.query.dead-letter (dry run: nothing written)"
    assert "2 (and 3 later events of their cases caught up)" in lines[1]
    assert "2 would go back to ybj.query.dead-letter with the new reason:" in lines
    assert f"  {TOPIC}[1]@10  case {CASE.decode()} v2  DataError: value too long" in lines
    assert any("waiting for an earlier version" in line and "@12" in line for line in lines)


def test_a_refused_message_is_still_named_by_what_it_seems_to_be_about() -> None:
    from ybj_query.ops.apply import hint

    case = orjson.dumps({"caseid": CASE.decode(), "caseversion": 2, "schemaversion": "9"})
    assert hint(case, CASE) == (f"case {CASE.decode()}", 2)
    entry = orjson.dumps({"entryid": "e1", "registry": "person", "subject": "P1", "entryversion": 4})
    assert hint(entry, b"e1") == ("person P1", 4)
    assert hint(b"\xff not JSON", b"k-1") == ("k-1", None)
    assert hint(b'{"caseid": "x"}', None) == ("-", None)  # no version: not a case event it can name
