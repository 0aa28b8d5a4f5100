"""The ``alexnet`` style (NN-SVG / PlotNeuralNet-like): each layer a 3-D box (depth =
channels, height and width = the feature map), the kernel as a small box with a pyramid
to the point it produces in the next layer. The view is set by numeric ``azimuth`` and
``elevation`` so a figure can be reproduced exactly, and it is drawn as vectors."""

from __future__ import annotations

import math

from netcanvas.analysis import Analysis
from netcanvas.graph.model import Graph
from netcanvas.render.options import FigureOptions
from netcanvas.render.scene import Line, Point, Polygon, Scene, Text
from netcanvas.render.styles.common import Fonts, add_title, category, param
from netcanvas.render.styles.sequence import Step, draw_skips, spine_and_skips
from netcanvas.render.text import ascent, text_width
from netcanvas.render.themes import HATCHES, Theme, mix

Vec = tuple[float, float, float]
GAP = 40.0  # between boxes along the flow
MIN_SIDE, MAX_SIDE = 14.0, 150.0
MIN_DEPTH, MAX_DEPTH = 4.0, 90.0


def _dims(step: Step, biggest: int, most: int, longest: int) -> tuple[float, float, float]:
    """(depth along the flow, height, width) of a layer's box in px."""
    s = step.shape
    if len(s) >= 3:
        h = s[2]

        def side(v: int) -> float:
            return MIN_SIDE + (MAX_SIDE - MIN_SIDE) * math.log(v + 1) / math.log(biggest + 1)

        depth = MIN_DEPTH + (MAX_DEPTH - MIN_DEPTH) * math.log(s[1] + 1) / math.log(most + 1)
        return depth, side(h), side(s[3]) if len(s) >= 4 else MIN_SIDE
    # A vector: a thin tall bar whose height follows its length.
    length = MIN_SIDE + (MAX_SIDE * 1.3 - MIN_SIDE) * math.log(s[-1] + 1) / math.log(longest + 1)
    return 6.0, length, 6.0


class _View:
    """Orthographic projection: turn by azimuth about the vertical, tilt by elevation."""

    def __init__(self, azimuth: float, elevation: float) -> None:
        a, e = math.radians(azimuth), math.radians(elevation)
        self.ca, self.sa, self.ce, self.se = math.cos(a), math.sin(a), math.cos(e), math.sin(e)

    def rotate(self, p: Vec) -> Vec:
        x, y, z = p  # x along the flow, y up, z towards the viewer
        x1, z1 = x * self.ca - z * self.sa, x * self.sa + z * self.ca
        y1, z2 = y * self.ce - z1 * self.se, y * self.se + z1 * self.ce
        return x1, y1, z2

    def project(self, p: Vec) -> tuple[Point, float]:
        x, y, z = self.rotate(p)
        return (x, -y), z  # screen y grows downwards; z is depth for sorting


_FACES = (  # corner indices of a box's six faces, outward normals
    ((0, 1, 3, 2), (-1, 0, 0)),
    ((4, 6, 7, 5), (1, 0, 0)),
    ((0, 4, 5, 1), (0, -1, 0)),
    ((2, 3, 7, 6), (0, 1, 0)),
    ((0, 2, 6, 4), (0, 0, -1)),
    ((1, 5, 7, 3), (0, 0, 1)),
)


def _box(origin: Vec, size: Vec) -> list[Vec]:
    ox, oy, oz = origin
    dx, dy, dz = size
    return [(ox + i * dx, oy + j * dy, oz + k * dz) for i in (0, 1) for j in (0, 1) for k in (0, 1)]


def build(graph: Graph, analysis: Analysis, options: FigureOptions, theme: Theme) -> Scene:
    fonts = Fonts.of(options)
    steps, skips = spine_and_skips(graph, analysis)
    view = _View(options.azimuth, options.elevation)
    biggest = max([max(s.shape[2:]) for s in steps if len(s.shape) >= 3] + [2])
    most = max([s.shape[1] for s in steps if len(s.shape) >= 3] + [2])
    longest = max([s.shape[-1] for s in steps if len(s.shape) < 3] + [2])
    faces: list[tuple[float, Polygon]] = []
    extras: list[Line | Polygon] = []
    labels: list[tuple[Vec, str, bool]] = []
    x = 0.0
    boxes: list[tuple[Vec, Vec]] = []
    for step in steps:
        depth, h, w = _dims(step, biggest, most, longest)
        origin = (x, -h / 2, -w / 2)
        size = (depth, h, w)
        boxes.append((origin, size))
        cat = category(step.type)
        for face, normal in _FACES:
            facing = view.rotate(normal)[2]
            if facing <= 1e-9:
                continue
            corners = _box(origin, size)
            pts = [view.project(corners[c])[0] for c in face]
            z = sum(view.project(corners[c])[1] for c in face) / 4
            shade = 0.0 if normal[2] else 0.18 if normal[1] else 0.32
            fill = mix(theme.fill(cat), "#000000", shade) if not theme.hatched else theme.background
            faces.append((z, Polygon(pts, fill, theme.stroke, 0.8)))
            if theme.hatched and normal[2]:
                faces.append(
                    (z + 1e-6, Polygon(pts, "none", hatch=theme.index(cat) % len(HATCHES)))
                )
        if options.show_shapes:
            labels.append(((x + depth / 2, -h / 2 - 6, w / 2), _dims_text(step), False))
        if options.show_names:
            labels.append(((x + depth / 2, h / 2 + 8, -w / 2), step.name, True))
        x += depth + GAP
    for i in range(1, len(steps)):
        extras.extend(_kernel(boxes[i - 1], boxes[i], steps[i], graph, view, theme))
    faces.sort(key=lambda item: item[0])
    scene = Scene(0, 0, theme.background, theme.edge, fonts.base)
    items = [poly for _, poly in faces] + extras
    label_items: list[Text] = []
    label_size = fonts.small
    for pos, text, bold in labels:
        (sx, sy), _ = view.project(pos)
        label_items.append(
            Text(
                sx,
                sy + (ascent(label_size) if not bold else 0),
                text,
                label_size,
                theme.text if bold else theme.muted,
                False,
            )
        )
    xs = [p[0] for item in items for p in item.points] + [t.x for t in label_items]
    ys = [p[1] for item in items for p in item.points] + [t.y for t in label_items]
    half = max([text_width(t.text, t.size) / 2 for t in label_items] + [0.0])
    min_x, min_y = min(xs, default=0) - half - 16, min(ys, default=0) - fonts.base * 2
    dy = add_title(scene, options, theme, fonts)
    for item in items:
        item.points = [(px - min_x, py - min_y + dy) for px, py in item.points]
    for t in label_items:
        t.x, t.y = t.x - min_x, t.y - min_y + dy
    scene.under.extend(items)
    scene.over.extend(label_items)
    scene.width = max(scene.width, max(xs, default=0) - min_x + half + 16)
    scene.height = max(ys, default=0) - min_y + dy + fonts.base * 2
    # Skip edges as arcs under the boxes, from below each box's shape label.
    anchors = []
    for (ox, oy, oz), (dd, _, dw) in boxes:
        (ax, ay), _ = view.project((ox + dd / 2, oy - 6, oz + dw))
        anchors.append((ax - min_x, ay - min_y + dy + fonts.small * 1.8))
    low = max((y for _, y in anchors), default=0.0)
    reach = draw_skips(scene, anchors, skips, theme, fonts.small)
    scene.height = max(scene.height, low + reach + 8)
    return scene


def _dims_text(step: Step) -> str:
    s = step.shape
    return "×".join(map(str, s[2:])) + f"×{s[1]}" if len(s) >= 3 else str(s[-1])


def _kernel(
    prev: tuple[Vec, Vec], nxt: tuple[Vec, Vec], step: Step, graph: Graph, view: _View, theme: Theme
) -> list[Line | Polygon]:
    """A kernel-sized box on the previous layer's front face and its pyramid to the next."""
    (px, py, pz), (pd, ph, pw) = prev
    (nx, ny, nz), (nd, nh, nw) = nxt
    kernel = param(graph.node(step.name), "kernel_size")
    k = kernel[0] if isinstance(kernel, list | tuple) and kernel else kernel
    side = min(ph, pw) * (0.25 if not isinstance(k, int) else min(0.5, max(0.12, k / 12)))
    # A fixed spot keeps figures reproducible (NN-SVG picks a random one).
    cx, cy, cz = px + pd - 2, py + ph * 0.6, pz + pw * 0.6
    corners = [
        (cx, cy + dy, cz + dz) for dy in (-side / 2, side / 2) for dz in (-side / 2, side / 2)
    ]
    apex = (nx, ny + nh * 0.55, nz + nw * 0.55)
    a = view.project(apex)[0]
    pts = [view.project(c)[0] for c in corners]
    out: list[Line | Polygon] = [
        Polygon([pts[0], pts[1], pts[3], pts[2]], theme.edge, theme.edge, 0.6, opacity=0.3)
    ]
    out += [Line([p, a], theme.edge, 0.6, opacity=0.8) for p in pts]
    return out
