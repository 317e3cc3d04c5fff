"""The built front ends at the entry point: the console (经办工作台) at /console/ and the citizens' H5 pages at /h5/.

Each is a single-page app: a path that is no file of its build answers its index.html, and the app's router draws
the page; a missing hashed asset (under assets/) is a plain 404, so a stale page never gets HTML for a script.
Files come from YBJ_WEB_DIR (default: the repository's web/dist, which `make web` builds)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from pydantic_settings import BaseSettings, SettingsConfigDict

APPS = ("console", "h5")
# Vite names everything under assets/ by its content's hash: a changed file is a new name, so cache it for good.
HASHED = "assets/"
CACHE_FOREVER = "public, max-age=31536000, immutable"
# index.html (and any unhashed file) is checked on every load, so a new build is picked up at once.
NO_CACHE = "no-cache"
# Not every system's mime table knows these; a script or font with the wrong type is refused by the browser.
for _type, _ext in (("text/javascript", ".js"), ("text/javascript", ".mjs"), ("font/woff2", ".woff2")):
    mimetypes.add_type(_type, _ext)


def default_web_dir() -> Path:
    """The repository's web/dist (this file is services/query/ybj_query/web_assets.py in an editable install)."""
    return Path(__file__).resolve().parents[3] / "web" / "dist"


class WebSettings(BaseSettings):
    """YBJ_WEB_DIR: the directory holding console/ and h5/ as `npm run build` leaves them (default web/dist)."""

    model_config = SettingsConfigDict(env_prefix="YBJ_", extra="ignore")

    web_dir: Path | None = None

    def directory(self) -> Path:
        """The configured directory, else the repository's web/dist."""
        return self.web_dir or default_web_dir()


def web_router(web_dir: Path | None = None) -> APIRouter:
    """GET (and HEAD) /console/… and /h5/… from `<web_dir>/console` and `<web_dir>/h5` (default: WebSettings)."""
    root = web_dir or WebSettings().directory()
    router = APIRouter(include_in_schema=False)
    for app in APPS:
        _mount(router, app, root / app)
    return router


def _mount(router: APIRouter, app: str, app_dir: Path) -> None:
    """One app's routes: /<app> goes to /<app>/, and everything under it comes from `app_dir`."""

    @router.api_route(f"/{app}", methods=["GET", "HEAD"])
    def bare(request: Request) -> Response:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/{app}/{query}", status_code=308)

    @router.api_route(f"/{app}/{{path:path}}", methods=["GET", "HEAD"])
    def page(path: str) -> Response:
        return _serve(app_dir, path)


def _serve(app_dir: Path, path: str) -> Response:
    """A file of the build, else (outside assets/) the app's index.html."""
    index = app_dir / "index.html"
    if not index.is_file():
        return _not_built(app_dir)
    if path:
        found = _inside(app_dir, path)
        if found is not None and found.is_file():
            return FileResponse(
                found, headers={"Cache-Control": CACHE_FOREVER if path.startswith(HASHED) else NO_CACHE}
            )
        if path.startswith(HASHED) or found is None:
            return JSONResponse(
                {
                    "code": "WEB_ASSET_NOT_FOUND",
                    "message_zh": f"前端文件不存在：{path}",
                    "message_en": f"no such file in the web build: {path}",
                    "field": "path",
                },
                status_code=404,
            )
    return FileResponse(index, headers={"Cache-Control": NO_CACHE})


def _inside(app_dir: Path, path: str) -> Path | None:
    """The file `path` names inside `app_dir`, or None when it would lead outside it (../, a link elsewhere)."""
    base = app_dir.resolve()
    candidate = (base / path).resolve()
    return candidate if candidate.is_relative_to(base) else None


def _not_built(app_dir: Path) -> JSONResponse:
    return JSONResponse(
        {
            "code": "WEB_NOT_BUILT",
            "message_zh": "前端未构建（make web）",
            "message_en": f"the web front end is not built: run `make web` (no {app_dir / 'index.html'})",
            "field": None,
        },
        status_code=404,
    )
