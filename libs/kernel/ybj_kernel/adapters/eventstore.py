"""Connects a CaseApplication to PostgreSQL: eventsourcing's environment and the 受理号 sequence."""

from __future__ import annotations

from datetime import date

from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool


def eventstore_env(dsn: str, schema: str = "public") -> dict[str, str]:
    """Translate a PostgreSQL DSN into eventsourcing's POSTGRES_* settings."""
    info = conninfo_to_dict(dsn)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(info.get("dbname", "ybj")),
        "POSTGRES_HOST": str(info.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(info.get("port", "5432")),
        "POSTGRES_USER": str(info.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(info.get("password", "")),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_POOL_SIZE": "8",
        "POSTGRES_PRE_PING": "y",
        "CREATE_TABLE": "y",
    }


class PostgresAcceptanceNumbers:
    """Issues 受理号 as <service code><admdvs><yyyymmdd><8-digit sequence>, unique per service."""

    def __init__(self, dsn: str, sequence: str) -> None:
        self._sequence = sequence
        self._pool = ConnectionPool(dsn, min_size=1, max_size=4, kwargs={"autocommit": True}, open=True)
        with self._pool.connection() as conn:
            conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {self._sequence}")

    def __call__(self, service_code: str, admdvs: str, day: date) -> str:
        """Draw the next number; a gap after a failed command is harmless, a repeat is impossible."""
        with self._pool.connection() as conn:
            row = conn.execute(f"SELECT nextval('{self._sequence}')").fetchone()
        assert row is not None
        return f"{service_code}{admdvs}{day:%Y%m%d}{row[0] % 100_000_000:08d}"

    def close(self) -> None:
        """Close the connection pool."""
        self._pool.close()
