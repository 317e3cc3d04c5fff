"""The platform's OCI image: `python -m ybj_dev.image build [--tag T]` (`make image`) and `python -m ybj_dev.image check`.

`build` builds the repository's Containerfile as `ybj/platform:<version in pyproject.toml>` with the first OCI builder
this machine can use: buildah, podman, then docker. A builder counts only when its `info` answers (a `docker` client
without a reachable engine does not). With none, it says which it looked for and why each did not count.

`check` is what the image's last build step runs, and what the unit tests run on an installed wheel: every module of
the runtime packages imports, printed forms find their CJK font, the console and H5 builds are where the query service
reads them, and the run folder (keys made on first use) is outside the installation. It writes nothing.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

IMAGE_NAME = "ybj/platform"
CONTAINERFILE = "Containerfile"
# In order of preference: daemonless first. Each is usable only when `<builder> info` succeeds.
BUILDERS = ("buildah", "podman", "docker")
PROBE_TIMEOUT_SECONDS = 60
# The packages the image runs (ybj_dev, the developers' tools, ships in the wheel but no pod runs it).
RUNTIME_PACKAGES = (
    "ybj_kernel",
    "ybj_channel",
    "ybj_enrollment",
    "ybj_treatment",
    "ybj_settlement",
    "ybj_supervision",
    "ybj_gateway",
    "ybj_query",
)


class ImageError(RuntimeError):
    """The image cannot be built here; the message says why."""


@dataclass(frozen=True)
class Probe:
    """What looking for one builder found: its path (None when not on PATH) and why it is not usable (None when it is)."""

    name: str
    path: str | None
    problem: str | None

    @property
    def usable(self) -> bool:
        """True when the builder is on PATH and its `info` answered."""
        return self.path is not None and self.problem is None

    def describe(self) -> str:
        """One line for the message given when no builder is usable."""
        if self.path is None:
            return f"{self.name}: not on PATH"
        return f"{self.name}: {self.path}, but {self.problem}" if self.problem else f"{self.name}: {self.path}, usable"


def repo_root() -> Path:
    """The checkout holding the Containerfile (YBJ_REPO_ROOT overrides; this file is tools/ybj_dev/image.py)."""
    override = os.environ.get("YBJ_REPO_ROOT")
    root = Path(override) if override else Path(__file__).resolve().parents[2]
    if not (root / CONTAINERFILE).is_file() or not (root / "pyproject.toml").is_file():
        raise ImageError(f"{root} has no {CONTAINERFILE} and pyproject.toml: run from a checkout, or set YBJ_REPO_ROOT")
    return root


def project_version(pyproject: Path) -> str:
    """The version in pyproject.toml's [project] table."""
    with pyproject.open("rb") as handle:
        version = tomllib.load(handle).get("project", {}).get("version")
    if not isinstance(version, str) or not version:
        raise ImageError(f"{pyproject} has no [project] version")
    return version


def default_tag(version: str) -> str:
    """The image's name and tag for a release: what deploy/k8s references."""
    return f"{IMAGE_NAME}:{version}"


def choose_builder(probes: Iterable[Probe]) -> Probe:
    """The first usable builder, else ImageError naming every one looked for and why it did not count."""
    seen: list[Probe] = []
    for probe in probes:  # probed one at a time: the first that works is used, the rest are not asked
        if probe.usable:
            return probe
        seen.append(probe)
    looked = "; ".join(p.describe() for p in seen)
    raise ImageError(f"no OCI image builder is usable here (looked for {', '.join(p.name for p in seen)}): {looked}")


def build_command(builder: Probe, containerfile: Path, tag: str, version: str, context: Path) -> list[str]:
    """The build's argv: `<builder> build -f Containerfile -t tag --build-arg VERSION=… <context>` (same for all three)."""
    if builder.path is None:
        raise ImageError(f"{builder.name} is not on PATH")
    return [
        builder.path,
        "build",
        "-f",
        str(containerfile),
        "-t",
        tag,
        "--build-arg",
        f"VERSION={version}",
        str(context),
    ]


Runner = Callable[[Sequence[str]], subprocess.CompletedProcess[str]]


def _run_quietly(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False, timeout=PROBE_TIMEOUT_SECONDS)


def probe_builder(name: str, which: Callable[[str], str | None] = shutil.which, run: Runner = _run_quietly) -> Probe:
    """Look for one builder: on PATH, and `<name> info` answering (docker's needs a reachable engine)."""
    path = which(name)
    if path is None:
        return Probe(name, None, None)
    try:
        done = run([path, "info"])
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Probe(name, path, f"`{name} info` did not answer ({exc})")
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        return Probe(name, path, f"`{name} info` failed: {said[-1] if said else f'exit {done.returncode}'}")
    return Probe(name, path, None)


def build(tag: str | None, builder_name: str | None) -> int:
    """Build the image with the first usable builder (or the one named); return the builder's exit code."""
    root = repo_root()
    version = project_version(root / "pyproject.toml")
    names = (builder_name,) if builder_name else BUILDERS
    builder = choose_builder(probe_builder(name) for name in names)
    argv = build_command(builder, root / CONTAINERFILE, tag or default_tag(version), version, root)
    print(f"ybj_dev.image: {' '.join(argv)}", file=sys.stderr)
    return subprocess.run(argv, cwd=root, check=False).returncode


def import_failures(packages: Iterable[str]) -> list[str]:
    """Import every module of the packages (their `__main__` too: guarded); return one line per module that fails."""
    failures: list[str] = []
    for name in packages:
        try:
            package = importlib.import_module(name)
        except Exception as exc:  # any failure to import is what this reports
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            try:
                importlib.import_module(module.name)
            except Exception as exc:
                failures.append(f"{module.name}: {type(exc).__name__}: {exc}")
    return failures


def installation_problems(prefix: Path) -> tuple[list[str], list[str]]:
    """What `check` found: (facts, problems). `prefix` is the installation (sys.prefix), which must stay unwritten."""
    from ybj_kernel.adapters.pdf import FontNotFound, find_cjk_font
    from ybj_kernel.settings import Settings
    from ybj_query.web_assets import APPS, WebSettings

    facts: list[str] = []
    problems = [f"import {line}" for line in import_failures(RUNTIME_PACKAGES)]
    if not problems:
        facts.append(f"every module of {', '.join(RUNTIME_PACKAGES)} imports")
    try:
        facts.append(f"printed forms use {find_cjk_font().path}")
    except FontNotFound as exc:
        problems.append(str(exc))
    web = WebSettings().directory()
    missing = [app for app in APPS if not (web / app / "index.html").is_file()]
    if missing:
        problems.append(f"no {', '.join(f'{app}/index.html' for app in missing)} in {web} (YBJ_WEB_DIR)")
    else:
        facts.append(f"the console and H5 pages are in {web}")
    run_dir = Settings().run_dir
    if not run_dir.is_absolute() or run_dir.resolve().is_relative_to(prefix.resolve()):
        problems.append(f"the run folder {run_dir} must be an absolute path outside the installation {prefix}")
    elif not writable_or_creatable(run_dir):
        problems.append(f"the run folder {run_dir} can be neither written nor made (YBJ_RUN_DIR: under /tmp)")
    else:
        facts.append(f"run folder (keys made on first use) {run_dir}")
    return facts, problems


def writable_or_creatable(path: Path) -> bool:
    """True when `path` is a writable folder, or its nearest existing parent is one (nothing is created to find out)."""
    while not path.exists():
        if path.parent == path:
            return False
        path = path.parent
    return path.is_dir() and os.access(path, os.W_OK)


def check() -> int:
    """Print what the installation check found; 0 when nothing is wrong."""
    facts, problems = installation_problems(Path(sys.prefix))
    for fact in facts:
        print(f"ybj_dev.image check: {fact}")
    for problem in problems:
        print(f"ybj_dev.image check: PROBLEM {problem}", file=sys.stderr)
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m ybj_dev.image`."""
    parser = argparse.ArgumentParser(prog="python -m ybj_dev.image", description="The platform's OCI image.")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help=f"build {CONTAINERFILE} as {IMAGE_NAME}:<version> (make image)")
    build_cmd.add_argument("--tag", help=f"image name and tag (default {IMAGE_NAME}:<version in pyproject.toml>)")
    build_cmd.add_argument(
        "--builder", choices=BUILDERS, help=f"use this builder (default: the first usable of {BUILDERS})"
    )
    commands.add_parser("check", help="check this installation the way the image's last build step does")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the command and return the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "check":
        return check()
    try:
        return build(args.tag, args.builder)
    except ImageError as exc:
        print(f"ybj_dev.image: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
