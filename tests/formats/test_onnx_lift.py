"""Tensors a transformer holds rather than computes, and its window cuts, import as
registry layers that export again (ONNX and PyTorch) with the parameters the file holds.

Each graph is the pattern a real export is made of: ViT's class token concatenated after
an Expand to the batch, BERT's position table gathered by constant ids and added, Swin's
relative position bias (a small learned table gathered into a big tensor), a causal mask
built from nothing learned, Swin's and MaxViT's Slice cuts, and the dynamo exporter's
order of GELU's five operators. onnxruntime measures every shape (``_check``).
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from netcanvas.formats.code.pytorch_writer import generate
from tests.conftest import need
from tests.formats.test_onnx_settle import _check, _f, _i, _model

pytestmark = pytest.mark.oracle
need("onnx")
need("onnxruntime")


def _exports(graph: object) -> None:
    from tests.formats.test_onnx_export import check_export
    from tests.formats.test_pytorch import check_pytorch

    check_export(graph)  # type: ignore[arg-type]
    check_pytorch(graph)  # type: ignore[arg-type]  (its parameters equal the analysis's)


def test_a_class_token_expanded_to_the_batch_is_a_learned_constant_tensor() -> None:
    nodes = [
        helper.make_node("Expand", ["class_token", "batch"], ["cls"]),
        helper.make_node("Concat", ["cls", "x"], ["out"], name="join", axis=1),
    ]
    graph, analysis = _check(
        _model(nodes, [2, 5, 8], [_f("class_token", 1, 1, 8), _i("batch", [2, 1, 8])], "out"),
        [2, 5, 8],
    )
    kinds = {n.name: n.type for n in graph.nodes}
    assert kinds["join"] == "Concat" and kinds["class_token"] == "ConstantTensor"
    assert analysis["join"].output_shapes[0] == (2, 6, 8)
    assert analysis.params == 8  # the token, once, although the batch copies it
    _exports(graph)


def test_a_position_table_gathered_and_added_counts_the_whole_table() -> None:
    nodes = [
        helper.make_node("Gather", ["positions.weight", "ids"], ["pos"]),
        helper.make_node("Add", ["x", "pos"], ["out"], name="embed"),
    ]
    inits = [_f("positions.weight", 10, 8), _i("ids", [0, 1, 2, 3, 4])]
    graph, analysis = _check(_model(nodes, [1, 5, 8], inits, "out"), [1, 5, 8])
    held = next(n for n in graph.nodes if n.type == "ConstantTensor")
    assert held.params == {"shape": [5, 8], "table": [10, 8]}
    assert {n.name: n.type for n in graph.nodes}["embed"] == "Add"
    assert analysis.params == 80 and not graph.unattributed
    _exports(graph)


def test_a_relative_position_bias_is_its_small_table_read_through_an_index() -> None:
    """Swin: a [169, 3]-sized table gathered into [1, 3, 49, 49]; 507 parameters, not 7,203."""
    index = np.random.default_rng(0).integers(0, 9, (16,))
    nodes = [
        helper.make_node("Gather", ["table", "index"], ["g"]),
        helper.make_node("Reshape", ["g", "shape"], ["r"]),
        helper.make_node("Transpose", ["r"], ["t"], perm=[2, 0, 1]),
        helper.make_node("Unsqueeze", ["t", "zero"], ["bias"]),
        helper.make_node("Add", ["x", "bias"], ["out"], name="scores"),
    ]
    inits = [_f("table", 9, 3), _i("index", index), _i("shape", [4, 4, 3]), _i("zero", [0])]
    graph, analysis = _check(_model(nodes, [1, 3, 4, 4], inits, "out"), [1, 3, 4, 4])
    held = next(n for n in graph.nodes if n.type == "ConstantTensor")
    assert held.params == {"shape": [1, 3, 4, 4], "table": [9, 3]}
    assert analysis.params == 27
    _exports(graph)


def test_a_causal_mask_is_a_fixed_constant_tensor() -> None:
    nodes = [
        helper.make_node(
            "ConstantOfShape", ["size"], ["ones"], value=helper.make_tensor("v", 1, [1], [1.0])
        ),  # fmt: skip
        helper.make_node("Trilu", ["ones"], ["upper"], upper=1),
        helper.make_node("Mul", ["upper", "big"], ["mask"]),
        helper.make_node("Add", ["x", "mask"], ["out"], name="masked"),
    ]
    inits = [_i("size", [5, 5]), helper.make_tensor("big", 1, [], [-1e4])]
    graph, analysis = _check(_model(nodes, [1, 2, 5, 5], inits, "out"), [1, 2, 5, 5])
    held = next(n for n in graph.nodes if n.type == "ConstantTensor")
    assert held.params == {"shape": [5, 5], "learnable": False}
    assert analysis.params == 0
    _exports(graph)


def test_constant_slices_are_strided_slices() -> None:
    end = np.iinfo(np.int64).max  # "to the end", as torch writes it
    nodes = [
        helper.make_node("Slice", ["x", "s0", "e0", "a0"], ["q"], name="q"),
        helper.make_node("Slice", ["x", "s1", "e1", "a1", "st"], ["k"], name="k"),
        helper.make_node("Add", ["q", "k"], ["out"], name="sum"),
    ]
    inits = [
        _i("s0", [1, 0]), _i("e0", [5, 4]), _i("a0", [1, 2]),
        _i("s1", [-8, 1]), _i("e1", [end, end]), _i("a1", [2, 1]), _i("st", [2, 1]),
    ]  # fmt: skip
    graph, analysis = _check(_model(nodes, [1, 5, 8], inits, "out"), [1, 5, 8])
    kinds = {n.name: n.type for n in graph.nodes}
    assert kinds["q"] == kinds["k"] == "StridedSlice"
    k = next(n for n in graph.nodes if n.name == "k")
    assert k.params["ends"] == [8, 5]  # clamped to the axis: the document stays readable
    assert analysis["k"].output_shapes[0] == (1, 4, 4)
    assert "x[:, 1:5, -8:8:2]" in generate(graph)
    _exports(graph)


def test_the_dynamo_exporters_gelu_is_one_gelu() -> None:
    """torch.onnx.export(dynamo=True) writes 0.5 * (1 + erf(x / sqrt 2)) first, then * x."""
    nodes = [
        helper.make_node("Div", ["x", "root2"], ["d"]),
        helper.make_node("Erf", ["d"], ["e"]),
        helper.make_node("Add", ["e", "one"], ["p"]),
        helper.make_node("Mul", ["half", "p"], ["h"]),
        helper.make_node("Mul", ["x", "h"], ["out"], name="gelu"),
    ]
    scalars = {"root2": 2**0.5, "one": 1.0, "half": 0.5}
    inits = [helper.make_tensor(k, 1, [], [v]) for k, v in scalars.items()]
    graph, analysis = _check(_model(nodes, [1, 5, 8], inits, "out"), [1, 5, 8])
    assert [n.type for n in graph.nodes] == ["Input", "GELU"]


def test_a_gather_of_every_position_in_order_is_a_reshape() -> None:
    """The dynamo exporter writes ConvNeXt's and Swin's ``as_strided`` before the head as
    a Gather of arange(768) shaped [1, 768, 1, 1]."""
    nodes = [
        helper.make_node("Reshape", ["x", "flat"], ["v"], name="flatten"),
        helper.make_node("Gather", ["v", "index"], ["out"], name="as_strided", axis=0),
    ]
    inits = [_i("flat", [-1]), _i("index", np.arange(12).reshape(1, 12, 1, 1))]
    graph, analysis = _check(_model(nodes, [1, 3, 4], inits, "out"), [1, 3, 4])
    assert {n.name: n.type for n in graph.nodes}["as_strided"] == "Reshape"
    assert analysis["as_strided"].output_shapes[0] == (1, 12, 1, 1)
    _exports(graph)


def test_masks_sharing_some_of_their_tensors_read_one_table() -> None:
    """Swin from the dynamo exporter: each stage's window mask is computed from several
    stored fill tensors, some of which the next stage's mask reads too (partial ties).
    Every such mask reads through its index from one table of all of them, held once:
    the PyTorch module holds the file's 24 values, not 32 (``_exports`` counts them)."""
    nodes = [
        helper.make_node("Concat", ["a", "b"], ["m1"], axis=0),
        helper.make_node("Concat", ["b", "c"], ["m2"], axis=0),
        helper.make_node("Add", ["x", "m1"], ["h"], name="first"),
        helper.make_node("Add", ["h", "m2"], ["out"], name="second"),
    ]
    inits = [_f("a", 2, 4), _f("b", 2, 4), _f("c", 2, 4)]
    graph, analysis = _check(_model(nodes, [1, 4, 4], inits, "out"), [1, 4, 4])
    held = [n for n in graph.nodes if n.type == "ConstantTensor"]
    assert [n.params["table"] for n in held] == [[24], [24]]
    assert analysis.params == 24 and not graph.unattributed
    assert held[1].meta["tied_to"] == dict.fromkeys("abc", held[0].name)
    _exports(graph)
