"""Dependencies shared by the routers: settings, the store, and reading documents.

Document bodies are parsed here with the netcanvas loader rather than by FastAPI, so
a bad body answers 422 with the line and column of the problem in what was sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from netcanvas.api.errors import ApiError
from netcanvas.api.settings import Settings
from netcanvas.formats import FormatError, native
from netcanvas.formats.base import line_col
from netcanvas.graph.model import Graph
from netcanvas.store import DesignStore

MAX_DEPTH = 64
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
    """Parse the body (YAML or JSON) and hand the data to ``handler``, in a worker thread.

    The fast parse keeps no marks; when it or the handler finds a problem, the body is
    parsed again with marks so the FormatError can say where.
    """
    raw = await request.body()

    def work() -> T:
        try:
            return handler(check_plain(native.parse(raw)))
        except FormatError as unlocated:
            handler(check_plain(native.parse(raw, located=True)))
            # The YAML reader took what the JSON reader refused (e.g. NaN as a string):
            # refuse it anyway, so one body always gets one answer.
            raise unlocated from None

    return await run_in_threadpool(work)


def to_graph(document: Any, settings: Settings) -> Graph:
    """A parsed document -> Graph, refusing more layers than the service allows."""
    layers = document.get("layers") if isinstance(document, dict) else None
    if isinstance(layers, list) and len(layers) > settings.max_nodes:
        line, column = native.location(document, "layers")
        raise FormatError(
            f"the document has {len(layers):,} layers; this service takes at most "
            f"{settings.max_nodes:,}",
            line,
            column,
        )
    return native.from_document(document)


def check_size(graph: Graph, settings: Settings) -> None:
    if len(graph.nodes) > settings.max_nodes:
        raise ApiError(
            422,
            f"the model has {len(graph.nodes):,} layers; this service takes at most "
            f"{settings.max_nodes:,}",
            line=1,
            column=1,
        )


async def read_graph(request: Request, settings: SettingsDep) -> Graph:
    raw = await request.body()

    def fast(document: Any) -> Graph:
        # Too many layers is refused on the fast parse: locating it by a second, marking
        # parse would cost seconds on exactly the documents this limit is for.
        layers = document.get("layers") if isinstance(document, dict) else None
        if isinstance(layers, list) and len(layers) > settings.max_nodes:
            found = re.search(rb'["\']?layers["\']?\s*:', raw)
            before = raw[: found.start()].decode("utf-8", "replace") if found else ""
            line, column = line_col(before, len(before))
            raise ApiError(
                422,
                f"the document has {len(layers):,} layers; this service takes at most "
                f"{settings.max_nodes:,}",
                line=line,
                column=column,
            )
        return to_graph(document, settings)

    return await read_body(request, fast)


GraphDep = Annotated[Graph, Depends(read_graph)]


def check_plain(data: Any) -> Any:
    """Only what JSON can carry back: no NaN, dates, binary or runaway nesting.

    YAML reads more than JSON can write; refusing it here keeps every answer encodable.
    """
    stack: list[tuple[Any, Any, int]] = [(data, None, 0)]
    while stack:
        value, parent, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FormatError(f"the document is nested more than {MAX_DEPTH} levels deep", 1, 1)
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str | int) or isinstance(key, bool):
                    raise FormatError(
                        "keys must be strings", *native.location(value, key, value=False)
                    )
                stack.append((item, (value, key), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, (value, i), depth + 1) for i, item in enumerate(value))
        elif value is None or isinstance(value, str | bool | int):
            continue
        elif isinstance(value, float) and math.isfinite(value):
            continue
        else:
            where = native.location(*parent) if parent else (1, 1)
            shown = "a number that is not finite" if isinstance(value, float) else "this value"
            raise FormatError(f"{shown} cannot be represented in JSON", *where)
    return data
