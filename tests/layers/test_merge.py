"""Merge layers in small graphs: problems pinned to the merging node, costs by definition."""

from __future__ import annotations

from typing import Any

from netcanvas.analysis import Analysis, analyze
from netcanvas.graph.model import Graph, Node


def run(inputs: dict[str, list[int]], *nodes: Node) -> Analysis:
    graph = Graph(nodes=[Node(n, "Input", {"shape": s}) for n, s in inputs.items()])
    graph.nodes.extend(nodes)
    return analyze(graph)


def merge(type_name: str, inputs: list[str], **params: Any) -> Node:
    return Node("merge", type_name, params, inputs)


def test_mismatched_add_shows_both_shapes_and_stops_there() -> None:
    result = run(
        {"a": [1, 64, 16, 16], "b": [1, 64, 8, 8]},
        merge("Add", ["a", "b"]),
        Node("relu", "ReLU", {}, ["merge"]),
    )
    assert result["merge"].error == "1×64×16×16 and 1×64×8×8 do not broadcast"
    assert result["a"].error is None and result["b"].error is None
    # Downstream of the error is unknown, not another error.
    assert result["relu"].error is None and result["relu"].output_shapes == [None]
    assert result.errors == ["merge: 1×64×16×16 and 1×64×8×8 do not broadcast"]


def test_add_broadcasts_a_channel_gate_over_the_feature_map() -> None:
    result = run({"x": [2, 8, 5, 5], "gate": [2, 8, 1, 1]}, merge("Multiply", ["x", "gate"]))
    assert result["merge"].output_shapes == [(2, 8, 5, 5)]
    assert result["merge"].params == 0 and result["merge"].macs == 0


def test_elementwise_flops_are_output_elements_times_joins() -> None:
    result = run({"a": [2, 3], "b": [2, 3], "c": [3]}, merge("Maximum", ["a", "b", "c"]))
    assert result["merge"].flops == 2 * 3 * 2


def test_add_coeff_needs_one_weight_per_input() -> None:
    shapes = {"a": [1, 4], "b": [1, 4], "c": [1, 4]}
    good = run(shapes, merge("Add", ["a", "b", "c"], coeff=[1.0, -1.0, 0.5]))
    assert good["merge"].error is None and good["merge"].output_shapes == [(1, 4)]
    bad = run(shapes, merge("Add", ["a", "b", "c"], coeff=[1.0, -1.0]))
    assert bad["merge"].error == "coeff has 2 values for 3 inputs"


def test_subtract_takes_exactly_two_inputs() -> None:
    result = run({"a": [4], "b": [4], "c": [4]}, merge("Subtract", ["a", "b", "c"]))
    error = result["merge"].error
    assert error is not None and "takes 2 input(s), got 3" in error


def test_concat_mismatch_names_the_shapes_and_the_axis() -> None:
    result = run(
        {"a": [1, 64, 16, 16], "b": [1, 32, 8, 8]},
        merge("Concat", ["a", "b"]),
        Node("conv", "Conv2d", {"out_channels": 4}, ["merge"]),
    )
    error = result["merge"].error
    assert error is not None
    assert "1×64×16×16" in error and "1×32×8×8" in error and "axis 2" in error
    assert result["conv"].error is None and result["conv"].output_shapes == [None]


def test_concat_rank_and_dim_problems_are_errors() -> None:
    ranks = run({"a": [1, 4, 8], "b": [1, 4, 8, 8]}, merge("Concat", ["a", "b"]))
    assert ranks["merge"].error == "cannot join 1×4×8 and 1×4×8×8: they differ in rank"
    far = run({"a": [1, 4], "b": [1, 4]}, merge("Concat", ["a", "b"], dim=2))
    assert far["merge"].error == "dim 2 is out of range for a 2-D tensor"


def test_concat_sums_the_joined_axis() -> None:
    # GoogLeNet inception 3a: 64 + 128 + 32 + 32 = 256 channels at 28×28.
    branches = {f"b{i}": [10, c, 28, 28] for i, c in enumerate((64, 128, 32, 32))}
    result = run(branches, merge("Concat", list(branches)))
    assert result["merge"].output_shapes == [(10, 256, 28, 28)]


def test_matmul_inner_dimension_mismatch() -> None:
    result = run({"a": [2, 3, 4], "b": [5, 6]}, merge("MatMul", ["a", "b"]))
    assert result["merge"].error == "inner dimensions differ: 2×3×4 @ 5×6 (4 vs 5)"


def test_matmul_batch_axes_that_do_not_broadcast() -> None:
    result = run({"a": [2, 3, 4], "b": [5, 4, 6]}, merge("MatMul", ["a", "b"]))
    assert result["merge"].error == "batch axes of 2×3×4 and 5×4×6 do not broadcast"


def test_matmul_vector_operands_count_one_mac_per_product_term() -> None:
    # A dot product of length k is k multiply-accumulates; a matrix-vector product n·k.
    dot = run({"a": [7], "b": [7]}, merge("MatMul", ["a", "b"]))["merge"]
    assert dot.output_shapes == [()] and dot.macs == 7
    mv = run({"a": [3, 7], "b": [7]}, merge("MatMul", ["a", "b"]))["merge"]
    assert mv.output_shapes == [(3,)] and mv.macs == 3 * 7


def test_attention_scores_matmul_macs() -> None:
    # Q·Kᵀ for 2 sequences, 8 heads, 16 tokens, 64 dims per head.
    result = run({"q": [2, 8, 16, 64], "kt": [2, 8, 64, 16]}, merge("MatMul", ["q", "kt"]))
    assert result["merge"].output_shapes == [(2, 8, 16, 16)]
    assert result["merge"].macs == 2 * 8 * 16 * 64 * 16
