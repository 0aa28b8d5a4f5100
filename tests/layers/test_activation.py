"""Activations by hand: settings checked against the input, messages that show shapes."""

from __future__ import annotations

from typing import Any

import pytest

from netcanvas.analysis import NodeResult, analyze
from netcanvas.graph.model import Graph, Node


def run(type_name: str, params: dict[str, Any], shape: tuple[int, ...]) -> NodeResult:
    graph = Graph(nodes=[Node("x", "Input", {"shape": list(shape)})])
    graph.nodes.append(Node("act", type_name, params, ["x"]))
    return analyze(graph)["act"]


@pytest.mark.parametrize("dim", [2, -3, 5])
def test_softmax_dim_out_of_range_names_the_shape(dim: int) -> None:
    result = run("Softmax", {"dim": dim}, (4, 10))
    assert result.error is not None
    assert f"dim {dim}" in result.error and "4×10" in result.error
    assert result.output_shapes == [None]


def test_log_softmax_accepts_a_negative_dim() -> None:
    result = run("LogSoftmax", {"dim": -1}, (2, 5, 7))
    assert result.error is None
    assert result.output_shapes == [(2, 5, 7)]


def test_softmax_over_the_batch_is_a_warning_not_an_error() -> None:
    result = run("Softmax", {"dim": 0}, (4, 10))
    assert result.error is None
    assert any("batch" in w for w in result.warnings)


def test_prelu_needs_one_slope_or_one_per_channel() -> None:
    result = run("PReLU", {"num_parameters": 3}, (1, 16, 8, 8))
    assert result.error is not None
    assert "3" in result.error and "16" in result.error and "1×16×8×8" in result.error


def test_prelu_per_channel_learns_one_slope_per_channel() -> None:
    assert run("PReLU", {"num_parameters": 16}, (1, 16, 8, 8)).params == 16
    assert run("PReLU", {}, (1, 16, 8, 8)).params == 1


def test_hardtanh_needs_min_below_max() -> None:
    result = run("Hardtanh", {"min_val": 1.0, "max_val": 1.0}, (1, 4))
    assert result.error is not None and "max_val" in result.error


def test_celu_refuses_alpha_zero() -> None:
    result = run("CELU", {"alpha": 0.0}, (1, 4))
    assert result.error is not None and "alpha" in result.error


def test_gelu_approximation_is_one_of_two_words() -> None:
    result = run("GELU", {"approximate": "fast"}, (1, 4))
    assert result.error is not None and "approximate" in result.error


def test_activations_cost_one_flop_per_element_and_no_macs() -> None:
    result = run("ReLU", {}, (2, 3, 4, 5))
    assert (result.flops, result.macs, result.params) == (120, 0, 0)
