"""A pinned kustomize for rendering deploy/k8s offline: `python -m ybj_dev.kustomize install` (run by `make`).

kubectl is not on every machine, and its built-in kustomize follows kubectl's release, not ours. The pinned version is
built from the Go module proxy with `go install` (the machine's Go toolchain, nothing downloaded besides modules) into
`.tools/kustomize-<version>/` of the checkout (git-ignored), once: later calls find it there (the first build takes
about a minute on 2 cores, later ones nothing).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

KUSTOMIZE_MODULE = "sigs.k8s.io/kustomize/kustomize/v5"
# v5.8.3 needs Go 1.27; v5.8.2 builds with the machine's Go 1.26.
KUSTOMIZE_VERSION = "v5.8.2"
CHECKOUT = Path(__file__).resolve().parents[2]
TOOLS_DIR = CHECKOUT / ".tools"
BUILD_SECONDS = 600


class KustomizeUnavailable(RuntimeError):
    """The pinned kustomize is not installed and cannot be built here; the message says why and what to do."""


def binary_path(tools_dir: Path = TOOLS_DIR, version: str = KUSTOMIZE_VERSION) -> Path:
    """Where the pinned kustomize lives (one folder per version, so a new pin never runs a stale binary)."""
    return tools_dir / f"kustomize-{version}" / "kustomize"


def installed_version(binary: Path) -> str | None:
    """The version a kustomize binary reports, or None when there is none that runs."""
    if not binary.is_file():
        return None
    try:
        done = subprocess.run([str(binary), "version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def install(tools_dir: Path = TOOLS_DIR, version: str = KUSTOMIZE_VERSION) -> Path:
    """Build the pinned kustomize with `go install` unless it is there already; return its path."""
    binary = binary_path(tools_dir, version)
    if installed_version(binary) == version:
        return binary
    go = shutil.which("go")
    if go is None:
        raise KustomizeUnavailable(
            f"kustomize {version} is not in {binary.parent} and there is no Go toolchain to build it "
            f"(install Go 1.26+, then run `python -m ybj_dev.kustomize install`)"
        )
    binary.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(binary.parent), "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}
    done = subprocess.run(
        [go, "install", f"{KUSTOMIZE_MODULE}@{version}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_SECONDS,
        check=False,
    )
    if done.returncode != 0 or installed_version(binary) != version:
        raise KustomizeUnavailable(f"`go install {KUSTOMIZE_MODULE}@{version}` failed:\n{done.stderr.strip()}")
    return binary


def build(directory: Path, binary: Path | None = None) -> list[dict[str, Any]]:
    """Render a kustomization (`kustomize build <directory>`) into its documents, in kustomize's order."""
    kustomize = binary or install()
    done = subprocess.run(
        [str(kustomize), "build", str(directory)], capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise ValueError(f"kustomize build {directory} failed:\n{done.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc is not None]


def main(argv: Sequence[str] | None = None) -> int:
    """`install` builds the pinned kustomize (if needed) and prints its path; `build DIR` prints the rendering."""
    parser = argparse.ArgumentParser(prog="python -m ybj_dev.kustomize", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("install", help=f"build kustomize {KUSTOMIZE_VERSION} into {TOOLS_DIR} unless it is there")
    render = commands.add_parser("build", help="render a kustomization directory to stdout")
    render.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            print(install())
        else:
            print(yaml.safe_dump_all(build(args.directory), sort_keys=False), end="")
    except (KustomizeUnavailable, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
