"""The editor's page at `/` and `/d/{id}` (share links), and the API docs page.

The page and its assets come from the frontend folder; share links get the same
page, which reads the design id from the URL.
"""

from __future__ import annotations

import re
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from netcanvas.api.errors import ApiError
from netcanvas.api.middleware import DOCS_CDN

router = APIRouter(include_in_schema=False)

PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>netcanvas</title></head>
<body><h1>netcanvas</h1>
<p>The editor's files are not installed here (no <code>index.html</code> in the frontend
folder; set NETCANVAS_FRONTEND_DIR). The HTTP API is documented at <a href="/docs">/docs</a>.</p>
</body></html>
"""

DOCS_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>netcanvas API</title>
<link rel="stylesheet" href="{DOCS_CDN}/npm/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{DOCS_CDN}/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>
"""
# An external script, because the Content-Security-Policy forbids inline ones.
DOCS_INIT = (
    'window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", '
    "deepLinking: true});\n"
)


def default_frontend_dir() -> FilePath:
    # backend/netcanvas/api/routers/frontend.py -> the repository's frontend/ folder
    return FilePath(__file__).resolve().parents[4] / "frontend"


ASSET_FOLDERS = ("src", "styles", "assets")
RESERVED = {"api", "d", "docs", "healthz", "openapi.json"}
TOP_FILE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(ico|png|svg|webmanifest|txt|js|css)$")


def asset_folders(root: FilePath) -> list[str]:
    """The folders served as static files: the usual ones, plus any the frontend has."""
    found = {p.name for p in root.iterdir() if p.is_dir()} if root.is_dir() else set()
    names = (found | set(ASSET_FOLDERS)) - RESERVED
    return sorted(n for n in names if not n.startswith((".", "_")) and n != "tests")


def frontend_dir(request: Request) -> FilePath:
    configured: FilePath | None = request.app.state.settings.frontend_dir
    return configured if configured is not None else default_frontend_dir()


def _index(request: Request) -> Response:
    page = frontend_dir(request) / "index.html"
    if page.is_file():
        return FileResponse(page, media_type="text/html", headers={"Cache-Control": "no-cache"})
    return HTMLResponse(PLACEHOLDER)


@router.get("/")
def index(request: Request) -> Response:
    return _index(request)


@router.get("/d/{design_id}")
def shared(request: Request, design_id: Annotated[str, Path(max_length=64)]) -> Response:
    return _index(request)


@router.get("/docs")
def docs() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE)


@router.get("/docs/init.js")
def docs_init() -> PlainTextResponse:
    return PlainTextResponse(DOCS_INIT, media_type="text/javascript")


# Last: a one-segment catch-all must not shadow /docs or the API.
@router.get("/{filename}")
def top_file(request: Request, filename: Annotated[str, Path(max_length=128)]) -> Response:
    """A file beside index.html (favicon.ico, manifest...)."""
    path = frontend_dir(request) / filename
    if not TOP_FILE.match(filename) or not path.is_file():
        raise ApiError(404, "Not Found")
    return FileResponse(path)
