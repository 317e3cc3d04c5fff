"""Install the CJK font printed forms need (`python -m ybj_dev.fonts`, run by `make`); does nothing when one is there.

The PDF adapter (`ybj_kernel.adapters.pdf`) looks for a font at known Debian paths or `YBJ_CJK_FONT`. On a fresh
Debian machine none is installed, so the set-up installs the small `fonts-wqy-microhei` package with apt-get
(an `apt-get update` first when the package lists do not know it yet). apt-get needs root: anyone else is told
the one command to run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence

from ybj_kernel.adapters.pdf import CJK_FONT_PACKAGE, FontNotFound, find_cjk_font

Runner = Callable[[Sequence[str], bool], int]  # (argv, quiet) -> exit status


class FontInstallError(RuntimeError):
    """The CJK font could not be installed; the message says what to do."""


def _run(argv: Sequence[str], quiet: bool) -> int:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    out = subprocess.DEVNULL if quiet else None
    return subprocess.run(list(argv), check=False, env=env, stdout=out, stderr=out).returncode


def _is_root() -> bool:
    return os.geteuid() == 0


def ensure_cjk_font(run: Runner = _run, is_root: Callable[[], bool] = _is_root, package: str = CJK_FONT_PACKAGE) -> str:
    """Make sure a CJK font is installed, installing `package` with apt-get if needed; return the font's path."""
    try:
        return str(find_cjk_font().path)
    except FontNotFound:
        pass
    install = ["apt-get", "install", "-y", "--no-install-recommends", package]
    if shutil.which("apt-get") is None:
        raise FontInstallError(f"no CJK font found and no apt-get here: install {package} (or set YBJ_CJK_FONT)")
    if not is_root():
        raise FontInstallError(f"no CJK font found; as root run: apt-get update && {' '.join(install)}")
    # A fresh machine's package lists may not know the package yet, and stale ones may name a file the mirror no
    # longer has: update them in either case, and only then.
    updated = run(["apt-cache", "show", package], True) != 0
    if updated and run(["apt-get", "update"], False) != 0:
        raise FontInstallError("apt-get update failed; see its output above")
    if run(install, False) != 0 and (updated or run(["apt-get", "update"], False) != 0 or run(install, False) != 0):
        raise FontInstallError(f"apt-get could not install {package}; see its output above")
    try:
        return str(find_cjk_font().path)
    except FontNotFound as e:
        raise FontInstallError(f"{package} is installed but its font was not found: {e}") from e


def main() -> int:
    """Command line entry: install the font if needed and say which one printed forms use."""
    try:
        path = ensure_cjk_font()
    except FontInstallError as e:
        print(f"ybj_dev.fonts: {e}", file=sys.stderr)
        return 1
    print(f"ybj_dev.fonts: printed forms use {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
