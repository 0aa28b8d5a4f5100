"""Keras code export, proven by Keras 3 on the torch backend: the generated model builds,
runs, and its output shapes and trainable parameter count equal our analysis."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import given, settings

from netcanvas import templates
from netcanvas.analysis import analyze
from netcanvas.formats import UnsupportedError
from netcanvas.formats.code.keras_writer import EMITTERS, generate
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


# The ONNX suite's one-layer cases, for the types Keras can express; the others are
# refused by name (test_every_type_is_mapped_or_refused).
KERAS_SINGLE = [case for case in SINGLE if has(case[0]) and case[0] in EMITTERS]
# Settings Keras cannot reproduce although the type maps: refused, with the reason.
KERAS_REFUSES = {"Upsample": "integer factors only"}


@pytest.mark.parametrize(("kind", "params", "shape"), KERAS_SINGLE, ids=lambda v: str(v))
def test_single_layer(kind: str, params: dict[str, Any], shape: list[int]) -> None:
    graph = sequential([("data", "Input", {"shape": shape}), ("layer", kind, params)])
    try:
        generate(graph)
    except UnsupportedError as refused:
        assert kind in KERAS_REFUSES and KERAS_REFUSES[kind] in str(refused)
        return
    check_keras(graph)


def test_sequence_model() -> None:
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


# ImageNet-sized templates only build (Keras traces every layer's shapes and allocates
# the weights: seconds each); the small ones also run a forward pass.
LARGE = {
    "alexnet", "bert_base", "densenet121", "googlenet", "mobilenet_v2", "resnet18", "resnet50",
    "squeezenet1_1", "unet", "vgg16",
}  # fmt: skip


@pytest.mark.parametrize(
    "slug",
    [pytest.param(s, marks=pytest.mark.slow) if s in LARGE else s for s in templates.slugs()],
)
def test_template(slug: str) -> None:
    check_keras(templates.get(slug).graph(), run=slug not in LARGE)


def _recurrent_graph(kind: str, params: dict[str, Any], shape: list[int], states: int) -> Graph:
    batch = shape[0] if params.get("batch_first", True) else shape[1]
    directions = 2 if params.get("bidirectional") else 1
    rows = directions * params.get("num_layers", 1)
    sizes = [params.get("proj_size") or params["hidden_size"], params["hidden_size"]]
    nodes = [Node("x", "Input", {"shape": shape})]
    nodes += [Node(f"s{i}", "Input", {"shape": [rows, batch, sizes[i]]}) for i in range(states)]
    nodes.append(Node("rnn", kind, params, ["x", *(f"s{i}" for i in range(states))]))
    count = 3 if kind == "LSTM" else 2
    nodes += [Node(f"out{i}", "Identity", {}, [f"rnn:{i}"]) for i in range(count)]
    return Graph(nodes=nodes)


@pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning")
@pytest.mark.parametrize(
    ("kind", "params", "shape", "states"),
    [
        ("LSTM", {"hidden_size": 5, "num_layers": 2, "bidirectional": True}, [2, 4, 3], 0),
        ("LSTM", {"hidden_size": 5, "proj_size": 2, "batch_first": False}, [4, 2, 3], 2),
        ("LSTM", {"hidden_size": 4, "bias": False}, [1, 3, 3], 0),
        ("LSTM", {"hidden_size": 4, "num_layers": 3, "dropout": 0.5}, [2, 3, 3], 0),
        ("GRU", {"hidden_size": 5, "num_layers": 2, "bidirectional": True}, [2, 4, 3], 1),
        ("GRU", {"hidden_size": 3, "batch_first": False}, [4, 2, 3], 0),
        ("RNN", {"hidden_size": 5, "nonlinearity": "relu", "num_layers": 2}, [2, 4, 3], 0),
        ("RNN", {"hidden_size": 5, "bidirectional": True, "bias": False}, [2, 4, 3], 1),
    ],
)
def test_recurrent_matches_torch(
    kind: str, params: dict[str, Any], shape: list[int], states: int
) -> None:
    """The generated recurrent layer holds torch.nn's weights (same names, same count)
    and, given torch's values, computes torch's output, h_n and c_n."""
    need("torch")
    import keras
    import numpy as np
    import torch

    graph = _recurrent_graph(kind, params, shape, states)
    namespace: dict[str, Any] = {"__name__": "k"}
    exec(compile(check_keras(graph), "<keras>", "exec"), namespace)
    model = namespace["build_model"]()
    options = {k: v for k, v in params.items() if k != "batch_first"}
    reference = getattr(torch.nn, kind)(
        shape[2], batch_first=params.get("batch_first", True), **options
    ).eval()
    layer = model.get_layer("rnn")
    assert sorted(layer.torch_weights) == sorted(reference.state_dict())
    for name, value in reference.state_dict().items():
        layer.torch_weights[name].assign(value.numpy())
    rng = np.random.default_rng(5)
    feeds = [
        rng.standard_normal(n.params["shape"]).astype(np.float32) for n in graph.nodes[: states + 1]
    ]
    with torch.no_grad():
        torch_states = [torch.from_numpy(f) for f in feeds[1:]]
        if kind == "LSTM" and torch_states:
            out, (h, c) = reference(torch.from_numpy(feeds[0]), tuple(torch_states))
        else:
            out, h = reference(torch.from_numpy(feeds[0]), *torch_states)
            if kind == "LSTM":
                h, c = h
    want = [out, h, c] if kind == "LSTM" else [out, h]
    got = model(feeds, training=False)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(g), w.numpy(), atol=1e-4)


def test_attention_and_split() -> None:
    graph = Graph(
        nodes=[
            Node("q", "Input", {"shape": [2, 5, 8]}),
            Node("k", "Input", {"shape": [2, 7, 4]}),
            Node("v", "Input", {"shape": [2, 7, 6]}),
            Node("mha", "MultiheadAttention", {"num_heads": 2}, ["q", "k", "v"]),
            Node("weights", "Identity", {}, ["mha:1"]),
            Node(
                "enc",
                "TransformerEncoderLayer",
                {"nhead": 2, "dim_feedforward": 16, "norm_first": True},
                ["mha:0"],
            ),
            Node("mem", "Input", {"shape": [6, 2, 8]}),
            Node("seq", "Permute", {"dims": [1, 0, 2]}, ["enc"]),
            Node(
                "dec",
                "TransformerDecoderLayer",
                {
                    "nhead": 4,
                    "dim_feedforward": 8,
                    "batch_first": False,
                    "activation": "gelu",
                    "bias": False,
                },
                ["seq", "mem"],
            ),
            Node("parts", "Split", {"dim": 2, "sections": None, "sizes": [3, 5]}, ["dec"]),
            Node("second", "Identity", {}, ["parts:1"]),
        ]
    )
    check_keras(graph)


def test_attention_refusal() -> None:
    graph = sequential(
        [
            ("q", "Input", {"shape": [1, 3, 4]}),
            ("mha", "MultiheadAttention", {"num_heads": 2, "add_bias_kv": True}),
        ]
    )
    with pytest.raises(UnsupportedError, match="add_bias_kv"):
        generate(graph)


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
            Node("lrn", "LocalResponseNorm", {}, ["a"]),
            Node("shuffle", "PixelShuffle", {}, ["b"]),
            Node("loss", "MSELoss", {}, ["a", "b"]),
        ]
    )
    with pytest.raises(UnsupportedError) as refused:
        generate(graph)
    for type_name in ("LocalResponseNorm", "PixelShuffle", "MSELoss"):
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
        ("Power", {"power": 2.0, "scale": 0.5, "shift": 1.0}, [1, 2, 4, 4]),
        ("Exp", {"base": 2.0, "scale": 0.5}, [1, 2, 4, 4]),
        ("Exp", {}, [1, 2, 4, 4]),
        ("Log", {"shift": 10.0, "base": 10.0}, [1, 2, 4, 4]),
        ("Abs", {}, [1, 2, 4, 4]),
        ("BinaryThreshold", {"threshold": 0.2}, [1, 2, 4, 4]),
        ("Tile", {"axis": 2, "tiles": 3}, [1, 2, 4, 4]),
        ("ConstantPad2d", {"padding": [1, 0, 2, 1], "value": 0.5}, [1, 2, 3, 3]),
    ],
)
def test_values_match_torch(kind: str, params: dict[str, Any], shape: list[int]) -> None:
    """Weight-free layers compute in Keras what torch.nn computes (the PyTorch export of
    the same graph is the reference)."""
    need("torch")
    import numpy as np
    import torch

    from netcanvas.formats.code.pytorch_writer import generate as generate_torch

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


def _copy_attention(keras_mha: Any, torch_mha: Any) -> None:
    """torch's packed in_proj / out_proj into Keras's per-head q, k, v and output kernels."""
    heads = torch_mha.num_heads
    e = torch_mha.embed_dim
    weights = torch_mha.in_proj_weight.detach().numpy()
    biases = None if torch_mha.in_proj_bias is None else torch_mha.in_proj_bias.detach().numpy()
    denses = (keras_mha._query_dense, keras_mha._key_dense, keras_mha._value_dense)
    for i, dense in enumerate(denses):
        dense.kernel.assign(weights[i * e : (i + 1) * e].T.reshape(e, heads, e // heads))
        if biases is not None:
            dense.bias.assign(biases[i * e : (i + 1) * e].reshape(heads, e // heads))
    out = torch_mha.out_proj
    keras_mha._output_dense.kernel.assign(
        out.weight.detach().numpy().T.reshape(heads, e // heads, e)
    )
    if out.bias is not None:
        keras_mha._output_dense.bias.assign(out.bias.detach().numpy())


def _copy_dense(dense: Any, linear: Any) -> None:
    dense.kernel.assign(linear.weight.detach().numpy().T)
    if linear.bias is not None:
        dense.bias.assign(linear.bias.detach().numpy())


def _copy_norm(norm: Any, torch_norm: Any) -> None:
    norm.gamma.assign(torch_norm.weight.detach().numpy())
    if torch_norm.bias is not None:
        norm.beta.assign(torch_norm.bias.detach().numpy())


@pytest.mark.parametrize("decoder", [False, True])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"norm_first": True, "activation": "gelu"},
        {"batch_first": False, "bias": False},
    ],
)
def test_transformer_matches_torch(decoder: bool, params: dict[str, Any]) -> None:
    """With torch.nn's weights copied in, the generated Transformer layer computes what
    torch.nn.TransformerEncoderLayer / DecoderLayer computes."""
    need("torch")
    import keras
    import numpy as np
    import torch

    kind = "TransformerDecoderLayer" if decoder else "TransformerEncoderLayer"
    # netcanvas defaults batch_first to true, torch.nn to false: set it for both.
    settings_ = {"nhead": 2, "dim_feedforward": 16, "dropout": 0.0, "batch_first": True, **params}
    nodes = [Node("x", "Input", {"shape": [2, 5, 8]})]
    if decoder:
        memory = [2, 3, 8] if settings_["batch_first"] else [3, 5, 8]
        nodes.append(Node("memory", "Input", {"shape": memory}))
    nodes.append(Node("layer", kind, settings_, [n.name for n in nodes]))
    graph = Graph(nodes=nodes)
    namespace: dict[str, Any] = {"__name__": "k"}
    exec(compile(check_keras(graph), "<keras>", "exec"), namespace)
    model = namespace["build_model"]()
    reference = getattr(torch.nn, kind)(8, **settings_).eval()
    layer = model.get_layer("layer")
    torch_attentions = [reference.self_attn] + ([reference.multihead_attn] if decoder else [])
    for mha, torch_mha in zip(layer.attentions, torch_attentions, strict=True):
        _copy_attention(mha, torch_mha)
    _copy_dense(layer.linear1, reference.linear1)
    _copy_dense(layer.linear2, reference.linear2)
    torch_norms = [reference.norm1, reference.norm2] + ([reference.norm3] if decoder else [])
    for norm, torch_norm in zip(layer.norms, torch_norms, strict=True):
        _copy_norm(norm, torch_norm)
    rng = np.random.default_rng(7)
    feeds = [rng.standard_normal(n.params["shape"]).astype(np.float32) for n in nodes[:-1]]
    with torch.no_grad():
        want = reference(*(torch.from_numpy(f) for f in feeds)).numpy()
    got = model(feeds, training=False)
    got = got[0] if isinstance(got, list | tuple) else got
    np.testing.assert_allclose(keras.ops.convert_to_numpy(got), want, atol=1e-4)


def test_matmul_of_two_inputs() -> None:
    graph = Graph(
        nodes=[
            Node("a", "Input", {"shape": [2, 3, 4]}),
            Node("b", "Input", {"shape": [2, 4, 5]}),
            Node("mm", "MatMul", {}, ["a", "b"]),
        ]
    )
    check_keras(graph)


@pytest.mark.parametrize(
    ("kind", "params", "parts"),
    [
        ("Split", {"dim": 1, "sections": None, "sizes": [1, 3, 2]}, 3),
        ("Split", {"dim": -1, "sections": 2}, 2),
        ("TensorSplit", {"dim": 2, "indices": [1, 3]}, 3),
    ],
)
def test_split_parts_match_torch(kind: str, params: dict[str, Any], parts: int) -> None:
    """Every part, in our output order, equals the PyTorch export's."""
    need("torch")
    import numpy as np
    import torch

    from netcanvas.formats.code.pytorch_writer import generate as generate_torch

    graph = Graph(
        nodes=[
            Node("x", "Input", {"shape": [2, 6, 4]}),
            Node("split", kind, params, ["x"]),
            *(Node(f"part{i}", "Identity", {}, [f"split:{i}"]) for i in range(parts)),
        ]
    )
    check_keras(graph)
    x = np.random.default_rng(4).standard_normal((2, 6, 4)).astype(np.float32)
    spaces: list[dict[str, Any]] = [{"__name__": "k"}, {"__name__": "t"}]
    exec(compile(generate(graph), "<keras>", "exec"), spaces[0])
    exec(compile(generate_torch(graph), "<torch>", "exec"), spaces[1])
    got = spaces[0]["build_model"]()([x], training=False)
    with torch.no_grad():
        want = spaces[1]["Network"]().eval()(torch.from_numpy(x))
    assert len(got) == len(want) == parts
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(np.asarray(g.detach().cpu()), w.numpy())


@pytest.mark.parametrize("batch_first", [True, False])
def test_attention_matches_torch(batch_first: bool) -> None:
    """Output and head-averaged weights equal torch.nn.MultiheadAttention's, the weights
    copied in."""
    need("torch")
    import keras
    import numpy as np
    import torch

    q_shape, kv_shape = ([2, 5, 8], [2, 7, 8]) if batch_first else ([5, 2, 8], [7, 2, 8])
    graph = Graph(
        nodes=[
            Node("q", "Input", {"shape": q_shape}),
            Node("k", "Input", {"shape": kv_shape}),
            Node("v", "Input", {"shape": kv_shape}),
            Node(
                "mha",
                "MultiheadAttention",
                {"num_heads": 2, "batch_first": batch_first},
                ["q", "k", "v"],
            ),  # fmt: skip
            Node("out", "Identity", {}, ["mha:0"]),
            Node("weights", "Identity", {}, ["mha:1"]),
        ]
    )
    namespace: dict[str, Any] = {"__name__": "k"}
    exec(compile(check_keras(graph), "<keras>", "exec"), namespace)
    model = namespace["build_model"]()
    reference = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first).eval()
    _copy_attention(model.get_layer("mha").attention, reference)
    rng = np.random.default_rng(9)
    feeds = [rng.standard_normal(s).astype(np.float32) for s in (q_shape, kv_shape, kv_shape)]
    with torch.no_grad():
        want = reference(*(torch.from_numpy(f) for f in feeds))
    got = model(feeds, training=False)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(g), w.numpy(), atol=1e-5)


def test_save_and_load_round_trip(tmp_path: Any) -> None:
    """The helper layers serialise: a saved .keras file loads back and computes the same."""
    need("keras")
    import keras
    import numpy as np

    graph = sequential(
        [
            ("x", "Input", {"shape": [2, 4, 8]}),
            ("lstm", "LSTM", {"hidden_size": 8, "bidirectional": True, "proj_size": 4}),
            ("enc", "TransformerEncoderLayer", {"nhead": 2, "dim_feedforward": 8}),
            ("mha", "MultiheadAttention", {"num_heads": 4}),
        ]
    )
    namespace: dict[str, Any] = {"__name__": "k"}
    exec(compile(check_keras(graph), "<keras>", "exec"), namespace)
    model = namespace["build_model"]()
    path = tmp_path / "model.keras"
    model.save(path)
    helpers = ("TorchRecurrent", "TorchTransformerLayer", "TorchMultiheadAttention")
    loaded = keras.saving.load_model(path, custom_objects={n: namespace[n] for n in helpers})
    x = np.random.default_rng(2).standard_normal((2, 4, 8)).astype(np.float32)
    want = keras.ops.convert_to_numpy(model([x], training=False))
    got = keras.ops.convert_to_numpy(loaded([x], training=False))
    np.testing.assert_allclose(got, want, atol=1e-6)
