"""Draw a module hierarchy to a depth: every layer whose ``scope`` is deeper than ``depth``
becomes part of one box for its ancestor module at that depth (``layer3`` for
``layer3.5.conv2`` at depth 1), named by the module path, typed by its class
(``view.scopes``), with the members' params, MACs and memory summed and the shapes of
the outputs the rest of the graph reads.

A graph transformation before layout: every style draws the collapsed graph as it is.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from netcanvas.analysis import Analysis, NodeResult
from netcanvas.graph.model import Graph, Node, analyse_structure, parse_ref
from netcanvas.render.fold import signature


def box_of(scope: str, depth: int) -> str | None:
    """The module path a layer in ``scope`` is drawn inside at ``depth``, or None when
    the layer is drawn on its own."""
    parts = scope.split(".") if scope else []
    return ".".join(parts[:depth]) if len(parts) >= depth else None


def collapse(graph: Graph, analysis: Analysis, depth: int) -> tuple[Graph, Analysis]:
    """The graph and analysis with scopes deeper than ``depth`` as one layer each."""
    group = {n.name: box_of(n.scope, depth) for n in graph.nodes}
    if not any(group.values()):
        return graph, analysis
    structure = analyse_structure(graph)
    members: dict[str, list[str]] = {}
    for name in structure.order:
        box = group.get(name)
        if box is not None:
            members.setdefault(box, []).append(name)
    # The outputs of a box: members' outputs read by layers outside it, in reading order.
    outputs: dict[str, list[str]] = {box: [] for box in members}
    for node in graph.nodes:
        for ref in structure.refs.get(node.name, []):
            if ref is None:
                continue
            box = group.get(ref.node)
            if box is not None and group.get(node.name) != box and str(ref) not in outputs[box]:
                outputs[box].append(str(ref))
    for box, names in members.items():
        if not outputs[box]:
            outputs[box] = [names[-1]]
    taken = {n.name for n in graph.nodes if group.get(n.name) is None}
    label = {box: _free(box, taken) for box in members}

    def outside(raw: str) -> str:
        """A reference as the collapsed graph spells it."""
        ref = parse_ref(raw, group)
        box = group.get(ref.node) if ref is not None else None
        if ref is None or box is None:
            return raw
        k = outputs[box].index(str(ref)) if str(ref) in outputs[box] else 0
        return label[box] if k == 0 else f"{label[box]}:{k}"

    by_name = {n.name: n for n in graph.nodes}
    scopes = graph.view.get("scopes", {}) if isinstance(graph.view, dict) else {}
    nodes: list[Node] = []
    results: list[NodeResult] = []
    placed: set[str] = set()
    for node in graph.nodes:
        box = group.get(node.name)
        if box is None:
            nodes.append(replace(node, inputs=[outside(r) for r in node.inputs]))
            results.append(replace(analysis[node.name], inputs=nodes[-1].inputs))
            continue
        if box in placed:
            continue
        placed.add(box)
        inside = set(members[box])
        entries: list[str] = []
        for name in members[box]:
            for ref in structure.refs.get(name, []):
                if ref is not None and ref.node not in inside:
                    drawn = outside(str(ref))
                    if drawn not in entries:
                        entries.append(drawn)
        kind = scopes.get(box, {}).get("type") if isinstance(scopes.get(box), dict) else None
        kind = str(kind or "Module")
        # What the module holds, as the fold finder compares blocks: two boxes fold into
        # one "×N" only when their contents are the same block.
        contents = signature(members[box], by_name, structure.refs)
        digest = {"contents": hashlib.sha1(contents.encode()).hexdigest()[:12]}
        meta = {"collapsed": len(inside)}
        nodes.append(Node(label[box], kind, digest, entries, meta=meta, scope=_parent(box)))
        rows = [analysis[m] for m in members[box]]
        results.append(
            NodeResult(
                label[box],
                kind,
                entries,
                [_shape_of(analysis, ref) for ref in outputs[box]],
                params=sum(r.params for r in rows),
                macs=sum(r.macs for r in rows),
                flops=sum(r.flops for r in rows),
                activation_bytes=sum(r.activation_bytes for r in rows),
                error="; ".join(f"{r.name}: {r.error}" for r in rows if r.error) or None,
                opaque=True,
            )
        )
    view = dict(graph.view) if isinstance(graph.view, dict) else {}
    view.pop("positions", None)  # positions of layers that are no longer drawn
    folded = replace(graph, nodes=nodes, view=view)
    order = {r.name: r for r in results}
    ordered = [order[name] for name in analyse_structure(folded).order if name in order]
    return folded, Analysis(graph.name, ordered, analysis.notes, analysis.unattributed)


def _shape_of(analysis: Analysis, ref: str) -> tuple[int, ...] | None:
    head, _, tail = ref.rpartition(":")
    if tail.isdigit() and analysis.get(head) is not None:
        shapes = analysis[head].output_shapes
        return shapes[int(tail)] if int(tail) < len(shapes) else None
    shapes = analysis[ref].output_shapes
    return shapes[0] if shapes else None


def _parent(path: str) -> str:
    return path.rpartition(".")[0]


def _free(name: str, taken: set[str]) -> str:
    """A box's name: its module path, unless a drawn layer already has that name."""
    found, n = name, 1
    while found in taken:
        n += 1
        found = f"{name} ({n})"
    taken.add(found)
    return found
