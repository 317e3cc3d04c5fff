"""Where `ybj` finds the running platform's settings, wherever it is run from.

In a deployment (a pod, a Job, a shell with the platform's variables) YBJ_PG_DSN or YBJ_KAFKA_BOOTSTRAP is set and the
environment is the whole answer. Outside one, `make run` has written the platform's settings to `platform.env` in its
run folder (the checkout's `.run`, found from the installed package, or YBJ_RUN_DIR), and `make infra-up` the bare
infrastructure's to `infra.env`: the first of these found is read, the environment still winning over it. When none is
found the command stops and says where it looked and what to set: it never guesses a database.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ybj_kernel.settings import Settings

# Written by `make run` while the platform runs (tools/ybj_dev/run.py), removed when it stops.
PLATFORM_FILE = "platform.env"
# Written by every start of the local Kafka and PostgreSQL (tools/ybj_dev/infra.py); the default topic prefix applies.
INFRA_FILE = "infra.env"
# Either of these in the environment means: this is the platform's own environment, use it as it is.
DEPLOYMENT_VARIABLES = ("YBJ_PG_DSN", "YBJ_KAFKA_BOOTSTRAP")


class PlatformNotFound(Exception):
    """Neither the environment nor a run folder says where the running platform is."""


@dataclass(frozen=True)
class Located:
    """The platform's settings and where they came from (said on stderr, and in every "cannot reach" message)."""

    settings: Settings
    source: str

    def describe(self) -> str:
        """One line: the source, the database (without its password), Kafka and the topic prefix."""
        s = self.settings
        return f"platform from {self.source}: PostgreSQL {masked(s.pg_dsn)}, Kafka {s.kafka_bootstrap}, topics {s.topic_prefix}.*"


def read_settings_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (blank lines and # comments skipped)."""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def write_settings_file(path: Path, values: Mapping[str, str], comment: str) -> Path:
    """Write KEY=VALUE lines under a comment (what `locate` reads), readable by the owner only: it holds a password."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{key}={value}\n" for key, value in values.items())
    path.write_text(f"# {comment}\n{body}")
    path.chmod(0o600)
    return path


def locate(environ: Mapping[str, str] | None = None) -> Located:
    """The running platform's settings: the environment's in a deployment, else a run folder's settings file."""
    env = os.environ if environ is None else environ
    if any(env.get(name) for name in DEPLOYMENT_VARIABLES):
        return Located(Settings(), "the environment (YBJ_*)")
    run_dir = Settings().run_dir
    looked = [run_dir / PLATFORM_FILE, run_dir / INFRA_FILE]
    for path in looked:
        if path.is_file():
            fields: dict[str, Any] = {
                key.removeprefix("YBJ_").lower(): value
                for key, value in read_settings_file(path).items()
                if key.startswith("YBJ_") and key not in env  # the environment wins over the file
            }
            return Located(Settings(**fields), str(path))
    raise PlatformNotFound(not_found_message(looked))


def not_found_message(looked: list[Path]) -> str:
    """What `ybj` says when it cannot find the platform: where it looked and what to set."""
    places = "\n".join(f"  - {path} (not there)" for path in looked)
    return (
        "cannot find the running platform. Looked at:\n"
        f"  - the environment: {' and '.join(DEPLOYMENT_VARIABLES)} are not set\n"
        f"{places}\n"
        "Start it with `make run` in the checkout (it writes platform.env), or point YBJ_RUN_DIR at its run folder, or "
        "set YBJ_PG_DSN and YBJ_KAFKA_BOOTSTRAP (and YBJ_TOPIC_PREFIX, YBJ_PG_DSN_<SERVICE> where services have "
        "databases of their own, YBJ_KAFKA_SECURITY_PROTOCOL=SSL with YBJ_KAFKA_SSL_* for TLS), as the platform's pods "
        "have them."
    )


def masked(dsn: str) -> str:
    """A DSN without its password (for messages)."""
    if "://" in dsn:
        parts = urllib.parse.urlsplit(dsn)
        if parts.password is not None:
            host = parts.netloc.rsplit("@", 1)[-1]
            return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
        return dsn
    return " ".join("password=***" if item.startswith("password=") else item for item in dsn.split())
