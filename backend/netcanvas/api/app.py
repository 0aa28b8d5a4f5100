"""The FastAPI application factory (the full service grows here)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from netcanvas import __version__
from netcanvas.api.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="netcanvas", version=__version__)
    app.state.settings = settings

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return "<!doctype html><title>netcanvas</title><h1>netcanvas</h1>"

    return app


def app_from_env() -> FastAPI:
    return create_app(Settings())
