"""The PyTorch code exporter's table: registry type -> emitter, the types it refuses,
and torch.nn's defaults (settings equal to them are left out of constructor calls).

A leaf module: ``pytorch_layers`` and ``pytorch_caffe`` fill the table, ``pytorch_writer``
reads it (and so does the model builder that turns a document into live modules).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from netcanvas.formats.base import registrar
from netcanvas.formats.frame import Step
from netcanvas.layers import fields

# What an emitter sees (the shared exporter frame's context), by its old short name.
Py = Step

# An emitter returns (submodule constructor or None, forward expression). In the
# expression ``{m}`` stands for the submodule (``self.conv1``).
Emitter = Callable[[Py], tuple[str | None, str]]
EMITTERS: dict[str, Emitter] = {}
UNSUPPORTED: dict[str, str] = {
    "CrossEntropyLoss": "a training loss, not part of the model",
    "MSELoss": "a training loss, not part of the model",
    "Accuracy": "a training metric, not part of the model",
    "BCEWithLogitsLoss": "a training loss, not part of the model",
    "ContrastiveLoss": "a training loss, not part of the model",
    "Silence": "has no output",
    "Proposal": "Faster R-CNN's proposals (anchors, NMS) have no torch.nn module",
    "DetectionOutput": "SSD post-processing has no torch.nn module",
    "PriorBox": "SSD prior boxes have no torch.nn module",
    "ROIPooling": "needs torchvision.ops, not torch.nn",
    "MaxUnpool2d": "not mapped yet (needs the indices of a MaxPool2d with return_indices)",
    "ArgMax": "Caffe's flattened top-k with values is not mapped",
}


emits = registrar(EMITTERS)


# Defaults torch.nn's modules share: left out wherever a module takes the argument.
COMMON_DEFAULTS: dict[str, Any] = {
    "device": None, "dtype": None, "inplace": False, "padding_mode": "zeros",
    "return_indices": False, "divisor_override": None,
}  # fmt: skip

# torch.nn's own defaults, per module family: settings equal to them are left out of
# the generated constructor calls so the code reads like code people write.
TORCH_DEFAULTS: dict[str, dict[str, Any]] = {
    "Conv": {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True},
    "ConvTranspose": {
        "stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True, "output_padding": 0,
    },
    "MaxPool": {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False},
    "AvgPool": {"stride": None, "padding": 0, "ceil_mode": False, "count_include_pad": True},
    "BatchNorm": {
        "eps": 1e-5, "momentum": 0.1, "affine": True, "track_running_stats": True, "bias": True,
    },
    "InstanceNorm": {
        "eps": 1e-5, "momentum": 0.1, "affine": False, "track_running_stats": False,
        "bias": True,
    },
    "LayerNorm": {"eps": 1e-5, "elementwise_affine": True, "bias": True},
    "RMSNorm": {"eps": None, "elementwise_affine": True},
    "GroupNorm": {"eps": 1e-5, "affine": True, "bias": True},
    "Linear": {"bias": True},
    "Embedding": {
        "padding_idx": None, "max_norm": None, "norm_type": 2.0, "scale_grad_by_freq": False,
        "sparse": False,
    },
    "RNN": {"num_layers": 1, "bias": True, "dropout": 0.0, "bidirectional": False,
            "nonlinearity": "tanh"},
    "LSTM": {"num_layers": 1, "bias": True, "dropout": 0.0, "bidirectional": False,
             "proj_size": 0},
    "GRU": {"num_layers": 1, "bias": True, "dropout": 0.0, "bidirectional": False},
    "MultiheadAttention": {
        "dropout": 0.0, "bias": True, "add_bias_kv": False, "add_zero_attn": False,
    },
    "TransformerEncoderLayer": {
        "dim_feedforward": 2048, "dropout": 0.1, "activation": "relu", "layer_norm_eps": 1e-5,
        "norm_first": False, "bias": True,
    },
    "Flatten": {"start_dim": 1, "end_dim": -1},
    "Dropout": {"p": 0.5},
    "AlphaDropout": {"p": 0.5},
    "LeakyReLU": {"negative_slope": 0.01},
    "ELU": {"alpha": 1.0},
    "CELU": {"alpha": 1.0},
    "GELU": {"approximate": "none"},
    "PReLU": {"num_parameters": 1, "init": 0.25},
    "Softplus": {"beta": 1.0, "threshold": 20.0},
    "Hardtanh": {"min_val": -1.0, "max_val": 1.0},
    "LocalResponseNorm": {"alpha": 1e-4, "beta": 0.75, "k": 1.0},
    "Upsample": {"align_corners": None, "recompute_scale_factor": None},
    "ConstantPad": {},
}  # fmt: skip
TORCH_DEFAULTS["TransformerDecoderLayer"] = TORCH_DEFAULTS["TransformerEncoderLayer"]


def module(type_: str, *positional: Any, **values: Any) -> str:
    """``nn.Type(positional..., key=value...)`` without the settings torch defaults to."""
    defaults = {**COMMON_DEFAULTS, **TORCH_DEFAULTS.get(re.sub(r"[123]d$", "", type_), {})}
    parts = [repr(v) for v in positional] + [
        f"{k}={_literal(k, v)}" for k, v in values.items() if k not in defaults or defaults[k] != v
    ]
    return f"nn.{type_}({', '.join(parts)})"


def _literal(key: str, value: Any) -> str:
    # A dtype is torch's object (``torch.float16``), not its name.
    return f"torch.{value}" if key == "dtype" and isinstance(value, str) else repr(value)


def written(params: BaseModel) -> dict[str, Any]:
    """The settings a constructor call spells: not the sizes read from the input (the
    emitters pass the real ones) nor deprecated spellings (already mapped by validation)."""
    left_out = ("inferred", "deprecated")
    return {
        k: v
        for k, v in fields.in_order(params).items()
        if fields.group_of(params, k) not in left_out
    }


def _call(m: str) -> str:
    return m + "({x})"
