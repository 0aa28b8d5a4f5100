"""ONNX import: models built with onnx.helper import with the shapes ONNX infers;
import -> export -> import is stable; bad files are clean FormatErrors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from netcanvas import formats
from netcanvas.analysis import analyze
from netcanvas.formats import FormatError
from netcanvas.graph.model import Graph, Node, sequential
from tests.conftest import need
from tests.formats.test_onnx_export import check_export, image_graphs

pytestmark = pytest.mark.oracle

need("onnx")
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

RNG = np.random.default_rng(3)


def _init(name: str, *shape: int) -> Any:
    return numpy_helper.from_array(RNG.standard_normal(shape).astype(np.float32), name)


def _ints(name: str, values: list[int]) -> Any:
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


def _model(nodes: list[Any], inputs: list[Any], outputs: list[Any], inits: list[Any]) -> bytes:
    graph = helper.make_graph(nodes, "handmade", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


def _inferred(data: bytes) -> dict[str, list[int]]:
    model = onnx.shape_inference.infer_shapes(onnx.ModelProto.FromString(data), strict_mode=True)
    out = {}
    for v in [*model.graph.value_info, *model.graph.output]:
        out[v.name] = [d.dim_value for d in v.type.tensor_type.shape.dim]
    return out


def _check_shapes(graph: Graph, data: bytes, tensors: dict[str, str]) -> None:
    """Every named ONNX tensor has, in our analysis, the shape ONNX infers."""
    analysis = analyze(graph)
    assert analysis.ok, analysis.errors
    want = _inferred(data)
    for tensor, node in tensors.items():
        assert list(analysis[node].output_shapes[0] or ()) == want[tensor], tensor


def _vi(name: str, shape: list[int] | None, dtype: int = TensorProto.FLOAT) -> Any:
    return helper.make_tensor_value_info(name, dtype, shape)


def test_cnn_block_conv_bn_relu_pool_ceil_concat_gemm() -> None:
    nodes = [
        helper.make_node(
            "Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1], strides=[2, 2]
        ),
        helper.make_node(
            "BatchNormalization", ["c1", "s", "bb", "m", "v"], ["bn"], name="bn1", epsilon=1e-3
        ),
        helper.make_node("Relu", ["bn"], ["r"], name="relu1"),
        helper.make_node(
            "MaxPool", ["r"], ["p"], name="pool1", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1
        ),
        helper.make_node(
            "AveragePool",
            ["r"],
            ["q"],
            name="pool2",
            kernel_shape=[3, 3],
            strides=[2, 2],
            ceil_mode=1,
        ),
        helper.make_node("Concat", ["p", "q"], ["cat"], name="cat", axis=1),
        helper.make_node("GlobalAveragePool", ["cat"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flat", axis=1),
        helper.make_node("Gemm", ["f", "wf", "bf"], ["y"], name="fc", transB=1),
    ]
    inits = [_init("w1", 8, 3, 3, 3), _init("b1", 8), _init("s", 8), _init("bb", 8),
             _init("m", 8), numpy_helper.from_array(np.ones(8, np.float32), "v"),
             _init("wf", 10, 16), _init("bf", 10)]  # fmt: skip
    data = _model(nodes, [_vi("x", [1, 3, 15, 15])], [_vi("y", [1, 10])], inits)
    graph = formats.read(data, "model.onnx")
    types = {n.name: n.type for n in graph.nodes}
    assert types == {
        "x": "Input", "conv1": "Conv2d", "bn1": "BatchNorm2d", "relu1": "ReLU",
        "pool1": "MaxPool2d", "pool2": "AvgPool2d", "cat": "Concat",
        "gap": "AdaptiveAvgPool2d", "flat": "Flatten", "fc": "Linear",
    }  # fmt: skip
    assert graph.node("pool1").params["ceil_mode"] is True
    _check_shapes(graph, data, {"c1": "conv1", "p": "pool1", "q": "pool2", "cat": "cat", "y": "fc"})
    # Learnable parameters: conv 8·27+8, BN affine 2·8 (its statistics are buffers), fc 16·10+10.
    assert analyze(graph).params == 8 * 27 + 8 + 16 + 170


def test_resize_lstm_and_attention_shaped_subgraph() -> None:
    nodes = [
        helper.make_node("Resize", ["img", "", "scales"], ["up"], name="up", mode="linear"),
        helper.make_node("Transpose", ["seq"], ["tm"], name="time_major", perm=[1, 0, 2]),
        helper.make_node(
            "LSTM", ["tm", "W", "R", "B"], ["Y", "Yh", "Yc"], name="lstm", hidden_size=5
        ),
        helper.make_node("MatMul", ["q", "kT"], ["scores"], name="scores"),
        helper.make_node("Softmax", ["scores"], ["attn"], name="softmax", axis=-1),
        helper.make_node("MatMul", ["attn", "val"], ["ctx"], name="context"),
    ]
    inits = [
        numpy_helper.from_array(np.asarray([1, 1, 2, 2], np.float32), "scales"),
        _init("W", 1, 20, 4), _init("R", 1, 20, 5), _init("B", 1, 40),
    ]  # fmt: skip
    inputs = [_vi("img", [1, 2, 5, 6]), _vi("seq", [3, 7, 4]), _vi("q", [2, 6, 8]),
              _vi("kT", [2, 8, 9]), _vi("val", [2, 9, 8])]  # fmt: skip
    outputs = [
        _vi("up", [1, 2, 10, 12]),
        _vi("Y", [7, 1, 3, 5]),
        _vi("Yh", [1, 3, 5]),
        _vi("ctx", [2, 6, 8]),
    ]
    data = _model(nodes, inputs, outputs, inits)
    graph = formats.read(data, "m.onnx")
    assert graph.node("up").type == "Upsample"
    assert graph.node("lstm").type == "LSTM"
    assert [graph.node(n).type for n in ("scores", "softmax", "context")] == [
        "MatMul",
        "Softmax",
        "MatMul",
    ]
    analysis = analyze(graph)
    want = _inferred(data)
    assert list(analysis["up"].output_shapes[0] or ()) == want["up"] == [1, 2, 10, 12]
    assert list(analysis["context"].output_shapes[0] or ()) == want["ctx"]
    assert list(analysis["lstm"].output_shapes[1] or ()) == want["Yh"]
    y = [n for n in graph.nodes if n.inputs and n.inputs[0] == "lstm/unflatten"][0]
    assert list(analysis[y.name].output_shapes[0] or ()) == want["Y"] == [7, 1, 3, 5]
    assert analysis["lstm"].params == 20 * 4 + 20 * 5 + 40


def test_shape_subgraph_is_folded_into_reshape() -> None:
    nodes = [
        helper.make_node("Shape", ["x"], ["sh"], name="shape"),
        helper.make_node("Gather", ["sh", "zero"], ["n"], name="gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsq"),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], name="concat", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["flat"], name="reshape"),
        helper.make_node("MatMul", ["flat", "w"], ["mm"], name="fc/matmul"),
        helper.make_node("Add", ["mm", "b"], ["y"], name="fc"),
    ]
    inits = [
        _ints("zero", [0]),
        _ints("axes", [0]),
        _ints("minus1", [-1]),
        _init("w", 48, 4),
        _init("b", 4),
    ]
    inits[0] = numpy_helper.from_array(np.asarray(0, np.int64), "zero")
    data = _model(nodes, [_vi("x", ["N", 3, 4, 4])], [_vi("y", ["N", 4])], inits)
    graph = formats.read(data, "m.onnx")
    assert [(n.name, n.type) for n in graph.nodes] == [
        ("x", "Input"),
        ("reshape", "Reshape"),
        ("fc", "Linear"),
    ]
    assert graph.node("reshape").params["shape"] == [1, -1]
    assert graph.node("fc").params == {"out_features": 4}  # bias: the default
    assert analyze(graph).params == 48 * 4 + 4


def test_unknown_operators_stay_opaque_with_onnx_shapes() -> None:
    nodes = [
        helper.make_node("TopK", ["x", "k"], ["vals", "idx"], name="topk", axis=1),
        helper.make_node("Relu", ["vals"], ["y"], name="relu"),
    ]
    data = _model(nodes, [_vi("x", [2, 10])], [_vi("y", [2, 3])], [_ints("k", [3])])
    graph = formats.read(data, "m.onnx")
    topk = graph.node("topk")
    assert (
        topk.type == "TopK"
        and topk.output_shapes == [[2, 3], [2, 3]]
        and topk.params == {"axis": 1}
    )
    analysis = analyze(graph)
    assert analysis["relu"].output_shapes == [(2, 3)] and analysis["topk"].opaque


def test_bad_files_are_format_errors() -> None:
    with pytest.raises(FormatError):
        formats.read(b"\x08\x07garbage\xff\xff\xff", "m.onnx")
    with pytest.raises(FormatError, match="no graph"):
        formats.read(b"", "m.onnx")
    tensor = helper.make_tensor("w", TensorProto.FLOAT, [4], [0.0] * 4)
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "../../etc/passwd"
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])],
        "g",
        [_vi("x", [4])],
        [_vi("y", [4])],
        [tensor],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(FormatError, match="external data"):
        formats.read(model.SerializeToString(), "m.onnx")
    # The same tensor hidden in an If branch is found too.
    branch = helper.make_graph([], "then", [], [_vi("w", [4])], [tensor])
    cond = helper.make_tensor_value_info("c", TensorProto.BOOL, [])
    node = helper.make_node("If", ["c"], ["y"], then_branch=branch, else_branch=branch)
    graph = helper.make_graph([node], "g", [cond], [_vi("y", [4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(FormatError, match="external data"):
        formats.read(model.SerializeToString(), "m.onnx")


def _signature(graph: Graph) -> list[tuple[str, str, dict[str, Any], list[str]]]:
    return [(n.name, n.type, n.params, n.inputs) for n in graph.nodes]


def _roundtrip_stable(graph: Graph) -> None:
    first = formats.read(formats.write(graph, "onnx"), "m.onnx")
    second = formats.read(formats.write(first, "onnx"), "m.onnx")
    assert _signature(first) == _signature(second)
    assert analyze(first).params == analyze(second).params


def test_import_export_import_is_stable() -> None:
    graph = sequential(
        [
            ("data", "Input", {"shape": [1, 3, 16, 16]}),
            ("conv1", "Conv2d", {"out_channels": 8, "padding": 1}),
            ("bn1", "BatchNorm2d", {}),
            ("relu1", "ReLU", {}),
            ("pool1", "MaxPool2d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
            ("flat", "Flatten", {}),
            ("fc", "Linear", {"out_features": 10}),
            ("prob", "Softmax", {"dim": 1}),
        ]
    )
    first = formats.read(formats.write(graph, "onnx"), "m.onnx")
    assert [(n.name, n.type) for n in first.nodes] == [(n.name, n.type) for n in graph.nodes]
    assert analyze(first).params == analyze(graph).params
    _roundtrip_stable(graph)
    check_export(first)


from hypothesis import assume, given, settings  # noqa: E402

from netcanvas.layers import lookup  # noqa: E402


@settings(max_examples=10, deadline=None)
@given(image_graphs())
def test_random_graphs_roundtrip(graph: Graph) -> None:
    first = formats.read(formats.write(graph, "onnx"), "m.onnx")
    # Layers written as several ONNX ops (GELU, uneven adaptive pooling) come back as
    # those ops; stability is asked of what imports as registry types.
    assume(all(lookup(n.type) is not None for n in first.nodes))
    _roundtrip_stable(graph)


@pytest.mark.filterwarnings(
    "ignore::DeprecationWarning", "ignore::UserWarning", "ignore:Converting a tensor"
)
def test_a_torch_exported_model_reads_like_its_architecture() -> None:
    """torch.onnx.export spells reshapes as Shape/Gather/Concat arithmetic and MHA as
    a projection-and-MatMul subgraph; the import folds the arithmetic away."""
    need("torch")
    import io

    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.fc = nn.Linear(8 * 5 * 5, 5)
            self.attn = nn.MultiheadAttention(16, 2, batch_first=True)
            self.lstm = nn.LSTM(16, 6, batch_first=True)

        def forward(self, x: torch.Tensor, q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            y = nn.functional.max_pool2d(torch.relu(self.conv(x)), 2, ceil_mode=True)
            y = y.reshape(y.shape[0], -1)
            a, _ = self.attn(q, q, q)
            out, _ = self.lstm(a)
            return self.fc(y), out

    net = Net().eval()
    buffer = io.BytesIO()
    torch.onnx.export(
        net, (torch.randn(2, 3, 9, 9), torch.randn(2, 5, 16)), buffer, dynamo=False,
        opset_version=17, input_names=["x", "q"],
    )  # fmt: skip
    graph = formats.read(buffer.getvalue(), "net.onnx")
    analysis = analyze(graph)
    assert analysis.ok, analysis.errors
    assert all(s is not None for r in analysis.nodes for s in r.output_shapes)
    types = [n.type for n in graph.nodes]
    assert "Shape" not in types and "Concat" not in types and "Constant" not in types
    for wanted in ("Conv2d", "MaxPool2d", "Reshape", "Linear", "MatMul", "Softmax", "LSTM"):
        assert wanted in types, wanted
    pool = next(n for n in graph.nodes if n.type == "MaxPool2d")
    assert pool.params["ceil_mode"] is True
    assert analysis.params == sum(p.numel() for p in net.parameters())
    outputs = [r for r in analysis.nodes if r.name in ("/fc/Gemm",)]
    assert outputs and outputs[0].output_shapes == [(2, 5)]


from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_damaged_models_give_a_graph_or_a_format_error(data: st.DataObject) -> None:
    """Flipped, cut or spliced bytes of a real model never raise anything else."""
    graph = formats.read(_small_model_bytes(), "m.onnx")  # the intact model reads
    assert graph.nodes
    raw = bytearray(_small_model_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(raw)))
    try:
        formats.read(bytes(raw[:cut]), "m.onnx")
    except FormatError:
        pass


_SMALL: list[bytes] = []


def _small_model_bytes() -> bytes:
    if not _SMALL:
        graph = sequential(
            [
                ("data", "Input", {"shape": [1, 2, 6, 6]}),
                ("conv", "Conv2d", {"out_channels": 2, "kernel_size": 3}),
                ("bn", "BatchNorm2d", {}),
                ("pool", "MaxPool2d", {"kernel_size": 2}),
                ("flat", "Flatten", {}),
                ("fc", "Linear", {"out_features": 3}),
            ]
        )
        _SMALL.append(formats.write(graph, "onnx"))
    return _SMALL[0]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_recurrent_roundtrip_is_stable(kind: str, bidirectional: bool) -> None:
    graph = sequential(
        [
            ("seq", "Input", {"shape": [2, 5, 3]}),
            ("rnn", kind, {"hidden_size": 4, "bidirectional": bidirectional}),
        ]
    )
    graph.nodes.append(Node("fc", "Linear", {"out_features": 2}, ["rnn"]))
    first = formats.read(formats.write(graph, "onnx"), "m.onnx")
    # ONNX's [T, D, N, H] output views cancel against the export's merge: no clutter.
    assert [n.type for n in first.nodes] == ["Input", "Permute", kind, "Permute", "Linear"]
    assert analyze(first).params == analyze(graph).params
    _roundtrip_stable(graph)


@pytest.mark.parametrize(
    ("opset", "axis", "mapped"), [(11, 1, False), (11, 3, True), (13, 1, True)]
)
def test_softmax_meaning_follows_the_opset(opset: int, axis: int, mapped: bool) -> None:
    node = helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=axis)
    graph = helper.make_graph([node], "g", [_vi("x", [1, 3, 2, 2])], [_vi("y", [1, 3, 2, 2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    imported = formats.read(model.SerializeToString(), "m.onnx")
    softmax = imported.node("softmax")
    assert (softmax.type == "Softmax") is mapped
    if not mapped:  # kept as ONNX's operator, with ONNX's shape
        assert softmax.type == "onnx.Softmax" and softmax.output_shapes == [[1, 3, 2, 2]]


def test_control_flow_stays_opaque() -> None:
    then = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["t"])], "then", [], [_vi("t", [2, 3])]
    )
    other = helper.make_graph(
        [helper.make_node("Sigmoid", ["x"], ["e"])], "else", [], [_vi("e", [2, 3])]
    )
    node = helper.make_node("If", ["c"], ["y"], name="branch", then_branch=then, else_branch=other)
    inputs = [_vi("x", [2, 3]), helper.make_tensor_value_info("c", TensorProto.BOOL, [])]
    data = _model([node], inputs, [_vi("y", [2, 3])], [])
    graph = formats.read(data, "m.onnx")
    branch = graph.node("branch")
    assert branch.type == "If" and branch.output_shapes == [[2, 3]] and branch.params == {}
