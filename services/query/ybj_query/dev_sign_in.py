"""Local sign-in for the console: the demo staff (dev_users.yaml) and a token for one of them, signed with the local
development key. Mounted only when YBJ_DEV_SIGN_IN=true (`make run`, the browser tests), never in production, where
the console gets its token from the bureau's OIDC provider instead (web/README.md)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ybj_kernel.auth import ensure_dev_keys, issue_token
from ybj_kernel.errors import Forbidden, Unavailable
from ybj_kernel.settings import Settings

USERS_FILE = Path(__file__).with_name("dev_users.yaml")
# A working day: the console signs in again the next morning.
TOKEN_TTL_SECONDS = 12 * 3600


class DevSignInSettings(BaseSettings):
    """YBJ_DEV_SIGN_IN: whether this entry point offers the demo staff's sign-in (false unless set)."""

    model_config = SettingsConfigDict(env_prefix="YBJ_", extra="ignore")

    dev_sign_in: bool = False


class DemoUser(BaseModel):
    """One demo user in one of their roles, as the sign-in page lists them."""

    user: str
    name_zh: str
    role: str
    role_zh: str
    admdvs: str  # 医保区划
    org_zh: str


class TokenRequest(BaseModel):
    """Who signs in: a listed user, one of their roles, their 医保区划."""

    user: str = Field(max_length=64)
    role: str = Field(max_length=64)
    admdvs: str = Field(pattern=r"^\d{6}$", description="医保区划（6 位）")


class IssuedToken(BaseModel):
    """A bearer token as an OIDC token endpoint would answer it."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    user: str
    role: str
    admdvs: str
    name_zh: str


@functools.cache
def demo_users(path: Path = USERS_FILE) -> tuple[DemoUser, ...]:
    """Every (user, role) of the demo staff, in the file's order."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    roles_zh: dict[str, str] = raw["roles_zh"]
    return tuple(
        DemoUser(
            user=str(u["user"]),
            name_zh=str(u["name_zh"]),
            role=role,
            role_zh=roles_zh.get(role, role),
            admdvs=str(u["admdvs"]),
            org_zh=str(u["org_zh"]),
        )
        for u in raw["users"]
        for role in u["roles"]
    )


def dev_sign_in_router(settings: Settings, enabled: bool | None = None) -> APIRouter:
    """GET /api/v1/dev/users and POST /api/v1/dev/token when YBJ_DEV_SIGN_IN=true (or `enabled`); else no route at all."""
    router = APIRouter(prefix="/api/v1/dev", tags=["dev sign-in (local only)"])
    if not (DevSignInSettings().dev_sign_in if enabled is None else enabled):
        return router

    @router.get("/users")
    def users() -> list[DemoUser]:
        """The demo staff (示例), one row per user and role: what the console's sign-in page offers."""
        return list(demo_users())

    @router.post("/token")
    def token(request: TokenRequest) -> IssuedToken:
        """A token for a listed demo user in one of their roles and their 医保区划 (local development only)."""
        who = next(
            (u for u in demo_users() if (u.user, u.role, u.admdvs) == (request.user, request.role, request.admdvs)),
            None,
        )
        if who is None:
            raise Forbidden(
                "NOT_A_DEMO_USER",
                f"{request.user} 不是演示用户，或没有该岗位/医保区划",
                f"{request.user} is not a demo user with role {request.role} in {request.admdvs}",
                "user",
            )
        return IssuedToken(
            access_token=issue_token(
                _private_key(settings),
                who.user,
                [who.role],
                who.admdvs,
                issuer=settings.jwt_issuer,
                ttl_seconds=TOKEN_TTL_SECONDS,
            ),
            expires_in=TOKEN_TTL_SECONDS,
            user=who.user,
            role=who.role,
            admdvs=who.admdvs,
            name_zh=who.name_zh,
        )

    return router


def _private_key(settings: Settings) -> bytes:
    """The local signing key, made once as `ybj token` does; with a mounted verification key none is made here."""
    if settings.jwt_public_key_file is None:
        ensure_dev_keys(settings.private_key_path(), settings.public_key_path())
    path = settings.private_key_path()
    if not path.exists():
        raise Unavailable(
            "DEV_SIGNING_KEY_MISSING",
            f"本地签名私钥不存在：{path}",
            f"the local JWT signing key is missing: {path}",
        )
    return path.read_bytes()
