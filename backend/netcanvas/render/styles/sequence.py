"""The layer sequence the NN-SVG styles draw: the longest input-to-output path, cut to
the layers that change the tensor (in-place followers, activations and the like add
nothing a reader of an FCNN, LeNet or AlexNet drawing looks for)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from netcanvas.analysis import Analysis
from netcanvas.graph.model import Graph, analyse_structure
from netcanvas.graph.shapes import Shape
from netcanvas.render.styles.common import category, key_settings

_OPS = {
    "convolution": "Convolution",
    "pooling": "Pooling",
    "linear": "Dense",
    "reshape": "Reshape",
    "recurrent": "Recurrent",
    "attention": "Attention",
}


_KEPT = ("convolution", "linear", "pooling", "recurrent", "attention")


@dataclass(slots=True)
class Step:
    """One drawn layer: its name, output shape, and the operation that made it."""

    name: str
    type: str
    shape: Shape
    op: str  # e.g. "Conv2d 5×5" (empty for the first layer)


@dataclass(slots=True)
class Skip:
    """An edge that jumps drawn layers (a residual, a U-Net concat): from the step that
    shows its source to the step that shows where it joins, with the tensor's shape."""

    start: int
    end: int
    shape: Shape | None


def spine(graph: Graph, analysis: Analysis) -> list[Step]:
    return spine_and_skips(graph, analysis)[0]


def spine_and_skips(graph: Graph, analysis: Analysis) -> tuple[list[Step], list[Skip]]:
    """The drawn steps, and the edges that join the path from elsewhere across two or
    more steps (NN-SVG drops them; a reader of a ResNet figure wants them)."""
    structure = analyse_structure(graph)
    length: dict[str, int] = {}
    back: dict[str, str | None] = {}
    for name in structure.order:
        best, via = 0, None
        for ref in structure.refs.get(name, []):
            if ref is not None and ref.node in length and length[ref.node] > best:
                best, via = length[ref.node], ref.node
        length[name], back[name] = best + 1, via
    if not length:
        return [], []
    # The longest path; ties go to the node written last (the network's output).
    end = max(structure.order, key=lambda n: (length[n], structure.order.index(n)))
    path: list[str] = []
    cursor: str | None = end
    while cursor is not None:
        path.append(cursor)
        cursor = back[cursor]
    path.reverse()
    nodes = {n.name: n for n in graph.nodes}
    steps: list[Step] = []
    for name in path:
        result = analysis.get(name)
        shapes = result.output_shapes if result is not None else []
        shape = shapes[0] if shapes else None
        if shape is None or len(shape) < 2:  # a scalar loss or a label vector
            continue
        node = nodes[name]
        if steps and shape == steps[-1].shape and category(node.type) not in _KEPT:
            continue  # an activation, normalisation or dropout: nothing new to draw
        op = ""
        if steps:
            settings = key_settings(node)
            kind = _OPS.get(category(node.type), node.type)
            op = f"{kind} {settings.split(',')[0]}" if settings and kind != "Dense" else kind
        steps.append(Step(name, node.type, shape, op.strip()))
    return steps, _skips(structure, path, steps, analysis)


def _skips(structure: Any, path: list[str], steps: list[Step], analysis: Analysis) -> list[Skip]:
    kept = {s.name: i for i, s in enumerate(steps)}
    shown: dict[str, int] = {}  # a path node -> the step it is drawn in (or before)
    current = -1
    for name in path:
        current = kept.get(name, current)
        shown[name] = current
    origin: dict[str, int | None] = {}

    def origin_of(name: str) -> int | None:
        # Off the path: follow first inputs back to the path (iteratively: long chains).
        chain = []
        cursor: str | None = name
        while cursor is not None and cursor not in shown and cursor not in origin:
            chain.append(cursor)
            refs = [r for r in structure.refs.get(cursor, []) if r is not None]
            cursor = refs[0].node if refs else None
        found = None if cursor is None else shown.get(cursor, origin.get(cursor))
        for item in chain:
            origin[item] = found
        return found

    out: dict[tuple[int, int], Skip] = {}
    on_path = set(path)
    for position, name in enumerate(path):
        end = shown[name]
        before = path[position - 1] if position else None
        for ref in structure.refs.get(name, []):
            if ref is None or ref.node == before:
                continue
            start = shown[ref.node] if ref.node in on_path else origin_of(ref.node)
            if start is None or start < 0 or end - start < 2:
                continue
            result = analysis.get(ref.node)
            shapes = result.output_shapes if result is not None else []
            shape = shapes[ref.index] if ref.index < len(shapes) else None
            out.setdefault((start, end), Skip(start, end, shape))
    return sorted(out.values(), key=lambda k: (k.end - k.start, k.start))


def skip_line(
    start: tuple[float, float], end: tuple[float, float], bottom: float
) -> list[tuple[float, float]]:
    """A bracket-shaped arc from ``start`` down to ``bottom``, across, and up to ``end``,
    with rounded corners (polyline points)."""
    (x0, y0), (x1, y1) = start, end
    r = min((bottom - max(y0, y1)) / 2, abs(x1 - x0) / 4, 8.0)
    pts = [(x0, y0)]
    for k in range(5):
        a = k / 4 * 1.5708
        pts.append((x0 + r - r * math.cos(a), bottom - r + r * math.sin(a)))
    for k in range(5):
        a = k / 4 * 1.5708
        pts.append((x1 - r + r * math.sin(a), bottom - r + r * math.cos(a)))
    pts.append((x1, y1))
    return pts


def draw_skips(
    scene: Any, anchors: list[tuple[float, float]], skips: list[Skip], theme: Any, size: float
) -> float:
    """Draw each skip as an arc below the row from one step's anchor (the point under its
    drawing) to another's, nested by span and labelled with its shape; returns how far
    below the lowest anchor the arcs reach."""
    from netcanvas.render.scene import Circle, Line, Text
    from netcanvas.render.text import ascent

    if not skips:
        return 0.0
    step = size * 1.9 + 6
    levels: list[list[tuple[float, float]]] = []
    lowest = max(y for _, y in anchors)
    deepest = 0.0
    for skip in skips:
        (x0, y0), (x1, y1) = anchors[skip.start], anchors[skip.end]
        level = 0
        while level < len(levels) and any(a < x1 and x0 < b for a, b in levels[level]):
            level += 1
        if level == len(levels):
            levels.append([])
        levels[level].append((x0, x1))
        bottom = max(y0, y1) + step * (level + 1)
        scene.over.append(Line(skip_line((x0, y0), (x1, y1), bottom), theme.edge, 1.0, dash="4 3"))
        for x, y in ((x0, y0), (x1, y1)):
            scene.over.append(Circle(x, y, 2.2, theme.edge))
        if skip.shape is not None:
            label = "×".join(map(str, skip.shape))
            scene.over.append(Text((x0 + x1) / 2, bottom - 3, label, size, theme.muted))
        deepest = max(deepest, bottom - lowest)
    return deepest + ascent(size) + 4
