"""The netcanvas document model: a named list of layers wired by references.

A node's inputs are references to other nodes' outputs: ``name`` means output 0,
``name:k`` output ``k``. The model is plain data; it knows nothing about layer types,
rendering or the web. Structural checks that need no registry live here too.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1

Shape = tuple[int, ...]


@dataclass(slots=True)
class Node:
    """One layer: its unique name, registry type, parameters and input references."""

    name: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    # The layer writes into its input's buffer (Caffe's top == bottom); it is drawn
    # stacked on its producer and its output is not counted twice in activation memory.
    inplace: bool = False
    # Shapes declared by the user for layers whose shape we cannot infer (opaque types).
    output_shapes: list[list[int]] | None = None
    # Learnable tensors the layer holds beyond what its type implies, ``{name: shape}``
    # (an imported positional embedding added by an ``Add``, an opaque operator's
    # weights): counted in its parameters.
    weights: dict[str, list[int]] = field(default_factory=dict)
    # Tensors the layer's type counts but an earlier layer holds (tied weights, as GPT-2's
    # head reading its token table): not counted again.
    tied: dict[str, list[int]] = field(default_factory=dict)
    # Format-specific extras kept for round-trip (e.g. Caffe's ``param { lr_mult }``).
    meta: dict[str, Any] = field(default_factory=dict)
    # The dot path of the module that contains the layer (``layer1.0`` for
    # ``layer1.0.conv1``); empty at the top level. ``view.scopes`` names their classes.
    scope: str = ""


@dataclass(slots=True)
class Graph:
    """A network: nodes in document order plus view metadata (positions, style)."""

    name: str = "network"
    nodes: list[Node] = field(default_factory=list)
    view: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    # What a reader noticed about the file (an assumed shape, a dropped layer): reported
    # with the analysis, never written back into the document.
    warnings: list[str] = field(default_factory=list)
    # Learnable tensors the reader found in the file but could not give to a layer
    # (``name: N values``): the totals are then a lower bound. Never written back.
    unattributed: list[str] = field(default_factory=list)
    # Tensor values a reader found and which layer holds which (an ONNX file's weights, as
    # lazy views of the file; formats/onnx/weights.py): an export in the same process
    # carries them over. Never written into the document, which holds no weights.
    values: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def names(self) -> set[str]:
        return {n.name for n in self.nodes}


@dataclass(frozen=True, slots=True)
class Ref:
    """A resolved input reference: output ``index`` of node ``node``."""

    node: str
    index: int = 0

    def __str__(self) -> str:
        return self.node if self.index == 0 else f"{self.node}:{self.index}"


def parse_ref(ref: str, names: set[str] | dict[str, Any]) -> Ref | None:
    """Resolve ``name`` or ``name:k`` against the known node names.

    A name that itself contains a colon (common in ONNX tensor names) wins over the
    ``name:k`` reading, so the lookup is by the full string first.
    """
    if ref in names:
        return Ref(ref, 0)
    head, sep, tail = ref.rpartition(":")
    if sep and tail.isdigit() and head in names:
        return Ref(head, int(tail))
    return None


@dataclass(slots=True)
class Structure:
    """The wiring of a graph: resolved inputs, consumers, a topological order, problems."""

    refs: dict[str, list[Ref | None]]
    order: list[str]
    errors: dict[str, list[str]]
    cyclic: set[str]

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def analyse_structure(graph: Graph) -> Structure:
    """Resolve references, order nodes topologically and name every structural problem.

    Problems are pinned to the node they concern: a duplicate name, a reference to a
    node that does not exist, a cycle (with the nodes on it). Nodes on or behind a
    cycle still appear in ``order`` (at the end) so nothing disappears from a report.
    """
    index: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for i, node in enumerate(graph.nodes):
        if node.name in index:
            errors.setdefault(node.name, []).append(
                f"duplicate name '{node.name}' (also layer #{index[node.name] + 1})"
            )
        else:
            index[node.name] = i
    refs: dict[str, list[Ref | None]] = {}
    for node in graph.nodes:
        if node.name in refs:
            continue
        resolved: list[Ref | None] = []
        for raw in node.inputs:
            # A plain name is by far the most common reference: no parse_ref call for it.
            ref = Ref(raw, 0) if raw in index else parse_ref(raw, index)
            if ref is None:
                errors.setdefault(node.name, []).append(f"input '{raw}' does not exist")
            elif ref.node == node.name:
                errors.setdefault(node.name, []).append("takes its own output as input")
                ref = None
            resolved.append(ref)
        refs[node.name] = resolved
    order, left = _topological(graph, index, refs)
    structure = Structure(refs, order, errors, set())
    if left:
        _report_cycles(left, refs, structure)
        structure.order.extend(_behind_cycles(index, left, refs))
    return structure


def _behind_cycles(
    index: dict[str, int], left: set[str], refs: dict[str, list[Ref | None]]
) -> list[str]:
    """The nodes Kahn could not order: each after its inputs, except along a cycle.

    A depth-first post-order over the inputs: a node downstream of a cycle (not on it)
    still comes after everything it reads, so the report reads top to bottom.
    """
    order: list[str] = []
    done: set[str] = set()
    for start in (name for name in index if name in left):
        if start in done:
            continue
        done.add(start)
        stack: list[tuple[str, Iterator[str]]] = [(start, _preds(start, refs, left))]
        while stack:
            name, preds = stack[-1]
            nxt = next(preds, None)
            if nxt is None:
                stack.pop()
                order.append(name)
            elif nxt not in done:  # a node still on the stack is a cycle: skip that edge
                done.add(nxt)
                stack.append((nxt, _preds(nxt, refs, left)))
    return order


def _topological(
    graph: Graph, index: dict[str, int], refs: dict[str, list[Ref | None]]
) -> tuple[list[str], set[str]]:
    """Kahn's algorithm, taking ready nodes in document order so output is stable."""
    if _in_document_order(index, refs):
        # Kahn's would take every node in document order then: each one is ready once
        # those before it are taken (its inputs are among them), and it is the first
        # ready. Most documents are written so; the check costs a tenth of the heap.
        return list(index), set()
    indegree = dict.fromkeys(index, 0)
    consumers: dict[str, list[str]] = {name: [] for name in index}
    for name in index:
        for ref in refs[name]:
            if ref is not None and ref.node != name:
                indegree[name] += 1
                consumers[ref.node].append(name)
    ready = [index[n] for n, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order: list[str] = []
    names = [n.name for n in graph.nodes]
    while ready:
        name = names[heapq.heappop(ready)]
        order.append(name)
        for consumer in consumers[name]:
            indegree[consumer] -= 1
            if indegree[consumer] == 0:
                heapq.heappush(ready, index[consumer])
    left = {n for n, d in indegree.items() if d > 0}
    return order, left


def _in_document_order(index: dict[str, int], refs: dict[str, list[Ref | None]]) -> bool:
    """Whether every node's inputs come before it in the document."""
    for name, position in index.items():
        for ref in refs[name]:
            if ref is not None and index[ref.node] >= position and ref.node != name:
                return False
    return True


def _report_cycles(left: set[str], refs: dict[str, list[Ref | None]], structure: Structure) -> None:
    """Find the cycles among the unordered nodes and pin a message naming them."""
    state: dict[str, int] = {}  # 1 = on the DFS stack, 2 = done
    for start in sorted(left):
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, _preds(start, refs, left))]
        path = [start]
        state[start] = 1
        while stack:
            name, preds = stack[-1]
            nxt = next(preds, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[name] = 2
            elif state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                # Preds walk against the data flow; print the cycle along it.
                flow = list(reversed(cycle))
                text = " -> ".join([*flow, flow[0]])
                for member in cycle:
                    if member not in structure.cyclic:
                        structure.cyclic.add(member)
                        structure.error(member, f"cycle: {text}")
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, _preds(nxt, refs, left)))


def _preds(name: str, refs: dict[str, list[Ref | None]], left: set[str]) -> Iterator[str]:
    return (r.node for r in refs[name] if r is not None and r.node in left)


def sequential(layers: Iterable[tuple[str, str, dict[str, Any]]]) -> Graph:
    """Build a chain graph from (name, type, params) triples: a convenience for tests."""
    graph = Graph()
    prev: str | None = None
    for name, type_, params in layers:
        graph.nodes.append(Node(name, type_, dict(params), [prev] if prev else []))
        prev = name
    return graph
