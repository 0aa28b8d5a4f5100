"""PyTorch's constructor arguments through the three exporters (issue 20 item 10).

PyTorch code writes every non-default setting; ONNX and Keras express them or refuse
with the setting named. Values are checked against torch: layers with weights get
torch's weights copied in.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

from netcanvas.analysis import analyze
from netcanvas.formats import UnsupportedError
from netcanvas.formats.code.keras_writer import generate as generate_keras
from netcanvas.formats.code.pytorch_writer import generate as generate_torch
from netcanvas.graph.model import Graph, Node, sequential
from tests.conftest import need
from tests.formats.test_keras import check_keras
from tests.formats.test_onnx_export import check_export, ort_session
from tests.formats.test_pytorch import check_pytorch

pytestmark = pytest.mark.oracle
os.environ.setdefault("KERAS_BACKEND", "torch")

IMAGE = [2, 3, 7, 8]


def _one(kind: str, params: dict[str, Any], shape: list[int], **input_params: Any) -> Graph:
    return sequential(
        [("data", "Input", {"shape": shape, **input_params}), ("layer", kind, params)]
    )


def _torch(graph: Graph) -> Any:
    need("torch")
    import torch

    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(generate_torch(graph), "<torch>", "exec"), namespace)
    torch.manual_seed(0)
    return namespace["Network"]().eval()


def _run_torch(graph: Graph, x: np.ndarray[Any, Any]) -> list[np.ndarray[Any, Any]]:
    import torch

    with torch.no_grad():
        out = _torch(graph)(torch.from_numpy(x))
    return [t.numpy() for t in ([out] if isinstance(out, torch.Tensor) else out)]


def _onnx_values(model: Any, x: np.ndarray[Any, Any], weights: dict[str, Any]) -> list[Any]:
    """Run the exported model with some initializers replaced by torch's tensors."""
    import onnxruntime as ort

    for init in model.graph.initializer:
        if init.name in weights:
            init.raw_data = weights[init.name].astype(np.float32).tobytes()
    return list(ort_session(model.SerializeToString(), ort).run(None, {"data": x}))


def _x(shape: list[int]) -> np.ndarray[Any, Any]:
    return np.random.default_rng(4).standard_normal(shape).astype(np.float32)


# --- the PyTorch code spells every setting ----------------------------------------------

SPELLED = [
    ("Conv2d", {"out_channels": 4, "padding": 1, "padding_mode": "reflect"},
     "padding_mode='reflect'"),
    ("Conv2d", {"out_channels": 4, "in_channels": 3, "device": "cpu"},
     "nn.Conv2d(3, 4, kernel_size=3, device='cpu')"),
    ("MaxPool2d", {"kernel_size": 2, "return_indices": True}, "return_indices=True"),
    ("AvgPool2d", {"kernel_size": 3, "divisor_override": 2}, "divisor_override=2"),
    ("BatchNorm2d", {"bias": False, "num_features": 3}, "nn.BatchNorm2d(3, bias=False)"),
    ("GroupNorm", {"num_groups": 3, "num_channels": 3, "bias": False},
     "nn.GroupNorm(3, 3, bias=False)"),
    ("InstanceNorm2d", {"affine": True, "bias": False},
     "nn.InstanceNorm2d(3, affine=True, bias=False)"),
    ("ReLU", {"inplace": True}, "nn.ReLU(inplace=True)"),
    ("Dropout2d", {"inplace": True}, "nn.Dropout2d(inplace=True)"),
    ("Hardtanh", {"min_value": -0.5, "max_value": 0.5}, "nn.Hardtanh(min_val=-0.5, max_val=0.5)"),
    ("Upsample", {"scale_factor": 1.5, "recompute_scale_factor": True},
     "recompute_scale_factor=True"),
    ("Linear", {"out_features": 5, "in_features": 8, "dtype": "torch.float64"},
     "nn.Linear(8, 5, dtype=torch.float64)"),
    ("PReLU", {"num_parameters": 3, "dtype": "float16"}, "dtype=torch.float16"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "params", "spelled"), SPELLED, ids=lambda v: str(v))
def test_pytorch_code_writes_every_setting(kind: str, params: dict[str, Any], spelled: str) -> None:
    shape = [2, 8] if kind == "Linear" else IMAGE
    source = check_pytorch(_one(kind, params, shape))
    assert spelled in source


def test_embedding_settings_are_written_and_run() -> None:
    params = {"num_embeddings": 10, "embedding_dim": 4, "max_norm": 1.0, "norm_type": 3.0,
              "scale_grad_by_freq": True, "sparse": True}  # fmt: skip
    source = check_pytorch(_one("Embedding", params, [2, 5], dtype="int64"))
    assert (
        "nn.Embedding(10, 4, max_norm=1.0, norm_type=3.0, scale_grad_by_freq=True, sparse=True)"
        in source
    )


def test_layers_in_another_precision_take_their_input_there() -> None:
    """A float64 layer gets float64 input; the float32 layer after it gets float32 back."""
    graph = sequential(
        [
            ("data", "Input", {"shape": [2, 4]}),
            ("fc", "Linear", {"out_features": 3, "dtype": "float64"}),
            ("relu", "ReLU", {}),
            ("fc2", "Linear", {"out_features": 2}),
        ]
    )
    source = check_pytorch(graph)
    assert "fc = self.fc(data.to(torch.float64))" in source
    assert "fc2 = self.fc2(relu.to(torch.float32))" in source


# --- padding_mode: torch's border copies, in ONNX and Keras -----------------------------


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, [2, 1], "same"])
def test_padding_mode_values_match_torch(mode: str, padding: Any) -> None:
    kernel = 4 if padding == "same" else 3  # 'same' with an even kernel pads unevenly
    params = {"out_channels": 4, "kernel_size": kernel, "padding": padding, "padding_mode": mode}
    graph = _one("Conv2d", params, IMAGE)
    check_pytorch(graph)
    model = _torch(graph)
    conv = model.layer[-1] if hasattr(model.layer, "__getitem__") else model.layer
    weight, bias = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    x = _x(IMAGE)
    (want,) = _run_torch(graph, x)
    if mode == "circular":
        with pytest.raises(UnsupportedError, match="padding_mode='circular' has no ONNX spelling"):
            check_export(graph)
    else:
        got = _onnx_values(check_export(graph), x, {"layer.weight": weight, "layer.bias": bias})
        np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-5)
    namespace: dict[str, Any] = {"__name__": "k"}
    exec(compile(check_keras(graph), "<keras>", "exec"), namespace)
    keras_model = namespace["build_model"]()
    layer = keras_model.get_layer("layer")
    layer.kernel.assign(weight.transpose(2, 3, 1, 0))
    layer.bias.assign(bias)
    got = keras_model([x], training=False)
    np.testing.assert_allclose(np.asarray(got.detach().cpu()), want, rtol=1e-5, atol=1e-5)


def test_transposed_convolutions_pad_with_zeros_only() -> None:
    result = analyze(_one("ConvTranspose2d", {"padding_mode": "reflect"}, IMAGE))["layer"]
    assert result.error is not None and "padding_mode" in result.error


# --- return_indices: a second, int64 output ---------------------------------------------

INDICES = [
    ("MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}, IMAGE),
    ("MaxPool1d", {"kernel_size": 2}, [2, 3, 9]),
    ("MaxPool3d", {"kernel_size": 2, "dilation": 2}, [1, 2, 5, 6, 5]),
    ("AdaptiveMaxPool2d", {"output_size": [2, 4]}, [2, 3, 6, 8]),
    ("AdaptiveMaxPool1d", {"output_size": 1}, [2, 3, 6]),
]


@pytest.mark.parametrize(("kind", "params", "shape"), INDICES, ids=lambda v: str(v))
def test_return_indices_match_torch(kind: str, params: dict[str, Any], shape: list[int]) -> None:
    graph = _one(kind, {**params, "return_indices": True}, shape)
    assert analyze(graph)["layer"].output_shapes[0] == analyze(graph)["layer"].output_shapes[1]
    source = check_pytorch(graph)
    assert "layer, layer_indices = self.layer(data)" in source
    x = _x(shape)
    want = _run_torch(graph, x)
    got = _onnx_values(check_export(graph), x, {})
    assert got[1].dtype == np.int64
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    with pytest.raises(UnsupportedError, match="return_indices has no Keras spelling"):
        generate_keras(graph)


def test_unpooling_reads_the_indices_output() -> None:
    """MaxUnpool2d wired to ``pool:1`` (PyTorch's way) puts values back where torch does."""
    need("torch")
    import torch

    graph = Graph(
        "unpool",
        [
            Node("data", "Input", {"shape": [1, 3, 6, 6]}),
            Node("pool", "MaxPool2d", {"kernel_size": 2, "return_indices": True}, ["data"]),
            Node("unpool", "MaxUnpool2d", {"kernel_size": 2}, ["pool", "pool:1"]),
        ],
    )
    x = _x([1, 3, 6, 6])
    (got,) = _onnx_values(check_export(graph), x, {})
    pooled, indices = torch.nn.functional.max_pool2d(torch.from_numpy(x), 2, return_indices=True)
    np.testing.assert_array_equal(got, torch.nn.functional.max_unpool2d(pooled, indices, 2))


# --- weight-free settings: values against torch in all three ----------------------------

WEIGHT_FREE = [
    (
        "AvgPool2d",
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "divisor_override": 2},
        [2, 3, 8, 7],
    ),  # fmt: skip
    ("AvgPool3d", {"kernel_size": 2, "divisor_override": 3}, [1, 2, 4, 5, 4]),
    ("AvgPool2d", {"kernel_size": 3, "stride": 1, "divisor_override": 5}, [2, 3, 6, 6]),
    ("Hardtanh", {"min_value": -0.5, "max_value": 0.25}, IMAGE),
    ("ReLU", {"inplace": True}, IMAGE),
    ("LeakyReLU", {"negative_slope": 0.3, "inplace": True}, IMAGE),
    ("Dropout", {"inplace": True}, IMAGE),
]


@pytest.mark.parametrize(("kind", "params", "shape"), WEIGHT_FREE, ids=lambda v: str(v))
def test_weight_free_settings_match_torch(
    kind: str, params: dict[str, Any], shape: list[int]
) -> None:
    graph = _one(kind, params, shape)
    check_pytorch(graph)
    x = _x(shape)
    (want,) = _run_torch(graph, x.copy())
    (got,) = _onnx_values(check_export(graph), x, {})
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    namespace: dict[str, Any] = {"__name__": "k"}
    exec(compile(check_keras(graph), "<keras>", "exec"), namespace)
    got = namespace["build_model"]()([x], training=False)
    np.testing.assert_allclose(np.asarray(got.detach().cpu()), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "params",
    [
        {"scale_factor": 1.5, "mode": "bilinear"},
        {"scale_factor": 1.5, "mode": "bilinear", "recompute_scale_factor": True},
        {"scale_factor": [1.5, 0.7], "mode": "nearest"},
        {"scale_factor": 0.7, "mode": "bicubic"},
    ],
    ids=str,
)
def test_upsample_scale_or_recomputed_ratio_matches_torch(params: dict[str, Any]) -> None:
    """torch interpolates by the given factor unless told to recompute it from the sizes;
    ONNX Resize does the one with scales and the other with sizes."""
    graph = _one("Upsample", params, [1, 2, 10, 6])
    x = _x([1, 2, 10, 6])
    (want,) = _run_torch(graph, x)
    (got,) = _onnx_values(check_export(graph), x, {})
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


# --- settings with weights: counts, and what cannot be written ------------------------


@pytest.mark.parametrize(
    ("kind", "params", "learned"),
    [
        ("BatchNorm2d", {"bias": False}, 3),
        ("BatchNorm2d", {"bias": False, "track_running_stats": False}, 3),
        ("BatchNorm2d", {"affine": False, "bias": False}, 0),
        ("GroupNorm", {"num_groups": 3, "bias": False}, 3),
        ("InstanceNorm2d", {"affine": True, "bias": False}, 3),
    ],
    ids=str,
)
def test_affine_without_bias_learns_the_scale_alone(
    kind: str, params: dict[str, Any], learned: int
) -> None:
    graph = _one(kind, params, IMAGE)
    assert analyze(graph).params == learned
    check_pytorch(graph)
    check_export(graph)
    if kind != "InstanceNorm2d":  # Keras has no instance normalisation layer
        check_keras(graph)


def test_embedding_max_norm_matches_torch() -> None:
    need("torch")
    import keras
    import torch

    params = {"num_embeddings": 10, "embedding_dim": 4, "max_norm": 1.0, "norm_type": 3.0}
    graph = _one("Embedding", params, [2, 5], dtype="int64")
    tokens = np.random.default_rng(2).integers(0, 10, [2, 5])
    reference = torch.nn.Embedding(10, 4, max_norm=1.0, norm_type=3.0)
    table = reference.weight.detach().numpy().copy()
    with torch.no_grad():
        want = reference(torch.from_numpy(tokens)).numpy()
    model = check_export(graph)
    import onnxruntime as ort

    for init in model.graph.initializer:
        if init.name == "layer.weight":
            init.raw_data = table.astype(np.float32).tobytes()
    got = ort_session(model.SerializeToString(), ort).run(None, {"data": tokens})[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    namespace: dict[str, Any] = {"__name__": "k"}
    exec(compile(check_keras(graph), "<keras>", "exec"), namespace)
    keras_model = namespace["build_model"]()
    keras_model.get_layer("layer_0").embeddings.assign(table)
    got = keras.ops.convert_to_numpy(keras_model([tokens], training=False))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("flag", ["scale_grad_by_freq", "sparse"])
def test_gradient_only_embedding_flags_are_refused_by_keras(flag: str) -> None:
    graph = _one("Embedding", {"num_embeddings": 10, flag: True}, [2, 5], dtype="int64")
    check_export(graph)  # an inference graph has no gradients to shape
    with pytest.raises(UnsupportedError, match=f"{flag}=True has no Keras spelling"):
        generate_keras(graph)


def test_precision_is_keras_dtype_and_refused_by_onnx() -> None:
    graph = _one("Linear", {"out_features": 3, "dtype": "float64", "device": "cpu"}, [2, 4])
    source = check_keras(graph)
    assert "dtype='float64'" in source
    with pytest.raises(UnsupportedError, match="dtype='float64' has no ONNX spelling"):
        check_export(graph)
    # The device says where torch makes the parameters: an ONNX file is placed by its runtime.
    check_export(_one("Linear", {"out_features": 3, "device": "cpu"}, [2, 4]))
