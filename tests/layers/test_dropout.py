"""Dropout by hand: the input ranks torch accepts, warns about, or refuses."""

from __future__ import annotations

from typing import Any

import pytest

from netcanvas.analysis import NodeResult, analyze
from netcanvas.graph.model import Graph, Node


def run(type_name: str, params: dict[str, Any], shape: tuple[int, ...]) -> NodeResult:
    graph = Graph(nodes=[Node("x", "Input", {"shape": list(shape)})])
    graph.nodes.append(Node("drop", type_name, params, ["x"]))
    return analyze(graph)["drop"]


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_p_must_be_a_probability_below_one(p: float) -> None:
    result = run("Dropout", {"p": p}, (1, 4))
    assert result.error is not None and result.error.startswith("p:")


@pytest.mark.parametrize(
    ("type_name", "shape"),
    [("Dropout1d", (1, 8, 4, 4)), ("Dropout1d", (8,)), ("Dropout2d", (8,))],
)
def test_ranks_torch_refuses_are_errors_naming_the_shape(
    type_name: str, shape: tuple[int, ...]
) -> None:
    result = run(type_name, {}, shape)
    assert result.error is not None
    assert "×".join(map(str, shape)) in result.error


@pytest.mark.parametrize(
    ("type_name", "shape"),
    [
        ("Dropout2d", (1, 8, 32)),
        ("Dropout2d", (1, 8, 4, 4, 4)),
        ("Dropout3d", (1, 8, 4, 4)),
        ("Dropout1d", (4, 8)),
    ],
)
def test_ranks_torch_reads_another_way_are_warnings(type_name: str, shape: tuple[int, ...]) -> None:
    result = run(type_name, {}, shape)
    assert result.error is None
    assert result.output_shapes == [shape]
    assert result.warnings


@pytest.mark.parametrize(
    ("type_name", "shape"),
    [("Dropout1d", (2, 8, 32)), ("Dropout2d", (2, 8, 4, 4)), ("Dropout3d", (2, 8, 2, 4, 4))],
)
def test_batched_ranks_pass_silently_at_no_cost(type_name: str, shape: tuple[int, ...]) -> None:
    result = run(type_name, {"p": 0.2}, shape)
    assert result.error is None and not result.warnings
    assert (result.params, result.macs, result.flops) == (0, 0, 0)
