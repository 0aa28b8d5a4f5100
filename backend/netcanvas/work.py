"""The server's work on untrusted input, as plain functions: bytes in, plain data out.

Each function reads a request's body itself (so the reading is bounded too) and answers
what the route sends back. They raise only FormatError (unreadable, with line and
column), UnsupportedError, InputShapeError and FigureError, and they take and return
only picklable values: the API runs them in worker processes with a time limit and a
memory budget (``api/pool.py``), the tests may run them directly.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from netcanvas.cycles import paused
from netcanvas.formats.base import FormatError, line_col
from netcanvas.graph.model import Graph

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis

T = TypeVar("T")
MAX_DEPTH = 64


def read_body(raw: bytes, handler: Callable[[Any], T]) -> T:
    """Parse a YAML/JSON body and hand the data to ``handler``.

    The fast parse keeps no marks; when it or the handler finds a problem, the body is
    parsed again with marks so the FormatError can say where.
    """
    from netcanvas.formats import native

    try:
        return handler(check_plain(native.parse(raw)))
    except TooMany:
        raise
    except FormatError as unlocated:
        handler(check_plain(native.parse(raw, located=True)))
        # The YAML reader took what the JSON reader refused (e.g. NaN as a string):
        # refuse it anyway, so one body always gets one answer.
        raise unlocated from None


class TooMany(FormatError):
    """More layers than the service takes (located at the `layers` key)."""


def to_graph(document: Any, max_nodes: int | None, raw: bytes | None = None) -> Graph:
    """A parsed document -> Graph, refusing more layers than ``max_nodes``.

    Too many layers is refused on the fast parse, located by a search in ``raw``: a
    second, marking parse would cost seconds on exactly the documents this limit is for.
    """
    from netcanvas.formats import native

    layers = document.get("layers") if isinstance(document, dict) else None
    if max_nodes is not None and isinstance(layers, list) and len(layers) > max_nodes:
        if raw is not None:
            found = re.search(rb'["\']?layers["\']?\s*:', raw)
            before = raw[: found.start()].decode("utf-8", "replace") if found else ""
            line, column = line_col(before, len(before))
        else:
            line, column = native.location(document, "layers")
        raise TooMany(
            f"the document has {len(layers):,} layers; this service takes at most {max_nodes:,}",
            line,
            column,
        )
    return native.from_document(document)


def read_graph(raw: bytes, max_nodes: int | None) -> Graph:
    return read_body(raw, lambda document: to_graph(document, max_nodes, raw))


def check_plain(data: Any) -> Any:
    """Only what JSON can carry back: no NaN, dates, binary or runaway nesting.

    YAML reads more than JSON can write; refusing it here keeps every answer encodable.
    """
    if plain_within(data, MAX_DEPTH):
        return data
    from netcanvas.formats import native

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


_PLAIN_SCALARS = frozenset((str, int, bool, type(None)))


def plain_within(data: Any, limit: int, floats: list[float] | None = None) -> bool:
    """check_plain's fast pass: True if nothing needs refusing (False may be wrong; the
    full pass then says what and where). Only containers are visited; a value's type
    is looked up, not tested against each kind in turn. ``floats``, if given, gets every
    float met (an encoder other than json's may write some of them differently)."""
    scalars = _PLAIN_SCALARS
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            for key in value:
                if type(key) is not str:
                    return False
            items: Any = value.values()
        elif isinstance(value, list):
            items = value
        else:
            return type(value) in scalars
        if depth >= limit and items:
            return False
        for item in items:
            kind = type(item)
            if kind in scalars:
                continue
            if kind is float:
                if not math.isfinite(item):
                    return False
                if floats is not None:
                    floats.append(item)
            elif isinstance(item, dict | list):
                stack.append((item, depth + 1))
            else:
                return False
    return True


# --- the routes' work -----------------------------------------------------------------


def analyze_document(
    raw: bytes,
    max_nodes: int | None,
    tag: str | None = None,
    since: str | None = None,
    changed: bool = False,
) -> bytes:
    """The body's analysis as JSON bytes (what `summary --json` prints).

    A JSON body is answered by ``incremental``, which remembers what it worked out for
    recent documents (the editor posts the whole document after every edit); the full
    path reads anything else and locates every problem. ``tag`` is this body's ETag,
    ``since`` the ETag of the answer it edits; with ``changed`` the answer carries only
    what differs from that one, when this process remembers it (docs/scale.md).
    """
    from netcanvas import incremental
    from netcanvas.analysis import analyze

    answer = incremental.analyze_json(raw, max_nodes, MAX_DEPTH, tag, since, changed)
    if answer is not None:
        return answer
    return _json(analyze(read_graph(raw, max_nodes)).to_json())


def idle() -> None:
    """Work a process does between jobs: where the newest analysed document's layers sit
    in its text (incremental analysis), so its first edit is read from the edit only."""
    from netcanvas import delta

    delta.settle()


def layout_document(raw: bytes, max_nodes: int | None, options: dict[str, Any]) -> dict[str, Any]:
    from netcanvas.render import layout_json
    from netcanvas.render.options import FigureOptions

    result: dict[str, Any] = layout_json(read_graph(raw, max_nodes), FigureOptions(**options))
    return result


def import_file(
    data: bytes,
    filename: str,
    format: str | None,
    phase: str,
    shapes: dict[str, list[int]],
    with_analysis: bool,
    max_nodes: int | None,
) -> bytes:
    """A model file -> ``{"document", "warnings", "analysis"}`` as JSON bytes."""
    from netcanvas import service
    from netcanvas.formats import native

    with paused():
        graph, result = service.open_model(data, filename, format, phase, shapes)
        if max_nodes is not None and len(graph.nodes) > max_nodes:
            raise TooMany(
                f"the model has {len(graph.nodes):,} layers; "
                f"this service takes at most {max_nodes:,}",
                1,
                1,
            )
        document = native.to_document(graph)
        floats: list[float] = []
        plain = plain_within(document, MAX_DEPTH, floats)
        if not plain:
            check_plain(document)  # refuses what JSON cannot carry, with its location
        return _import_answer(document, plain and _floats_alike(floats), result, with_analysis)


def _import_answer(
    document: dict[str, Any], fast_document: bool, result: Analysis, with_analysis: bool
) -> bytes:
    """``_json({"document", "warnings", "analysis"})``, byte for byte, in a fraction of
    the time.

    orjson writes 15 MB in tens of milliseconds where json takes hundreds, and writes a
    NodeResult from its fields without a dict built per node. It writes some floats
    differently (1e-05 as 0.00001) and NaN as null, so it is given only what holds
    neither: the document when its floats read the same both ways (``fast_document``),
    the analysis when every number in it is an int. The rest, and anything orjson
    refuses (a lone surrogate, an int past 64 bits), is json's as before.
    """
    import orjson

    def fast(value: Any) -> bytes | None:
        try:
            return orjson.dumps(value)
        except orjson.JSONEncodeError:
            return None

    warnings = result.warnings
    analysis = b"null"
    if with_analysis:
        shallow = result.around(result.nodes)
        analysis = (fast(shallow) if _all_ints(shallow) else None) or _json(result.to_json())
    written = (fast(document) if fast_document else None) or _json(document)
    listed = fast(warnings) or _json(warnings)
    return b"".join(
        (b'{"document":', written, b',"warnings":', listed, b',"analysis":', analysis, b"}")
    )


def _floats_alike(floats: list[float]) -> bool:
    """Whether orjson writes each of these floats as json does (``repr``)."""
    if not floats:
        return True
    import orjson

    return all(orjson.dumps(x) == float.__repr__(x).encode() for x in floats)


def _all_ints(shallow: dict[str, Any]) -> bool:
    """Whether every number of an analysis (``Analysis.around(nodes)``) is an int: the
    totals are sums of the nodes' numbers, so an int total has only ints (or bools)
    behind it; shapes are checked once per shape object."""
    totals = shallow["totals"]
    if not all(type(totals[k]) is int for k in ("params", "macs", "flops", "activation_bytes")):
        return False
    # By identity: a set of the shapes themselves would take (56.0,) for (56,).
    shapes = {id(s): s for node in shallow["nodes"] for s in node.output_shapes}
    return all(type(d) is int for s in shapes.values() if s is not None for d in s)


def export_document(
    raw: bytes, max_nodes: int | None, format: str, chosen: dict[str, Any], figure: bool
) -> tuple[bytes, str, str, list[str], str]:
    """(file bytes, extension, media type, warnings, download stem) of a document."""
    from netcanvas import formats, service

    graph = read_graph(raw, max_nodes)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", graph.name).strip("._")[:80] or "network"
    if figure:
        drawn = service.figure(graph, format, chosen)
        return drawn.data, drawn.extension, drawn.media_type, drawn.warnings, stem
    chosen_format = formats.get(format)
    data = service.export_model(graph, chosen_format.name, {})
    return data, chosen_format.extensions[0], chosen_format.media_type, [], stem


def diff_documents(raw: bytes, max_nodes: int | None) -> bytes:
    """``{"a": document, "b": document}`` -> the diff as JSON bytes."""
    from netcanvas.diff import diff

    def both(body: Any) -> tuple[Graph, Graph]:
        if not isinstance(body, dict) or set(body) != {"a", "b"}:
            raise FormatError("the body is an object with the two documents `a` and `b`", 1, 1)
        return to_graph(body["a"], max_nodes), to_graph(body["b"], max_nodes)

    first, second = read_body(raw, both)
    return _json(diff(first, second).to_json())


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
