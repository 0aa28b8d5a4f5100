"""analyze() copies the result of a node like one met before (same type, settings, inplace
and input shapes) and takes document order as the topological order when it is one: both
must give exactly what analysing every node the long way gives."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

from netcanvas import templates
from netcanvas.analysis import Analysis, Settle, _input_shapes, analyse_node, analyze
from netcanvas.formats import caffe, native
from netcanvas.graph.model import Graph, Node, analyse_structure, parse_ref

TEMPLATES = Path(templates.__file__).parent


def _long_way(graph: Graph, settle: Settle | None = None) -> Analysis:
    """Every node through analyse_node, in an order worked out by a plain Kahn's."""
    structure = analyse_structure(graph)
    first: dict[str, Node] = {}
    for node in graph.nodes:
        first.setdefault(node.name, node)
    known: dict[str, Any] = {}
    results = []
    for name in structure.order:
        node = first[name]
        if settle is not None:
            settle(node, _input_shapes(structure.refs[name], known))
        result = analyse_node(node, structure.refs[name], structure.errors.get(name), known)
        known[name] = result.output_shapes
        results.append(result)
    unattributed = graph.unattributed or graph.meta.get("unattributed") or []
    return Analysis(graph.name, results, list(graph.warnings), [str(u) for u in unattributed])


def _kahn(graph: Graph) -> list[str]:
    """Topological order taking the first ready node in document order (no cycles)."""
    names = list(dict.fromkeys(n.name for n in graph.nodes))
    preds = {}
    for node in reversed(graph.nodes):  # the first node of a name is the one analysed
        found = (parse_ref(raw, set(names)) for raw in node.inputs)
        preds[node.name] = {r.node for r in found if r is not None and r.node != node.name}
    order: list[str] = []
    while len(order) < len(names):
        ready = next(n for n in names if n not in order and preds[n] <= set(order))
        order.append(ready)
    return order


def _same(graph: Graph, settle: Settle | None = None, again: Graph | None = None) -> None:
    expected = _long_way(again or copy.deepcopy(graph), settle)
    got = analyze(graph, settle)
    assert json.dumps(got.to_json()) == json.dumps(expected.to_json()), graph.name
    assert got.warnings == expected.warnings


def _graphs() -> list[Graph]:
    return [native.load(path.read_bytes()) for path in sorted(TEMPLATES.glob("*.yaml"))]


def _mutate(rng: random.Random, graph: Graph) -> Graph:
    """Copies of one layer's settings, wiring and extras: shapes, errors, repeats."""
    graph = copy.deepcopy(graph)
    nodes = graph.nodes
    previous = None
    for node in nodes:  # explicit inputs, so moving layers keeps the wiring
        if not node.inputs and previous is not None and node.type != "Input":
            node.inputs = [previous]
        previous = node.name
    for _ in range(rng.randint(1, 6)):
        node = rng.choice(nodes)
        kind = rng.randrange(11)
        if kind == 0:
            node.params = dict(rng.choice(nodes).params)
        elif kind == 1:
            node.type = rng.choice(["ReLU", "Mystery", "Conv2d", "Add", "Linear", "Flatten"])
        elif kind == 2:
            node.output_shapes = [[1, rng.randint(1, 9), 4, 4]]
        elif kind == 3:
            node.weights = {"w": [rng.randint(1, 9), 3]}
        elif kind == 4:
            node.tied = {"t": [2, 2]}
        elif kind == 5:
            node.inputs = [*node.inputs, rng.choice(["nowhere", node.name, nodes[0].name + ":3"])]
        elif kind == 6:
            node.name = rng.choice(nodes).name  # a duplicate, or a cycle when wired back
        elif kind == 7:
            node.inplace = not node.inplace
        elif kind == 8:
            # invalid, or equal to 3 but of another type: told apart like any settings
            node.params = {**node.params, "kernel_size": rng.choice([0, 99, "x", 3, 3.0, True])}
        elif kind == 9:
            i, j = rng.randrange(len(nodes)), rng.randrange(len(nodes))
            nodes[i], nodes[j] = nodes[j], nodes[i]  # out of document order
        else:
            node.inputs = [rng.choice(nodes).name]
    for i in range(len(nodes)):  # and each layer repeated, so results are copied
        if rng.random() < 0.3:
            twin = copy.deepcopy(nodes[i])
            twin.name = f"{twin.name}_twin{i}"
            nodes.append(twin)
    return graph


def test_templates_and_their_mutations_analyse_as_the_long_way() -> None:
    rng = random.Random(5)
    for graph in _graphs():
        _same(graph)
        for _ in range(25):
            _same(_mutate(rng, graph))


def test_document_order_is_the_topological_order_when_it_is_one() -> None:
    rng = random.Random(9)
    for graph in _graphs():
        for _ in range(5):
            mixed = _mutate(rng, graph)
            structure = analyse_structure(mixed)
            if structure.cyclic:
                continue
            assert structure.order == _kahn(mixed), mixed.name


def test_the_caffe_corpus_settled_analyses_as_the_long_way(caffe_corpus: Path) -> None:
    for path in sorted(caffe_corpus.glob("*.prototxt")):
        data = path.read_bytes()
        _same(caffe.load(data), caffe.settle, again=caffe.load(data))


def test_settings_equal_in_value_but_not_in_type_are_told_apart() -> None:
    values: list[Any] = [3, 3.0, True, "3", [3, 3], (3, 3), 3]
    for order in (values, values[::-1]):
        graph = Graph("kinds", [Node("x", "Input", {"shape": [1, 4, 8, 8]})])
        for i, value in enumerate(order):
            params = {"out_channels": 4, "kernel_size": value}
            graph.nodes.append(Node(f"c{i}", "Conv2d", params, ["x"]))
            graph.nodes.append(Node(f"i{i}", "Conv2d", params, ["x"], inplace=True))
            graph.nodes.append(Node(f"r{i}", "ReLU", {"inplace": value}, ["x"]))
        _same(graph)
