"""`ybj`: developer, auditor and operator commands.

`ybj token` prints a staff token; `ybj audit …` checks the tamper-evident history (ybj_kernel/audit/cli.py); `ybj
readmodels verify|rebuild`, `ybj lag`, `ybj replay` and `ybj deadletters list|retry` are the SREs'
(ybj_kernel/ops/commands.py). Every command finds the running platform wherever it is run from: its keys in the run
folder, its settings in the environment or the run folder's settings file (ybj_kernel/ops/locate.py), or it says where
it looked.
"""

from __future__ import annotations

import argparse
import sys

from ybj_kernel.audit import cli as audit
from ybj_kernel.auth import issue_token
from ybj_kernel.ops import commands
from ybj_kernel.settings import Settings


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run one developer command."""
    parser = argparse.ArgumentParser(prog="ybj")
    sub = parser.add_subparsers(dest="command", required=True)
    token = sub.add_parser("token", help="print a staff JWT signed with the local development key")
    token.add_argument("--user", required=True, help="user id, e.g. gy-reg-01")
    token.add_argument(
        "--role",
        required=True,
        action="append",
        help="role (repeatable): registrar, first_reviewer, second_reviewer, auditor, ...",
    )
    token.add_argument("--admdvs", required=True, help="医保区划 the user works for, e.g. 520100")
    token.add_argument("--ttl", type=int, default=12 * 3600, help="seconds until it expires")
    audit.add_commands(sub)
    commands.add_commands(sub)
    args = parser.parse_args(argv)
    if args.command == "audit":
        sys.exit(audit.run(args))
    if args.command != "token":
        sys.exit(commands.run(args))
    settings = Settings()
    if not settings.private_key_path().is_file():
        # A new key here would sign tokens the running platform refuses: say where the key was looked for instead.
        parser.error(
            f"no development signing key at {settings.private_key_path()} (the run folder: YBJ_RUN_DIR, else the "
            f"checkout's .run). Start the platform with `make run` (it makes the key), or point YBJ_RUN_DIR or "
            f"YBJ_JWT_PRIVATE_KEY_FILE at the platform's."
        )
    try:
        print(
            issue_token(
                settings.private_key_path().read_bytes(),
                args.user,
                args.role,
                args.admdvs,
                issuer=settings.jwt_issuer,
                ttl_seconds=args.ttl,
            )
        )
    except ValueError as exc:
        parser.error(str(exc))
