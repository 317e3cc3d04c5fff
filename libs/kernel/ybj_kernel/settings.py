"""One settings object per process, read from YBJ_* environment variables; nothing connects at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def checkout_run_dir() -> Path:
    """Where `make run` keeps the platform's keys, logs and settings: the `.run` folder of the checkout this package is
    installed from (found from this file, so a command run from another folder finds the same keys), or `.run` in the
    current folder for an installation outside a checkout. YBJ_RUN_DIR overrides it."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "Makefile").is_file() and (parent / "libs" / "kernel").is_dir():
            return parent / ".run"
    return Path(".run").resolve()


# Local defaults: the public entry point is the query service on 8080.
HTTP_PORTS = {
    "query": 8080,
    "enrollment": 8081,
    "treatment": 8082,
    "settlement": 8083,
    "supervision": 8084,
    "gateway": 8085,
}
GRPC_PORTS = {
    "query": 50051,
    "enrollment": 50061,
    "treatment": 50062,
    "settlement": 50063,
    "supervision": 50064,
    "gateway": 50065,
}
RELAY_METRICS_PORTS = {
    "enrollment": 9101,
    "treatment": 9102,
    "settlement": 9103,
    "supervision": 9104,
    "query": 9105,
    "gateway": 9106,
}
# The services with an event store of their own, a relay and a topic (the gateway's: channel admission, P092).
DOMAIN_SERVICES = ("enrollment", "treatment", "settlement", "supervision", "gateway")


class Settings(BaseSettings):
    """Everything a service process needs to know about its surroundings."""

    model_config = SettingsConfigDict(env_prefix="YBJ_", extra="ignore")

    pg_dsn: str = "postgresql://ybj:ybj@127.0.0.1:55432/ybj"
    # The other services' databases, for the tools that cross services (`ybj audit verify`, `ybj lag`): in production
    # each service has a database and role of its own (YBJ_PG_DSN_ENROLLMENT …); unset, they share `pg_dsn`.
    pg_dsn_enrollment: str | None = None
    pg_dsn_treatment: str | None = None
    pg_dsn_settlement: str | None = None
    pg_dsn_supervision: str | None = None
    pg_dsn_gateway: str | None = None
    pg_dsn_query: str | None = None
    kafka_bootstrap: str = "127.0.0.1:9092"
    # PLAINTEXT locally; SSL with a client certificate on a Strimzi cluster (a KafkaUser with tls authentication).
    kafka_security_protocol: Literal["PLAINTEXT", "SSL"] = "PLAINTEXT"
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    topic_prefix: str = "ybj"
    run_dir: Path = Field(default_factory=checkout_run_dir)
    http_host: str = "127.0.0.1"
    http_port: int | None = None
    grpc_port: int | None = None
    metrics_port: int | None = None
    jwt_public_key_file: Path | None = None
    jwt_private_key_file: Path | None = None
    jwt_issuer: str = "ybj"
    enrollment_url: str = "http://127.0.0.1:8081"
    treatment_url: str = "http://127.0.0.1:8082"
    settlement_url: str = "http://127.0.0.1:8083"
    supervision_url: str = "http://127.0.0.1:8084"
    gateway_url: str = "http://127.0.0.1:8085"
    relay_batch_size: int = 200
    # 批量 limits; the numbers are examples chosen for this deployment, not policy (README "Batches"): rows in one
    # uploaded workbook, bytes of the upload, bytes its workbook unpacks to, items in one batch of actions, and rows in
    # one exported workbook (the work queue as xlsx). A batch is saved in one transaction, its record holding every row
    # (about 0.5 KB a row): the event store writes large saves in pieces, but one event must stay well under 5 MB.
    batch_max_rows: int = 5_000
    batch_max_bytes: int = 20_000_000
    batch_max_unpacked_bytes: int = 300_000_000
    batch_max_actions: int = 500
    export_max_rows: int = 20_000
    log_level: str = "INFO"
    # Official holiday schedules for years the chinesecalendar package does not cover yet (deploy/calendar/README.md).
    calendar_file: Path | None = None

    def public_key_path(self) -> Path:
        """Where the JWT verification key is (a mounted secret in production, .run/keys locally)."""
        return self.jwt_public_key_file or self.run_dir / "keys" / "jwt-public.pem"

    def private_key_path(self) -> Path:
        """Where the local development signing key is."""
        return self.jwt_private_key_file or self.run_dir / "keys" / "jwt-private.pem"

    def pg_dsn_for(self, service: str) -> str:
        """The database of `service` (its own where YBJ_PG_DSN_<SERVICE> names one, else this process's)."""
        own: str | None = getattr(self, f"pg_dsn_{service}", None)
        return own or self.pg_dsn

    def service_url(self, service: str) -> str:
        """The base URL of a domain service's HTTP API."""
        return str(getattr(self, f"{service}_url"))

    def http_port_for(self, service: str) -> int:
        """The HTTP port this service listens on."""
        return self.http_port or HTTP_PORTS[service]

    def grpc_port_for(self, service: str) -> int:
        """The gRPC port this service listens on."""
        return self.grpc_port or GRPC_PORTS[service]

    def metrics_port_for(self, service: str) -> int:
        """The metrics port of a background worker (relay or projector)."""
        return self.metrics_port or RELAY_METRICS_PORTS[service]
