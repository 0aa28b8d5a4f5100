"""A figure of a design laid out in the editor (view.positions) starts at its margin: the
editor's canvas is endless and its positions are often negative, which used to crop the
figure (or give the SVG a negative width)."""

from __future__ import annotations

from netcanvas.render import build_scene, render_svg
from netcanvas.render.layout import MARGIN
from netcanvas.render.options import FigureOptions
from tests.render import nets
from tests.render.svgcheck import parse


def _placed(offset: tuple[float, float]) -> object:
    graph = nets.mlp()
    graph.view["positions"] = {
        name: [offset[0] + 30 * i, offset[1] + 120 * i] for i, name in enumerate(graph.names())
    }
    return graph


def test_negative_editor_positions_are_drawn_whole() -> None:
    graph = _placed((-400.0, -250.0))
    scene = build_scene(graph, FigureOptions())
    assert min(b.x for b in scene.nodes) == MARGIN
    assert min(b.y for b in scene.nodes) >= MARGIN
    assert all(b.x + b.w <= scene.width and b.y + b.h <= scene.height for b in scene.nodes)
    root = parse(render_svg(graph, FigureOptions())).root
    assert float(root.get("width", "0").removesuffix("px")) > 0


def test_far_editor_positions_leave_no_blank_margin() -> None:
    near = build_scene(_placed((0.0, 0.0)), FigureOptions())
    far = build_scene(_placed((900.0, 700.0)), FigureOptions())
    assert (far.width, far.height) == (near.width, near.height)
    assert [(b.x, b.y) for b in far.nodes] == [(b.x, b.y) for b in near.nodes]
