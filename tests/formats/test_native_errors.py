"""Each problem of a layer is reported with the message and place it always had, and
when a layer has two, the one checked first (type, name, inputs, inplace, output_shapes,
weights, tied, meta, scope, settings) is the one reported: from_document's lean per-layer
path must keep both."""

from __future__ import annotations

import pytest

from netcanvas.formats import FormatError, native
from netcanvas.graph.model import Node

HEAD = "netcanvas: 1\nlayers:\n  - {name: x, type: Input, shape: [1, 4, 8, 8]}\n"
INPUTS = "`inputs` is a list of layer names (`name` or `name:k`)"
SHAPES = "`output_shapes` is a list of shapes like [[1, 3, 224, 224]]"
WEIGHTS = "`weights` maps each learnable tensor to its shape, like {pos_embedding: [1, 197, 768]}"
TIED = "`tied` maps each learnable tensor to its shape, like {pos_embedding: [1, 197, 768]}"
SCOPE = "`scope` is a module path like `layer1.0`"

# (the layer, the layer named in the message, the problem, its column on line 4)
CASES = [
    ("5", "layer 2", "a layer is a mapping with `type`", 5),
    ("{name: a}", "layer 2", "`type` must be a non-empty string", 5),
    ("{type: ''}", "layer 2", "`type` must be a non-empty string", 12),
    ("{type: 3}", "layer 2", "`type` must be a non-empty string", 12),
    ("{type: ReLU, name: 7}", "layer 2", "`name` must be a non-empty string", 24),
    ("{type: ReLU, name: ''}", "layer 2", "`name` must be a non-empty string", 24),
    ("{type: ReLU, inputs: 5}", "layer 'relu1'", INPUTS, 26),
    ("{type: ReLU, inputs: [x, 5]}", "layer 'relu1'", INPUTS, 26),
    ("{type: ReLU, inputs: {a: 1}}", "layer 'relu1'", INPUTS, 26),
    ("{type: ReLU, inplace: 1}", "layer 'relu1'", "`inplace` is true or false", 27),
    ("{type: ReLU, inplace: null}", "layer 'relu1'", "`inplace` is true or false", 27),
    ("{type: Mystery, output_shapes: [1, 2]}", "layer 'mystery1'", SHAPES, 36),
    ("{type: Mystery, output_shapes: [[1, 0]]}", "layer 'mystery1'", SHAPES, 36),
    ("{type: Mystery, weights: [1]}", "layer 'mystery1'", WEIGHTS, 30),
    ("{type: Mystery, weights: {w: [1, true]}}", "layer 'mystery1'", WEIGHTS, 30),
    ("{type: Mystery, tied: {w: 3}}", "layer 'mystery1'", TIED, 27),
    ("{type: Mystery, meta: [1]}", "layer 'mystery1'", "`meta` must be a mapping", 27),
    ("{type: ReLU, scope: .a}", "layer 'relu1'", SCOPE, 25),
    ("{type: ReLU, scope: a..b}", "layer 'relu1'", SCOPE, 25),
    ("{type: ReLU, scope: 'a.'}", "layer 'relu1'", SCOPE, 25),
    ("{type: ReLU, scope: 3}", "layer 'relu1'", SCOPE, 25),
    (
        "{type: ReLU, bogus: 1}",
        "layer 'relu1'",
        "unknown setting 'bogus' for ReLU (settings: inplace)",
        18,
    ),
    (
        "{type: Conv2d, out_channels: 0, kernel_size: 3}",
        "layer 'conv2d1'",
        "out_channels: input should be greater than 0",
        34,
    ),
    (
        "{type: Conv2d, out_channels: 4, kernel_size: [3, 0]}",
        "layer 'conv2d1'",
        "kernel_size[1]: input should be greater than 0",
        54,
    ),
    ("{type: ReLU, scope: .a, inplace: 1}", "layer 'relu1'", "`inplace` is true or false", 38),
    ("{type: ReLU, meta: 1, inputs: 5}", "layer 'relu1'", INPUTS, 35),
    ("{type: ReLU, meta: 1, scope: .a}", "layer 'relu1'", "`meta` must be a mapping", 24),
    ("{type: ReLU, scope: .a, bogus: 1}", "layer 'relu1'", SCOPE, 25),
    ("{type: ReLU, tied: 1, weights: 1}", "layer 'relu1'", WEIGHTS, 36),
    (
        "{type: ReLU, output_shapes: 1, inplace: 2}",
        "layer 'relu1'",
        "`inplace` is true or false",
        45,
    ),
    ("{name: 4, type: 5}", "layer 2", "`type` must be a non-empty string", 21),
]


@pytest.mark.parametrize(("layer", "who", "what", "column"), CASES)
def test_a_bad_layer_is_reported_where_and_as_before(
    layer: str, who: str, what: str, column: int
) -> None:
    with pytest.raises(FormatError) as flow:
        native.load(f"{HEAD}  - {layer}\n".encode())
    assert (flow.value.message, flow.value.line, flow.value.column) == (f"{who}: {what}", 4, column)
    with pytest.raises(FormatError) as block:  # the same layer as a block mapping
        native.load(f"{HEAD}  -\n    {layer}\n".encode())
    assert block.value.message == f"{who}: {what}"


@pytest.mark.parametrize(
    ("layer", "node"),
    [
        (
            "{type: Mystery, weights: {}, tied: {}, meta: {}, inplace: false, scope: a.b, "
            "output_shapes: [[1, 2]]}",
            Node("mystery1", "Mystery", {}, ["x"], False, [[1, 2]], {}, {}, {}, "a.b"),
        ),
        (
            "{type: ReLU, meta: {a: [1, {b: 2}]}, inplace: true, scope: s, weights: {w: [2]}}",
            Node("relu1", "ReLU", {}, ["x"], True, None, {"w": [2]}, {}, {"a": [1, {"b": 2}]}, "s"),
        ),
    ],
)
def test_a_layer_with_every_extra_reads(layer: str, node: Node) -> None:
    for text in (f"{HEAD}  - {layer}\n", f"{HEAD}  -\n    {layer}\n"):
        assert native.load(text.encode()).nodes[1] == node
