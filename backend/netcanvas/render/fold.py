"""Find repeated blocks to fold into one group drawn with "×N".

The topological order is cut at *bottleneck* nodes: nodes such that every edge leaving
the part of the graph before them leaves from them. Between two bottlenecks lies a
single-entry, single-exit region (a ResNet bottleneck with its shortcut, an Inception
module's four branches, or a single layer of a chain). Each region gets a signature from
its layers' types, settings and internal wiring (never their names), so two regions
share a signature only when they are the same block. A run of regions that repeats
consecutively (a tandem repeat of signatures) becomes one fold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netcanvas.graph.model import Graph, Node, analyse_structure
from netcanvas.layers import lookup

MAX_PERIOD = 24  # regions per repeated unit; more than any real block has
_HEAVY = ("convolution", "linear", "recurrent", "attention")


@dataclass(slots=True)
class Fold:
    """``count`` consecutive copies of one block; ``copies[k]`` lists the k-th copy's layers."""

    name: str
    count: int
    copies: list[list[str]]

    @property
    def kept(self) -> list[str]:
        return self.copies[0]


def find_folds(graph: Graph) -> list[Fold]:
    structure = analyse_structure(graph)
    if structure.errors:
        # A graph with dangling or cyclic references has no trustworthy regions.
        return []
    nodes = {n.name: n for n in graph.nodes}
    order = structure.order
    regions = _regions(order, {n: [r.node for r in structure.refs[n] if r] for n in order})
    signatures = [signature(region, nodes, structure.refs) for region in regions]
    weights = [_weight(region, nodes) for region in regions]
    folds: list[Fold] = []
    for start, period, count in _tandem_repeats(signatures, weights):
        copies = [
            [
                name
                for region in regions[start + k * period : start + (k + 1) * period]
                for name in region
            ]
            for k in range(count)
        ]
        folds.append(Fold(_name(copies[0], copies[-1]), count, copies))
    folds += _scope_folds(
        order, nodes, structure.refs, {n for f in folds for c in f.copies for n in c}
    )
    _apply_view_names(graph, folds)
    return folds


def _scope_folds(
    order: list[str], nodes: dict[str, Node], refs: dict[str, Any], taken: set[str]
) -> list[Fold]:
    """Consecutive sibling modules that are the same block (``scope``, DESIGN 4), where the
    graph has no single-entry regions to cut: DenseNet's dense layers each read every
    earlier layer, so a whole dense block is one region. A copy reads as many earlier
    outputs as come before it, so a run of inputs from outside counts as one."""
    members: dict[str, list[str]] = {}
    for name in order:
        scope = nodes[name].scope
        parts = scope.split(".") if scope else []
        for k in range(1, len(parts) + 1):
            members.setdefault(".".join(parts[:k]), []).append(name)
    position = {name: i for i, name in enumerate(order)}
    children: dict[str, list[str]] = {}
    for scope in members:  # in order of first appearance, parents before children
        children.setdefault(scope.rpartition(".")[0], []).append(scope)
    folds: list[Fold] = []
    for parent in sorted(children, key=lambda s: s.count(".") if s else -1):
        kids = [
            k
            for k in children[parent]
            if not taken.intersection(members[k])
            and position[members[k][-1]] - position[members[k][0]] == len(members[k]) - 1
        ]
        sigs = [_scope_signature(members[k], nodes, refs, k) for k in kids]
        i = 0
        while i < len(kids):
            j = i + 1
            while (
                j < len(kids)
                and sigs[j] == sigs[i]
                and _next(members, kids[j - 1], kids[j], position)
            ):
                j += 1
            if j - i >= 2:
                copies = [members[k] for k in kids[i:j]]
                last = kids[j - 1].rpartition(".")[2]
                folds.append(Fold(f"{kids[i]}–{last}", j - i, copies))
                taken.update(n for c in copies for n in c)
            i = j
    return folds


def _next(members: dict[str, list[str]], a: str, b: str, position: dict[str, int]) -> bool:
    return position[members[b][0]] == position[members[a][-1]] + 1


def _scope_signature(
    region: list[str], nodes: dict[str, Node], refs: dict[str, Any], scope: str
) -> str:
    import json

    local = {name: i for i, name in enumerate(region)}
    parts = []
    for name in region:
        node = nodes[name]
        wires: list[Any] = []
        for r in refs[name]:
            if r is None:
                continue
            wire = [local[r.node], r.index] if r.node in local else "entry"
            if wire == "entry" and wires and wires[-1] == "entry":
                continue
            wires.append(wire)
        inner = node.scope[len(scope) :]
        parts.append([node.type, node.params, node.inplace, wires, inner])
    return json.dumps(parts, sort_keys=True, default=str)


def _regions(order: list[str], inputs: dict[str, list[str]]) -> list[list[str]]:
    position = {name: i for i, name in enumerate(order)}
    reach = [0] * len(order)  # furthest consumer of each node
    for name in order:
        for src in inputs[name]:
            reach[position[src]] = max(reach[position[src]], position[name])
    regions: list[list[str]] = []
    current: list[str] = []
    furthest = -1  # furthest consumer of any node before the current one
    for i, name in enumerate(order):
        current.append(name)
        if furthest <= i:
            regions.append(current)
            current = []
        furthest = max(furthest, reach[i])
    if current:
        regions.append(current)
    return regions


def signature(region: list[str], nodes: dict[str, Node], refs: dict[str, Any]) -> str:
    """The block a region is: its layers' types, settings and internal wiring (no names)."""
    import json  # only when folding: `netcanvas render` without --fold never pays for it

    local = {name: i for i, name in enumerate(region)}
    parts = []
    for name in region:
        node = nodes[name]
        wires = [
            [local[r.node], r.index] if r.node in local else ["entry", r.index]
            for r in refs[name]
            if r is not None
        ]
        parts.append([node.type, node.params, node.inplace, wires])
    return json.dumps(parts, sort_keys=True, default=str)


def _weight(region: list[str], nodes: dict[str, Node]) -> tuple[int, int]:
    """How much a region looks like the start of a block: its weighted layers, its size."""
    heavy = 0
    for name in region:
        spec = lookup(nodes[name].type)
        if spec is not None and spec.category in _HEAVY:
            heavy += 1
    return heavy, len(region)


def _tandem_repeats(
    signatures: list[str], weights: list[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """Greedy left-to-right runs ``(start, period, count)`` of a repeated signature unit."""
    ids: dict[str, int] = {}
    seq = [ids.setdefault(s, len(ids)) for s in signatures]
    m = len(seq)
    # same[p][i]: how many consecutive j >= i have seq[j] == seq[j + p].
    same: dict[int, list[int]] = {}
    for p in range(1, min(MAX_PERIOD, m // 2) + 1):
        run = [0] * (m + 1)
        for i in range(m - p - 1, -1, -1):
            run[i] = run[i + 1] + 1 if seq[i] == seq[i + p] else 0
        same[p] = run

    def count(i: int, p: int) -> int:
        return 1 + same[p][i] // p if i < m else 0

    found: list[tuple[int, int, int]] = []
    i = 0
    while i < m:
        best: tuple[int, int] | None = None  # (covered, -period)
        for p in same:
            c = count(i, p)
            if c >= 2 and (best is None or (c * p, -p) > best):
                best = (c * p, -p)
        if best is None:
            i += 1
            continue
        p = -best[1]
        # Start the unit where a block naturally starts (a ResNet unit starts with its
        # convolutions, not with the previous unit's trailing ReLU).
        starts = [i + s for s in range(p) if count(i + s, p) >= 2]
        start = max(starts, key=lambda j: (weights[j], -j))
        c = count(start, p)
        found.append((start, p, c))
        i = start + c * p
    return found


def _name(first: list[str], last: list[str]) -> str:
    a, b = _stem(first), _stem(last)
    return a if a == b else f"{a}–{b}"


def _stem(names: list[str]) -> str:
    """What a copy is called: its layers' common name prefix (``inception_a1``), else the
    name the others are built from (``res2b`` in ``bn2b_branch2a``), else its first name."""
    prefix = names[0]
    for name in names[1:]:
        while not name.startswith(prefix):
            prefix = prefix[:-1]
    prefix = prefix.rstrip("_/.-:")
    if len(prefix) >= 3:
        return prefix
    best, best_key = names[0], (1, 0)
    for candidate in names:
        key = (sum(candidate in other for other in names), -len(candidate))
        if key > best_key:
            best, best_key = candidate, key
    return best if best_key[0] * 2 >= len(names) else names[0]


def _apply_view_names(graph: Graph, folds: list[Fold]) -> None:
    """Names given by hand in ``view.groups`` win: ``{name: [layers]}`` or a list of
    ``{name, nodes}``; a hand group names the fold whose first copy it covers."""
    raw = graph.view.get("groups") if isinstance(graph.view, dict) else None
    named: list[tuple[str, set[str]]] = []
    if isinstance(raw, dict):
        named = [(str(k), set(map(str, v))) for k, v in raw.items() if isinstance(v, list)]
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and isinstance(item.get("nodes"), list):
                named.append((str(item.get("name", "group")), set(map(str, item["nodes"]))))
    for fold in folds:
        for name, members in named:
            if any(set(copy) <= members for copy in fold.copies):
                fold.name = name
                break


def hand_groups(graph: Graph) -> list[tuple[str, list[str]]]:
    """``view.groups`` as (name, layers) pairs, for drawing frames around them."""
    raw = graph.view.get("groups") if isinstance(graph.view, dict) else None
    out: list[tuple[str, list[str]]] = []
    if isinstance(raw, dict):
        out = [(str(k), [str(x) for x in v]) for k, v in raw.items() if isinstance(v, list)]
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and isinstance(item.get("nodes"), list):
                out.append((str(item.get("name", "group")), [str(x) for x in item["nodes"]]))
    return out
