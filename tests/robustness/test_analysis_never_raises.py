"""analyze() survives any graph: random types, settings, wiring, cycles and bad references.

Every distinct node name appears exactly once in the result, in an order where each
node comes after the nodes it reads (except along cycles), and no rule reports an
internal error: a rule that crashes or hangs on a setting is a bug even though the
engine catches it.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcanvas.analysis import analyze
from netcanvas.graph.model import Graph, Node, parse_ref
from netcanvas.layers import REGISTRY
from tests.robustness.limits import deadline

TYPES = sorted(REGISTRY)
HUGE = [10**9, 10**18, 10**30]
scalars = st.one_of(
    st.integers(-3, 9),
    st.sampled_from(HUGE + [-(10**20)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.sampled_from(["same", "valid", "", "nearest", "x:1"]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=5))
dims = st.one_of(st.integers(1, 9), st.sampled_from(HUGE))


@st.composite
def settings_for(draw: Any, type_name: str) -> dict[str, Any]:
    spec = REGISTRY[type_name]
    params = dict(spec.example_params or {})
    fields = sorted(spec.Params.model_fields)
    for key in draw(st.lists(st.sampled_from(fields), max_size=3)) if fields else []:
        params[key] = draw(values)
    if draw(st.integers(0, 9)) == 0:
        params["not_a_setting"] = 1
    return params


@st.composite
def graphs(draw: Any) -> Graph:
    count = draw(st.integers(1, 12))
    names = [f"n{i}" for i in range(count)]
    if draw(st.booleans()):  # some duplicate names
        names[draw(st.integers(0, count - 1))] = names[0]
    nodes: list[Node] = []
    for i, name in enumerate(names):
        if i == 0 or draw(st.integers(0, 4)) == 0:
            shape = draw(st.lists(dims, min_size=1, max_size=5))
            nodes.append(Node(name, "Input", {"shape": shape}))
            continue
        kind = draw(st.one_of(st.sampled_from(TYPES), st.just("NoSuchType")))
        # Mostly earlier nodes (a DAG); sometimes later ones (cycles), itself, or nothing.
        ref = st.one_of(
            st.sampled_from(names[:i]),
            st.sampled_from(names),
            st.builds(lambda n, k: f"{n}:{k}", st.sampled_from(names), st.integers(0, 5)),
            st.just("ghost"),
        )
        inputs = draw(st.lists(ref, max_size=4))
        params = draw(settings_for(kind)) if kind in REGISTRY else {"anything": [1, 2]}
        declared = draw(st.one_of(st.none(), st.just([[1, 4]])))
        nodes.append(Node(name, kind, params, inputs, output_shapes=declared))
    return Graph("random", nodes)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_analysis_of_any_graph(graph: Graph) -> None:
    with deadline(5, "analysis"):
        result = analyze(graph)
        report = result.to_json()
    names = [n.name for n in graph.nodes]
    reported = [n["name"] for n in report["nodes"]]
    assert sorted(reported) == sorted(set(names))
    position = {name: i for i, name in enumerate(reported)}
    for node in report["nodes"]:
        assert node["error"] is None or "internal error" not in node["error"], node
        for raw in node["inputs"]:
            ref = parse_ref(raw, position)
            if ref is not None and not node["error"]:
                assert position[ref.node] < position[node["name"]]
        for shape in node["output_shapes"]:
            assert shape is None or all(isinstance(d, int) and d > 0 for d in shape)
        assert node["params"] >= 0 and node["macs"] >= 0 and node["activation_bytes"] >= 0
    totals = report["totals"]
    assert totals["params"] == sum(n["params"] for n in report["nodes"])
    assert math.isfinite(float(min(totals["macs"], 10**300)))


def test_huge_num_layers_is_counted_not_looped() -> None:
    # Before: the recurrent cost rule looped over num_layers, so 10**18 hung the worker.
    layers = 10**18
    graph = Graph(
        "deep-lstm",
        [
            Node("x", "Input", {"shape": [2, 10, 32]}),
            Node("lstm", "LSTM", {"hidden_size": 64, "num_layers": layers}, ["x"]),
        ],
    )
    with deadline(5, "analysis"):
        node = analyze(graph)["lstm"]
    assert node.error is None
    # torch's count: layer 1 has 4·64·(32 + 64) + 2·4·64, each later layer 4·64·(64 + 64)
    # + 2·4·64 (the same formula as torch.nn.LSTM(32, 64, num_layers=2)'s parameters).
    first, later = 4 * 64 * (32 + 64) + 2 * 4 * 64, 4 * 64 * (64 + 64) + 2 * 4 * 64
    assert node.params == first + (layers - 1) * later


def test_non_finite_settings_are_errors_not_crashes() -> None:
    graph = Graph(
        "inf",
        [
            Node("x", "Input", {"shape": [1, 3, 8, 8]}),
            Node("up", "Upsample", {"scale_factor": math.inf}, ["x"]),
            Node("drop", "Dropout", {"p": math.nan}, ["x"]),
        ],
    )
    result = analyze(graph)
    for name in ("up", "drop"):
        error = result[name].error
        assert error is not None and "internal error" not in error


def test_nodes_behind_a_cycle_still_come_after_their_inputs() -> None:
    # c reads d, which reads the cycle a <-> b: the report lists d before c although
    # the document lists c first (before: document order, c before its own input).
    graph = Graph(
        "behind",
        [
            Node("a", "ReLU", {}, ["b"]),
            Node("b", "ReLU", {}, ["a"]),
            Node("c", "ReLU", {}, ["d"]),
            Node("d", "ReLU", {}, ["b"]),
        ],
    )
    result = analyze(graph)
    order = [n.name for n in result.nodes]
    assert order.index("d") < order.index("c")
    assert result["a"].error and "cycle" in result["a"].error
    assert result["c"].error is None and result["c"].output_shapes == [None]
