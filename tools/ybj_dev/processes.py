"""A tiny supervisor for local runs: detached processes with pid files under the run folder."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

STOP_TIMEOUT = 10.0
POLL_INTERVAL = 0.2


class SupervisorError(RuntimeError):
    """A local process could not be started, stopped or reached."""


def pids_dir(run_dir: Path) -> Path:
    """Return the folder that holds the pid files."""
    return run_dir / "pids"


def logs_dir(run_dir: Path) -> Path:
    """Return the folder that holds the process logs."""
    return run_dir / "logs"


def pid_file(name: str, run_dir: Path) -> Path:
    """Return the pid file of the named process."""
    return pids_dir(run_dir) / f"{name}.pid"


def log_file(name: str, run_dir: Path) -> Path:
    """Return the log file of the named process."""
    return logs_dir(run_dir) / f"{name}.log"


def read_pid(path: Path) -> int | None:
    """Return the pid stored in a pid file, or None when the file is missing or unreadable."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def write_pid(path: Path, pid: int) -> None:
    """Write a pid file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{pid}\n")
    tmp.replace(path)


def _proc_stat(pid: int) -> list[str] | None:
    """Return the fields after the command name in /proc/<pid>/stat, or None if there is no such process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw.rpartition(")")[2].split()


def _reap(pid: int) -> None:
    """Collect the exit status of a child of this process so that it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def pid_alive(pid: int) -> bool:
    """Tell whether a process exists and is not a zombie."""
    _reap(pid)
    fields = _proc_stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def cmdline(pid: int) -> str:
    """Return the command line of a process joined by spaces, or an empty string."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def group_members(pgid: int) -> list[int]:
    """Return the live processes of a process group."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _proc_stat(int(entry.name))
        if fields is not None and fields[0] not in ("Z", "X") and fields[2] == str(pgid):
            members.append(int(entry.name))
    return members


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Send a signal to the process group led by pid, or to pid alone when it leads no group."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
            return
    except ProcessLookupError:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    if group_members(pid):
        os.killpg(pid, sig)


def _wait_gone(pid: int, timeout: float) -> bool:
    """Wait until a process and the rest of its group are gone; return whether they went in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid) and not group_members(pid):
            return True
        time.sleep(POLL_INTERVAL)
    return not pid_alive(pid) and not group_members(pid)


def kill_group(pid: int, sig: signal.Signals = signal.SIGKILL, timeout: float = 5.0) -> None:
    """Send one signal to a process and its group (SIGKILL: a crash) and wait until they are gone."""
    if not pid_alive(pid) and not group_members(pid):
        return
    _signal_group(pid, sig)
    if not _wait_gone(pid, timeout):
        raise SupervisorError(f"process {pid} survived {sig.name}")


def terminate(pid: int, timeout: float = STOP_TIMEOUT) -> None:
    """Stop a process and its group with SIGTERM, then SIGKILL after the timeout."""
    if not pid_alive(pid) and not group_members(pid):
        return
    _signal_group(pid, signal.SIGTERM)
    if _wait_gone(pid, timeout):
        return
    _signal_group(pid, signal.SIGKILL)
    if not _wait_gone(pid, 5.0):
        raise SupervisorError(f"process {pid} survived SIGKILL")


def tail(path: Path, n: int = 30) -> str:
    """Return the last n lines of a text file, or a note when it cannot be read."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 256 * 1024))
            data = handle.read()
    except OSError as error:
        return f"(no log at {path}: {error.strerror})"
    return "\n".join(data.decode(errors="replace").splitlines()[-n:])


def spawn_detached(argv: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path) -> int:
    """Start a process in its own session with stdout and stderr appended to a log; return its pid."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"=== {datetime.now().isoformat(timespec='seconds')} start: {' '.join(argv)}\n".encode())
        out.flush()
        try:
            child = subprocess.Popen(
                list(argv),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            raise SupervisorError(f"cannot start {argv[0]}: {error}") from error
    return child.pid


def start_process(
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str] | None,
    run_dir: Path,
    cwd: Path | None = None,
) -> int:
    """Start a named detached process (env overlays os.environ); return its pid, or the running one's."""
    pidf = pid_file(name, run_dir)
    pid = read_pid(pidf)
    if pid is not None and pid_alive(pid):
        return pid
    merged = {**os.environ, **(env or {})}
    pid = spawn_detached(argv, merged, log_file(name, run_dir), cwd or Path.cwd())
    write_pid(pidf, pid)
    return pid


def stop_process(name: str, run_dir: Path, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop a named process (SIGTERM, then SIGKILL after the timeout); return whether one was running."""
    pidf = pid_file(name, run_dir)
    pid = read_pid(pidf)
    if pid is None:
        pidf.unlink(missing_ok=True)
        return False
    running = pid_alive(pid)
    terminate(pid, timeout)
    pidf.unlink(missing_ok=True)
    return running


def kill_process(name: str, run_dir: Path, sig: signal.Signals = signal.SIGKILL, timeout: float = 5.0) -> bool:
    """Crash a named process and its group with `sig` (SIGKILL: no clean-up at all); return whether it ran."""
    pidf = pid_file(name, run_dir)
    pid = read_pid(pidf)
    if pid is None or not pid_alive(pid):
        pidf.unlink(missing_ok=True)
        return False
    kill_group(pid, sig, timeout)
    pidf.unlink(missing_ok=True)
    return True


def running_processes(run_dir: Path) -> dict[str, int]:
    """Return the names and pids of the processes whose pid file points at a live process."""
    found = {}
    directory = pids_dir(run_dir)
    if not directory.is_dir():
        return {}
    for path in sorted(directory.glob("*.pid")):
        pid = read_pid(path)
        if pid is not None and pid_alive(pid):
            found[path.stem] = pid
    return found


def stop_all(run_dir: Path) -> list[str]:
    """Stop every process with a pid file, then Kafka and PostgreSQL; return the names stopped."""
    from ybj_dev import infra

    stopped = []
    directory = pids_dir(run_dir)
    paths = sorted(directory.glob("*.pid")) if directory.is_dir() else []
    for path in paths:
        if path.stem in infra.MANAGED_NAMES:
            continue
        if stop_process(path.stem, run_dir):
            stopped.append(path.stem)
    infra.infra_down(run_dir)
    return stopped


def _http_ok(url: str) -> bool:
    """Tell whether a GET on the URL answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2.0) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_http(url: str, timeout: float = 30.0, *, log: Path | None = None, pid: int | None = None) -> None:
    """Poll a URL until it answers 200; on timeout or early exit of pid raise with the tail of the log."""
    deadline = time.monotonic() + timeout
    while True:
        if _http_ok(url):
            return
        if pid is not None and not pid_alive(pid):
            reason = f"process {pid} exited before {url} answered"
            break
        if time.monotonic() >= deadline:
            reason = f"{url} did not answer 200 within {timeout:.0f}s"
            break
        time.sleep(POLL_INTERVAL)
    detail = f"\n--- last lines of {log} ---\n{tail(log, 30)}" if log is not None else ""
    raise SupervisorError(reason + detail)
