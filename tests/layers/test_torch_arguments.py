"""Layers copied from PyTorch code read as written (DESIGN 3, issue 20 item 10).

Every argument of a torch.nn constructor is a setting; the sizes torch asks for and we
read from the input are checked against it; a document that spells the constructor
calls of a PyTorch model analyses like the model torch builds from them.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
import yaml

from netcanvas.analysis import analyze
from netcanvas.formats import native
from netcanvas.layers import REGISTRY
from netcanvas.layers.registry import SETTING_GROUPS
from tests.conftest import need

# Each layer is a PyTorch constructor call, its keyword arguments copied verbatim:
#   Conv2d(in_channels=3, out_channels=16, kernel_size=3, padding=1, padding_mode="reflect")
#   ReLU(inplace=True), MaxPool2d(2, return_indices=False), ...
COPIED = """\
netcanvas: 1
name: copied-from-pytorch
layers:
  - {name: data, type: Input, shape: [2, 3, 16, 16]}
  - {name: conv, type: Conv2d, in_channels: 3, out_channels: 16, kernel_size: 3, padding: 1,
     padding_mode: reflect}
  - {name: bn, type: BatchNorm2d, num_features: 16}
  - {name: relu, type: ReLU, inplace: true}
  - {name: pool, type: MaxPool2d, kernel_size: 2, return_indices: false}
  - {name: gn, type: GroupNorm, num_groups: 4, num_channels: 16}
  - {name: flat, type: Flatten, start_dim: 2}
  - {name: fc, type: Linear, in_features: 64, out_features: 32}
  - {name: enc, type: TransformerEncoderLayer, d_model: 32, nhead: 4, dim_feedforward: 64,
     batch_first: true}
  - {name: attn, type: MultiheadAttention, embed_dim: 32, num_heads: 4, batch_first: true}
  - {name: rnn, type: LSTM, inputs: [attn], input_size: 32, hidden_size: 8, batch_first: true}
"""

NOT_ARGUMENTS = {"name", "type", "inputs"}


def _torch_calls() -> list[tuple[str, str, dict[str, Any]]]:
    """(layer name, torch.nn class, keyword arguments) as the document spells them."""
    layers = yaml.safe_load(COPIED)["layers"][1:]
    return [
        (e["name"], e["type"], {k: v for k, v in e.items() if k not in NOT_ARGUMENTS})
        for e in layers
    ]


def test_copied_constructor_calls_analyse_as_torch_builds_them() -> None:
    need("torch")
    import torch

    result = analyze(native.load(COPIED))
    assert result.errors == [] and result.ok
    for name, kind, kwargs in _torch_calls():
        module = getattr(torch.nn, kind)(**kwargs)
        learnable = sum(p.numel() for p in module.parameters())
        assert result[name].params == learnable, (name, kwargs)
    # torch's inplace=True is the layer's inplace flag: its output is counted once.
    assert result["relu"].inplace and result["relu"].activation_bytes == 0


def test_copied_settings_survive_the_round_trip_and_reach_pytorch_code() -> None:
    from netcanvas.formats.code.pytorch_writer import generate

    graph = native.load(COPIED)
    again = native.load(native.dump(graph))
    assert [(n.name, n.params, n.inplace) for n in again.nodes] == [
        (n.name, n.params, n.inplace) for n in graph.nodes
    ]
    source = generate(graph)
    assert "nn.Conv2d(3, 16, kernel_size=3, padding=1, padding_mode='reflect')" in source
    assert "nn.ReLU(inplace=True)" in source
    assert "nn.GroupNorm(4, 16)" in source


@pytest.mark.parametrize(
    ("layer", "setting", "wrong", "right"),
    [
        ("conv", "in_channels: 3", "in_channels: 4", 3),
        ("bn", "num_features: 16", "num_features: 12", 16),
        ("gn", "num_channels: 16", "num_channels: 8", 16),
        ("fc", "in_features: 64", "in_features: 65", 64),
        ("enc", "d_model: 32", "d_model: 64", 32),
        ("attn", "embed_dim: 32", "embed_dim: 31", 32),
        ("rnn", "input_size: 32", "input_size: 33", 32),
    ],
)
def test_a_wrong_size_is_an_error_on_that_layer_alone(
    layer: str, setting: str, wrong: str, right: int
) -> None:
    assert COPIED.count(setting) == 1
    result = analyze(native.load(COPIED.replace(setting, wrong)))
    error = result[layer].error
    assert error is not None
    given = int(wrong.split(": ")[1])
    assert wrong.split(":")[0] in error, error
    assert re.search(rf"\b{given}\b", error) and re.search(rf"\b{right}\b", error), error
    assert result.errors == [f"{layer}: {error}"]  # located nowhere else
    assert all(r.error is None for r in result.nodes if r.name != layer)


def _constructor_arguments(cls: type) -> list[str]:
    init = cls.__init__  # type: ignore[misc]
    if cls.__name__ in ("RNN", "LSTM", "GRU"):  # (*args, **kwargs): RNNBase has the list
        import torch

        init = torch.nn.RNNBase.__init__
    names = [
        p for p in inspect.signature(init).parameters if p not in ("self", "args", "kwargs", "mode")
    ]
    if cls.__name__ in ("RNN", "GRU"):
        names.remove("proj_size")  # torch refuses it outside LSTM
    # Private arguments (Embedding's _weight, _freeze: a pretrained tensor) are values a
    # document cannot carry, not settings.
    return [n for n in names if not n.startswith("_")]


def test_every_torch_constructor_argument_is_a_setting() -> None:
    need("torch")
    import torch

    missing = {}
    for type_name in sorted(REGISTRY):
        cls = getattr(torch.nn, type_name, None)
        if not isinstance(cls, type):
            continue
        ours = set(REGISTRY[type_name].Params.model_fields)
        gaps = [a for a in _constructor_arguments(cls) if a not in ours]
        if gaps:
            missing[type_name] = gaps
    assert missing == {}


@pytest.mark.parametrize(
    ("kind", "params", "learned"),
    [
        ("BatchNorm2d", {"bias": False}, 16),
        ("BatchNorm2d", {}, 32),
        ("GroupNorm", {"num_groups": 4, "bias": False}, 16),
        ("InstanceNorm2d", {"affine": True, "bias": False}, 16),
    ],
)
def test_affine_without_bias_learns_c_not_2c(
    kind: str, params: dict[str, Any], learned: int
) -> None:
    doc = {"layers": [{"type": "Input", "shape": [2, 16, 4, 4]}, {"type": kind, **params}]}
    assert analyze(native.load(yaml.safe_dump(doc))).params == learned


def _settings(type_name: str, values: dict[str, Any]) -> Any:
    return REGISTRY[type_name].Params.model_validate(values)


def test_deprecated_spellings_mean_what_torch_makes_them_mean() -> None:
    hardtanh = _settings("Hardtanh", {"min_value": -2.0, "max_value": 3.0})
    assert (hardtanh.min_val, hardtanh.max_val) == (-2.0, 3.0)
    assert _settings("MSELoss", {"size_average": False}).reduction == "sum"
    assert _settings("MSELoss", {"reduce": False}).reduction == "none"
    assert _settings("MSELoss", {"reduction": "sum"}).reduction == "sum"
    assert _settings("BCEWithLogitsLoss", {"size_average": True}).reduction == "mean"


def test_placement_is_accepted_and_changes_nothing() -> None:
    assert _settings("Conv2d", {"dtype": "torch.float16"}).dtype == "float16"
    assert _settings("Conv2d", {"device": "cuda:0"}).device == "cuda:0"
    schema = REGISTRY["Conv2d"].Params.model_json_schema()["properties"]
    for key in ("device", "dtype"):
        assert "no effect on shapes" in schema[key]["description"]
    plain = analyze(native.load(COPIED))
    placed = analyze(native.load(COPIED.replace("padding_mode: reflect", "dtype: float16")))
    assert placed.ok and (placed.params, placed.macs) == (plain.params, plain.macs)


def test_loss_weights_are_lists_checked_against_the_classes() -> None:
    doc = {
        "layers": [
            {"name": "x", "type": "Input", "shape": [4, 3]},
            {"name": "loss", "type": "CrossEntropyLoss", "weight": [1.0, 2.0]},
        ]
    }
    error = analyze(native.load(yaml.safe_dump(doc)))["loss"].error
    assert error is not None and "2 values" in error and "3 classes" in error


def test_shared_settings_come_after_a_types_own_in_the_form() -> None:
    schema = REGISTRY["Conv2d"].Params.model_json_schema()["properties"]
    properties = list(schema)
    assert properties[0] == "out_channels"
    assert properties[-3:] == ["in_channels", "device", "dtype"]
    groups = [schema[p].get("x-group") for p in properties]
    ranks = [0 if g is None else SETTING_GROUPS.index(g) + 1 for g in groups]
    assert ranks == sorted(ranks)
