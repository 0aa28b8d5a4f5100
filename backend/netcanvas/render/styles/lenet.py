"""The ``lenet`` style (NN-SVG's LeNet drawing): feature maps as staggered stacks of
squares labelled ``20@24×24``, the filter window in each stack projected to the next,
the operation written between layers, and vectors as thin bars labelled ``1×500``."""

from __future__ import annotations

import math

from netcanvas.analysis import Analysis
from netcanvas.graph.model import Graph
from netcanvas.render.options import FigureOptions
from netcanvas.render.scene import Line, Polygon, Rect, Scene, Text
from netcanvas.render.styles.common import Fonts, add_title, category, param
from netcanvas.render.styles.sequence import Step, draw_skips, spine_and_skips
from netcanvas.render.text import LINE_HEIGHT, ascent, text_width
from netcanvas.render.themes import HATCHES, Theme, mix

MAX_SHEETS = 8  # maps drawn per stack; the label tells the true count
SHEET_OFFSET = 7.0
MIN_SIDE, MAX_SIDE = 18.0, 130.0
GAP = 46.0


def _label(step: Step) -> str:
    s = step.shape
    if len(s) >= 4:
        return f"{s[1]}@{'×'.join(map(str, s[2:]))}"
    if len(s) == 3:
        return f"{s[1]}@{s[2]}"
    return f"1×{s[-1]}"


def build(graph: Graph, analysis: Analysis, options: FigureOptions, theme: Theme) -> Scene:
    fonts = Fonts.of(options)
    steps, skips = spine_and_skips(graph, analysis)
    maps = [s.shape[2] if len(s.shape) >= 3 else 0 for s in steps]
    biggest = max([m for m in maps if m] + [2])
    vectors = [s.shape[-1] for s in steps if len(s.shape) < 3]
    longest = max(vectors + [2])

    def side(m: int) -> float:
        return MIN_SIDE + (MAX_SIDE - MIN_SIDE) * math.sqrt(m / biggest)

    # Geometry of each layer: (width, height, sheets) of its stack or bar.
    shapes: list[tuple[float, float, int]] = []
    for step, m in zip(steps, maps, strict=True):
        if m:
            sheets = min(step.shape[1], MAX_SHEETS)
            size = side(m)
            shapes.append((size, size, sheets))
        else:
            length = MIN_SIDE + (MAX_SIDE * 1.4 - MIN_SIDE) * math.sqrt(step.shape[-1] / longest)
            shapes.append((6.0, length, 1))
    total_h = max([h + (n - 1) * SHEET_OFFSET for _, h, n in shapes] + [MIN_SIDE])
    op_w = max([text_width(s.op, fonts.small) for s in steps] + [GAP])
    names_room = fonts.small * LINE_HEIGHT * 2 + 8
    top = 20.0 + names_room
    scene = Scene(0, 0, theme.background, theme.edge, fonts.base)
    dy = add_title(scene, options, theme, fonts)
    top += dy
    x = 20.0
    mid = top + total_h / 2
    frames: list[tuple[float, float, float, float]] = []  # front sheet per layer
    for step, (w, h, n) in zip(steps, shapes, strict=True):
        cat = category(step.type)
        stack_w = w + (n - 1) * SHEET_OFFSET
        stack_h = h + (n - 1) * SHEET_OFFSET
        y0 = mid - stack_h / 2
        for k in range(n):
            sx, sy = x + k * SHEET_OFFSET, y0 + k * SHEET_OFFSET
            fill = theme.fill(cat) if k % 2 == 0 else mix(theme.fill(cat), theme.accent(cat), 0.35)
            if theme.hatched:
                fill = theme.background
            scene.under.append(Rect(sx, sy, w, h, fill, theme.stroke, theme.stroke_width))
            if theme.hatched and k == n - 1:
                scene.under.append(
                    Rect(sx, sy, w, h, "none", hatch=theme.index(cat) % len(HATCHES))
                )
        front = (x + (n - 1) * SHEET_OFFSET, y0 + (n - 1) * SHEET_OFFSET, w, h)
        frames.append(front)
        label_x = x + stack_w / 2
        below = y0 + stack_h + 6 + ascent(fonts.small)
        if options.show_shapes:
            scene.over.append(Text(label_x, below, _label(step), fonts.small, theme.text))
        if options.show_names:
            scene.over.append(Text(label_x, y0 - 8, step.name, fonts.small, theme.muted))
        x += stack_w + max(op_w, GAP) + 12
    for i in range(1, len(steps)):
        _projection(scene, frames[i - 1], frames[i], steps[i], theme, graph)
        fx, fy, fw, fh = frames[i - 1]
        nx = frames[i][0] - (shapes[i][2] - 1) * SHEET_OFFSET
        text_x = (fx + fw + nx) / 2
        scene.over.append(Text(text_x, top - 6, steps[i].op, fonts.small, theme.text))
    scene.width = max(x + 8, 160)
    scene.height = top + total_h + names_room + 16
    # Residual and concat edges that jump layers, as arcs under the row (NN-SVG drops them).
    base = top + total_h + fonts.small * LINE_HEIGHT + 12
    anchors = [(fx + fw / 2, base) for fx, _, fw, _ in frames]
    scene.height += draw_skips(scene, anchors, skips, theme, fonts.small)
    return scene


def _projection(
    scene: Scene,
    prev: tuple[float, float, float, float],
    nxt: tuple[float, float, float, float],
    step: Step,
    theme: Theme,
    graph: Graph,
) -> None:
    """The filter window on the previous map and the lines to the point it produces."""
    px, py, pw, ph = prev
    nx, ny, nw, nh = nxt
    node = graph.node(step.name)
    kernel = param(node, "kernel_size")
    k = kernel[0] if isinstance(kernel, list | tuple) and kernel else kernel
    frac = 0.3
    if isinstance(k, int) and len(step.shape) >= 3:
        prev_size = max(pw, 1)
        frac = min(0.6, max(0.12, k / max(step.shape[2] + k, 1)))
        del prev_size
    win = max(min(pw, ph) * frac, 4.0)
    # A fixed spot (not NN-SVG's random one) keeps figures reproducible.
    wx, wy = px + pw * 0.55 - win / 2, py + ph * 0.45 - win / 2
    tx, ty = nx + nw * 0.5, ny + nh * 0.5
    if pw < 10:  # a vector: the window is the whole bar
        wx, wy, win = px, py, min(ph, 12.0)
    scene.over.append(
        Rect(wx, wy, win if pw >= 10 else pw, win, theme.edge, theme.edge, 0.8, opacity=0.25)
    )
    corner_a = (wx + (win if pw >= 10 else pw), wy)
    corner_b = (wx + (win if pw >= 10 else pw), wy + win)
    scene.over.append(Polygon([corner_a, (tx, ty), corner_b], theme.edge, opacity=0.12))
    scene.over.append(Line([corner_a, (tx, ty)], theme.edge, 0.7))
    scene.over.append(Line([corner_b, (tx, ty)], theme.edge, 0.7))
