"""Layered (Sugiyama) layout: igraph ranks the layers and orders each rank, we size it.

igraph places vertices on integer ranks with unit spacing and routes long edges through
dummy vertices. We keep its rank assignment and within-rank order, then give every rank
real coordinates from the node sizes (text measured from font metrics) so boxes never
overlap, and turn each edge's dummies into bends. Everything is computed in top-to-bottom
space; left-to-right is the transpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter

from netcanvas.render.igraph_core import sugiyama
from netcanvas.render.scene import Point

RANK_GAP = 44.0  # space between ranks, for edges and their labels
NODE_GAP = 22.0  # minimum space between neighbours in a rank
DUMMY_WIDTH = 6.0  # room a passing edge takes in a rank
MARGIN = 16.0
# DenseNet concatenates every earlier layer's output at every layer: routed through the
# ranks, those long edges made DenseNet-121 from ONNX 80,000 px wide. An edge rides a bus
# beside the column instead when it skips ranks into a join of BUS_INPUTS inputs or more
# and its source feeds several such joins (an Inception branch feeds one: it stays).
BUS_INPUTS = 3
NODE, DUMMY = 0, 1  # what an item of a rank is
second = itemgetter(1)


@dataclass(slots=True)
class LayoutEdge:
    src: str
    dst: str
    src_port: int = 0  # which output of src


@dataclass(slots=True)
class Layout:
    positions: dict[str, Point]  # top-left corners
    sizes: dict[str, tuple[float, float]]
    in_ports: dict[str, list[Point]]
    out_ports: dict[str, list[Point]]
    edges: list[list[Point]]  # one polyline per input edge, in the same order
    width: float
    height: float
    ranks: dict[str, int] = field(default_factory=dict)


def layered(
    names: list[str],
    sizes: dict[str, tuple[float, float]],
    edges: list[LayoutEdge],
    out_counts: dict[str, int],
    rankdir: str = "TB",
    fixed: dict[str, Point] | None = None,
    rank_gap: float = RANK_GAP,
) -> Layout:
    """Lay out a DAG; ``fixed`` top-left positions (from ``view.positions``) win.

    ``rank_gap`` is the room between ranks (wider when labels sit on the edges there).
    """
    lr = rankdir == "LR"
    # Work in TB space: "across" is the within-rank axis, "along" the flow axis.
    tb_sizes = {n: ((h, w) if lr else (w, h)) for n, (w, h) in sizes.items()}
    index = {n: i for i, n in enumerate(names)}
    pairs = [(index[e.src], index[e.dst]) for e in edges]
    bus = _bus_edges(len(names), pairs)
    kept = [k for k in range(len(pairs)) if k not in bus]
    ranks, across, kept_routes = _sugiyama(len(names), [pairs[k] for k in kept])
    routes: list[list[tuple[float, float]]] = [[] for _ in pairs]
    for k, route in zip(kept, kept_routes, strict=True):
        routes[k] = route

    rank_count = max(ranks, default=-1) + 1
    band = [0.0] * rank_count
    for i, n in enumerate(names):
        band[ranks[i]] = max(band[ranks[i]], tb_sizes[n][1])
    top = [0.0] * rank_count
    y = MARGIN
    for r in range(rank_count):
        top[r] = y
        y += band[r] + rank_gap

    # Items per rank: real nodes and the dummies of long edges, as (igraph x, width,
    # NODE or DUMMY, node index or edge index, bend index); centres are kept in lists by
    # index (a figure has thousands of each: no tuple keys to build and hash).
    members: list[list[tuple[float, float, int, int, int]]] = [[] for _ in range(rank_count)]
    for i, n in enumerate(names):
        members[ranks[i]].append((across[i], tb_sizes[n][0], NODE, i, 0))
    for e_i, route in enumerate(routes):
        for k, (ux, uy) in enumerate(route):
            members[round(uy)].append((ux, DUMMY_WIDTH, DUMMY, e_i, k))
    unit = _unit(tb_sizes, names)
    node_x = [0.0] * len(names)
    bend_x: list[list[float]] = [[0.0] * len(route) for route in routes]
    first = itemgetter(0)
    for items in members:
        if len(items) == 1:  # a rank of one: nothing to push apart ((a + a) / 2 is a)
            kind, i, k = items[0][2:]
            x = items[0][0] * unit
        else:
            items.sort(key=first)
            for (_, _, kind, i, k), x in zip(items, _place(items, unit), strict=True):
                if kind == NODE:
                    node_x[i] = x
                else:
                    bend_x[i][k] = x
            continue
        if kind == NODE:
            node_x[i] = x
        else:
            bend_x[i][k] = x

    lefts = [node_x[i] - tb_sizes[n][0] / 2 for i, n in enumerate(names)]
    # min(x - c) is min(x) - c: rounding keeps the order.
    low = min((min(xs) for xs in bend_x if xs), default=None)
    if low is not None:
        lefts.append(low - DUMMY_WIDTH / 2)
    shift = MARGIN - min(lefts, default=MARGIN)
    positions: dict[str, Point] = {}
    for i, n in enumerate(names):
        h = tb_sizes[n][1]
        r = ranks[i]
        positions[n] = (lefts[i] + shift, top[r] + (band[r] - h) / 2)

    if lr:
        positions = {n: (y, x) for n, (x, y) in positions.items()}
    if fixed:
        positions.update({n: p for n, p in fixed.items() if n in positions})

    out_ports = {
        n: _ports(positions[n], sizes[n], max(out_counts.get(n, 1), 1), lr, True) for n in names
    }
    # Input ports: one per incoming edge, ordered by where the edge comes from so that
    # edges do not cross just above the box.
    incoming: dict[str, list[int]] = {n: [] for n in names}
    for e_i, e in enumerate(edges):
        incoming[e.dst].append(e_i)

    lanes = _lanes(bus, edges, positions, sizes, ranks, names, lr)

    def approach(e_i: int) -> float:
        if e_i in lanes:
            return -1e9  # the bus comes in from the side: the first port
        route = routes[e_i]
        if route and not (fixed and (edges[e_i].src in fixed or edges[e_i].dst in fixed)):
            return bend_x[e_i][-1] + shift
        src = edges[e_i].src
        port = out_ports[src][min(edges[e_i].src_port, len(out_ports[src]) - 1)]
        return port[1] if lr else port[0]

    in_ports: dict[str, list[Point]] = {}
    slot: dict[int, int] = {}
    for n in names:
        ordered = incoming[n]
        if len(ordered) > 1:  # most boxes have one input: nothing to order
            ordered = sorted(ordered, key=lambda e_i: (approach(e_i), e_i))
        for k, e_i in enumerate(ordered):
            slot[e_i] = k
        in_ports[n] = _ports(positions[n], sizes[n], len(ordered), lr, False)

    polylines: list[list[Point]] = []
    for e_i, e in enumerate(edges):
        start = out_ports[e.src][min(e.src_port, len(out_ports[e.src]) - 1)]
        end = in_ports[e.dst][slot[e_i]]
        if e_i in lanes:
            polylines.append(_bus_route(start, end, lanes[e_i], lr))
            continue
        points = [start]
        moved = fixed is not None and (e.src in fixed or e.dst in fixed)
        if routes[e_i] and not moved:
            for (_, uy), bx in zip(routes[e_i], bend_x[e_i], strict=True):
                r = round(uy)
                x = bx + shift
                for yy in (top[r], top[r] + band[r]):
                    points.append((yy, x) if lr else (x, yy))
        points.append(end)
        polylines.append(_square_ends(points, lr))

    width = max([positions[n][0] + sizes[n][0] for n in names], default=0.0) + MARGIN
    height = max([positions[n][1] + sizes[n][1] for n in names], default=0.0) + MARGIN
    if polylines:
        # The largest x of a polyline is its largest point's (tuples compare x first).
        width = max(width, max(max(line)[0] for line in polylines) + MARGIN)
        height = max(height, max(max(map(second, line)) for line in polylines) + MARGIN)
    rank_of = {n: ranks[i] for i, n in enumerate(names)}
    return Layout(positions, dict(sizes), in_ports, out_ports, polylines, width, height, rank_of)


def _bus_edges(count: int, pairs: list[tuple[int, int]]) -> set[int]:
    """The edges that ride a bus (see BUS_INPUTS; ranks from all edges): the layout
    ranks and orders the graph without them."""
    into: dict[int, list[int]] = {}
    for k, (_, dst) in enumerate(pairs):
        into.setdefault(dst, []).append(k)
    if all(len(ks) < BUS_INPUTS for ks in into.values()):
        return set()
    preds: list[list[int]] = [[] for _ in range(count)]
    for src, dst in pairs:
        preds[dst].append(src)
    rank = [-1] * count
    order = _topological(count, pairs)
    if order is None:
        return set()  # a cycle: leave it to igraph
    for v in order:
        rank[v] = max((rank[p] + 1 for p in preds[v]), default=0)
    joins = {dst for dst, ks in into.items() if len(ks) >= BUS_INPUTS}
    feeds: dict[int, int] = {}
    for src, dst in pairs:
        if dst in joins:
            feeds[src] = feeds.get(src, 0) + 1
    return {
        k
        for k, (src, dst) in enumerate(pairs)
        if dst in joins and feeds[src] >= 2 and rank[dst] - rank[src] > 1
    }


def _topological(count: int, pairs: list[tuple[int, int]]) -> list[int] | None:
    indegree = [0] * count
    succs: list[list[int]] = [[] for _ in range(count)]
    for src, dst in pairs:
        succs[src].append(dst)
        indegree[dst] += 1
    ready = [v for v in range(count) if indegree[v] == 0]
    order = []
    while ready:
        v = ready.pop()
        order.append(v)
        for s in succs[v]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    return order if len(order) == count else None


def _lanes(
    bus: set[int],
    edges: list[LayoutEdge],
    positions: dict[str, Point],
    sizes: dict[str, tuple[float, float]],
    ranks: list[int],
    names: list[str],
    lr: bool,
) -> dict[int, float]:
    """Where each bus edge runs (across the flow): one lane per join, just beside every
    box between its first source and the join, so its edges bundle into one line."""
    if not bus:
        return {}
    rank_of = {n: ranks[i] for i, n in enumerate(names)}
    right: dict[int, float] = {}
    for n in names:
        (x, y), (w, h) = positions[n], sizes[n]
        edge = y + h if lr else x + w
        right[rank_of[n]] = max(right.get(rank_of[n], edge), edge)
    joins: dict[str, list[int]] = {}
    for e_i in bus:
        joins.setdefault(edges[e_i].dst, []).append(e_i)
    lanes: dict[int, float] = {}
    for dst, ks in joins.items():
        first = min(rank_of[edges[k].src] for k in ks)
        lane = max(right[r] for r in range(first, rank_of[dst] + 1) if r in right)
        for k in ks:
            lanes[k] = lane + NODE_GAP
    return lanes


def _bus_route(start: Point, end: Point, lane: float, lr: bool) -> list[Point]:
    """Out of the source along the flow, across to the lane, along it, and into the join."""
    reach = 8.0
    if lr:
        (x0, y0), (x1, y1) = start, end
        return [start, (x0 + reach, y0), (x0 + reach, lane), (x1 - reach, lane),
                (x1 - reach, y1), end]  # fmt: skip
    (x0, y0), (x1, y1) = start, end
    return [start, (x0, y0 + reach), (lane, y0 + reach), (lane, y1 - reach), (x1, y1 - reach), end]


def _square_ends(points: list[Point], lr: bool) -> list[Point]:
    """Leave and enter boxes straight along the flow, so arrowheads point into the box."""
    (x0, y0), (x1, y1) = points[0], points[-1]
    if lr:
        reach = min(8.0, (points[1][0] - x0) / 3, (x1 - points[-2][0]) / 3)
        if reach <= 0:
            return points
        return [points[0], (x0 + reach, y0), *points[1:-1], (x1 - reach, y1), points[-1]]
    reach = min(8.0, (points[1][1] - y0) / 3, (y1 - points[-2][1]) / 3)
    if reach <= 0:
        return points
    return [points[0], (x0, y0 + reach), *points[1:-1], (x1, y1 - reach), points[-1]]


def _sugiyama(
    count: int, pairs: list[tuple[int, int]]
) -> tuple[list[int], list[float], list[list[tuple[float, float]]]]:
    """Ranks, within-rank coordinates (igraph units) and dummy points per edge."""
    if count == 0:
        return [], [], []
    coords, edge_routing = sugiyama(
        count, pairs, lambda order: _layers(count, pairs, order), maxiter=30
    )
    ranks = [round(c[1]) for c in coords[:count]]
    across = [c[0] for c in coords[:count]]
    # Most edges join neighbouring ranks and have no bends.
    routes = [[(p[0], p[1]) for p in route] if route else [] for route in edge_routing]
    return ranks, across, routes


def _layers(count: int, pairs: list[tuple[int, int]], order: list[int]) -> list[int]:
    """Ranks of a DAG: longest path from the sources, then promotion towards successors.

    Each node first goes one rank below its lowest predecessor; then, from the sinks
    up, a node with at least as many successors as predecessors moves down to just
    above its nearest successor, which shortens more edges than it stretches (a
    label input used only by the loss is drawn beside the loss, not at the top).
    igraph's own layering leaves such edges long (LeNet's train/test net: total edge
    span 25 ranks against 11) and takes 7x longer on ResNet-152.
    """
    preds: list[list[int]] = [[] for _ in range(count)]
    succs: list[list[int]] = [[] for _ in range(count)]
    for src, dst in pairs:
        preds[dst].append(src)
        succs[src].append(dst)
    rank = [0] * count
    of = rank.__getitem__
    for v in order:
        if preds[v]:
            rank[v] = max(map(of, preds[v])) + 1
    for v in reversed(order):
        if succs[v] and len(succs[v]) >= len(preds[v]):
            rank[v] = min(map(of, succs[v])) - 1
    return rank


def _unit(tb_sizes: dict[str, tuple[float, float]], names: list[str]) -> float:
    """Px per igraph unit: wide enough that an edge passes a typical box untouched."""
    widths = sorted(tb_sizes[n][0] for n in names)
    typical = widths[len(widths) // 2] if widths else 100.0
    return typical / 2 + NODE_GAP + DUMMY_WIDTH / 2


def _place(items: list[tuple[float, float, int, int, int]], unit: float) -> list[float]:
    """Centres for one rank: igraph's order, real widths, no overlaps.

    A left-to-right sweep and a right-to-left sweep each fix overlaps by pushing one
    way; their average keeps the order, keeps every gap (the constraints are linear)
    and does not drift the rank to one side.
    """
    if len(items) == 2:  # the commonest crowded rank (a box and a passing edge): unrolled
        a, b = items
        wa, wb = a[0] * unit, b[0] * unit
        gap = (a[1] + b[1]) / 2 + _GAPS[a[2]][b[2]]
        return [(wa + min(wa, wb - gap)) / 2, (max(wb, wa + gap) + wb) / 2]
    wanted = [it[0] * unit for it in items]
    gaps = [(a[1] + b[1]) / 2 + _GAPS[a[2]][b[2]] for a, b in zip(items, items[1:], strict=False)]
    right = list(wanted)
    for k in range(1, len(items)):
        right[k] = max(right[k], right[k - 1] + gaps[k - 1])
    left = list(wanted)
    for k in range(len(items) - 2, -1, -1):
        left[k] = min(left[k], left[k + 1] - gaps[k])
    return [(a + b) / 2 for a, b in zip(right, left, strict=True)]


# Room between neighbours in a rank by what they are: two boxes, a box and a passing
# edge, two passing edges.
_GAPS = ((NODE_GAP, NODE_GAP / 2), (NODE_GAP / 2, 4.0))


def _ports(
    top_left: Point, size: tuple[float, float], count: int, lr: bool, out: bool
) -> list[Point]:
    """Points spread evenly on the box side facing the flow (bottom/right for outputs)."""
    x, y = top_left
    w, h = size
    if lr:
        side_x = x + w if out else x
        if count == 1:  # h * 1 / 2, as below
            return [(side_x, y + h / 2)]
        return [(side_x, y + h * (k + 1) / (count + 1)) for k in range(count)]
    side_y = y + h if out else y
    if count == 1:
        return [(x + w / 2, side_y)]
    return [(x + w * (k + 1) / (count + 1), side_y) for k in range(count)]
