"""Keras models in, proven against Keras 3 itself (torch backend): keras.applications
models built with random weights and saved as .keras import with Keras's parameter count
(trainable here, the rest named as buffers) and every layer's output shape, converted to
channels-first. The reader itself never imports Keras."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import netcanvas as nc
from netcanvas.formats import FormatError, read
from tests.conftest import need

pytestmark = pytest.mark.oracle
os.environ.setdefault("KERAS_BACKEND", "torch")

# Every keras.applications family that builds offline on the torch backend, one member
# each (NASNet refuses the torch backend; VGG16's 138 M weights take ~20 s to save).
APPLICATIONS = {
    "ResNet50": {}, "MobileNetV2": {}, "EfficientNetB0": {}, "DenseNet121": {},
    "InceptionV3": {}, "MobileNetV3Small": {"input_shape": (224, 224, 3)}, "Xception": {},
    "ConvNeXtTiny": {}, "InceptionResNetV2": {}, "ResNet50V2": {}, "MobileNet": {},
    "EfficientNetV2B0": {},
}  # fmt: skip


def channels_first(shape: Any) -> list[int]:
    dims = [1 if d is None else int(d) for d in shape]
    return [dims[0], dims[-1], *dims[1:-1]] if len(dims) >= 3 else dims


def counts(model: Any) -> tuple[int, int]:
    import numpy as np

    def size(weights: list[Any]) -> int:
        return int(sum(np.prod(w.shape) for w in weights))

    return size(model.trainable_weights), size(model.non_trainable_weights)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    need("keras")
    import keras

    assert keras.backend.backend() == "torch"
    folder = tmp_path_factory.mktemp("keras")
    out = {}
    for name, settings in APPLICATIONS.items():
        model = getattr(keras.applications, name)(weights=None, **settings)
        path = folder / f"{name}.keras"
        model.save(path)
        out[name] = (path, model)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", list(APPLICATIONS))
def test_applications_import_with_keras_numbers(
    name: str, saved: dict[str, tuple[Path, Any]]
) -> None:
    path, model = saved[name]
    doc = nc.load(path)
    report = doc.summary().to_dict()
    assert report["errors"] == [] and report["totals"]["complete"]
    trainable, buffers = counts(model)
    assert trainable + buffers == model.count_params()
    assert report["totals"]["params"] == trainable
    # The rest of count_params() is named, so both Keras figures can be read off.
    named = [w for w in doc.graph.warnings if "non-trainable" in w]
    found = int(re.search(r"counts ([\d,]+)", named[0])[1].replace(",", "")) if named else 0
    assert found == buffers
    assert report["nodes"][-1]["output_shapes"] == [channels_first(model.output.shape)]
    # The imported document is an ordinary one: saved as YAML it reads back the same.
    again = nc.load(doc.save(path.with_suffix(".yaml"))).summary().to_dict()
    assert again["totals"] == report["totals"] and again["errors"] == []
    # Every Keras layer's output, under its own name, has Keras's shape (channels-first
    # for spatial tensors: either reading of the same sizes).
    ours = {n["name"]: n["output_shapes"][0] for n in report["nodes"]}
    for layer in model.layers:
        if layer.name in ours and hasattr(layer.output, "shape"):
            shape = layer.output.shape
            assert ours[layer.name] in ([1, *shape[1:]], channels_first(shape)), layer.name


def test_nested_models_are_scopes_and_the_live_model_reads_the_same(tmp_path: Path) -> None:
    need("keras")
    import keras
    from keras import layers

    block = keras.Sequential(
        [keras.Input((16, 16, 8)), layers.Conv2D(8, 3, padding="same"), layers.ReLU()],
        name="block",
    )
    x = inp = keras.Input((32, 32, 3))
    x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Add()([x, block(x)])
    x = layers.SeparableConv2D(16, 3)(x)
    y = layers.Dense(4)(x)  # on the channels axis of an image: Keras's last axis
    x = layers.Concatenate()([x, y])
    x = layers.UpSampling2D()(x)
    model = keras.Model(inp, [x, layers.GlobalMaxPooling2D()(x)], name="two_heads")
    path = tmp_path / "m.keras"
    model.save(path)

    doc = nc.load(path)
    report = doc.summary().to_dict()
    assert report["errors"] == []
    assert report["totals"]["params"] == model.count_params() == counts(model)[0]
    scoped = {n.name: n.scope for n in doc.graph.nodes}
    assert scoped[block.layers[0].name] == "block" and doc.graph.view["scopes"]["block"]
    shapes = {n["name"]: n["output_shapes"][0] for n in report["nodes"]}
    for out in model.outputs:
        producer = out._keras_history[0].name
        assert shapes[producer] == channels_first(out.shape)

    live = nc.from_keras(model).summary().to_dict()
    assert live["totals"] == report["totals"]
    assert [n["output_shapes"] for n in live["nodes"]] == [
        n["output_shapes"] for n in report["nodes"]
    ]


def test_sequence_models_keep_their_layout(tmp_path: Path) -> None:
    need("keras")
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input((20,), dtype="int32"),
            layers.Embedding(100, 16),
            layers.Conv1D(8, 3, padding="causal"),
            layers.LayerNormalization(),
            layers.Dense(5, activation="softmax"),
        ]
    )
    doc = nc.from_keras(model)
    report = doc.summary().to_dict()
    assert report["errors"] == []
    assert report["totals"]["params"] == model.count_params()
    expected = model.compute_output_shape((1, 20))
    assert report["nodes"][-1]["output_shapes"] == [list(expected)] == [[1, 20, 5]]


def test_an_unknown_layer_is_opaque_not_a_failure(tmp_path: Path) -> None:
    need("keras")
    import keras
    from keras import layers

    @keras.saving.register_keras_serializable(package="tests")
    class Twice(layers.Layer):
        def call(self, x: Any) -> Any:
            return x * 2

    x = inp = keras.Input((8,))
    x = layers.Dense(4)(Twice(name="twice")(x))
    model = keras.Model(inp, x)
    path = tmp_path / "custom.keras"
    model.save(path)
    doc = nc.load(path)
    node = doc.graph.node("twice")
    assert node.type == "Twice" and any("opaque" in w for w in doc.graph.warnings)
    report = doc.summary().to_dict()
    assert report["totals"]["params"] == model.count_params()
    assert report["nodes"][-1]["output_shapes"] == [[1, 4]]


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message", "where"),
    [
        (b'{"class_name": "Functional",\n  "config": {', "invalid JSON", (2, 14)),
        (_zip({"metadata.json": b"{}"}), "without config.json", (1, 1)),
        (b"PK\x03\x04 not really a zip", "broken .keras zip", (1, 1)),
        (_zip({"config.json": b'{"class_name": "Dense"}'}), "not a Keras model", (1, 1)),
        (b'{"class_name": "Functional", "config": {"layers": 3}}', "not a list", (1, 1)),
        (
            json.dumps({"class_name": "Functional", "config": {"layers": [],
                        "input_layers": [["x", 0, 0]], "output_layers": []}}).encode(),
            "input layer 'x'", (1, 1),
        ),
    ],
)  # fmt: skip
def test_bad_input_is_a_format_error(data: bytes, message: str, where: tuple[int, int]) -> None:
    with pytest.raises(FormatError) as caught:
        read(data, "model.keras")
    assert message in caught.value.message
    assert (caught.value.line, caught.value.column) == where


def test_cli_summary_reads_a_keras_file(saved: dict[str, tuple[Path, Any]]) -> None:
    path, model = saved["MobileNetV2"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "backend")}
    done = subprocess.run(
        [sys.executable, "-m", "netcanvas", "summary", str(path), "--json"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["params"] == counts(model)[0]
