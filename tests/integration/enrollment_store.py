"""An enrollment event store on a database of its own, for tests of the kernel's storage without a platform."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from ybj_dev import infra
from ybj_enrollment.application import EnrollmentApplication
from ybj_kernel.adapters.eventstore import eventstore_env


@contextmanager
def fresh_database(server_dsn: str, label: str) -> Iterator[str]:
    """A new database with the enrollment schema (its DSN), dropped afterwards."""
    database = f"ybj_{label}_{uuid.uuid4().hex[:8]}"
    dsn = infra.create_database(server_dsn, database)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA enrollment")
    try:
        yield dsn
    finally:
        infra.drop_database(server_dsn, database)


def enrollment_app(dsn: str) -> EnrollmentApplication:
    """The enrollment application on that database (acceptance numbers: "n")."""
    return EnrollmentApplication(
        EnrollmentApplication.default_definitions(), lambda *_: "n", env=eventstore_env(dsn, "enrollment")
    )
