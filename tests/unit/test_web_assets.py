"""The built console and H5 pages at the entry point: files, the single-page fallback, caching, and no build yet."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ybj_query.web_assets import CACHE_FOREVER, NO_CACHE, WebSettings, default_web_dir, web_router

INDEX = {"console": "<!doctype html><title>经办工作台</title>", "h5": "<!doctype html><title>便民服务</title>"}


def _build(root: Path) -> Path:
    """A web/dist as `npm run build` leaves it: each app's index.html and hashed assets."""
    for app, html in INDEX.items():
        (root / app / "assets").mkdir(parents=True)
        (root / app / "index.html").write_text(html, encoding="utf-8")
        (root / app / "assets" / "index-AbC123.js").write_text(f"console.log('{app}')", encoding="utf-8")
        (root / app / "favicon.svg").write_text("<svg/>", encoding="utf-8")
    (root / "secret.txt").write_text("outside the apps", encoding="utf-8")
    return root


async def _get(root: Path, path: str, method: str = "GET") -> httpx.Response:
    app = FastAPI()
    app.include_router(web_router(root))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.request(method, path)


async def test_a_hashed_asset_is_served_and_cached_for_good(tmp_path: Path) -> None:
    answer = await _get(_build(tmp_path), "/console/assets/index-AbC123.js")
    assert answer.status_code == 200
    assert answer.text == "console.log('console')"
    assert answer.headers["cache-control"] == CACHE_FOREVER
    assert answer.headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize("path", ["/console/", "/console/queue", "/console/cases/3f2a9c1e-0000-4000-8000-000000000001"])
async def test_a_page_of_the_app_answers_its_index_uncached(tmp_path: Path, path: str) -> None:
    answer = await _get(_build(tmp_path), path)
    assert answer.status_code == 200
    assert answer.text == INDEX["console"]
    assert answer.headers["cache-control"] == NO_CACHE
    assert answer.headers["content-type"].startswith("text/html")


async def test_the_h5_app_is_served_from_its_own_directory(tmp_path: Path) -> None:
    root = _build(tmp_path)
    assert (await _get(root, "/h5/progress/S2026")).text == INDEX["h5"]
    assert (await _get(root, "/h5/assets/index-AbC123.js")).text == "console.log('h5')"
    assert (await _get(root, "/h5/favicon.svg")).headers["cache-control"] == NO_CACHE  # not hashed: revalidated


async def test_a_missing_asset_is_a_404_never_the_index(tmp_path: Path) -> None:
    answer = await _get(_build(tmp_path), "/console/assets/index-Gone99.js")
    assert answer.status_code == 404
    assert answer.json()["code"] == "WEB_ASSET_NOT_FOUND"


@pytest.mark.parametrize("path", ["/console/../secret.txt", "/console/%2e%2e/secret.txt", "/h5/..%2Fsecret.txt"])
async def test_nothing_outside_the_app_is_served(tmp_path: Path, path: str) -> None:
    answer = await _get(_build(tmp_path), path)
    assert answer.status_code == 404
    assert "outside the apps" not in answer.text


async def test_the_bare_path_goes_to_the_app(tmp_path: Path) -> None:
    answer = await _get(_build(tmp_path), "/console?next=/queue")
    assert (answer.status_code, answer.headers["location"]) == (308, "/console/?next=/queue")


async def test_head_is_answered_too(tmp_path: Path) -> None:
    answer = await _get(_build(tmp_path), "/console/queue", method="HEAD")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == NO_CACHE


@pytest.mark.parametrize("path", ["/console/", "/console/queue", "/h5/", "/console/assets/index-AbC123.js"])
async def test_without_a_build_every_path_says_run_make_web(tmp_path: Path, path: str) -> None:
    answer = await _get(tmp_path / "dist", path)
    assert answer.status_code == 404
    body = answer.json()
    assert body["code"] == "WEB_NOT_BUILT"
    assert body["message_zh"] == "前端未构建（make web）"
    assert "make web" in body["message_en"]


def test_the_directory_comes_from_ybj_web_dir_else_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("YBJ_WEB_DIR", raising=False)
    assert WebSettings().directory() == default_web_dir()
    assert default_web_dir() == Path(__file__).resolve().parents[2] / "web" / "dist"
    monkeypatch.setenv("YBJ_WEB_DIR", str(tmp_path))
    assert WebSettings().directory() == tmp_path
