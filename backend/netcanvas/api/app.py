"""The FastAPI application factory: ``create_app(settings)`` builds one service.

Routes are thin adapters over the domain modules (one router per area); errors all
take the shape ``{"detail": {"message", "line", "column"}}``. Tests build apps with
their own settings; ``netcanvas serve`` builds one from the environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from netcanvas import __version__
from netcanvas.api import errors
from netcanvas.api.middleware import BodyLimit, SecurityHeaders
from netcanvas.api.pool import shared_pool
from netcanvas.api.routers import (
    catalogue,
    designs,
    frontend,
    health,
    inspect,
    logs,
    model,
    overlay,
    runs,
    templates,
)
from netcanvas.api.routers.model import AnswerCache
from netcanvas.api.settings import Settings
from netcanvas.store import DesignStore
from netcanvas.store.runs import RunStore
from netcanvas.train.worker import RunManager

DESCRIPTION = """\
The netcanvas engine over HTTP: the layer catalogue, analysis (shapes, parameters,
MACs), layout, import and export of model files and figures, saved designs with
revisions, the template gallery, and training runs (data sets, live events, trained
weights out).

Every error answers `{"detail": {"message", "line", "column"}}`; `line` and `column`
locate the problem in the request body when it is unreadable.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    store = DesignStore(settings.database_url)
    store.create_schema()
    run_store = RunStore(settings.database_url)
    # A run that was going when the server last stopped will never finish: say so.
    run_store.mark_interrupted()
    manager = RunManager(
        run_store, max_seconds=settings.train_max_seconds, max_queue=settings.train_max_queue
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool.warm()
        yield
        manager.close()
        run_store.close()
        store.close()

    app = FastAPI(
        title="netcanvas",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # served by the frontend router under our Content-Security-Policy
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.pool = shared_pool(
        settings.work_processes, settings.work_seconds, settings.work_memory_mb
    )
    app.state.analysis_cache = AnswerCache()
    app.state.runs = run_store
    app.state.run_manager = manager
    errors.install(app)
    for router in (
        health.router,
        catalogue.router,
        model.router,
        designs.router,
        templates.router,
        logs.router,
        inspect.router,
        overlay.router,
        runs.router,
        frontend.router,
    ):
        app.include_router(router)
    # The editor's asset folders (/src/..., /styles/...). Not one mount at "/": that would
    # swallow every unknown method and path and answer for the API.
    assets = settings.frontend_dir or frontend.default_frontend_dir()
    for folder in frontend.asset_folders(assets):
        app.mount(f"/{folder}", StaticFiles(directory=assets / folder, check_dir=False))

    # Last added runs first: headers wrap everything, even a 413 from the body limit.
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
        upload_paths=("/api/import", "/api/logs"),
        seconds=settings.body_seconds,
        rate=settings.body_rate,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Content-Type", "X-Edit-Key"],
        )
    app.add_middleware(SecurityHeaders)
    _document_errors(app)
    return app


def _document_errors(app: FastAPI) -> None:
    """OpenAPI: FastAPI's own 422 (a list of validation errors) is never sent here; every
    error, a bad query parameter included, has the one ErrorOut shape."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            error = {
                "description": "Unreadable input: message, line and column",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                },
            }
            for operations in spec.get("paths", {}).values():
                for operation in operations.values():
                    responses = operation.get("responses", {})
                    if "422" in responses:
                        responses["422"] = error
            schemas = spec.get("components", {}).get("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory`` (``netcanvas serve --reload``)."""
    return create_app(Settings())
