"""A live ``torch.nn`` module -> its registry type and settings.

This is the PyTorch exporter's table read backwards: a registry type the exporter builds
as ``nn.<Type>`` (``pytorch_table.EMITTERS``) is the class of the same name in
``torch.nn``, and its settings are the constructor arguments of the same names
(DESIGN 3), which torch keeps as attributes of the module. Only the exact class maps: a
subclass (torchvision's ``LayerNorm2d``) may change ``forward``, so it is traced inside.
"""

from __future__ import annotations

import re
from typing import Any

import torch
from torch import nn

from netcanvas.layers import lookup

# Boolean settings torch stores as the tensor they switch on (None when off).
_TENSOR_FLAGS = {
    "bias": "bias",
    "affine": "weight",
    "elementwise_affine": "weight",
}
_MHA_FLAGS = {"bias": "in_proj_bias", "add_bias_kv": "bias_k"}
# Device and dtype are where a module lives, not what it is.
_SKIPPED = {"device", "dtype"}


def plain(value: Any) -> Any:
    """Tuples and torch.Size as lists, as a document spells them."""
    if isinstance(value, tuple | list | torch.Size):
        return [plain(v) for v in value]
    return value


def module_layer(module: nn.Module) -> tuple[str, dict[str, Any]] | None:
    """(type, settings) when the module's exact class is a registry type the PyTorch
    exporter writes as an ``nn`` module, else None (it is traced inside instead)."""
    from netcanvas.formats.code import pytorch_caffe, pytorch_layers  # noqa: F401  (fill it)
    from netcanvas.formats.code.pytorch_table import COMMON_DEFAULTS, EMITTERS, TORCH_DEFAULTS

    cls = type(module)
    name = cls.__name__
    if getattr(nn, name, None) is not cls or name not in EMITTERS:
        return None
    spec = lookup(name)
    if spec is None:
        return None
    # A value left out must mean the same to torch and to the registry.
    torch_defaults = {**COMMON_DEFAULTS, **TORCH_DEFAULTS.get(re.sub(r"[123]d$", "", name), {})}
    settings: dict[str, Any] = {}
    for key, info in spec.Params.model_fields.items():
        found, value = _read(module, name, key)
        value = _compact(value) if key in _PER_AXIS else value
        if not found or key in _SKIPPED:
            continue
        if value == info.default and (key not in torch_defaults or torch_defaults[key] == value):
            if key in torch_defaults or info.default is None or isinstance(value, bool):
                continue
        settings[key] = value
    try:
        spec.Params.model_validate(settings)
    except ValueError:
        return None  # an argument our type cannot say: trace the module's own code
    return name, settings


_PER_AXIS = {"kernel_size", "stride", "padding", "dilation", "output_padding"}


def _compact(value: Any) -> Any:
    """``[3, 3]`` as ``3``: a per-axis setting the same on every axis reads as code does."""
    if isinstance(value, list) and value and all(v == value[0] for v in value):
        return value[0]
    return value


def _read(module: nn.Module, type_: str, key: str) -> tuple[bool, Any]:
    flags = _MHA_FLAGS if type_ == "MultiheadAttention" else _TENSOR_FLAGS
    if key in flags and hasattr(module, flags[key]):
        return True, getattr(module, flags[key]) is not None
    if not hasattr(module, key):
        return False, None
    value = getattr(module, key)
    if isinstance(value, torch.Tensor | nn.Module) or callable(value):
        return False, None
    return True, plain(value)
