"""Dependencies shared by the routers: settings, the store, and reading small documents
(designs); the heavy work on bodies runs in the work pool (``api/pool.py``).

Document bodies are parsed with the netcanvas loader rather than by FastAPI, so a bad
body answers 422 with the line and column of the problem in what was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from netcanvas import work
from netcanvas.api.settings import Settings
from netcanvas.graph.model import Graph
from netcanvas.store import DesignStore

T = TypeVar("T")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> DesignStore:
    store: DesignStore = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[DesignStore, Depends(get_store)]


async def read_body(request: Request, handler: Callable[[Any], T]) -> T:
    """Parse the body (YAML or JSON) and hand the data to ``handler``, in a worker thread
    (located errors: see ``netcanvas.work.read_body``)."""
    raw = await request.body()
    return await run_in_threadpool(work.read_body, raw, handler)


def to_graph(document: Any, settings: Settings) -> Graph:
    """A parsed document -> Graph, refusing more layers than the service allows."""
    return work.to_graph(document, settings.max_nodes)


check_plain = work.check_plain
