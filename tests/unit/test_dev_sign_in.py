"""The console's local sign-in: demo staff and their tokens only when YBJ_DEV_SIGN_IN=true, and only for listed users."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ybj_dev import demo, demo_channel
from ybj_kernel.auth import TokenVerifier
from ybj_kernel.domain.identity import admdvs_problem
from ybj_kernel.domain.roles import OVERSIGHT, PROCESS_ROLES
from ybj_kernel.entrypoints.http_common import install_error_handlers
from ybj_kernel.settings import Settings
from ybj_query.dev_sign_in import TOKEN_TTL_SECONDS, demo_users, dev_sign_in_router


def _app(tmp_path: Path, enabled: bool | None = None) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(dev_sign_in_router(Settings(run_dir=tmp_path), enabled))
    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _dev_paths(app: FastAPI) -> set[str]:
    """The dev routes the app serves, as its OpenAPI document lists them (included routers are resolved lazily)."""
    return {path for path in app.openapi()["paths"] if path.startswith("/api/v1/dev")}


async def test_without_the_setting_no_route_is_mounted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YBJ_DEV_SIGN_IN", raising=False)
    app = _app(tmp_path)
    assert _dev_paths(app) == set()
    async with _client(app) as client:
        assert (await client.get("/api/v1/dev/users")).status_code == 404
        who = {"user": "gy-reg-01", "role": "registrar", "admdvs": "520100"}
        assert (await client.post("/api/v1/dev/token", json=who)).status_code == 404
    assert not (tmp_path / "keys").exists()  # nothing signed, no key made
    monkeypatch.setenv("YBJ_DEV_SIGN_IN", "false")
    assert _dev_paths(_app(tmp_path)) == set()


def test_with_the_setting_both_routes_are_mounted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YBJ_DEV_SIGN_IN", "true")
    assert _dev_paths(_app(tmp_path)) == {"/api/v1/dev/users", "/api/v1/dev/token"}


async def test_the_demo_users_are_listed_one_row_per_role(tmp_path: Path) -> None:
    async with _client(_app(tmp_path, enabled=True)) as client:
        users = (await client.get("/api/v1/dev/users")).json()
    rows = {(u["user"], u["role"], u["admdvs"]) for u in users}
    assert {("gy-reg-01", "registrar", "520100"), ("gy-fr-01", "first_reviewer", "520100")} <= rows
    assert {("gz-prov-01", "provincial_bureau", "520000"), ("gy-oversight-01", "oversight", "520100")} <= rows
    assert {("gy-fr-02", "first_reviewer", "520100"), ("gy-fr-02", "registrar", "520100")} <= rows  # 兼岗
    assert all(u["name_zh"] and u["role_zh"] and u["org_zh"] for u in users)


def test_every_demo_user_has_a_known_role_and_a_valid_admdvs() -> None:
    for u in demo_users():
        assert u.role in PROCESS_ROLES | {OVERSIGHT}, u
        assert admdvs_problem(u.admdvs) is None, u
        assert u.role_zh != u.role, f"{u.role} has no Chinese name in dev_users.yaml"


def test_the_demo_data_acts_as_listed_users() -> None:
    """The people the demo cases were moved by can sign in and find them (tools/ybj_dev/demo.py, demo_channel.py)."""
    listed = {(u.user, u.role) for u in demo_users()}
    acting = {
        demo.REG,
        demo.REG2,
        demo.FIRST,
        demo.SECOND,
        demo.AUDITOR,
        demo.FINANCE,
        demo.HOSPITAL,
        demo.PANEL,
        demo_channel.APPLICANT,
        demo_channel.CITY,
        demo_channel.PROVINCE,
        demo_channel.PROVINCE_2,
    }
    assert acting <= listed, acting - listed


async def test_a_token_for_a_listed_user_is_signed_with_the_local_key(tmp_path: Path) -> None:
    async with _client(_app(tmp_path, enabled=True)) as client:
        answer = await client.post(
            "/api/v1/dev/token", json={"user": "gy-fr-01", "role": "first_reviewer", "admdvs": "520100"}
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == TOKEN_TTL_SECONDS
    assert body["name_zh"]
    verifier = TokenVerifier((tmp_path / "keys" / "jwt-public.pem").read_bytes())
    actor = verifier.actor(f"Bearer {body['access_token']}")
    assert (actor.user_id, actor.roles, actor.admdvs) == ("gy-fr-01", ("first_reviewer",), "520100")


@pytest.mark.parametrize(
    ("user", "role", "admdvs"),
    [
        ("someone-else", "registrar", "520100"),  # not listed
        ("gy-reg-01", "first_reviewer", "520100"),  # not one of their roles
        ("gy-reg-01", "registrar", "520000"),  # not their 医保区划
        ("gy-fr-02", "approver", "520100"),
    ],
)
async def test_anyone_else_gets_no_token(tmp_path: Path, user: str, role: str, admdvs: str) -> None:
    async with _client(_app(tmp_path, enabled=True)) as client:
        answer = await client.post("/api/v1/dev/token", json={"user": user, "role": role, "admdvs": admdvs})
    assert answer.status_code == 403
    assert answer.json()["code"] == "NOT_A_DEMO_USER"
    assert answer.json()["field"] == "user"
    assert "演示用户" in answer.json()["message_zh"]


async def test_a_malformed_admdvs_is_a_422_naming_it(tmp_path: Path) -> None:
    async with _client(_app(tmp_path, enabled=True)) as client:
        answer = await client.post(
            "/api/v1/dev/token", json={"user": "gy-reg-01", "role": "registrar", "admdvs": "5201"}
        )
    assert answer.status_code == 422
    assert answer.json()["field"] == "admdvs"
