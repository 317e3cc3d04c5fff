"""`python -m ybj_query.reference import <kind> <file>`: replace a kind's reference rows with a file's (CSV or .xlsx in
the national format, docs/reference-data.md), all of them or, when any row is wrong, none: each problem is printed
with its line and column and the exit status is 1. `python -m ybj_query.reference examples` loads the shipped examples
into the kinds still empty (as the query service does at start-up). The database is the settings' (YBJ_PG_DSN …)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ybj_kernel.settings import Settings
from ybj_query.reference.checking import ImportRefused
from ybj_query.reference.kinds import KINDS
from ybj_query.reference.store import ensure_reference_data, import_file


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run it; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m ybj_query.reference")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("import", help="replace a kind's rows with a file's (all or nothing)")
    one.add_argument("kind", choices=sorted(KINDS))
    one.add_argument("file", type=Path)
    one.add_argument("--example", action="store_true", help="mark the rows as example data (not the real list)")
    commands.add_parser("examples", help="load the shipped examples into the kinds that have no rows")
    args = parser.parse_args(argv)

    from ybj_query.__main__ import engine_for  # the query service's engine (psycopg 3), on the settings' database

    engine = engine_for(Settings())
    try:
        if args.command == "examples":
            for done in ensure_reference_data(engine):
                print(f"{done.kind}: {done.rows} example rows from {done.file_name}")
            return 0
        try:
            done = import_file(engine, args.kind, args.file, example=args.example)
        except ImportRefused as refused:
            print(refused, file=sys.stderr)
            return 1
        print(f"{done.kind}: {done.rows} rows imported from {done.file_name} (sha256 {done.sha256})")
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
