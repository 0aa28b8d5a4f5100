"""The ``fcnn`` style (NN-SVG's fully-connected drawing): each layer a column of neurons,
every neuron wired to the next column's. Long layers show their first and last neurons
around an ellipsis and are labelled with their true size."""

from __future__ import annotations

from netcanvas.analysis import Analysis
from netcanvas.graph.model import Graph
from netcanvas.render.options import FigureOptions
from netcanvas.render.scene import Circle, Line, Point, Scene, Text
from netcanvas.render.styles.common import Fonts, add_title, category
from netcanvas.render.styles.sequence import spine
from netcanvas.render.text import LINE_HEIGHT, ascent, text_width
from netcanvas.render.themes import Theme

MAX_SHOWN = 10  # neurons drawn before a layer is truncated with an ellipsis
RADIUS = 8.0
STEP = 22.0  # between neurons of a layer
GAP = 120.0  # between layers


def _width(shape: tuple[int, ...]) -> int:
    """Neurons of a layer: features of a vector, channels of a feature map."""
    return shape[1] if len(shape) >= 2 else shape[0]


def build(graph: Graph, analysis: Analysis, options: FigureOptions, theme: Theme) -> Scene:
    fonts = Fonts.of(options)
    steps = spine(graph, analysis)
    lr = options.rankdir == "LR"
    columns: list[tuple[int, bool]] = []  # (neurons drawn, truncated)
    for step in steps:
        n = _width(step.shape)
        columns.append((MAX_SHOWN, True) if n > MAX_SHOWN else (n, False))
    span = max([(k + (1 if cut else 0)) * STEP for k, cut in columns] + [STEP])
    label_w = max(
        [text_width(s.name, fonts.small, True) for s in steps]
        + [text_width(str(_width(s.shape)), fonts.small) for s in steps]
        + [GAP * 0.8]
    )
    gap = max(GAP, label_w + 16)
    margin = 24.0
    label_room = 2 * fonts.small * LINE_HEIGHT + 12
    along_total = margin * 2 + gap * max(len(steps) - 1, 0)
    across_total = span + label_room + margin * 2
    width, height = (along_total, across_total) if lr else (across_total + label_w, along_total)
    scene = Scene(max(width, 120), max(height, 80), theme.background, theme.edge, fonts.base)
    dy = add_title(scene, options, theme, fonts)

    def place(layer: int, k: float) -> Point:
        along = margin + layer * gap
        count, cut = columns[layer]
        slots = count + (1 if cut else 0)  # a cut column keeps a slot for its ellipsis
        across = margin + (span - slots * STEP) / 2 + (k + 0.5) * STEP
        return (along, across + dy) if lr else (across, along + dy)

    def label_at(layer: int) -> Point:
        """Labels line up past the longest column."""
        along = margin + layer * gap
        return (along, margin + span + 6 + dy) if lr else (margin + span + 4, along + dy)

    positions: list[list[Point]] = []
    for i, (count, cut) in enumerate(columns):
        pts = []
        for k in range(count):
            # A truncated column leaves a slot for the ellipsis in the middle.
            pts.append(place(i, k + (1 if cut and k >= count // 2 else 0)))
        positions.append(pts)
    opacity = 0.35 if sum(len(p) for p in positions) > 20 else 0.6
    for a, b in zip(positions, positions[1:], strict=False):
        for p in a:
            for q in b:
                scene.under.append(Line([p, q], theme.edge, 0.5, opacity=opacity))
    for i, step in enumerate(steps):
        fill = theme.fill(category(step.type))
        for p in positions[i]:
            scene.over.append(Circle(p[0], p[1], RADIUS, fill, theme.stroke, 1.0))
        count, cut = columns[i]
        if cut:
            mid = place(i, count // 2)
            dots = (
                [(0.0, -6.0), (0.0, 0.0), (0.0, 6.0)]
                if lr
                else [(-6.0, 0.0), (0.0, 0.0), (6.0, 0.0)]
            )
            for dx, dyy in dots:
                scene.over.append(Circle(mid[0] + dx, mid[1] + dyy, 1.6, theme.text))
        _label(scene, label_at(i), step.name, _width(step.shape), lr, options, theme, fonts)
    return scene


def _label(
    scene: Scene,
    last: Point,
    name: str,
    size: int,
    lr: bool,
    options: FigureOptions,
    theme: Theme,
    fonts: Fonts,
) -> None:
    s = fonts.small
    if lr:
        x, y = last[0], last[1] + ascent(s)
        if options.show_names:
            scene.over.append(Text(x, y, name, s, theme.text, True))
            y += s * LINE_HEIGHT
        if options.show_shapes:
            scene.over.append(Text(x, y, f"{size:,}", s, theme.muted))
        return
    x, y = last[0] + 8, last[1] + ascent(s) / 2
    text = " · ".join(
        t for t, on in ((name, options.show_names), (f"{size:,}", options.show_shapes)) if on
    )
    if text:
        scene.over.append(Text(x, y, text, s, theme.text, anchor="start"))
        scene.width = max(scene.width, x + text_width(text, s) + 16)
