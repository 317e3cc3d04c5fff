"""The gateway's composition root for its own routes (service_main's `routers=`): settings, the PostgreSQL pool for
nonces, counters, the access log and the H5 sessions, the key files, the query service's API, and the channel entries read from this
service's own event store. Nothing connects at import: `gateway_routes` runs as `serve` starts."""

from __future__ import annotations

import functools
from datetime import timedelta

from fastapi import APIRouter
from psycopg_pool import ConnectionPool

from ybj_gateway.adapters.access_log_pg import PostgresAccessLog
from ybj_gateway.adapters.h5_sessions_pg import PostgresH5Sessions
from ybj_gateway.adapters.key_files import master_secret, platform_key
from ybj_gateway.adapters.query_api import ChannelTokens, QueryApi
from ybj_gateway.adapters.replays import PostgresReplayGuard
from ybj_gateway.adapters.tables import create_tables
from ybj_gateway.admin_api import admin_router
from ybj_gateway.channel_api import channel_router
from ybj_gateway.channel_service import ChannelService
from ybj_gateway.credentials import derive_sm4_key
from ybj_gateway.h5_api import h5_router
from ybj_gateway.h5_service import H5Service
from ybj_gateway.registries.channels import CHANNEL
from ybj_gateway.settings import GatewaySettings
from ybj_kernel.adapters.eventstore import RECONNECT_TIMEOUT_SECONDS
from ybj_kernel.application import CaseApplication
from ybj_kernel.settings import Settings

SM4_KEYS_CACHED = 4096


def gateway_routes(app: CaseApplication) -> APIRouter:
    """/channel/v1 (the channels and their H5 pages) and /api/v1/gateway (the bureau) on this service's application."""
    settings, gateway = Settings(), GatewaySettings()
    pool = ConnectionPool(
        settings.pg_dsn,
        min_size=1,
        max_size=gateway.pool_size,
        kwargs={"autocommit": True, "connect_timeout": 2},
        check=ConnectionPool.check_connection,
        reconnect_timeout=RECONNECT_TIMEOUT_SECONDS,
        open=True,
    )
    create_tables(pool)
    platform = platform_key(gateway.sm2_private_key_path(settings.run_dir))
    master = master_secret(gateway.sm4_master_key_path(settings.run_dir))
    sm4_key_of = functools.lru_cache(maxsize=SM4_KEYS_CACHED)(functools.partial(derive_sm4_key, master))
    signing_key = settings.private_key_path()
    private_pem = signing_key.read_bytes() if gateway.query_token is None and signing_key.exists() else None
    access = PostgresAccessLog(pool)
    replays = PostgresReplayGuard(pool, timedelta(seconds=gateway.nonce_retention_seconds))
    service = ChannelService(
        channels=lambda app_id: app.look(CHANNEL, app_id),
        replays=replays,
        sm4_key_of=sm4_key_of,
        platform=platform,
        environment=gateway.environment,
        reads=(
            api := QueryApi(gateway.query_url, ChannelTokens(gateway.query_token, private_pem, settings.jwt_issuer))
        ),
        access=access,
        commands=api,
    )
    router = APIRouter()
    router.include_router(channel_router(service))
    sessions = PostgresH5Sessions(pool)
    h5 = H5Service(
        service,
        sessions,
        lambda app_id: app.look(CHANNEL, app_id),
        replays,
        access,
        gateway.environment,
        gateway.h5_session_seconds,
    )
    router.include_router(h5_router(h5))
    router.include_router(admin_router(app, sm4_key_of, platform, access.recent))
    return router
