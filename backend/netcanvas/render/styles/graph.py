"""The ``graph`` style: one box per layer (or per stack of in-place layers), laid out
in ranks, with name, type, key settings, output shape and optional params / MACs."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from netcanvas.analysis import Analysis, NodeResult
from netcanvas.graph.model import Graph, Node, analyse_structure
from netcanvas.graph.shapes import Shape, fmt
from netcanvas.render.fold import Fold, find_folds, hand_groups
from netcanvas.render.layout import MARGIN, RANK_GAP, Layout, LayoutEdge, layered
from netcanvas.render.options import FigureOptions
from netcanvas.render.scene import Circle, Edge, Group, Line, NodeBox, Point, Rect, Scene, Text
from netcanvas.render.styles.common import (
    Fonts,
    add_title,
    category,
    category_legend,
    human,
    key_settings,
    short_shape,
)
from netcanvas.render.text import (
    LINE_HEIGHT,
    ascent,
    clip,
    em_thousandths,
    text_width,
    wrap_path,
)
from netcanvas.render.themes import HATCHES, Theme

PAD_X, PAD_Y = 9.0, 6.0
STRIP = 5.0  # the category strip on a box's left edge
MIN_WIDTH = 64.0
MAX_ERROR_WIDTH = 240.0
MAX_NAME_WIDTH = 240.0  # longer path-like names (ONNX node names) wrap at / and .
STACK_OFFSET = 3.0
FRAME_PAD = 10.0


@dataclass(slots=True)
class Unit:
    """What one box draws: a layer and, when stacking, its in-place followers."""

    name: str
    members: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Plan:
    """The graph reduced to what is drawn: units, their wiring, and the folds."""

    units: dict[str, Unit]
    owner: dict[str, str]  # layer -> unit drawing it
    edges: list[LayoutEdge]
    edge_refs: list[tuple[str, int]]  # the (layer, output) each edge carries
    folds: list[Fold]
    nodes: dict[str, Node]  # every layer by name (Graph.node is a linear search)


def plan(graph: Graph, analysis: Analysis, options: FigureOptions) -> Plan:
    structure = analyse_structure(graph)
    nodes = {n.name: n for n in graph.nodes}
    order = [n for n in structure.order if analysis.get(n) is not None]
    folds = find_folds(graph) if options.fold else []
    hidden: set[str] = set()
    redirect: dict[str, str] = {}
    fold_of: dict[str, int] = {}
    for f_i, fold in enumerate(folds):
        for copy in fold.copies[1:]:
            hidden.update(copy)
        # What leaves the last copy leaves the drawn (first) copy instead.
        redirect[fold.copies[-1][-1]] = fold.copies[0][-1]
        for name in fold.kept:
            fold_of[name] = f_i

    units: dict[str, Unit] = {}
    owner: dict[str, str] = {}
    stack = options.stack
    for name in order:
        if name in hidden:
            continue
        if stack and nodes[name].inplace:
            refs = [r for r in structure.refs[name] if r is not None]
            producer = refs[0].node if len(refs) == 1 else None
            if (
                producer is not None
                and producer in owner
                and fold_of.get(producer) == fold_of.get(name)
            ):
                owner[name] = owner[producer]
                units[owner[name]].members.append(name)
                continue
        owner[name] = name
        units[name] = Unit(name, [name])

    edges: list[LayoutEdge] = []
    edge_refs: list[tuple[str, int]] = []
    seen: set[tuple[str, int, str]] = set()
    for name in order:
        if name in hidden:
            continue
        for ref in structure.refs[name]:
            if ref is None:
                continue
            src_layer = redirect.get(ref.node, ref.node)
            if src_layer in hidden or src_layer not in owner:
                continue
            src, dst = owner[src_layer], owner[name]
            port = ref.index if src_layer == src else 0
            if src == dst or (src, port, dst) in seen:
                continue
            seen.add((src, port, dst))
            edges.append(LayoutEdge(src, dst, port))
            edge_refs.append((src_layer, ref.index))
    return Plan(units, owner, edges, edge_refs, folds, nodes)


def _lines(
    unit: Unit, nodes: dict[str, Node], analysis: Analysis, options: FigureOptions, fonts: Fonts
) -> list[tuple[str, float, bool, str]]:
    """(text, size, bold, role) per line of a box."""
    head = nodes[unit.name]
    small = fonts.small
    lines: list[tuple[str, float, bool, str]] = []
    if options.show_names:
        for part in wrap_path(unit.name, fonts.base, MAX_NAME_WIDTH, bold=True):
            lines.append((part, fonts.base, True, "text"))
    single = len(unit.members) == 1  # most boxes: no stack to sum over
    if single:
        types = head.type
        members = [analysis[unit.name]]
        last = members[0]
        params, macs = last.params, last.macs
    else:
        types = " · ".join([head.type] + [nodes[m].type for m in unit.members[1:]])
        members = [analysis[m] for m in unit.members]
        last = members[-1]
        params, macs = sum(r.params for r in members), sum(r.macs for r in members)
    lines.append((types, small, not options.show_names, "text"))
    settings = key_settings(head)
    if settings:
        lines.append((settings, small, False, "muted"))
    if options.show_shapes and not options.stack:
        lines.append((_shapes_text(tuple(last.output_shapes)), small, False, "muted"))
    counts = []
    # Zero counts are left out: "params 0" on every ReLU is noise in a figure. A module
    # drawn as one box (render/depth.py) always says what it holds.
    collapsed = "collapsed" in head.meta
    if (options.show_params or collapsed) and params:
        counts.append(f"params {human(params)}")
    if (options.show_macs or collapsed) and macs:
        counts.append(f"MACs {human(macs)}")
    if counts:
        lines.append((" · ".join(counts), small, False, "muted"))
    error = (last.error or None) if single else _error(members)
    if error:
        lines.append((clip(error, small, MAX_ERROR_WIDTH), small, False, "error"))
    return lines


@lru_cache(maxsize=1024)
def _shapes_text(shapes: tuple[Shape | None, ...]) -> str:
    # A big net has a few dozen distinct output shapes over thousands of layers.
    return ", ".join(fmt(s) for s in shapes)


def _size(lines: list[tuple[str, float, bool, str]], stacked: bool) -> tuple[float, float]:
    """A box's size from its lines: the widest one, and their heights."""
    # text_width's own sum, without a call per line (boxes have thousands of lines).
    w = max([em_thousandths(t, b) * s / 1000 for t, s, b, _ in lines]) + 2 * PAD_X + STRIP
    h = (
        sum([s * LINE_HEIGHT for _, s, _, _ in lines])
        + 2 * PAD_Y
        - (lines[-1][1] * (LINE_HEIGHT - 1))
    )
    extra = 2 * STACK_OFFSET if stacked else 0.0
    return (max(w, MIN_WIDTH) + extra, h + extra)


def _error(members: list[NodeResult]) -> str | None:
    for r in members:
        if r.error:
            return r.error if len(members) == 1 else f"{r.name}: {r.error}"
    return None


def build(
    graph: Graph, analysis: Analysis, options: FigureOptions, theme: Theme
) -> tuple[Scene, Layout, Plan]:
    fonts = Fonts.of(options)
    p = plan(graph, analysis, options)
    names = list(p.units)
    texts: dict[str, list[tuple[str, float, bool, str]]] = {}
    sizes: dict[str, tuple[float, float]] = {}
    out_counts: dict[str, int] = {}
    for n in names:
        unit = p.units[n]
        texts[n] = lines = _lines(unit, p.nodes, analysis, options, fonts)
        sizes[n] = _size(lines, len(unit.members) > 1)
        out_counts[n] = len(analysis[n].output_shapes)
    fixed = _fixed_positions(graph, names)
    gap = RANK_GAP
    if options.stack and options.show_shapes and options.rankdir == "LR":
        # Shapes are written along the edges, between the ranks: make room for them.
        widest = max(
            (
                text_width(short_shape(s), fonts.small * 0.9)
                for r in analysis.nodes
                for s in r.output_shapes
            ),
            default=0.0,
        )
        gap = max(gap, widest + 24)
    layout = layered(names, sizes, p.edges, out_counts, options.rankdir, fixed, gap)

    scene = Scene(layout.width, layout.height, theme.background, theme.edge, fonts.base)
    dy = add_title(scene, options, theme, fonts)
    paint = _Paint(theme)
    in_ports, out_ports = layout.in_ports, layout.out_ports
    for n in names:
        x, y = layout.positions[n]
        members = p.units[n].members
        box = NodeBox(
            n,
            list(members),
            x,
            y + dy,
            *sizes[n],
            # Copies; moved down under a title (coordinates are never -0.0: adding 0.0
            # would change nothing).
            in_ports=[(px, py + dy) for px, py in in_ports[n]] if dy else list(in_ports[n]),
            out_ports=[(px, py + dy) for px, py in out_ports[n]] if dy else list(out_ports[n]),
            error=_error([analysis[m] for m in members])
            if len(members) > 1
            else (analysis[n].error or None),
        )
        _draw_box(box, texts[n], category(p.nodes[n].type), paint, fonts)
        scene.nodes.append(box)
    labelled: set[tuple[str, int]] = set()
    for edge, (layer, index), points in zip(p.edges, p.edge_refs, layout.edges, strict=True):
        moved = [(x, y + dy) for x, y in points] if dy else list(points)
        label = None
        # One label per tensor: a fan-out carries the same shape on every branch.
        if options.stack and options.show_shapes and (layer, index) not in labelled:
            labelled.add((layer, index))
            shapes = analysis[layer].output_shapes
            label = _edge_label(
                moved,
                short_shape(shapes[index] if index < len(shapes) else None),
                theme,
                fonts,
                options.rankdir,
            )
        scene.edges.append(Edge(edge.src, edge.dst, moved, label))
    draw_groups(scene, p, graph, theme, fonts)
    _legend(scene, p, theme, fonts)
    return scene, layout, p


def _fixed_positions(graph: Graph, names: list[str]) -> dict[str, Point] | None:
    raw = graph.view.get("positions") if isinstance(graph.view, dict) else None
    if not isinstance(raw, dict):
        return None
    fixed: dict[str, Point] = {}
    for name in names:
        value = raw.get(name)
        if (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            fixed[name] = (float(value[0]), float(value[1]))
    if not fixed:
        return None
    # Positions come from the editor's endless canvas (often negative after a drag up or
    # left): a figure starts at its margin, or it is cropped (or has a negative width).
    # Laid out by hand throughout, the drawing moves to the margin; beside laid-out layers
    # only what would fall off the page moves, so boxes keep their place against those.
    whole = len(fixed) == len(names)
    shift = []
    for axis in (0, 1):
        low = min(p[axis] for p in fixed.values())
        shift.append(MARGIN - low if whole else max(0.0, MARGIN - low))
    return {n: (x + shift[0], y + shift[1]) for n, (x, y) in fixed.items()}


class _Paint:
    """A theme's colours for boxes, looked up once per category rather than per box, and
    the baselines of the few font sizes a figure uses."""

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self.role = {"text": theme.text, "muted": theme.muted, "error": theme.error}
        self._fills: dict[str, tuple[str, str]] = {}
        self.ascents: dict[float, float] = {}

    def fill_and_accent(self, cat: str) -> tuple[str, str]:
        found = self._fills.get(cat)
        if found is None:
            found = self._fills[cat] = (self.theme.fill(cat), self.theme.accent(cat))
        return found

    def ascent(self, size: float) -> float:
        found = self.ascents.get(size)
        if found is None:
            found = self.ascents[size] = ascent(size)
        return found


def _draw_box(
    box: NodeBox, lines: list[tuple[str, float, bool, str]], cat: str, paint: _Paint, fonts: Fonts
) -> None:
    theme = paint.theme
    x, y, w, h = box.x, box.y, box.w, box.h
    sw = theme.stroke_width
    fill, accent = paint.fill_and_accent(cat)
    items = box.items
    if len(box.members) > 1:  # a stack: sheets peeking out behind the box, inside its bounds
        w, h = w - 2 * STACK_OFFSET, h - 2 * STACK_OFFSET
        for k in (2, 1):
            off = STACK_OFFSET * k
            items.append(Rect(x + off, y + off, w, h, fill, theme.stroke, sw, rx=3))
    items.append(Rect(x, y, w, h, fill, theme.stroke, sw, rx=3))
    if theme.hatched:
        items.append(
            Rect(x, y, STRIP + 3, h, "none", "none", 0, hatch=theme.index(cat) % len(HATCHES))
        )
        items.append(Line([(x + STRIP + 3, y), (x + STRIP + 3, y + h)], theme.stroke, sw))
    else:
        items.append(Rect(x + 0.5, y + 0.5, STRIP, h - 1, accent, rx=2))
    colours, ascents = paint.role, paint.ascents
    cx = x + STRIP + (w - STRIP) / 2
    cursor = y + PAD_Y
    for text, size, bold, role in lines:
        above = ascents.get(size)
        if above is None:
            above = paint.ascent(size)
        items.append(Text(cx, cursor + above, text, size, colours[role], bold))
        cursor += size * LINE_HEIGHT
    if box.error:
        r = fonts.small * 0.62
        items.append(Circle(x + w, y, r, theme.error, theme.background, 1.2))
        items.append(Text(x + w, y + ascent(r * 1.5) / 2.2, "!", r * 1.5, "#FFFFFF", True))


def _edge_label(points: list[Point], text: str, theme: Theme, fonts: Fonts, rankdir: str) -> Text:
    # Past the short straight stub that leaves the box, if there is one.
    (x0, y0), (x1, y1) = (points[1], points[2]) if len(points) >= 4 else (points[0], points[1])
    size = fonts.small * 0.9
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    if rankdir == "LR":
        return Text(mx, my - 4, text, size, theme.muted)
    return Text(mx + 5, my + ascent(size) / 2, text, size, theme.muted, anchor="start")


def draw_groups(scene: Scene, p: Plan, graph: Graph, theme: Theme, fonts: Fonts) -> None:
    """Frames around folded blocks (marked ×N) and hand-named groups."""
    boxes = {b.name: b for b in scene.nodes}
    frames: list[tuple[str, int, list[str]]] = [(f.name, f.count, f.kept) for f in p.folds]
    folded = {m for f in p.folds for m in f.kept}
    for name, members in hand_groups(graph):
        if not set(members) & folded:
            frames.append((name, 1, members))
    for name, count, members in frames:
        units = [boxes[p.owner[m]] for m in members if m in p.owner and p.owner[m] in boxes]
        if not units:
            continue
        inside = {b.name for b in units}
        # Wires through the block (its shortcut) belong inside the frame too: every bend
        # of an edge that ends in the block, except where it comes from.
        points = [pt for e in scene.edges if e.dst in inside for pt in e.points[1:-1]]
        x0 = min([b.x for b in units] + [x for x, _ in points]) - FRAME_PAD
        y0 = min(b.y for b in units) - FRAME_PAD
        x1 = max([b.x + b.w for b in units] + [x for x, _ in points]) + FRAME_PAD
        y1 = max(b.y + b.h for b in units) + FRAME_PAD
        scene.groups.append(Group(name, count, list(members), x0, y0, x1 - x0, y1 - y0))
        scene.under.append(
            Rect(x0, y0, x1 - x0, y1 - y0, "none", theme.group, 1.2, rx=6, dash="5,3")
        )
        label = f"×{count}" if count > 1 else name
        size = fonts.base * (1.25 if count > 1 else 0.9)
        scene.over.append(Text(x1 + 4, y0 + ascent(size), label, size, theme.group, True, "start"))
        scene.width = max(scene.width, x1 + 8 + text_width(label, size, True))


def _legend(scene: Scene, p: Plan, theme: Theme, fonts: Fonts) -> None:
    y = fold_legend(scene, p, theme, fonts)
    if theme.hatched:
        drawn = [category(p.nodes[n].type) for n in p.units]
        y += category_legend(scene, list(dict.fromkeys(drawn)), theme, fonts, 16, y)
    scene.height = y + (8 if y > scene.height else 0)


def fold_legend(scene: Scene, p: Plan, theme: Theme, fonts: Fonts) -> float:
    """One line per folded block under the figure; returns where the next row goes."""
    y = scene.height
    size = fonts.small
    for fold in p.folds:
        kinds = len(fold.kept)
        text = f"×{fold.count}  {fold.name}: {kinds} layer{'s' if kinds > 1 else ''} per block"
        scene.over.append(Text(16, y + ascent(size), text, size, theme.text, anchor="start"))
        scene.width = max(scene.width, 32 + text_width(text, size))
        y += size * LINE_HEIGHT
    return y + 6 if p.folds else y
