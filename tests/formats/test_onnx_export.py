"""ONNX export, proven by ONNX itself: checker, strict shape inference, onnxruntime.

``check_export`` is the oracle every ONNX test uses: the exported model must pass
``check_model(full_check=True)`` and strict shape inference, run in onnxruntime, and
every tensor named after one of our layers must have the shape our analysis gives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcanvas.analysis import analyze
from netcanvas.formats import UnsupportedError
from netcanvas.graph.model import Graph, Node, parse_ref, sequential
from netcanvas.layers import REGISTRY
from tests.conftest import need

pytestmark = pytest.mark.oracle


def _dims(value_info: Any) -> list[int | str]:
    return [
        d.dim_param if d.dim_param else d.dim_value for d in value_info.type.tensor_type.shape.dim
    ]


def check_export(
    graph: Graph, options: dict[str, Any] | None = None, batch: int | None = None
) -> Any:
    """Export, check with ONNX, run with onnxruntime; shapes must equal our analysis."""
    need("onnx")
    need("onnxruntime")
    import onnx
    import onnxruntime as ort

    from netcanvas.formats.onnx.writer import export

    analysis = analyze(graph)
    assert analysis.ok, analysis.errors
    model = export(graph, options)
    data = model.SerializeToString()  # once: VGG-sized weights make every copy cost seconds
    onnx.checker.check_model(data, full_check=True)  # includes strict inference on the model
    # The shapes of every tensor, inferred again on the same graph without the weights'
    # bytes: inference reads only their types and shapes (and small constant inputs).
    inferred = inferred_model = onnx.shape_inference.infer_shapes(
        _skeleton(model), strict_mode=True
    )
    known = {n.name for n in graph.nodes}
    dynamic = bool((options or {}).get("dynamic_batch"))
    graph_batch = next(
        (n.params["shape"][0] for n in graph.nodes if n.type == "Input" and "shape" in n.params),
        1,
    )
    for info in [*inferred.graph.value_info, *inferred.graph.output]:
        ref = parse_ref(info.name, known)
        if ref is None or info.name not in _our_tensors(graph, analysis):
            continue
        ours = list(analysis[ref.node].output_shapes[ref.index] or ())
        dims = _dims(info)
        if dynamic:  # the symbolic batch stands where our batch size is
            batch_axes = [i for i, d in enumerate(dims) if isinstance(d, str)]
            assert all(ours[i] == graph_batch for i in batch_axes), (info.name, dims, ours)
            dims = [ours[i] if isinstance(d, str) else d for i, d in enumerate(dims)]
        assert dims == ours, f"{info.name}: ONNX infers {dims}, we say {ours}"
    session = ort_session(data, ort)
    feeds = {}
    for spec in session.get_inputs():
        shape = list(analysis[spec.name].output_shapes[0] or ())
        if batch is not None:
            shape[0] = batch
        if spec.type == "tensor(int64)":
            feeds[spec.name] = np.zeros(shape, dtype=np.int64)
        else:
            feeds[spec.name] = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    results = session.run(None, feeds)
    assert results, "the model has no outputs"
    # An imported model's outputs keep their original names (graph.meta.onnx.outputs).
    renamed = ((graph.meta.get("onnx") or {}).get("outputs")) or {}
    original = {name: layer for layer, name in renamed.items()}
    for spec, value in zip(session.get_outputs(), results, strict=True):
        ref = parse_ref(original.get(spec.name, spec.name), known)
        assert ref is not None, f"graph output {spec.name} is not named after a layer"
        ours = list(analysis[ref.node].output_shapes[ref.index] or ())
        if batch is not None:  # the run's batch stands where ONNX infers the symbol
            inferred = next(o for o in inferred_model.graph.output if o.name == spec.name)
            ours = [
                batch if isinstance(d, str) else o
                for d, o in zip(_dims(inferred), ours, strict=True)
            ]
        assert list(value.shape) == ours, f"{spec.name}: ran to {value.shape}, we say {ours}"
        assert np.isfinite(value).all(), f"{spec.name} has non-finite values"
    return model


def _our_tensors(graph: Graph, analysis: Any) -> set[str]:
    out = set()
    for node in analysis.nodes:
        for k in range(len(node.output_shapes)):
            out.add(node.name if k == 0 else f"{node.name}:{k}")
    return out


# Tensors this large become declared graph inputs in the shape-inference skeleton.
_BIG = 4096


def _skeleton(model: Any) -> Any:
    """The model with its large float initializers declared as typed inputs instead."""
    from onnx import TensorProto, helper

    small, declared = [], []
    for tensor in model.graph.initializer:
        count = int(np.prod(tensor.dims)) if tensor.dims else 1
        if tensor.data_type == TensorProto.FLOAT and count > _BIG:
            declared.append(
                helper.make_tensor_value_info(tensor.name, tensor.data_type, list(tensor.dims))
            )
        else:
            small.append(tensor)
    graph = helper.make_graph(
        list(model.graph.node),
        model.graph.name,
        [*model.graph.input, *declared],
        list(model.graph.output),
        small,
    )
    skeleton = helper.make_model(graph, opset_imports=list(model.opset_import))
    skeleton.ir_version = model.ir_version
    return skeleton


_SESSION_OPTIONS: list[Any] = []


def ort_session(data: bytes, ort: Any) -> Any:
    if not _SESSION_OPTIONS:
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        # The oracle is the runtime's semantics, not its optimiser: skip graph rewriting.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        _SESSION_OPTIONS.append(options)
    return ort.InferenceSession(data, _SESSION_OPTIONS[0], providers=["CPUExecutionProvider"])


def has(*types: str) -> bool:
    return all(t in REGISTRY for t in types)


# --- hand-written nets ----------------------------------------------------------------


def test_conv_pool_linear_chain() -> None:
    graph = sequential(
        [
            ("data", "Input", {"shape": [2, 3, 17, 17]}),
            ("conv1", "Conv2d", {"out_channels": 8, "padding": "same", "stride": 2}),
            ("pool1", "MaxPool2d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
            ("conv2", "Conv2d", {"out_channels": 8, "kernel_size": 3, "groups": 4, "bias": False}),
            ("up", "ConvTranspose2d", {"out_channels": 4, "stride": 2, "output_padding": 1}),
            ("gap", "GlobalAvgPool2d", {}),
            ("fc", "Linear", {"out_features": 5}),
        ]
    )
    model = check_export(graph)
    assert [o.name for o in model.graph.output] == ["fc"]
    assert [i.name for i in model.graph.input] == ["data"]
    assert {n.name for n in model.graph.node} >= {"conv1", "pool1", "conv2", "up", "fc"}


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding"),
    [(8, 3, 3, 1), (7, 3, 2, 0), (13, 3, 2, 1), (6, 2, 2, 0), (10, 4, 3, 2)],
)
@pytest.mark.parametrize("kind", ["MaxPool2d", "AvgPool2d"])
def test_ceil_mode_pooling_matches_torch_rounding(
    kind: str, size: int, kernel: int, stride: int, padding: int
) -> None:
    graph = sequential(
        [
            ("data", "Input", {"shape": [1, 2, size, size]}),
            (
                "pool",
                kind,
                {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": True},
            ),
        ]
    )
    check_export(graph)
    need("torch")
    import torch

    layer = getattr(torch.nn, kind)(kernel, stride, padding, ceil_mode=True)
    want = tuple(layer(torch.zeros(1, 2, size, size)).shape)
    assert analyze(graph)["pool"].output_shapes[0] == want


@pytest.mark.parametrize(
    ("kind", "size", "out"),
    [
        ("AdaptiveAvgPool2d", [7, 9], [3, 4]),
        ("AdaptiveAvgPool2d", [8, 8], [4, 2]),
        ("AdaptiveMaxPool2d", [8, 6], [2, 3]),
        ("AdaptiveAvgPool1d", [10], [3]),
        ("AdaptiveAvgPool3d", [4, 4, 6], [2, 2, 3]),
        ("AdaptiveMaxPool1d", [9], [1]),
    ],
)
def test_adaptive_pooling(kind: str, size: list[int], out: list[int]) -> None:
    graph = sequential(
        [("data", "Input", {"shape": [1, 3, *size]}), ("pool", kind, {"output_size": out})]
    )
    model = check_export(graph)
    need("torch")
    import onnxruntime as ort
    import torch

    x = np.random.default_rng(1).standard_normal([1, 3, *size]).astype(np.float32)
    want = getattr(torch.nn, kind)(out)(torch.from_numpy(x)).numpy()
    got = ort_session(model.SerializeToString(), ort).run(None, {"data": x})[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_uneven_adaptive_max_pool_is_refused_with_a_reason() -> None:
    graph = sequential(
        [
            ("data", "Input", {"shape": [1, 3, 7, 7]}),
            ("pool", "AdaptiveMaxPool2d", {"output_size": 3}),
        ]
    )
    from netcanvas.formats.onnx.writer import export

    with pytest.raises(UnsupportedError, match="uneven windows"):
        export(graph)


def test_conv_family_1d_3d_and_linear_on_sequences() -> None:
    graph = sequential(
        [
            ("data", "Input", {"shape": [1, 4, 6, 8, 8]}),
            ("c3", "Conv3d", {"out_channels": 4, "kernel_size": [1, 3, 3], "padding": [0, 1, 1]}),
            ("t3", "ConvTranspose3d", {"out_channels": 2, "kernel_size": 2, "stride": 2}),
            ("p3", "AvgPool3d", {"kernel_size": 2, "count_include_pad": False}),
            ("m3", "MaxPool3d", {"kernel_size": 2, "dilation": 1}),
            ("fc", "Linear", {"out_features": 3}),
        ]
    )
    check_export(graph)
    seq = sequential(
        [
            ("data", "Input", {"shape": [2, 4, 20]}),
            ("c1", "Conv1d", {"out_channels": 6, "kernel_size": 5, "dilation": 2}),
            ("t1", "ConvTranspose1d", {"out_channels": 3, "kernel_size": 3, "stride": 3}),
            ("p1", "MaxPool1d", {"kernel_size": 3, "ceil_mode": True}),
            ("a1", "AvgPool1d", {"kernel_size": 2}),
            ("fc", "Linear", {"out_features": 7, "bias": False}),
        ]
    )
    check_export(seq)


def test_embedding_takes_int64_tokens() -> None:
    graph = sequential(
        [
            ("tokens", "Input", {"shape": [2, 12], "dtype": "int64"}),
            ("embed", "Embedding", {"num_embeddings": 50, "embedding_dim": 8}),
            ("fc", "Linear", {"out_features": 4}),
        ]
    )
    model = check_export(graph)
    assert model.graph.input[0].type.tensor_type.elem_type == 7  # INT64


def test_dynamic_batch_runs_with_another_batch() -> None:
    graph = sequential(
        [
            ("data", "Input", {"shape": [1, 3, 16, 16]}),
            ("conv", "Conv2d", {"out_channels": 4}),
            ("gap", "GlobalMaxPool2d", {}),
            ("fc", "Linear", {"out_features": 2}),
        ]
    )
    model = check_export(graph, {"dynamic_batch": True}, batch=3)
    assert _dims(model.graph.input[0])[0] == "N"


def test_export_is_deterministic() -> None:
    from netcanvas.formats.onnx.writer import export

    graph = sequential(
        [("data", "Input", {"shape": [1, 3, 8, 8]}), ("conv", "Conv2d", {"out_channels": 4})]
    )
    assert export(graph).SerializeToString() == export(graph).SerializeToString()


def test_refusals_name_every_problem() -> None:
    from netcanvas.formats.onnx.writer import export

    graph = sequential(
        [
            ("data", "Input", {"shape": [1, 3, 8, 8]}),
            ("odd", "BCEWithLogitsLoss", {}),
            ("conv", "Conv2d", {"out_channels": 4}),
        ]
    )
    with pytest.raises(UnsupportedError, match="ONNX cannot express: BCEWithLogitsLoss"):
        export(graph)
    no_shape = sequential([("data", "Input", {}), ("conv", "Conv2d", {})])
    with pytest.raises(UnsupportedError, match="input shape"):
        export(no_shape)
    broken = sequential(
        [("data", "Input", {"shape": [1, 3, 2, 2]}), ("conv", "Conv2d", {"kernel_size": 5})]
    )
    with pytest.raises(UnsupportedError, match="conv"):
        export(broken)


@pytest.mark.skipif(not has("LSTM", "GRU", "RNN"), reason="recurrent family not registered")
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize(
    "params",
    [
        {"hidden_size": 6},
        {"hidden_size": 5, "num_layers": 2, "bidirectional": True},
        {"hidden_size": 4, "batch_first": False},
    ],
)
def test_recurrent(kind: str, params: dict[str, Any]) -> None:
    graph = sequential([("seq", "Input", {"shape": [2, 7, 3]}), ("rnn", kind, params)])
    graph.nodes.append(Node("head", "Linear", {"out_features": 2}, ["rnn"]))
    graph.nodes.append(Node("state", "Identity", {}, ["rnn:1"]))
    check_export(graph)


# --- property-generated random graphs -------------------------------------------------


def _image_step(draw: Any, channels: int) -> tuple[str, dict[str, Any]]:
    kind = draw(
        st.sampled_from(
            [
                "Conv2d",
                "ConvTranspose2d",
                "MaxPool2d",
                "AvgPool2d",
                "AdaptiveAvgPool2d",
                *[
                    t
                    for t in (
                        "ReLU",
                        "Sigmoid",
                        "GELU",
                        "SiLU",
                        "Hardswish",
                        "PReLU",
                        "BatchNorm2d",
                        "Dropout2d",
                    )
                    if has(t)
                ],
            ]
        )
    )
    if kind in ("Conv2d", "ConvTranspose2d"):
        groups = draw(st.sampled_from([g for g in (1, 2) if channels % g == 0]))
        params: dict[str, Any] = {
            "out_channels": draw(st.integers(1, 4)) * groups,
            "kernel_size": draw(st.integers(1, 3)),
            "stride": draw(st.integers(1, 2)),
            "groups": groups,
            "bias": draw(st.booleans()),
        }
        if kind == "Conv2d":
            params["padding"] = draw(st.sampled_from([0, 1, "same"]))
            params["dilation"] = draw(st.integers(1, 2))
            if params["padding"] == "same":
                params["stride"] = 1
        return kind, params
    if kind in ("MaxPool2d", "AvgPool2d"):
        k = draw(st.integers(1, 3))
        return kind, {
            "kernel_size": k,
            "stride": draw(st.integers(1, 3)),
            "padding": draw(st.integers(0, k // 2)),
            "ceil_mode": draw(st.booleans()),
        }
    if kind == "AdaptiveAvgPool2d":
        return kind, {"output_size": [draw(st.integers(1, 4)), draw(st.integers(1, 4))]}
    if kind == "PReLU":
        return kind, {"num_parameters": draw(st.sampled_from([1, channels]))}
    return kind, {}


@st.composite
def image_graphs(draw: Any) -> Graph:
    """A random valid CNN: a chain with optional residual merges and a classifier head."""
    shape = [
        draw(st.integers(1, 2)),
        draw(st.integers(1, 4)),
        draw(st.integers(4, 12)),
        draw(st.integers(4, 12)),
    ]
    graph = Graph(name="random", nodes=[Node("data", "Input", {"shape": shape})])
    last = "data"
    for i in range(draw(st.integers(1, 6))):
        channels = analyze(graph)[last].output_shapes[0]
        assert channels is not None
        kind, params = _image_step(draw, channels[1])
        node = Node(f"l{i}", kind, params, [last])
        graph.nodes.append(node)
        result = analyze(graph)[node.name]
        if result.error:
            graph.nodes.pop()
            continue
        if has("Add") and draw(st.booleans()):
            # A residual join wherever an earlier tensor has the same shape.
            same = [
                r.name
                for r in analyze(graph).nodes
                if r.name != node.name and r.output_shapes[0] == result.output_shapes[0]
            ]
            if same:
                graph.nodes.append(
                    Node(f"add{i}", "Add", {}, [node.name, draw(st.sampled_from(same))])
                )
                node = graph.nodes[-1]
        last = node.name
    if draw(st.booleans()):
        graph.nodes.append(Node("gap", "GlobalAvgPool2d", {}, [last]))
        graph.nodes.append(Node("fc", "Linear", {"out_features": draw(st.integers(1, 5))}, ["gap"]))
    return graph


@settings(max_examples=25, deadline=None)
@given(image_graphs())
def test_random_image_graphs_export_and_run(graph: Graph) -> None:
    check_export(graph)


# --- every family, one small net each ---------------------------------------------------

IMAGE = [2, 4, 6, 6]
SEQ = [2, 5, 6]
SINGLE = [
    ("ReLU6", {}, IMAGE),
    ("LeakyReLU", {"negative_slope": 0.2}, IMAGE),
    ("ELU", {}, IMAGE),
    ("SELU", {}, IMAGE),
    ("CELU", {"alpha": 0.5}, IMAGE),
    ("GELU", {"approximate": "tanh"}, IMAGE),
    ("Mish", {}, IMAGE),
    ("Tanh", {}, IMAGE),
    ("Hardtanh", {}, IMAGE),
    ("Hardsigmoid", {}, IMAGE),
    ("Softplus", {"beta": 2.0}, IMAGE),
    ("Softsign", {}, IMAGE),
    ("Softmax", {"dim": 1}, IMAGE),
    ("LogSoftmax", {"dim": -1}, SEQ),
    ("PReLU", {"num_parameters": 4}, IMAGE),
    ("Dropout", {"p": 0.3}, IMAGE),
    ("AlphaDropout", {}, SEQ),
    ("BatchNorm2d", {}, IMAGE),
    ("BatchNorm1d", {"affine": False}, SEQ),
    ("BatchNorm2d", {"track_running_stats": False}, IMAGE),
    ("InstanceNorm2d", {}, IMAGE),
    ("InstanceNorm1d", {"affine": True}, SEQ),
    ("GroupNorm", {"num_groups": 2}, IMAGE),
    ("LayerNorm", {}, SEQ),
    ("LayerNorm", {"normalized_shape": [6, 6], "bias": False}, IMAGE),
    ("RMSNorm", {}, SEQ),
    ("LocalResponseNorm", {"size": 3}, IMAGE),
    ("Flatten", {}, IMAGE),
    ("Flatten", {"start_dim": 2}, IMAGE),
    ("Flatten", {"start_dim": 1, "end_dim": 2}, IMAGE),
    ("Unflatten", {"dim": 2, "unflattened_size": [3, 2]}, SEQ),
    ("Reshape", {"shape": [0, -1]}, IMAGE),
    ("Permute", {"dims": [0, 2, 3, 1]}, IMAGE),
    ("Squeeze", {}, [2, 1, 6]),
    ("Unsqueeze", {"dim": -1}, SEQ),
    ("PixelShuffle", {"upscale_factor": 2}, IMAGE),
    ("PixelUnshuffle", {"downscale_factor": 2}, IMAGE),
    ("ZeroPad2d", {"padding": [1, 0, 2, 1]}, IMAGE),
    ("ConstantPad2d", {"padding": 1, "value": 0.5}, IMAGE),
    ("Split", {"dim": 1, "sections": 2}, IMAGE),
    ("Split", {"dim": -1, "sizes": [1, 2, 3]}, SEQ),
    ("Upsample", {"scale_factor": 2.0}, IMAGE),
    ("Upsample", {"size": [9, 7], "mode": "bilinear", "align_corners": True}, IMAGE),
    ("Upsample", {"scale_factor": 1.5, "mode": "bicubic"}, IMAGE),
    ("Power", {"power": 2.0, "scale": 0.5, "shift": 1.0}, IMAGE),
    ("Abs", {}, IMAGE),
    ("Exp", {"base": 2.0, "scale": 0.5}, IMAGE),
    ("Log", {"shift": 10.0}, IMAGE),
    ("Scale", {"bias": True}, IMAGE),
    ("Bias", {}, IMAGE),
    ("InnerProduct", {"out_features": 3}, IMAGE),
    ("Tile", {"axis": 1, "tiles": 2}, IMAGE),
    ("BinaryThreshold", {"threshold": 0.1}, IMAGE),
]


CAFFE_SINGLE = [
    ("TensorSplit", {"dim": 1, "indices": [1, 3]}, IMAGE),
    ("Reduction", {"operation": "SUMSQ", "axis": 1, "coeff": 0.5}, IMAGE),
    ("Reduction", {"operation": "SUM", "axis": 2}, IMAGE),
    ("Reduction", {"operation": "ASUM", "axis": 1}, IMAGE),
    ("Reduction", {"operation": "MEAN", "axis": 1}, IMAGE),
    ("Normalize", {"channel_shared": False, "across_spatial": False}, IMAGE),
    ("Normalize", {}, IMAGE),
    ("MVN", {}, IMAGE),
    ("MVN", {"across_channels": True, "normalize_variance": False}, IMAGE),
    ("Interp", {"zoom_factor": 2}, IMAGE),
    ("Interp", {"height": 9, "width": 4}, IMAGE),
]


@pytest.mark.parametrize(("kind", "params", "shape"), SINGLE + CAFFE_SINGLE, ids=lambda v: str(v))
def test_single_layer(kind: str, params: dict[str, Any], shape: list[int]) -> None:
    if not has(kind):
        pytest.skip(f"{kind} is not registered")
    graph = sequential([("data", "Input", {"shape": shape}), ("layer", kind, params)])
    check_export(graph)


@pytest.mark.parametrize(
    ("kind", "params", "shapes"),
    [
        ("Add", {}, [IMAGE, [2, 4, 1, 1]]),
        ("Add", {"coeff": [1.0, -1.0, 0.5]}, [IMAGE, IMAGE, IMAGE]),
        ("Multiply", {}, [IMAGE, [2, 4, 1, 1], IMAGE]),
        ("Subtract", {}, [IMAGE, IMAGE]),
        ("Maximum", {}, [IMAGE, IMAGE, IMAGE]),
        ("Minimum", {}, [IMAGE, IMAGE]),
        ("Concat", {"dim": 1}, [IMAGE, [2, 3, 6, 6]]),
        ("MatMul", {}, [SEQ, [2, 6, 5]]),
        ("Crop", {"offset": [1, 2]}, [IMAGE, [2, 4, 4, 3]]),
        ("Scale", {"axis": 0}, [IMAGE, [2, 4]]),
        ("MultiheadAttention", {"num_heads": 2}, [SEQ]),
        ("MultiheadAttention", {"num_heads": 3, "batch_first": False}, [SEQ, [7, 5, 4], [7, 5, 5]]),
        ("MultiheadAttention", {"num_heads": 2, "bias": False}, [SEQ, [2, 7, 6], [2, 7, 6]]),
        ("TransformerEncoderLayer", {"nhead": 2, "dim_feedforward": 16}, [SEQ]),
        (
            "TransformerEncoderLayer",
            {"nhead": 3, "dim_feedforward": 8, "norm_first": True, "activation": "gelu"},
            [SEQ],
        ),
        ("TransformerDecoderLayer", {"nhead": 2, "dim_feedforward": 16}, [SEQ, [2, 4, 6]]),
        (
            "TransformerDecoderLayer",
            {"nhead": 2, "dim_feedforward": 8, "batch_first": False, "bias": False},
            [SEQ, [4, 5, 6]],
        ),
    ],
)
def test_multi_input_layer(kind: str, params: dict[str, Any], shapes: list[list[int]]) -> None:
    if not has(kind):
        pytest.skip(f"{kind} is not registered")
    graph = Graph(nodes=[Node(f"in{i}", "Input", {"shape": s}) for i, s in enumerate(shapes)])
    graph.nodes.append(Node("layer", kind, params, [f"in{i}" for i in range(len(shapes))]))
    check_export(graph)


def test_dynamic_batch_on_a_recurrent_net_with_states() -> None:
    graph = sequential(
        [
            ("tokens", "Input", {"shape": [1, 6], "dtype": "int64"}),
            ("embed", "Embedding", {"num_embeddings": 30, "embedding_dim": 8}),
            ("lstm", "LSTM", {"hidden_size": 5, "num_layers": 2}),
            ("fc", "Linear", {"out_features": 3}),
        ]
    )
    graph.nodes.append(Node("h", "Identity", {}, ["lstm:1"]))
    check_export(graph, {"dynamic_batch": True}, batch=4)


# --- values, not only shapes: weight-free layers against torch.nn itself ------------------

WEIGHT_FREE = [
    ("GELU", {}, IMAGE),
    ("GELU", {"approximate": "tanh"}, IMAGE),
    ("Mish", {}, IMAGE),
    ("SiLU", {}, IMAGE),
    ("Hardsigmoid", {}, IMAGE),
    ("Hardswish", {}, IMAGE),
    ("Softplus", {"beta": 2.0}, IMAGE),
    ("ELU", {"alpha": 0.7}, IMAGE),
    ("CELU", {"alpha": 0.5}, IMAGE),
    ("SELU", {}, IMAGE),
    ("ReLU6", {}, IMAGE),
    ("Hardtanh", {"min_val": -0.5, "max_val": 0.3}, IMAGE),
    ("LogSoftmax", {"dim": 1}, IMAGE),
    ("LocalResponseNorm", {"size": 3}, IMAGE),
    ("GroupNorm", {"num_groups": 2, "affine": False}, IMAGE),
    ("RMSNorm", {"elementwise_affine": False}, SEQ),
    ("LayerNorm", {"elementwise_affine": False}, SEQ),
    ("InstanceNorm2d", {}, IMAGE),
    ("BatchNorm2d", {"affine": False, "track_running_stats": False}, IMAGE),
    ("PixelShuffle", {"upscale_factor": 2}, IMAGE),
    ("PixelUnshuffle", {"downscale_factor": 2}, IMAGE),
    ("Upsample", {"scale_factor": 2.0}, IMAGE),
    ("Upsample", {"size": [9, 7], "mode": "bilinear"}, IMAGE),
    ("Upsample", {"size": [9, 7], "mode": "bilinear", "align_corners": True}, IMAGE),
    ("Upsample", {"scale_factor": 2.0, "mode": "bicubic"}, IMAGE),
    ("Upsample", {"size": [11, 5], "mode": "nearest"}, IMAGE),
    ("MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}, IMAGE),
    ("AvgPool2d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}, IMAGE),
    ("AvgPool2d", {"kernel_size": 3, "padding": 1, "count_include_pad": False}, IMAGE),
    ("AdaptiveAvgPool2d", {"output_size": [4, 5]}, IMAGE),
    ("ZeroPad2d", {"padding": [1, 0, 2, -1]}, IMAGE),
    ("Flatten", {"start_dim": 1, "end_dim": 2}, IMAGE),
    # Caffe layers: both exporters spell Caffe's formulas; they must agree.
    ("Power", {"power": 2.0, "scale": 0.5, "shift": 1.0}, IMAGE),
    ("Exp", {"base": 2.0, "scale": 0.5, "shift": 0.1}, IMAGE),
    ("Log", {"shift": 10.0, "base": 10.0}, IMAGE),
    ("Abs", {}, IMAGE),
    ("Tile", {"axis": 2, "tiles": 2}, IMAGE),
    ("Reduction", {"operation": "ASUM", "axis": 1, "coeff": 0.5}, IMAGE),
    ("Reduction", {"operation": "SUMSQ", "axis": 2}, IMAGE),
    ("MVN", {}, IMAGE),
    ("MVN", {"across_channels": True}, IMAGE),
    ("Normalize", {"channel_shared": False, "across_spatial": False}, IMAGE),
    ("Interp", {"zoom_factor": 2}, IMAGE),
]


@pytest.mark.parametrize(("kind", "params", "shape"), WEIGHT_FREE, ids=lambda v: str(v))
def test_values_match_torch(kind: str, params: dict[str, Any], shape: list[int]) -> None:
    """ONNX decompositions (GELU, Mish, GroupNorm, PixelUnshuffle, Resize modes, ceil
    pooling...) compute what torch.nn computes, run by onnxruntime."""
    need("torch")
    import onnxruntime as ort
    import torch

    from netcanvas.formats.code.pytorch_writer import generate

    graph = sequential([("data", "Input", {"shape": shape}), ("layer", kind, params)])
    model = check_export(graph)
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(generate(graph), "<generated>", "exec"), namespace)
    x = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        want = namespace["Network"]().eval()(torch.from_numpy(x)).numpy()
    got = ort_session(model.SerializeToString(), ort).run(None, {"data": x})[0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


# --- Caffe-only layers: priors, ROI pooling, ArgMax ----------------------------------


def _caffe_priors(
    feature_hw: tuple[int, int],
    image_hw: tuple[int, int],
    min_sizes: list[float],
    max_sizes: list[float],
    ratios: list[float],
    flip: bool,
    clip: bool,
    variance: list[float],
    step: float,
    offset: float,
) -> np.ndarray[Any, Any]:
    """Caffe SSD's PriorBoxLayer::Forward_cpu, loop by loop, as its source documents it."""
    layer_h, layer_w = feature_hw
    img_h, img_w = image_hw
    all_ratios = [1.0]
    for r in ratios:
        if all(abs(r - a) >= 1e-6 for a in all_ratios):
            all_ratios.append(r)
            if flip:
                all_ratios.append(1.0 / r)
    step_w = step if step else img_w / layer_w
    step_h = step if step else img_h / layer_h
    top: list[float] = []
    for h in range(layer_h):
        for w in range(layer_w):
            center_x = (w + offset) * step_w
            center_y = (h + offset) * step_h
            for s, min_size in enumerate(min_sizes):
                widths = [min_size]
                heights = [min_size]
                if max_sizes:
                    widths.append((min_size * max_sizes[s]) ** 0.5)
                    heights.append((min_size * max_sizes[s]) ** 0.5)
                for ar in all_ratios:
                    if abs(ar - 1.0) < 1e-6:
                        continue
                    widths.append(min_size * ar**0.5)
                    heights.append(min_size / ar**0.5)
                for box_w, box_h in zip(widths, heights, strict=True):
                    top += [
                        (center_x - box_w / 2.0) / img_w,
                        (center_y - box_h / 2.0) / img_h,
                        (center_x + box_w / 2.0) / img_w,
                        (center_y + box_h / 2.0) / img_h,
                    ]
    if clip:
        top = [min(max(v, 0.0), 1.0) for v in top]
    variances = variance * (len(top) // 4) if len(variance) == 4 else variance * len(top)
    return np.asarray([[top, variances]], dtype=np.float32)


def run_checked(graph: Graph, feeds: dict[str, np.ndarray[Any, Any]]) -> list[Any]:
    """Export, check in full, run: for tests whose inputs must be chosen (ROI boxes)."""
    import onnx
    import onnxruntime as ort

    from netcanvas.formats.onnx.writer import export

    data = export(graph).SerializeToString()
    onnx.checker.check_model(data, full_check=True)
    return list(ort_session(data, ort).run(None, feeds))


PRIOR_CASES = [
    # (feature H, W), (image H, W), min, max, ratios, flip, clip, variance, step, offset
    ((2, 2), (8, 8), [2.0], [4.0], [2.0], True, False, [0.1, 0.1, 0.2, 0.2], 0.0, 0.5),
    ((3, 5), (30, 50), [6.0, 12.0], [9.0, 20.0], [2.0, 3.0], True, True, [0.1], 10.0, 0.5),
    ((4, 3), (32, 30), [16.0], [], [2.0, 0.5], False, True, [0.1, 0.1, 0.2, 0.2], 0.0, 0.25),
]


@pytest.mark.parametrize("case", PRIOR_CASES)
def test_prior_box_is_caffes_constant(case: tuple[Any, ...]) -> None:
    (fh, fw), (ih, iw), min_s, max_s, ratios, flip, clip, variance, step, offset = case
    need("onnxruntime")
    params = {"min_size": min_s, "max_size": max_s, "aspect_ratio": ratios, "flip": flip,
              "clip": clip, "variance": variance, "step": step, "offset": offset}  # fmt: skip
    graph = Graph(
        "priors",
        [
            Node("data", "Input", {"shape": [1, 3, ih, iw]}),
            Node("feat", "AdaptiveAvgPool2d", {"output_size": [fh, fw]}, ["data"]),
            Node("priors", "PriorBox", params, ["feat", "data"]),
        ],
    )
    check_export(graph)
    x = np.zeros([1, 3, ih, iw], dtype=np.float32)
    (got,) = run_checked(graph, {"data": x})
    want = _caffe_priors((fh, fw), (ih, iw), min_s, max_s, ratios, flip, clip, variance,
                         step, offset)  # fmt: skip
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    if case is PRIOR_CASES[0]:
        # By hand: cell (0, 0) has centre (2, 2) in an 8×8 image; its min box is 2 wide.
        np.testing.assert_allclose(got[0, 0, :4], [0.125, 0.125, 0.375, 0.375])
        np.testing.assert_allclose(got[0, 1, :4], [0.1, 0.1, 0.2, 0.2])


def _caffe_roi_pool(
    features: np.ndarray[Any, Any], rois: np.ndarray[Any, Any], ph: int, pw: int, scale: float
) -> np.ndarray[Any, Any]:
    """Caffe's ROIPoolingLayer forward: rounded box, +1 extent, floor/ceil bins, 0 if empty."""
    _, channels, height, width = features.shape
    out = np.zeros([len(rois), channels, ph, pw], dtype=np.float32)
    for r, (batch, x1, y1, x2, y2) in enumerate(rois):
        start_w, start_h = int(np.floor(x1 * scale + 0.5)), int(np.floor(y1 * scale + 0.5))
        end_w, end_h = int(np.floor(x2 * scale + 0.5)), int(np.floor(y2 * scale + 0.5))
        bin_h = max(end_h - start_h + 1, 1) / ph
        bin_w = max(end_w - start_w + 1, 1) / pw
        for i in range(ph):
            for j in range(pw):
                h0 = min(max(int(np.floor(i * bin_h)) + start_h, 0), height)
                h1 = min(max(int(np.ceil((i + 1) * bin_h)) + start_h, 0), height)
                w0 = min(max(int(np.floor(j * bin_w)) + start_w, 0), width)
                w1 = min(max(int(np.ceil((j + 1) * bin_w)) + start_w, 0), width)
                if h1 > h0 and w1 > w0:
                    out[r, :, i, j] = features[int(batch), :, h0:h1, w0:w1].max(axis=(1, 2))
    return out


def test_roi_pooling_is_onnx_max_roi_pool_with_caffes_bins() -> None:
    need("onnxruntime")
    graph = Graph(
        "roi",
        [
            Node("feat", "Input", {"shape": [2, 3, 6, 8]}),
            Node("rois", "Input", {"shape": [4, 5]}),
            Node(
                "pool",
                "ROIPooling",
                {"pooled_h": 2, "pooled_w": 3, "spatial_scale": 0.5},
                ["feat", "rois"],
            ),  # fmt: skip
        ],
    )
    features = np.random.default_rng(3).standard_normal([2, 3, 6, 8]).astype(np.float32)
    rois = np.asarray(
        [[0, 0, 0, 15, 11], [1, 2.2, 4.1, 9.3, 8.8], [1, 6, 2, 6, 2], [0, 10.4, 0.2, 13.7, 7.1]],
        dtype=np.float32,
    )
    (got,) = run_checked(graph, {"feat": features, "rois": rois})
    assert got.shape == (4, 3, 2, 3)  # our analysis: [R, C, pooled_h, pooled_w]
    np.testing.assert_allclose(got, _caffe_roi_pool(features, rois, 2, 3, 0.5))


@pytest.mark.parametrize(
    ("params", "shape"),
    [
        ({"top_k": 3}, [2, 4, 5]),
        ({"top_k": 2, "out_max_val": True}, [2, 3, 2, 2]),
        ({"top_k": 2, "axis": 1}, [2, 6, 3]),
        ({"top_k": 1, "axis": -1, "out_max_val": True}, [2, 3, 7]),
    ],
)
def test_argmax_is_caffes_top_k(params: dict[str, Any], shape: list[int]) -> None:
    need("onnxruntime")
    graph = sequential([("data", "Input", {"shape": shape}), ("arg", "ArgMax", params)])
    check_export(graph)
    x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    (got,) = run_checked(graph, {"data": x})
    k = params["top_k"]
    if "axis" in params:
        order = np.flip(np.argsort(x, axis=params["axis"]), axis=params["axis"])
        order = np.take(order, range(k), axis=params["axis"])
        values = np.take_along_axis(x, order, axis=params["axis"])
        want = values if params.get("out_max_val") else order.astype(np.float32)
    else:
        flat = x.reshape(shape[0], -1)
        order = np.argsort(-flat, axis=1)[:, :k]
        rows = [order.astype(np.float32)]
        if params.get("out_max_val"):
            rows.append(np.take_along_axis(flat, order, axis=1))
        want = np.stack(rows, axis=1)
    np.testing.assert_allclose(got, want)


@pytest.mark.parametrize(
    ("size", "ceil", "unpool"),
    [
        (6, False, {"kernel_size": 2}),
        (5, True, {"kernel_size": 2, "output_size": [5, 5]}),  # smaller than the default
        (7, False, {"kernel_size": 2, "output_size": [7, 7]}),  # larger than the default
    ],
)
def test_max_unpool_reads_the_pooling_mask(size: int, ceil: bool, unpool: dict[str, Any]) -> None:
    """SegNet's unpooling: values go back where the max pooling found them (torch oracle)."""
    need("torch")
    import torch

    graph = Graph(
        "segnet",
        [
            Node("data", "Input", {"shape": [1, 3, size, size]}),
            Node(
                "pool", "MaxPool2d", {"kernel_size": 2, "stride": 2, "ceil_mode": ceil}, ["data"]
            ),  # fmt: skip
            Node("scale", "Multiply", {}, ["pool", "pool"]),
            Node("unpool", "MaxUnpool2d", unpool, ["scale", "pool"]),
        ],
    )
    check_export(graph)
    x = np.random.default_rng(11).standard_normal([1, 3, size, size]).astype(np.float32)
    (got,) = run_checked(graph, {"data": x})
    pooled, indices = torch.nn.functional.max_pool2d(
        torch.from_numpy(x), 2, 2, ceil_mode=ceil, return_indices=True
    )
    want = torch.nn.functional.max_unpool2d(pooled * pooled, indices, 2, 2, output_size=[size] * 2)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-6)


def test_weights_past_one_onnx_file_are_refused_before_allocating() -> None:
    from netcanvas.formats import onnx as onnx_format

    # 160 GB of float32: had it been allocated, numpy would raise MemoryError instead.
    graph = sequential(
        [
            ("data", "Input", {"shape": [1, 200_000]}),
            ("fc", "Linear", {"out_features": 200_000}),
        ]
    )
    with pytest.raises(UnsupportedError, match="2 GB"):
        onnx_format.dump(graph, {})
