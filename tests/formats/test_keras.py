"""Keras code export, proven by Keras 3 on the torch backend: the generated model builds,
runs, and its output shapes and trainable parameter count equal our analysis."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import given, settings

from netcanvas.formats import UnsupportedError
from netcanvas.formats.keras import EMITTERS, generate
from netcanvas.graph.infer import analyze
from netcanvas.graph.model import Graph, Node, sequential
from tests.conftest import need
from tests.formats.test_onnx_export import SINGLE, has, image_graphs

pytestmark = pytest.mark.oracle
os.environ.setdefault("KERAS_BACKEND", "torch")


def check_keras(graph: Graph, run: bool = True) -> str:
    """Build the model with Keras (and run it): shapes and trainable params equal ours.

    Building already traces every layer through Keras's shape rules on the torch
    backend; ``run=False`` skips the arithmetic for ImageNet-sized templates.
    """
    need("keras")
    import keras
    import numpy as np

    assert keras.backend.backend() == "torch"
    analysis = analyze(graph)
    assert analysis.ok, analysis.errors
    source = generate(graph)
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)
    model = namespace["build_model"]()
    if run:
        feeds = [
            np.zeros(n.params["shape"], dtype=n.params.get("dtype", "float32"))
            for n in graph.nodes
            if n.type == "Input"
        ]
        result = model(feeds, training=False)
        results = list(result) if isinstance(result, list | tuple) else [result]
    else:
        results = list(model.outputs)
    consumed = {i.split(":")[0] for n in graph.nodes for i in n.inputs}
    want = [
        list(r.output_shapes[0] or ())
        for r in analysis.nodes
        if r.type != "Input" and (r.name not in consumed or r.type == "Output")
    ]
    assert [list(t.shape) for t in results] == want
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == analysis.params
    return source


def test_small_cnn() -> None:
    graph = sequential(
        [
            ("data", "Input", {"shape": [2, 3, 16, 16]}),
            ("conv1", "Conv2d", {"out_channels": 8, "padding": 1}),
            ("bn1", "BatchNorm2d", {}),
            ("relu1", "ReLU", {}),
            ("pool1", "MaxPool2d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
            ("conv2", "Conv2d", {"out_channels": 8, "kernel_size": 3, "padding": "same"}),
        ]
    )
    graph.nodes.append(Node("add", "Add", {}, ["conv2", "pool1"]))
    graph.nodes.append(Node("gap", "GlobalAvgPool2d", {}, ["add"]))
    graph.nodes.append(Node("fc", "Linear", {"out_features": 10}, ["gap"]))
    source = check_keras(graph)
    assert 'data_format="channels_first"' in source
    assert "keras.Model(inputs=[data], outputs=[fc]" in source


@pytest.mark.parametrize(("kind", "params", "shape"), SINGLE, ids=lambda v: str(v))
def test_single_layer(kind: str, params: dict[str, Any], shape: list[int]) -> None:
    if not has(kind) or kind not in EMITTERS:
        pytest.skip(f"{kind} has no Keras mapping")
    graph = sequential([("data", "Input", {"shape": shape}), ("layer", kind, params)])
    try:
        generate(graph)
    except UnsupportedError as refused:
        pytest.skip(str(refused))
    check_keras(graph)


def test_sequence_model_and_refusals() -> None:
    check_keras(
        sequential(
            [
                ("tokens", "Input", {"shape": [2, 5], "dtype": "int64"}),
                ("embed", "Embedding", {"num_embeddings": 20, "embedding_dim": 4}),
                ("gru", "GRU", {"hidden_size": 3}),
                ("fc", "Linear", {"out_features": 2}),
            ]
        )
    )
    with pytest.raises(UnsupportedError, match="LSTM"):
        generate(sequential([("s", "Input", {"shape": [1, 2, 3]}), ("l", "LSTM", {})]))


@settings(max_examples=10, deadline=None)
@given(image_graphs())
def test_random_image_graphs(graph: Graph) -> None:
    try:
        generate(graph)
    except UnsupportedError:
        return  # refusals are tested above; the oracle checks what is exported
    check_keras(graph)


@pytest.mark.parametrize(
    ("kind", "params", "shape"),
    [
        (
            "ConvTranspose2d",
            {"out_channels": 3, "kernel_size": 4, "stride": 2, "padding": 1},
            [1, 4, 5, 5],
        ),
        (
            "ConvTranspose2d",
            {"out_channels": 2, "kernel_size": 3, "stride": 2, "output_padding": 1},
            [1, 4, 5, 6],
        ),
        ("ConvTranspose1d", {"out_channels": 2, "kernel_size": 1, "stride": 3}, [2, 4, 7]),
    ],
)
def test_transposed_convolutions(kind: str, params: dict[str, Any], shape: list[int]) -> None:
    check_keras(sequential([("data", "Input", {"shape": shape}), ("up", kind, params)]))


def test_crop_uses_the_reference_size() -> None:
    graph = Graph(
        nodes=[
            Node("data", "Input", {"shape": [1, 4, 10, 10]}),
            Node("ref", "Input", {"shape": [1, 4, 6, 7]}),
            Node("crop", "Crop", {"offset": [1, 2]}, ["data", "ref"]),
            Node("join", "Concat", {"dim": 1}, ["crop", "ref"]),
        ]
    )
    check_keras(graph)


def test_refusal_names_every_type_keras_cannot_express() -> None:
    graph = Graph(
        nodes=[
            Node("a", "Input", {"shape": [1, 4, 6, 6]}),
            Node("b", "Input", {"shape": [1, 4, 6, 6]}),
            Node("split", "Split", {"dim": 1}, ["a"]),
            Node("mm", "MatMul", {}, ["a", "b"]),
            Node("shuffle", "PixelShuffle", {}, ["b"]),
            Node("loss", "MSELoss", {}, ["a", "b"]),
        ]
    )
    with pytest.raises(UnsupportedError) as refused:
        generate(graph)
    for type_name in ("Split", "MatMul", "PixelShuffle", "MSELoss"):
        assert type_name in str(refused.value)


@pytest.mark.parametrize(
    ("kind", "params", "shape"),
    [
        (
            "MaxPool2d",
            {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
            [1, 2, 8, 8],
        ),
        ("MaxPool1d", {"kernel_size": 2, "ceil_mode": True}, [1, 2, 7]),
        ("AvgPool2d", {"kernel_size": 3, "stride": 1, "padding": 1}, [1, 2, 6, 6]),
        ("GELU", {"approximate": "tanh"}, [1, 2, 4, 4]),
        ("Hardsigmoid", {}, [1, 2, 4, 4]),
        ("Hardtanh", {"min_val": -0.5, "max_val": 0.3}, [1, 2, 4, 4]),
        ("Softplus", {"beta": 2.0}, [1, 2, 4, 4]),
        ("LogSoftmax", {"dim": 1}, [1, 3, 4]),
        ("Flatten", {}, [1, 3, 2, 2]),
        ("Permute", {"dims": [0, 2, 3, 1]}, [1, 3, 2, 2]),
        ("Upsample", {"scale_factor": 2.0}, [1, 2, 3, 3]),
        ("ZeroPad2d", {"padding": [1, 0, 2, 1]}, [1, 2, 3, 3]),
        ("GroupNorm", {"num_groups": 2, "affine": False}, [1, 4, 3, 3]),
        ("LayerNorm", {"elementwise_affine": False}, [1, 3, 6]),
    ],
)
def test_values_match_torch(kind: str, params: dict[str, Any], shape: list[int]) -> None:
    """Weight-free layers compute in Keras what torch.nn computes (the PyTorch export of
    the same graph is the reference)."""
    need("torch")
    import numpy as np
    import torch

    from netcanvas.formats.pytorch import generate as generate_torch

    graph = sequential([("data", "Input", {"shape": shape}), ("layer", kind, params)])
    check_keras(graph)
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    spaces: list[dict[str, Any]] = [{"__name__": "k"}, {"__name__": "t"}]
    exec(compile(generate(graph), "<keras>", "exec"), spaces[0])
    exec(compile(generate_torch(graph), "<torch>", "exec"), spaces[1])
    got = spaces[0]["build_model"]()([x], training=False)
    got = got[0] if isinstance(got, list | tuple) else got
    with torch.no_grad():
        want = spaces[1]["Network"]().eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(np.asarray(got.detach().cpu()), want, rtol=1e-4, atol=1e-5)
