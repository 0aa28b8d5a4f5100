"""Publication figures: Graph + Analysis -> layout -> Scene -> SVG, and PDF / PNG from
the SVG. Importing this package is cheap; igraph and cairosvg load on use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netcanvas.cycles import paused
from netcanvas.render.options import FigureOptions

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis
    from netcanvas.graph.model import Graph
    from netcanvas.render.scene import Scene

from netcanvas.render.catalogue import FIGURE_FORMATS as _CATALOGUE

FIGURE_FORMATS = tuple(name for name, _, _, _ in _CATALOGUE)
MEDIA_TYPES = {name: media for name, _, media, _ in _CATALOGUE}


class FigureError(ValueError):
    """A figure cannot be made with these settings (an unknown format or style)."""


def build_scene(graph: Graph, options: FigureOptions, analysis: Analysis | None = None) -> Scene:
    """The positioned scene of a figure in the chosen style and theme."""
    from netcanvas.render.styles.common import analysis_of
    from netcanvas.render.themes import get_theme

    analysis = analysis_of(graph, analysis)
    if options.depth is not None:
        from netcanvas.render.depth import collapse

        graph, analysis = collapse(graph, analysis, options.depth)
    theme = get_theme(options.theme)
    scene: Scene
    with paused():
        if options.style == "graph":
            from netcanvas.render.styles import graph as style

            scene = style.build(graph, analysis, options, theme)[0]
        else:
            scene = _style_module(options.style).build(graph, analysis, options, theme)
    view = graph.view if isinstance(graph.view, dict) else {}
    if options.overlay or view.get("overlay"):
        from netcanvas.render import overlay as painting

        chosen = (
            painting.builtin(options.overlay, analysis)
            if options.overlay
            else painting.Overlay.from_view(view.get("overlay"))
        )
        if chosen is not None:
            painting.apply(scene, chosen, theme, scene.font_size * 0.9)
    notes = view.get("annotations")
    if notes:
        from netcanvas.render.annotate import annotate

        annotate(scene, notes, theme, scene.font_size * 0.9)
    _centre_title(scene)
    return scene


def _centre_title(scene: Scene) -> None:
    """Styles know their final width only at the end; the title goes over its middle."""
    from netcanvas.render.scene import Text

    for item in scene.over:
        if isinstance(item, Text) and item.bold and item.text == scene.title:
            item.x = scene.width / 2
            return


def _style_module(name: str) -> Any:
    import importlib

    return importlib.import_module(f"netcanvas.render.styles.{name}")


def render_svg(graph: Graph, options: FigureOptions, analysis: Analysis | None = None) -> str:
    from netcanvas.render.svg import to_svg

    scene = build_scene(graph, options, analysis)
    with paused():
        return to_svg(scene, options.width)


def export_figure(
    graph: Graph, fmt: str, options: FigureOptions, analysis: Analysis | None = None
) -> bytes:
    """The figure as ``svg``, ``pdf`` (one page, selectable text), ``png`` or ``tex``
    (a standalone TikZ picture) bytes."""
    if fmt not in FIGURE_FORMATS:
        raise FigureError(f"unknown figure format '{fmt}' (formats: {', '.join(FIGURE_FORMATS)})")
    if fmt == "tex":
        from netcanvas.render.tikz import to_tikz

        return to_tikz(build_scene(graph, options, analysis)).encode("utf-8")
    svg = render_svg(graph, options, analysis).encode("utf-8")
    if fmt == "svg":
        return svg
    from netcanvas.render.raster import to_pdf, to_png

    return to_pdf(svg) if fmt == "pdf" else to_png(svg, options.dpi)


def layout_json(
    graph: Graph, options: FigureOptions, *, keep_positions: bool = False
) -> dict[str, Any]:
    """Positions (top-left, px), sizes and routed edges of the graph style's layout.

    This is the editor's auto-layout, so the document's ``view.positions`` are ignored
    unless ``keep_positions`` (figures always keep them). With ``options.fold`` the
    answer also lists the repeated blocks the editor may fold: ``groups`` of
    ``{"name", "count", "copies": [[layer names of copy 1], ...]}``.
    """
    from dataclasses import replace

    from netcanvas.analysis import analyze
    from netcanvas.render.styles import graph as style
    from netcanvas.render.themes import get_theme

    if not keep_positions and isinstance(graph.view, dict) and "positions" in graph.view:
        view = {k: v for k, v in graph.view.items() if k != "positions"}
        graph = replace(graph, view=view)
    flat = options.model_copy(update={"fold": False, "style": "graph"})
    with paused():
        scene = style.build(graph, analyze(graph), flat, get_theme(options.theme))[0]
    result: dict[str, Any] = {
        "positions": {b.name: [round(b.x, 2), round(b.y, 2)] for b in scene.nodes},
        "sizes": {b.name: [round(b.w, 2), round(b.h, 2)] for b in scene.nodes},
        "edges": [
            {
                "from": e.src,
                "to": e.dst,
                "points": [[round(x, 2), round(y, 2)] for x, y in e.points],
            }
            for e in scene.edges
        ],
        "width": round(scene.width, 2),
        "height": round(scene.height, 2),
    }
    if options.fold:
        from netcanvas.render.fold import find_folds

        result["groups"] = [
            {"name": f.name, "count": f.count, "copies": f.copies} for f in find_folds(graph)
        ]
    return result


__all__ = [
    "FIGURE_FORMATS",
    "MEDIA_TYPES",
    "FigureError",
    "FigureOptions",
    "build_scene",
    "export_figure",
    "layout_json",
    "render_svg",
]
