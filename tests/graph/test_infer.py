"""Analysis of whole graphs: problems pinned to nodes, downstream unknown, never a crash."""

from __future__ import annotations

from netcanvas.analysis import analyze
from netcanvas.formats import native
from netcanvas.graph.model import Graph, Node


def run(text: str):  # type: ignore[no-untyped-def]
    return analyze(native.load(text))


HEAD = "netcanvas: 1\nlayers:\n  - {name: data, type: Input, shape: [1, 3, 32, 32]}\n"


def test_mismatched_add_is_pinned_with_both_shapes() -> None:
    result = run(
        HEAD
        + "  - {name: a, type: Conv2d, out_channels: 64, padding: 1}\n"
        + "  - {name: b, type: Conv2d, inputs: [data], out_channels: 64, stride: 2, padding: 1}\n"
        + "  - {name: add, type: Add, inputs: [a, b]}\n"
        + "  - {name: relu, type: ReLU}\n"
    )
    assert result["add"].error == "1×64×32×32 and 1×64×16×16 do not broadcast"
    assert result["a"].error is None and result["b"].error is None
    assert result["relu"].error is None and result["relu"].output_shapes == [None]
    assert result.errors == ["add: 1×64×32×32 and 1×64×16×16 do not broadcast"]


def test_bad_concat_names_the_axis_and_shapes() -> None:
    result = run(
        HEAD
        + "  - {name: a, type: Conv2d, out_channels: 8, padding: 1}\n"
        + "  - {name: b, type: MaxPool2d, inputs: [data]}\n"
        + "  - {name: cat, type: Concat, inputs: [a, b]}\n"
    )
    error = result["cat"].error
    assert error is not None and "1×8×32×32" in error and "1×3×16×16" in error


def test_linear_with_declared_in_features_that_do_not_match() -> None:
    result = run(
        HEAD
        + "  - {name: flat, type: Flatten}\n"
        + "  - {name: fc, type: Linear, in_features: 100, out_features: 10}\n"
    )
    assert "in_features is 100" in (result["fc"].error or "")
    assert "3072" in (result["fc"].error or "")


def test_linear_on_an_unknown_dim_stays_unknown_without_crashing() -> None:
    result = run(
        "layers:\n"
        "  - {name: data, type: Input}\n"  # no shape: a warning, not an error
        "  - {name: fc, type: Linear, out_features: 10}\n"
        "  - {name: custom, type: MyOp}\n"
        "  - {name: fc2, type: Linear, out_features: 10}\n"
    )
    assert result.ok
    assert result["data"].warnings and "--input-shape" in result["data"].warnings[0]
    assert result["fc"].output_shapes == [None] and result["fc"].error is None
    assert result["custom"].opaque and result["fc2"].output_shapes == [None]


def test_linear_on_a_one_dimensional_input_is_an_error() -> None:
    result = run(
        "layers:\n  - {name: data, type: Input, shape: [8]}\n  - {name: fc, type: Linear}\n"
    )
    assert "expects at least [N, features]" in (result["fc"].error or "")


def test_cycle_and_dangling_input_are_errors_on_their_nodes() -> None:
    result = run(
        HEAD
        + "  - {name: a, type: ReLU, inputs: [c]}\n"
        + "  - {name: b, type: ReLU, inputs: [a]}\n"
        + "  - {name: c, type: Add, inputs: [b, data]}\n"
        + "  - {name: d, type: ReLU, inputs: [nowhere]}\n"
    )
    for name in ("a", "b", "c"):
        assert (result[name].error or "").startswith("cycle: ")
    assert result["d"].error == "input 'nowhere' does not exist"
    assert result["data"].error is None
    assert not result.ok and len(result.errors) == 4


def test_arity_and_output_index_are_checked() -> None:
    graph = Graph(
        nodes=[
            Node("x", "Input", {"shape": [1, 4]}),
            Node("two", "ReLU", {}, ["x", "x"]),
            Node("bad", "ReLU", {}, ["x:3"]),
        ]
    )
    result = analyze(graph)
    assert result["two"].error == "ReLU takes 1 input(s), got 2"
    assert result["bad"].error == "'x' has 1 output(s); there is no output 3"


def test_invalid_params_are_node_errors_when_not_loaded_from_a_file() -> None:
    graph = Graph(
        nodes=[
            Node("x", "Input", {"shape": [1, 3, 8, 8]}),
            Node("conv", "Conv2d", {"kernel_size": 0, "colour": "red"}, ["x"]),
        ]
    )
    error = analyze(graph)["conv"].error or ""
    assert "kernel_size" in error and "colour" in error


def test_one_bad_layer_does_not_hide_others() -> None:
    result = run(
        HEAD
        + "  - {name: a, type: Conv2d, out_channels: 8, kernel_size: 64}\n"
        + "  - {name: b, type: Conv2d, inputs: [data], out_channels: 8, groups: 2}\n"
        + "  - {name: c, type: Conv2d, inputs: [data], out_channels: 8}\n"
    )
    assert "kernel spans 64" in (result["a"].error or "")
    assert "divisible by groups" in (result["b"].error or "")
    assert result["c"].output_shapes == [(1, 8, 30, 30)]


def test_totals_and_activation_memory() -> None:
    result = run(HEAD + "  - {name: conv, type: Conv2d, out_channels: 16, padding: 1}\n")
    assert result.params == 16 * 3 * 9 + 16
    assert result.macs == 16 * 32 * 32 * 3 * 9
    assert result.activation_bytes == (3 * 32 * 32 + 16 * 32 * 32) * 4


def test_inplace_outputs_count_once_in_activation_memory() -> None:
    graph = native.load(
        HEAD
        + "  - {name: conv, type: Conv2d, out_channels: 4}\n"
        + "  - {name: relu, type: ReLU, inplace: true}\n"
    )
    result = analyze(graph)
    assert result["relu"].activation_bytes == 0
    assert result["conv"].activation_bytes == 4 * 30 * 30 * 4
