"""Command line: `python -m ybj_dev infra up|down|status`, `python -m ybj_dev run` and `python -m ybj_dev stop`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ybj_dev import infra, processes


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ybj_dev command line."""
    parser = argparse.ArgumentParser(prog="python -m ybj_dev", description="Local infrastructure of ybj.")
    parser.add_argument("--run-dir", type=Path, default=None, help="default $YBJ_RUN_DIR or <repo>/.run")
    commands = parser.add_subparsers(dest="command", required=True)
    infra_parser = commands.add_parser("infra", help="Kafka and PostgreSQL")
    infra_parser.add_argument("action", choices=["up", "down", "status"])
    commands.add_parser("stop", help="stop every supervised process, then Kafka and PostgreSQL")
    commands.add_parser("run", help="start everything with demo data in the foreground (Ctrl-C stops it)")
    return parser


def _infra(action: str, run_dir: Path) -> int:
    """Run an infra action and return the exit code."""
    if action == "up":
        started = time.monotonic()
        for key, value in infra.infra_up(run_dir).items():
            print(f"{key}={value}")
        elapsed = time.monotonic() - started
        print(f"# ready in {elapsed:.1f}s, written to {run_dir / 'infra.env'}", file=sys.stderr)
        return 0
    if action == "down":
        infra.infra_down(run_dir)
        print("kafka and postgres stopped", file=sys.stderr)
        return 0
    states = infra.status(run_dir)
    for name, state in states.items():
        print(f"{name}: {state}")
    for name, pid in processes.running_processes(run_dir).items():
        if name not in infra.MANAGED_NAMES:
            print(f"{name}: running pid {pid}")
    return 0 if all(not state.startswith("stopped") for state in states.values()) else 3


def _stop(run_dir: Path) -> int:
    """Stop everything and return the exit code."""
    stopped = processes.stop_all(run_dir)
    print(f"stopped: {', '.join([*stopped, 'kafka', 'postgres'])}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the command and return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        run_dir = (args.run_dir or infra.default_run_dir()).resolve()
        if args.command == "infra":
            return _infra(args.action, run_dir)
        if args.command == "run":
            from ybj_dev import run

            return run.main(run_dir)
        return _stop(run_dir)
    except (infra.InfraError, processes.SupervisorError) as error:
        print(f"ybj_dev: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
