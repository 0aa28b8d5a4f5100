"""Losses and metrics by hand: optional targets, scalar outputs, mismatches named."""

from __future__ import annotations

from typing import Any

import pytest

from netcanvas.analysis import NodeResult, analyze
from netcanvas.graph.model import Graph, Node


def run(type_name: str, params: dict[str, Any], *shapes: tuple[int, ...]) -> NodeResult:
    graph = Graph()
    for i, shape in enumerate(shapes):
        graph.nodes.append(Node(f"in{i}", "Input", {"shape": list(shape)}))
    graph.nodes.append(Node("loss", type_name, params, [f"in{i}" for i in range(len(shapes))]))
    return analyze(graph)["loss"]


def test_cross_entropy_without_a_label_is_a_scalar() -> None:
    result = run("CrossEntropyLoss", {}, (8, 10))
    assert result.error is None
    assert result.output_shapes == [()]
    assert (result.params, result.macs) == (0, 0)


def test_cross_entropy_none_keeps_one_loss_per_pixel() -> None:
    result = run("CrossEntropyLoss", {"reduction": "none"}, (2, 21, 8, 8), (2, 8, 8))
    assert result.output_shapes == [(2, 8, 8)]


def test_cross_entropy_target_batch_mismatch_names_both_shapes() -> None:
    result = run("CrossEntropyLoss", {}, (8, 10), (4,))
    assert result.error is not None
    assert "8×10" in result.error and "target 4 " in result.error


def test_cross_entropy_ignore_index_needs_class_targets() -> None:
    result = run("CrossEntropyLoss", {"ignore_index": 0}, (8, 10), (8, 10))
    assert result.error is not None and "ignore_index" in result.error
    assert run("CrossEntropyLoss", {}, (8, 10), (8, 10)).error is None


def test_cross_entropy_takes_at_most_two_inputs() -> None:
    result = run("CrossEntropyLoss", {}, (8, 10), (8,), (8,))
    assert result.error is not None and "1 to 2" in result.error


def test_mse_shape_mismatch_names_both_shapes() -> None:
    result = run("MSELoss", {}, (4, 10), (4, 1))
    assert result.error is not None
    assert "4×10" in result.error and "4×1" in result.error


@pytest.mark.parametrize(("reduction", "expected"), [("mean", ()), ("none", (4, 10))])
def test_mse_output(reduction: str, expected: tuple[int, ...]) -> None:
    assert run("MSELoss", {"reduction": reduction}, (4, 10), (4, 10)).output_shapes == [expected]


def test_accuracy_top_k_cannot_exceed_the_classes() -> None:
    result = run("Accuracy", {"top_k": 5}, (8, 3), (8,))
    assert result.error is not None and "8×3" in result.error


def test_accuracy_accepts_caffe_labels_with_a_unit_channel() -> None:
    assert run("Accuracy", {"top_k": 5}, (8, 10, 4, 4), (8, 1, 4, 4)).output_shapes == [()]
    assert run("Accuracy", {}, (8, 10, 4, 4), (8, 4, 4)).output_shapes == [()]


def test_accuracy_label_mismatch_names_both_shapes() -> None:
    result = run("Accuracy", {}, (8, 10), (16,))
    assert result.error is not None and "labels 16 " in result.error and "8×10" in result.error
