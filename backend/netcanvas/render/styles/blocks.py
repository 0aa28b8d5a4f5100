"""The ``blocks`` style (Net2Vis-like): each layer is a glyph whose two ends follow the
spatial size going in and coming out, and whose thickness follows the channel count;
colours by category, explained in a legend. Flow left-to-right by default, as Net2Vis."""

from __future__ import annotations

import math

from netcanvas.analysis import Analysis
from netcanvas.graph.model import Graph, Node, analyse_structure
from netcanvas.render.layout import layered
from netcanvas.render.options import FigureOptions
from netcanvas.render.scene import Edge, Line, NodeBox, Point, Polygon, Scene, Text
from netcanvas.render.styles.common import (
    Fonts,
    add_title,
    category,
    human,
    legend_swatch,
    short_shape,
)
from netcanvas.render.styles.graph import draw_groups, fold_legend, plan
from netcanvas.render.text import LINE_HEIGHT, ascent, text_width
from netcanvas.render.themes import HATCHES, Theme

MIN_SIDE, MAX_SIDE = 22.0, 110.0  # glyph end length, px, for the smallest / largest map
MIN_THICK, MAX_THICK = 10.0, 56.0  # glyph thickness for 1 / the most channels


def _spatial(shape: tuple[int, ...] | None) -> int:
    if shape is None or len(shape) < 3:
        return 0
    return max(shape[2:])


def _channels(shape: tuple[int, ...] | None) -> int:
    if shape is None or len(shape) < 2:
        return 1
    return shape[1]


def build(graph: Graph, analysis: Analysis, options: FigureOptions, theme: Theme) -> Scene:
    fonts = Fonts.of(options)
    p = plan(graph, analysis, options.model_copy(update={"stack": True}))
    structure = analyse_structure(graph)
    names = list(p.units)

    def io_shapes(n: str) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
        refs = [r for r in structure.refs[n] if r is not None]
        out = analysis[p.units[n].members[-1]].output_shapes
        first = analysis.get(refs[0].node) if refs else None
        shape_in = (
            first.output_shapes[refs[0].index]
            if first and refs[0].index < len(first.output_shapes)
            else None
        )
        shape_out = out[0] if out else None
        return shape_in or shape_out, shape_out

    shapes = {n: io_shapes(n) for n in names}
    max_sp = max([_spatial(s) for pair in shapes.values() for s in pair] + [2])
    max_ch = max([_channels(s[1]) for s in shapes.values()] + [2])

    def side(shape: tuple[int, ...] | None) -> float:
        sp = _spatial(shape)
        if sp == 0:  # a vector: a short end, as Net2Vis draws dense layers
            return MIN_SIDE * 0.8
        return MIN_SIDE + (MAX_SIDE - MIN_SIDE) * math.log(sp + 1) / math.log(max_sp + 1)

    def thick(shape: tuple[int, ...] | None) -> float:
        ch = _channels(shape)
        return MIN_THICK + (MAX_THICK - MIN_THICK) * math.log(ch) / math.log(max_ch)

    lr = options.rankdir == "LR"
    glyph: dict[str, tuple[float, float, float]] = {}  # (entry side, exit side, thickness)
    labels: dict[str, tuple[list[str], list[str]]] = {}
    sizes: dict[str, tuple[float, float]] = {}
    for n in names:
        s_in, s_out = shapes[n]
        a, b, t = side(s_in), side(s_out), thick(s_out)
        glyph[n] = (a, b, t)
        before = [n] if options.show_names else []
        after = []
        if options.show_shapes:
            after.append(short_shape(s_out))
        if options.show_params:
            after.append(f"{human(sum(analysis[m].params for m in p.units[n].members))} params")
        labels[n] = (before, after)
        text_w = max([text_width(x, fonts.small) for x in before + after] + [0.0])
        rows = max(len(before), len(after))
        label_h = rows * fonts.small * LINE_HEIGHT
        long_side = max(a, b)
        if lr:  # labels above and below, glyph centred
            sizes[n] = (max(t, text_w) + 8, long_side + 2 * label_h + 8)
        else:  # labels left and right
            sizes[n] = (long_side + 2 * text_w + 16, t + 8)
    layout = layered(names, sizes, p.edges, dict.fromkeys(names, 1), options.rankdir, None)
    scene = Scene(layout.width, layout.height, theme.background, theme.edge, fonts.base)
    scene.arrows = False  # Net2Vis joins glyphs with plain lines
    dy = add_title(scene, options, theme, fonts)
    for n in names:
        x, y = layout.positions[n]
        y += dy
        w, h = sizes[n]
        box = NodeBox(n, list(p.units[n].members), x, y, w, h)
        box.in_ports = [(px, py + dy) for px, py in layout.in_ports[n]]
        box.out_ports = [(px, py + dy) for px, py in layout.out_ports[n]]
        cat = category(p.nodes[n].type)
        a, b, t = glyph[n]
        cx, cy = x + w / 2, y + h / 2
        if lr:
            pts = [
                (cx - t / 2, cy - a / 2),
                (cx + t / 2, cy - b / 2),
                (cx + t / 2, cy + b / 2),
                (cx - t / 2, cy + a / 2),
            ]
            entry, exit_ = (cx - t / 2, cy), (cx + t / 2, cy)
        else:
            pts = [
                (cx - a / 2, cy - t / 2),
                (cx + a / 2, cy - t / 2),
                (cx + b / 2, cy + t / 2),
                (cx - b / 2, cy + t / 2),
            ]
            entry, exit_ = (cx, cy - t / 2), (cx, cy + t / 2)
        for port in box.in_ports:
            box.items.append(Line([port, entry], theme.edge, 1.0))
        for port in box.out_ports:
            box.items.append(Line([exit_, port], theme.edge, 1.0))
        box.items.append(
            Polygon(
                pts, theme.fill(cat), theme.accent(cat) if not theme.hatched else theme.stroke, 1.4
            )
        )
        if theme.hatched:
            box.items.append(Polygon(pts, "none", hatch=theme.index(cat) % len(HATCHES)))
        _labels(box, labels[n], (cx, cy), max(a, b), t, lr, theme, fonts)
        scene.nodes.append(box)
    for edge, points in zip(p.edges, layout.edges, strict=True):
        scene.edges.append(Edge(edge.src, edge.dst, [(px, py + dy) for px, py in points]))
    draw_groups(scene, p, graph, theme, fonts)
    scene.height = fold_legend(scene, p, theme, fonts)
    _legend(scene, p.nodes, names, theme, fonts)
    return scene


def _labels(
    box: NodeBox,
    texts: tuple[list[str], list[str]],
    centre: Point,
    long_side: float,
    thickness: float,
    lr: bool,
    theme: Theme,
    fonts: Fonts,
) -> None:
    before, after = texts
    cx, cy = centre
    size = fonts.small
    step = size * LINE_HEIGHT
    if lr:
        y = cy - long_side / 2 - 4 - step * (len(before) - 1)
        for k, text in enumerate(before):
            box.items.append(Text(cx, y + k * step - size * 0.25, text, size, theme.text, True))
        y = cy + long_side / 2 + 4 + ascent(size)
        for k, text in enumerate(after):
            box.items.append(Text(cx, y + k * step, text, size, theme.muted))
        return
    base = cy + ascent(size) / 2 - step * (max(len(before), len(after)) - 1) / 2
    for k, text in enumerate(before):
        box.items.append(
            Text(cx - long_side / 2 - 6, base + k * step, text, size, theme.text, True, "end")
        )
    for k, text in enumerate(after):
        box.items.append(
            Text(cx + long_side / 2 + 6, base + k * step, text, size, theme.muted, anchor="start")
        )
    del thickness


def _legend(
    scene: Scene, nodes: dict[str, Node], names: list[str], theme: Theme, fonts: Fonts
) -> None:
    """One swatch per category, listing the layer types drawn in it (Net2Vis's legend)."""
    kinds: dict[str, list[str]] = {}
    for n in names:
        node = nodes[n]
        kinds.setdefault(category(node.type), [])
        if node.type not in kinds[category(node.type)]:
            kinds[category(node.type)].append(node.type)
    size = fonts.small
    x, y = 16.0, scene.height + 4
    for cat, types in kinds.items():
        label = ", ".join(types)
        width = size * 2.2 + text_width(label, size) + 18
        if x > 16 and x + width > max(scene.width, 480):
            x, y = 16.0, y + size * LINE_HEIGHT + 4
        scene.over.extend(legend_swatch(theme, cat, x, y, size))
        scene.over.append(
            Text(x + size * 2, y + ascent(size) * 0.9, label, size, theme.text, anchor="start")
        )
        x += width
        scene.width = max(scene.width, x)
    scene.height = y + size * LINE_HEIGHT + 10
