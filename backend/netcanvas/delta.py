"""An analysis answered from the one before it (issue 17 item 5; docs/scale.md).

A work process keeps its last few answers whole (``Held``: the body, where each layer's
text sits in it, the nodes, the structure and each node's remembered result, by ETag).
A body that edits one of them is compared with it as text: the common beginning and
end are found by comparing slices (memcmp speed), and only the layers between are read.
When the edit keeps the wiring, only the changed layers and, in topological order, the
consumers of every output that changed are visited: the cost follows the edit, not the
document. The totals are the earlier ones plus the changed nodes' differences.

``reply`` writes the full answer, or, for ``changed=only``, the object a client merges
into the answer it holds: ``{"name", "since", "nodes": [changed nodes], "removed":
[names], "order": [names, only when the order changed], "totals", "errors", "warnings"}``.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from netcanvas import incremental as inc
from netcanvas.analysis import Analysis
from netcanvas.graph.model import Graph, Node, Structure

HELD = 4  # answers kept per work process
_held: OrderedDict[str, Held] = OrderedDict()
# Per structure (by id; the entry holds the structure, so the id is not reused): each
# name's place in the order and its consumers, or None when some node's producer does
# not come before it (a cycle).
_Wiring = tuple[dict[str, int], dict[str, list[str]]]
_wiring: dict[int, tuple[Structure, _Wiring | None]] = {}


@dataclass(slots=True)
class Held:
    text: str
    # Layer starts, ends, the list's `]` in ``text``; None until settled (settle()).
    spans: tuple[list[int], list[int], int] | None
    named: bool  # every layer has a name (a default name depends on earlier layers)
    graph: Graph
    structure: Structure
    first: dict[str, Node]
    kept: dict[str, inc.Kept]
    known: dict[str, list[Any]]
    sums: tuple[int, int, int, int, int]  # params, macs, flops, activation bytes, unknown
    errors: list[str]
    warnings: list[str]
    complete: bool
    # The answer this one was worked out from and the names whose result changed, so
    # a reply of what changed since it lists those without comparing every node.
    base: Held | None = None
    changed: list[str] | None = None


def recall(tag: str | None) -> Held | None:
    return _held.get(tag) if tag else None


def remember(tag: str | None, held: Held) -> None:
    tag = tag or "untagged"  # a direct call (tests, benchmarks): still the newest
    _held[tag] = held
    _held.move_to_end(tag)
    while len(_held) > HELD:
        _held.popitem(last=False)


def forget() -> None:
    _held.clear()
    _wiring.clear()


def newest() -> Held | None:
    return next(reversed(_held.values())) if _held else None


def settle() -> None:
    """Between jobs: where the layers of the newest answer sit in its text, so an edit
    of it is read from the edit only (work.idle)."""
    if _held:
        held = next(reversed(_held.values()))
        if held.spans is None:
            inc.settle(held)


def walk(graph: Graph, text: str, spans: Any, named: bool) -> Held:
    """Every node in topological order (remembered results reused)."""
    structure = inc.structure_of(graph)
    first: dict[str, Node] = {}
    for node in graph.nodes:
        first.setdefault(node.name, node)
    known: dict[str, list[Any]] = {}
    kept: dict[str, inc.Kept] = {}
    refs_of, errors = structure.refs, structure.errors
    for name in structure.order:
        entry = inc.result_of(first[name], refs_of[name], errors.get(name), known)
        kept[name] = entry
        known[name] = entry.result.output_shapes
    held = Held(text, spans, named, graph, structure, first, kept, known, (0,) * 5, [], [], True)
    _summarise(held)
    return held


def _summarise(held: Held) -> None:
    results = [held.kept[name].result for name in held.structure.order]
    unattributed = held.graph.meta.get("unattributed") or []
    notes = list(held.graph.warnings)
    analysis = Analysis(held.graph.name, results, notes, [str(u) for u in unattributed])
    flops = sum(n.flops for n in results)
    unknown = len(analysis.unknown)
    held.sums = (analysis.params, analysis.macs, flops, analysis.activation_bytes, unknown)
    held.errors, held.warnings = analysis.errors, analysis.warnings
    held.complete = analysis.complete


def edit(before: Held | None, text: str, max_nodes: int | None, depth: int) -> Held | None:
    """``text`` read as an edit of ``before``, or None when it differs too widely (or
    outside the layers) to read that way; raises what reading a layer raises."""
    if before is None:
        return None
    if max_nodes is not None and len(before.graph.nodes) > max_nodes:
        return None  # the full path refuses it, located
    old = before.text
    if text == old:
        return before
    shortest = min(len(old), len(text))
    p = _prefix(old, text, shortest)
    s = _suffix(old, text, shortest - p)
    if len(old) - s - p > len(old) // 4 or not before.named:
        return None  # not an edit of it, or not one read this way
    if before.spans is None:
        inc.settle(before)
    assert before.spans is not None
    starts, ends, close = before.spans
    if not starts:
        return None
    shift = len(text) - len(old)
    if p < starts[0] or len(old) - s > close:
        return None  # the edit is outside the layers (name, view): read it whole
    nodes = before.graph.nodes
    a = bisect_right(ends, p)  # layers before `a` end inside the common beginning
    pos = ends[a - 1] if a else starts[0]
    previous = nodes[a - 1].name if a else None
    most = max(64, len(nodes) // 8)
    middle: list[Node] = []
    mid_starts: list[int] = []
    mid_ends: list[int] = []
    tail = len(old) - s
    while True:
        if middle or a:
            pos = inc._skip(text, pos)
            mark = text[pos : pos + 1]
            if mark == "]":
                if text[pos:] != old[close:]:
                    return None
                j, new_close = len(nodes), pos
                break
            if mark != ",":
                raise inc._NotHere
            pos = inc._skip(text, pos + 1)
        # Where the rest is the earlier body's, from the start of one of its layers read
        # after the same layer name, everything from here on is as it was.
        q = pos - shift
        if q >= tail:
            j = bisect_left(starts, q)
            if (
                j < len(starts)
                and starts[j] == q
                and (nodes[j - 1].name if j else None) == previous
            ):
                new_close = close + shift
                break
        if len(middle) >= most:
            return None
        layer, end, entry = inc.one_layer(text, pos)
        node = inc._nodes.get((layer, previous)) or inc.layer_node(layer, entry, previous, depth)
        middle.append(node)
        mid_starts.append(pos)
        mid_ends.append(end)
        previous = node.name
        pos = end
    count = a + len(middle) + len(nodes) - j
    if max_nodes is not None and count > max_nodes:
        raise inc._NotHere
    graph = Graph(
        name=before.graph.name,
        nodes=nodes[:a] + middle + nodes[j:],
        meta=before.graph.meta,
        warnings=before.graph.warnings,
    )
    spans = (
        starts[:a] + mid_starts + [x + shift for x in starts[j:]],
        ends[:a] + mid_ends + [x + shift for x in ends[j:]],
        new_close,
    )
    replaced = nodes[a:j]
    same_wiring = len(replaced) == len(middle) and all(
        m.name == r.name and m.inputs == r.inputs for m, r in zip(middle, replaced, strict=True)
    )
    if same_wiring and len(before.first) == len(nodes):
        held = _update(before, graph, text, spans, middle, replaced)
        if held is not None:
            return held
    return walk(graph, text, spans, True)


def _update(
    before: Held, graph: Graph, text: str, spans: Any, middle: list[Node], replaced: list[Node]
) -> Held | None:
    """The same wiring with some layers changed: visit those and, in topological order,
    the consumers of each output that changed."""
    structure = before.structure
    wiring = _wiring_of(structure)
    if wiring is None:
        return None
    place, consumers = wiring
    order, refs_of, errors = structure.order, structure.refs, structure.errors
    first = dict(before.first)
    kept = dict(before.kept)
    known = dict(before.known)
    due: list[int] = []
    for node, was in zip(middle, replaced, strict=True):
        if node is not was:
            first[node.name] = node
            due.append(place[node.name])
    heapq.heapify(due)
    changed: list[str] = []
    done: set[int] = set()
    while due:
        at = heapq.heappop(due)
        if at in done:
            continue
        done.add(at)
        name = order[at]
        entry = inc.result_of(first[name], refs_of[name], errors.get(name), known)
        if entry is kept[name]:
            continue
        changed.append(name)
        kept[name] = entry
        if entry.result.output_shapes is not known[name]:
            known[name] = entry.result.output_shapes
            for consumer in consumers[name]:
                heapq.heappush(due, place[consumer])
    held = Held(
        text, spans, True, graph, structure, first, kept, known,
        before.sums, before.errors, before.warnings, before.complete, before, changed,
    )  # fmt: skip
    before.base = before.changed = None  # only the newest answer's base is compared
    olds = [before.kept[name].result for name in changed]
    news = [kept[name].result for name in changed]
    if any(r.error or r.warnings for r in olds + news) or before.sums[4]:
        _summarise(held)  # errors or warnings may change: listed again, in order
        return held
    sums = list(before.sums)
    for sign, results in ((-1, olds), (1, news)):
        for r in results:
            sums[0] += sign * r.params
            sums[1] += sign * r.macs
            sums[2] += sign * r.flops
            sums[3] += sign * r.activation_bytes
            sums[4] += sign * (None in r.output_shapes)
    held.sums = (sums[0], sums[1], sums[2], sums[3], sums[4])
    if sums[4]:
        _summarise(held)
    return held


def _wiring_of(structure: Structure) -> _Wiring | None:
    found = _wiring.get(id(structure))
    if found is not None and found[0] is structure:
        return found[1]
    if len(_wiring) >= 8:
        _wiring.clear()
    place = {name: i for i, name in enumerate(structure.order)}
    consumers: dict[str, list[str]] = {name: [] for name in structure.order}
    wiring: _Wiring | None = (place, consumers)
    for name, refs in structure.refs.items():
        for ref in refs:
            if ref is None:
                continue
            if place.get(ref.node, len(place)) >= place[name]:
                wiring = None  # a cycle: producers are not all before their consumers
                break
            if name not in consumers[ref.node]:
                consumers[ref.node].append(name)
    _wiring[id(structure)] = (structure, wiring)
    return wiring


def reply(held: Held, since: Held | None, tag: str | None) -> bytes:
    """The full answer, or (``since`` given) only what differs from ``since``'s."""
    order = held.structure.order
    kept = held.kept
    head = '{"name":' + inc.encode(held.graph.name) + ',"nodes":['
    if since is None:
        parts = [kept[name].text for name in order]
    else:
        was = since.kept
        parts = []
        names = held.changed if since is held.base and held.changed is not None else order
        for name in names:
            entry, old = kept[name], was.get(name)
            if entry is not old and (old is None or entry.text != old.text):
                parts.append(entry.text)
        extra: dict[str, Any] = {"since": tag}
        if held.structure is not since.structure and order != since.structure.order:
            extra["removed"] = [name for name in since.structure.order if name not in kept]
            extra["order"] = order
        else:
            extra["removed"] = []
        head = '{"name":' + inc.encode(held.graph.name) + "," + inc.encode(extra)[1:-1]
        head += ',"nodes":['
    params, macs, flops, activation, _ = held.sums
    rest = {
        "totals": {
            "params": params,
            "macs": macs,
            "flops": flops,
            "activation_bytes": activation,
            "complete": held.complete,
        },
        "errors": held.errors,
        "warnings": held.warnings,
    }
    return (head + ",".join(parts) + "]," + inc.encode(rest)[1:]).encode()


_CHUNK = 4096


def _prefix(a: str, b: str, most: int) -> int:
    """How many first characters ``a`` and ``b`` share (at most ``most``): slices are
    compared a chunk at a time, then the differing chunk is halved."""
    lo = 0
    while lo + _CHUNK <= most and a[lo : lo + _CHUNK] == b[lo : lo + _CHUNK]:
        lo += _CHUNK
    hi = min(most, lo + _CHUNK)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _suffix(a: str, b: str, most: int) -> int:
    """How many last characters ``a`` and ``b`` share (at most ``most``)."""
    la, lb = len(a), len(b)
    n = 0
    while n + _CHUNK <= most and a[la - n - _CHUNK : la - n] == b[lb - n - _CHUNK : lb - n]:
        n += _CHUNK
    hi = min(most, n + _CHUNK)
    while n < hi:
        mid = (n + hi + 1) // 2
        if a[la - mid : la - n] == b[lb - mid : lb - n]:
            n = mid
        else:
            hi = mid - 1
    return n
