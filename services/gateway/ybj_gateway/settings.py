"""The gateway's own settings (YBJ_GATEWAY_*), beside the kernel's Settings (database, run dir, JWT keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    """Which environment this gateway serves, where the query service is, and where its keys are."""

    model_config = SettingsConfigDict(env_prefix="YBJ_GATEWAY_", extra="ignore")

    # 测试 (the sandbox: test and production channels) or 正式 (production channels only).
    environment: Literal["test", "production"] = "test"
    # The public entry point the query items read through (the gateway talks to other services only by their APIs).
    query_url: str = "http://127.0.0.1:8080"
    # A bearer token for the query service (production: the gateway's service account); None: minted per channel
    # from the JWT signing key where one is at hand (local development).
    query_token: str | None = None
    # The platform's SM2 key that signs every answer (made once locally, like the JWT development keys).
    sm2_private_key_file: Path | None = None
    # The master secret the channels' SM4 keys are derived from (credentials.py; made once locally).
    sm4_master_key_file: Path | None = None
    # How long a nonce is remembered: more than the ±300 s window on both sides (600 s).
    nonce_retention_seconds: int = 900
    # Connections to PostgreSQL for the nonces and rate counters.
    pool_size: int = 8
    # How long an H5 session lasts from its opening (an example: 30 minutes; the seeds give none).
    h5_session_seconds: int = 1800
    # Serve the sandbox's synthetic people only (sandbox.py): every personal item refuses anyone else.
    sandbox_only: bool = False

    def sm2_private_key_path(self, run_dir: Path) -> Path:
        """Where the platform's response-signing key is."""
        return self.sm2_private_key_file or run_dir / "keys" / "gateway-sm2-private.hex"

    def sm4_master_key_path(self, run_dir: Path) -> Path:
        """Where the SM4 master secret is."""
        return self.sm4_master_key_file or run_dir / "keys" / "gateway-sm4-master.hex"
