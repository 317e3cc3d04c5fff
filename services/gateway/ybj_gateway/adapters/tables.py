"""The gateway's own tables beside its event store, in the schema `gateway`: nonces, rate counters, the access log, the
H5 sessions (the token's SM3 digest, never the token)."""

from __future__ import annotations

from psycopg_pool import ConnectionPool

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS gateway.nonces (
    app_id text NOT NULL,
    nonce text NOT NULL,
    seen_at timestamptz NOT NULL,
    PRIMARY KEY (app_id, nonce)
);
CREATE INDEX IF NOT EXISTS nonces_seen_at ON gateway.nonces (seen_at);
CREATE TABLE IF NOT EXISTS gateway.rate_counts (
    app_id text NOT NULL,
    minute timestamptz NOT NULL,
    requests integer NOT NULL,
    PRIMARY KEY (app_id, minute)
);
CREATE TABLE IF NOT EXISTS gateway.access_log (
    request_id text PRIMARY KEY,
    at timestamptz NOT NULL,
    app_id text NOT NULL,
    item text NOT NULL,
    outcome text NOT NULL,
    status integer NOT NULL,
    latency_ms double precision NOT NULL,
    source_ip text NOT NULL
);
CREATE INDEX IF NOT EXISTS access_log_app_at ON gateway.access_log (app_id, at DESC);
CREATE INDEX IF NOT EXISTS access_log_at ON gateway.access_log (at DESC);
CREATE TABLE IF NOT EXISTS gateway.h5_sessions (
    token_hash text PRIMARY KEY,
    app_id text NOT NULL,
    psn_cert_type text NOT NULL,
    certno text NOT NULL,
    psn_name text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS h5_sessions_expires_at ON gateway.h5_sessions (expires_at);
"""


def create_tables(pool: ConnectionPool) -> None:
    """Create the tables once (an advisory lock keeps replicas starting together from racing on CREATE)."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('ybj-gateway-schema'))")
        conn.execute("CREATE SCHEMA IF NOT EXISTS gateway")
        conn.execute(SCHEMA_SQL)
