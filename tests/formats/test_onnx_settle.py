"""ONNX import sees through what whole-model shape inference cannot, and loses no weight.

The graphs are the patterns real exports are made of (Swin's padding computed from the
input's shape, ViT's positional embedding and class token, BERT's position table
gathered by constant ids, ConvNeXt's layer scale, torch's de-duplicated parameters);
onnxruntime runs each one with every intermediate tensor exposed, and every layer's
shape must equal what it measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from netcanvas import formats
from netcanvas.analysis import analyze
from tests.conftest import need

pytestmark = pytest.mark.oracle

need("onnx")
need("onnxruntime")
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

RNG = np.random.default_rng(7)


def _f(name: str, *shape: int) -> Any:
    return numpy_helper.from_array(RNG.standard_normal(shape).astype(np.float32), name)


def _i(name: str, values: Any) -> Any:
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


def _model(nodes: list[Any], x: list[int], inits: list[Any], output: str) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "patterns",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x)],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model  # onnxruntime checks it when it runs it


def _measured(model: onnx.ModelProto, x: list[int]) -> dict[str, list[int]]:
    """onnxruntime's shape of every node output (all exposed as graph outputs; their
    element types, which an output must declare, come from ONNX's reference runtime)."""
    feed = {"x": RNG.standard_normal(x).astype(np.float32)}
    names = [o for n in model.graph.node for o in n.output if o]
    dtypes = ReferenceEvaluator(model).run(names, feed)
    exposed = onnx.ModelProto()
    exposed.CopyFrom(model)
    del exposed.graph.output[:]
    exposed.graph.output.extend(
        helper.make_tensor_value_info(o, helper.np_dtype_to_tensor_dtype(v.dtype), None)
        for o, v in zip(names, dtypes, strict=True)
    )
    session = ort.InferenceSession(exposed.SerializeToString(), providers=["CPUExecutionProvider"])
    values = session.run(names, feed)
    return {o: list(v.shape) for o, v in zip(names, values, strict=True)}


def _check(model: onnx.ModelProto, x: list[int]) -> Any:
    """Import; every layer named after an ONNX node has onnxruntime's output shape."""
    graph = formats.read(model.SerializeToString(), "m.onnx")
    analysis = analyze(graph)
    assert analysis.complete, analysis.warnings
    measured = _measured(model, x)
    by_node = {n.name: n.output[0] for n in model.graph.node}
    compared = 0
    for result in analysis.nodes:
        if result.name in by_node:
            assert list(result.output_shapes[0] or ()) == measured[by_node[result.name]], (
                result.name
            )
            compared += 1
    assert compared >= 1
    return graph, analysis


def test_padding_computed_from_the_input_shape() -> None:
    """Swin pads each stage to a multiple of its window with amounts computed from the
    shape (Shape -> Gather -> Sub -> Mod); ONNX's whole-model inference leaves all after
    the first Pad unknown, and each stage depends on the one before."""
    nodes, previous = [], "x"
    for k in range(6):  # pad H to a multiple of 7, then swap H and W, six times
        nodes += [
            helper.make_node("Shape", [previous], [f"s{k}"]),
            helper.make_node("Gather", [f"s{k}", "two"], [f"h{k}"], axis=0),
            helper.make_node("Sub", ["seven", f"h{k}"], [f"t{k}"]),
            helper.make_node("Mod", [f"t{k}", "seven"], [f"e{k}"]),
            helper.make_node("Concat", ["zeros6", f"e{k}", "zero1"], [f"p{k}"], axis=0),
            helper.make_node("Pad", [previous, f"p{k}"], [f"padded{k}"], name=f"pad{k}"),
            helper.make_node("Add", [f"padded{k}", "one"], [f"a{k}"], name=f"add{k}"),
            helper.make_node("Transpose", [f"a{k}"], [f"y{k}"], name=f"swap{k}", perm=[0, 1, 3, 2]),
        ]  # fmt: skip
        previous = f"y{k}"
    nodes += [
        helper.make_node("MatMul", [previous, "w"], ["z"], name="proj"),
        helper.make_node("LayerNormalization", ["z", "g", "b"], ["out"], name="norm", axis=-1),
    ]
    inits = [
        _i("two", 2), _i("seven", [7]), _i("zeros6", [0] * 6), _i("zero1", [0]),
        numpy_helper.from_array(np.ones(1, np.float32), "one"),
        _f("w", 14, 16), _f("g", 16), _f("b", 16),
    ]  # fmt: skip
    graph, analysis = _check(_model(nodes, [1, 4, 10, 9], inits, "out"), [1, 4, 10, 9])
    assert analysis["norm"].output_shapes[0] == (1, 4, 14, 16)
    assert analysis.params == 14 * 16 + 16 + 16


def test_positional_embedding_class_token_and_gathered_positions_are_parameters() -> None:
    """ViT adds a positional table and concatenates a class token; BERT gathers its
    position table by constant ids (a fold would drop it); all are the model's."""
    nodes = [
        helper.make_node("Concat", ["cls", "x"], ["tokens"], name="with_cls", axis=1),
        helper.make_node("Add", ["tokens", "pos"], ["embedded"], name="add_pos"),
        helper.make_node("Gather", ["table", "ids"], ["positions"], axis=0),
        helper.make_node("Add", ["embedded", "positions"], ["both"], name="add_table"),
        helper.make_node("Mul", ["both", "scale"], ["out"], name="layer_scale"),
    ]
    inits = [
        _f("cls", 1, 1, 8), _f("pos", 1, 5, 8), _f("table", 16, 8), _i("ids", [0, 1, 2, 3, 4]),
        _f("scale", 8),
    ]  # fmt: skip
    graph, analysis = _check(_model(nodes, [1, 4, 8], inits, "out"), [1, 4, 8])
    assert analysis.params == 8 + 5 * 8 + 16 * 8 + 8
    # The class token and the gathered table are ConstantTensor layers feeding a Concat and
    # an Add (tests/formats/test_onnx_lift.py); the positional embedding and the layer
    # scale are a learned Bias and Scale. Every parameter is a layer's own.
    assert {k for n in graph.nodes for k in n.weights} == set()
    types = {n.name: n.type for n in graph.nodes}
    assert (types["add_pos"], types["layer_scale"]) == ("Bias", "Scale")
    assert (types["with_cls"], types["add_table"]) == ("Concat", "Add")
    assert (types["cls"], types["table"]) == ("ConstantTensor", "ConstantTensor")
    again = formats.read(formats.write(graph, "yaml"), "m.yaml")
    assert analyze(again).params == analysis.params


def test_parameters_torch_stored_once_count_under_each_name() -> None:
    """torch's exporter keeps one copy of equal parameters and names the others through
    Identity (ConvNeXt's layer scales, all initialised alike): each is its module's own."""
    nodes = [
        helper.make_node("Identity", ["scale"], ["scale_again"]),
        helper.make_node("Mul", ["x", "scale"], ["a"], name="first"),
        helper.make_node("Mul", ["a", "scale_again"], ["out"], name="second"),
    ]
    graph, analysis = _check(_model(nodes, [1, 3, 8], [_f("scale", 8)], "out"), [1, 3, 8])
    assert analysis.params == 16


def test_one_tensor_read_twice_counts_once() -> None:
    """Tied weights (GPT-2 reads its token table twice) are one tensor, counted once."""
    nodes = [
        helper.make_node("Mul", ["x", "scale"], ["a"], name="first"),
        helper.make_node("Add", ["a", "scale"], ["out"], name="second"),
    ]
    graph, analysis = _check(_model(nodes, [1, 3, 8], [_f("scale", 8)], "out"), [1, 3, 8])
    assert analysis.params == 8


def test_a_tensor_no_layer_holds_makes_the_totals_incomplete() -> None:
    """A weight read only by a branch that folds away must not vanish silently."""
    nodes = [
        helper.make_node("Shape", ["w"], ["ws"]),
        helper.make_node("Cast", ["ws"], ["wsf"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["wsf"], ["n"], keepdims=0),
        helper.make_node("Mul", ["x", "n"], ["out"], name="scaled"),
    ]
    graph = formats.read(
        _model(nodes, [1, 3], [_f("w", 4, 4)], "out").SerializeToString(), "m.onnx"
    )
    analysis = analyze(graph)
    assert not analysis.complete
    assert any("w: 16 values" in w for w in analysis.warnings)
    # Saved as a document (the editor's, a YAML file), the totals still say so.
    again = analyze(formats.read(formats.write(graph, "yaml"), "m.yaml"))
    assert not again.complete and any("w: 16 values" in w for w in again.warnings)


@pytest.mark.parametrize("half_first", [False, True])
def test_erf_gelu_reads_as_one_gelu_layer(half_first: bool) -> None:
    """torch writes GELU at opset 17 as x * 0.5 * (1 + erf(x / sqrt 2)) (the two Muls in
    either order): it imports as the registry's GELU, with onnxruntime's shapes."""
    if half_first:
        tail = [
            helper.make_node("Mul", ["x", "half"], ["h"]),
            helper.make_node("Mul", ["h", "p"], ["out"], name="gelu"),
        ]
    else:
        tail = [
            helper.make_node("Mul", ["x", "p"], ["m"]),
            helper.make_node("Mul", ["m", "half"], ["out"], name="gelu"),
        ]
    nodes = [
        helper.make_node("Div", ["x", "root2"], ["d"]),
        helper.make_node("Erf", ["d"], ["e"]),
        helper.make_node("Add", ["e", "one"], ["p"]),
        *tail,
    ]
    scalars = {"root2": 2**0.5, "one": 1.0, "half": 0.5}
    inits = [numpy_helper.from_array(np.float32(v).reshape(()), k) for k, v in scalars.items()]
    graph, analysis = _check(_model(nodes, [1, 5, 8], inits, "out"), [1, 5, 8])
    assert [n.type for n in graph.nodes] == ["Input", "GELU"]
    assert analysis["gelu"].output_shapes[0] == (1, 5, 8)


def test_a_gather_of_one_position_is_a_select_that_exports() -> None:
    """ViT picks its class token (x[:, 0]) and attention its q, k, v (qkv[0..2]) with a
    Gather of one constant index: a registry Select, which exports to ONNX and PyTorch."""
    from tests.formats.test_onnx_export import check_export
    from tests.formats.test_pytorch import check_pytorch

    nodes = [
        helper.make_node("Gather", ["x", "zero"], ["cls"], name="class_token", axis=1),
        helper.make_node("Gather", ["x", "last"], ["end"], name="last_token", axis=1),
        helper.make_node("Add", ["cls", "end"], ["out"], name="both"),
    ]
    inits = [_i("zero", 0), _i("last", -1)]
    graph, analysis = _check(_model(nodes, [2, 5, 8], inits, "out"), [2, 5, 8])
    assert {n.name: n.type for n in graph.nodes}["class_token"] == "Select"
    check_export(graph)
    check_pytorch(graph)
