"""What the image tests read: the Containerfile's stages (dockerfile-parse), the build context's ignore file, the
requirements the image leaves out and what the kept ones need, and the pods in deploy/k8s that run the image."""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import io
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
IGNORE_FILE = ROOT / ".containerignore"
IMAGE_NAME = "ybj/platform"
GID = 10001  # the image's group, and what a pod that sets no runAsGroup is taken to mean


@dataclass
class Stage:
    """One FROM … AS name and its instructions as (INSTRUCTION, value)."""

    image: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        """The values of every `instruction` in this stage."""
        return [value for name, value in self.instructions if name == instruction]

    def env(self) -> dict[str, str]:
        """The stage's ENV settings (KEY=VALUE form), quotes removed."""
        pairs = (item.split("=", 1) for value in self.values("ENV") for item in shlex.split(value))
        return dict(pairs)


@functools.cache
def stages() -> list[Stage]:
    """The Containerfile's stages, as dockerfile-parse reads them."""
    parser = DockerfileParser(fileobj=io.BytesIO(CONTAINERFILE.read_bytes()))
    found: list[Stage] = []
    for item in parser.structure:
        if item["instruction"] == "FROM":
            words = item["value"].split()
            assert len(words) == 3, f"every stage is named: FROM {item['value']}"
            assert words[1].upper() == "AS", item["value"]
            found.append(Stage(words[0], words[2]))
        elif item["instruction"] != "COMMENT":
            assert found, "the Containerfile starts with FROM"
            found[-1].instructions.append((item["instruction"], item["value"]))
    return found


def stage(name: str) -> Stage:
    """The stage called `name`."""
    return next(s for s in stages() if s.name == name)


def copies_from(target: Stage, source: str) -> list[tuple[str, str]]:
    """(source path, destination) of every `COPY --from=<source>` in `target`."""
    found = []
    for value in target.values("COPY"):
        words = value.split()
        if f"--from={source}" in words:
            paths = [w for w in words if not w.startswith("--")]
            found.append((paths[0], paths[-1]))
    return found


def ybj_pod_specs() -> Iterator[tuple[str, dict[str, object]]]:
    """(file name, pod spec) of every pod in deploy/k8s that runs the ybj/platform image."""

    def walk(node: object) -> Iterator[dict[str, object]]:
        if isinstance(node, dict):
            if isinstance(node.get("containers"), list):
                yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for manifest in sorted((ROOT / "deploy" / "k8s").rglob("*.yaml")):
        for doc in yaml.safe_load_all(manifest.read_text(encoding="utf-8")):
            for spec in walk(doc):
                containers = spec["containers"]
                assert isinstance(containers, list)
                if any(str(c.get("image", "")).startswith(IMAGE_NAME) for c in containers):
                    yield manifest.name, spec


def run_as(spec: dict[str, object]) -> Iterator[tuple[object, object]]:
    """(runAsUser, runAsGroup) of the pod's and each container's securityContext that sets a user."""
    containers = spec["containers"]
    assert isinstance(containers, list)
    for context in (spec.get("securityContext"), *(c.get("securityContext") for c in containers)):
        if isinstance(context, dict) and "runAsUser" in context:
            yield context["runAsUser"], context.get("runAsGroup", GID)


def dev_only() -> set[str]:
    """The requirements the build stage leaves out of the image (ARG DEV_ONLY)."""
    [arg] = [v for v in stage("build").values("ARG") if v.startswith("DEV_ONLY=")]
    return {canonicalize_name(n) for n in shlex.split(arg)[0].removeprefix("DEV_ONLY=").split()}


def requirement_lines() -> list[Requirement]:
    """requirements.txt, parsed."""
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [Requirement(line) for line in (raw.split("#")[0].strip() for raw in lines) if line]


def closure(roots: list[Requirement]) -> set[str]:
    """Every distribution the roots need, with their extras, as installed here."""
    seen: set[tuple[str, str]] = set()
    todo = [(canonicalize_name(r.name), extra) for r in roots for extra in ("", *r.extras)]
    while todo:
        name, extra = todo.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        for line in importlib.metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": extra}):
                todo += [(canonicalize_name(req.name), e) for e in ("", *req.extras)]
    return {name for name, _ in seen}


def imported_top_names(paths: tuple[Path, ...]) -> set[str]:
    """The top-level names imported by the Python files under `paths` (tests excluded)."""
    names: set[str] = set()
    files = [p for path in paths for p in ([path] if path.is_file() else path.rglob("*.py")) if "tests" not in p.parts]
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """The ignore file as (re-include?, pattern), in order (Docker's syntax: `**`, `*`, `?`, `!`)."""
    rules = []
    for raw in IGNORE_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate, line = line.startswith("!"), line.lstrip("!").strip("/")
        parts = re.split(r"(\*\*/?|\*|\?)", line)
        table = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
        body = "".join(table.get(part, re.escape(part)) for part in parts)
        rules.append((negate, re.compile(rf"^{body}(?:/.*)?$")))
    return rules


def excluded(path: str) -> bool:
    """True when the build context leaves `path` (relative to the checkout) out; the last matching rule wins."""
    verdict = False
    for negate, pattern in ignore_rules():
        if pattern.match(path):
            verdict = not negate
    return verdict
