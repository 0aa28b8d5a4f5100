"""igraph for the layered layout: its C graph class and Sugiyama routine, loaded cheaply.

The layout needs three methods of igraph's C class ``GraphBase`` (``is_dag``,
``topological_sorting``, ``_layout_sugiyama``). The ``igraph`` package around it imports
every Python submodule at start-up: plotting backends (cairo 0.2 s, matplotlib 0.4 s,
hidden below), community detection, clustering and text tables (texttable, wcwidth:
~30 ms), numbers a figure never uses. A process that will never import the package
(the one-shot `netcanvas render`, see :data:`CORE_ONLY`) loads the C extension alone.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Held while cairo is hidden, and by the PDF/PNG writers while they import cairosvg, so
# a server thread never imports cairo during that window.
IMPORT_LOCK = threading.Lock()

# True only in a process that ends after drawing and never imports the igraph package:
# the extension loaded alone is registered as ``igraph._igraph`` (it refuses a second
# initialisation), so a package imported after it would lack its ``_igraph`` attribute,
# which one clustering function reads. The server and the Python API leave this False.
CORE_ONLY = False


@contextmanager
def _hidden(*names: str) -> Iterator[None]:
    """Make optional imports of modules not loaded yet fail, for the duration."""
    absent = [name for name in names if name not in sys.modules]
    for name in absent:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in absent:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


def igraph_package() -> Any:
    """Import igraph without its plotting backend.

    igraph imports cairocffi and matplotlib at start-up for plotting, which costs 0.2 s
    and 0.4 s and we never plot with igraph; hiding them during the import keeps
    `netcanvas render` fast. Both stay importable afterwards (the PDF and PNG writers,
    the training-curve plots).
    """
    with IMPORT_LOCK:
        if "igraph" in sys.modules:
            return sys.modules["igraph"]
        with _hidden("cairo", "cairocffi", "matplotlib"):
            import igraph
        return igraph


def _core_alone() -> Any:
    """The C extension ``igraph._igraph`` without its package, or None when it cannot be
    found that way (then the package is imported as usual)."""
    core = sys.modules.get("igraph._igraph")
    if core is not None:
        return core
    spec = importlib.util.find_spec("igraph")  # locates the package, runs none of it
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for path in sorted(Path(folder).glob("_igraph.*")):
            if path.suffix not in (".so", ".pyd"):
                continue
            loader = importlib.machinery.ExtensionFileLoader("igraph._igraph", str(path))
            found = importlib.util.spec_from_file_location(
                "igraph._igraph", str(path), loader=loader
            )
            if found is None:
                continue
            core = importlib.util.module_from_spec(found)
            loader.exec_module(core)
            sys.modules["igraph._igraph"] = core
            return core
    return None


def _routes_edges(core: Any) -> bool:
    """igraph's C library 1.0 returns each long edge's bends with the Sugiyama layout;
    0.10 (python-igraph 0.11) left that to the package's Python wrapper."""
    major = str(getattr(core, "__igraph_version__", "0")).split(".")[0]
    return major.isdigit() and int(major) >= 1


def graph_base() -> tuple[Any, bool]:
    """igraph's ``GraphBase`` class, and whether its ``_layout_sugiyama`` routes edges
    itself (else use the package's ``Graph.layout_sugiyama``)."""
    with IMPORT_LOCK:
        package = sys.modules.get("igraph")
        if package is None and CORE_ONLY:
            try:
                core = _core_alone()
            except (ImportError, OSError):
                core = None  # an unusual install: the package knows how to load it
            if core is not None and _routes_edges(core):
                return core.GraphBase, True
    package = igraph_package()
    return package.GraphBase, _routes_edges(sys.modules.get("igraph._igraph"))


def sugiyama(
    count: int,
    pairs: list[tuple[int, int]],
    rank_dag: Callable[[list[int]], list[int]],
    maxiter: int,
) -> tuple[list[list[float]], list[list[list[float]]]]:
    """igraph's layered layout of ``count`` vertices and directed edges ``pairs``:
    coordinates per vertex (x, rank) and the bends of each edge. ``rank_dag`` gives the
    ranks of an acyclic graph from a topological order; a cycle (a graph with errors can
    be drawn too) is left to igraph, which breaks it."""
    base, routes = graph_base()
    if routes:
        graph = base(count, pairs, True)
    else:
        igraph = igraph_package()
        # Graph() imports numpy (0.25 s) only to ask whether the edges are an array; the
        # C base class takes our plain list directly.
        graph = igraph.Graph.__new__(igraph.Graph)
        igraph.GraphBase.__init__(graph, count, pairs, True)
    layers = rank_dag(graph.topological_sorting()) if graph.is_dag() else None
    if routes:
        coords, routing = graph._layout_sugiyama(layers, None, 1, 1, maxiter)
        return coords, routing
    layout = graph.layout_sugiyama(layers=layers, maxiter=maxiter)
    return layout.coords, layout.edge_routing
