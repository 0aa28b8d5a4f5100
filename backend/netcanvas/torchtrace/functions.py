"""Functional calls and tensor methods seen while tracing -> registry types.

Each rule reads one call (``torch.cat(xs, 1)``, ``x + y``, ``F.linear(x, w, b)``, the
call's outputs as torch produced them) and answers the type, its settings and the
tensors that are the layer's inputs. A weight passed to ``F.linear`` / ``F.conv2d`` /
``F.layer_norm`` is the layer's own parameter (the type counts it); anything a rule does
not take stays an opaque node with its observed shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from netcanvas.torchtrace.modules import plain

Tensor = torch.Tensor


@dataclass
class Call:
    name: str  # the function's or method's name: "cat", "__add__", "linear"
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    outputs: list[Tensor]

    def arg(self, index: int, key: str, default: Any = None) -> Any:
        if key in self.kwargs:
            return self.kwargs[key]
        return self.args[index] if index < len(self.args) else default


@dataclass
class Mapped:
    type: str
    settings: dict[str, Any]
    operands: list[Tensor]  # the layer's inputs, in order
    alias: bool = False  # no layer: the output is the input under another name
    absorbed: list[Tensor] = field(default_factory=list)  # parameters the type counts


Rule = Callable[[Call], Mapped | None]
RULES: dict[str, Rule] = {}


def rule(*names: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for name in names:
            RULES[name] = fn
        return fn

    return register


def map_call(call: Call) -> Mapped | None:
    """The layer a call is, or None (an opaque node)."""
    found = RULES.get(call.name)
    if found is None:
        return None
    try:
        return found(call)
    except (TypeError, ValueError, IndexError):
        return None  # an unusual spelling of the call: opaque rather than wrong


def _x(call: Call) -> Tensor:
    x = call.arg(0, "input")
    if not isinstance(x, Tensor):
        raise TypeError("not a tensor")
    return x


# --- activations and other one-input layers ------------------------------------------------

_ACTIVATIONS = {
    "relu": "ReLU", "relu_": "ReLU", "relu6": "ReLU6", "sigmoid": "Sigmoid",
    "tanh": "Tanh", "silu": "SiLU", "hardswish": "Hardswish", "hardsigmoid": "Hardsigmoid",
    "mish": "Mish", "selu": "SELU", "softsign": "Softsign", "sigmoid_": "Sigmoid",
}  # fmt: skip


@rule(*_ACTIVATIONS)
def _activation(call: Call) -> Mapped:
    return Mapped(_ACTIVATIONS[call.name], {}, [_x(call)])


@rule("gelu")
def _gelu(call: Call) -> Mapped:
    approximate = call.kwargs.get("approximate", "none")
    return Mapped("GELU", {} if approximate == "none" else {"approximate": approximate}, [_x(call)])


@rule("leaky_relu")
def _leaky(call: Call) -> Mapped:
    return Mapped("LeakyReLU", {"negative_slope": float(call.arg(1, "negative_slope", 0.01))},
                  [_x(call)])  # fmt: skip


@rule("hardtanh")
def _hardtanh(call: Call) -> Mapped:
    low, high = float(call.arg(1, "min_val", -1.0)), float(call.arg(2, "max_val", 1.0))
    if (low, high) == (0.0, 6.0):
        return Mapped("ReLU6", {}, [_x(call)])
    return Mapped("Hardtanh", {"min_val": low, "max_val": high}, [_x(call)])


@rule("softmax", "log_softmax")
def _softmax(call: Call) -> Mapped:
    dim = call.arg(1, "dim")
    if not isinstance(dim, int):
        raise TypeError("softmax without a dim")
    return Mapped("Softmax" if call.name == "softmax" else "LogSoftmax", {"dim": dim}, [_x(call)])


@rule("dropout", "dropout1d", "dropout2d", "dropout3d")
def _dropout(call: Call) -> Mapped:
    kind = "Dropout" if call.name == "dropout" else f"Dropout{call.name[-2:]}"
    return Mapped(kind, {"p": float(call.arg(1, "p", 0.5))}, [_x(call)])


# --- layers with weights passed in ---------------------------------------------------------


def _own(weight: Any) -> bool:
    return isinstance(weight, torch.nn.Parameter)


@rule("linear")
def _linear(call: Call) -> Mapped | None:
    weight, bias = call.arg(1, "weight"), call.arg(2, "bias")
    if not _own(weight) or (bias is not None and not _own(bias)):
        return None
    settings = {"out_features": int(weight.shape[0])}
    if bias is None:
        settings["bias"] = False
    return Mapped(
        "Linear", settings, [_x(call)], absorbed=[weight, *([bias] if _own(bias) else [])]
    )


@rule("conv1d", "conv2d", "conv3d")
def _conv(call: Call) -> Mapped | None:
    weight, bias = call.arg(1, "weight"), call.arg(2, "bias")
    if not _own(weight) or (bias is not None and not _own(bias)):
        return None
    settings: dict[str, Any] = {
        "out_channels": int(weight.shape[0]),
        "kernel_size": _compact(plain(weight.shape[2:])),
    }
    for i, key, default in ((3, "stride", 1), (4, "padding", 0), (5, "dilation", 1)):
        value = _compact(plain(call.arg(i, key, default)))
        if value != default:
            settings[key] = value
    groups = int(call.arg(6, "groups", 1))
    if groups != 1:
        settings["groups"] = groups
    if bias is None:
        settings["bias"] = False
    kind = f"Conv{call.name[-2:]}"
    return Mapped(kind, settings, [_x(call)], absorbed=[weight, *([bias] if _own(bias) else [])])


@rule("layer_norm")
def _layer_norm(call: Call) -> Mapped | None:
    weight, bias = call.arg(2, "weight"), call.arg(3, "bias")
    if (weight is not None and not _own(weight)) or (bias is not None and not _own(bias)):
        return None
    settings: dict[str, Any] = {"normalized_shape": plain(call.arg(1, "normalized_shape"))}
    eps = float(call.arg(4, "eps", 1e-5))
    if eps != 1e-5:
        settings["eps"] = eps
    if weight is None:
        settings["elementwise_affine"] = False
    elif bias is None:
        settings["bias"] = False
    absorbed = [t for t in (weight, bias) if t is not None]
    return Mapped("LayerNorm", settings, [_x(call)], absorbed=absorbed)


@rule("embedding")
def _embedding(call: Call) -> Mapped | None:
    weight = call.arg(1, "weight")
    if not _own(weight):
        return None
    size = {"num_embeddings": int(weight.shape[0]), "embedding_dim": int(weight.shape[1])}
    return Mapped("Embedding", size, [_x(call)], absorbed=[weight])


# --- pooling -------------------------------------------------------------------------------


def _compact(value: Any) -> Any:
    if isinstance(value, list) and value and all(v == value[0] for v in value):
        return value[0]
    return value


@rule("max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d")
def _pool(call: Call) -> Mapped:
    kind = ("MaxPool" if call.name.startswith("max") else "AvgPool") + call.name[-2:]
    settings: dict[str, Any] = {"kernel_size": _compact(plain(call.arg(1, "kernel_size")))}
    stride = call.arg(2, "stride")
    if stride not in (None, [], ()):
        settings["stride"] = _compact(plain(stride))
    padding = _compact(plain(call.arg(3, "padding", 0)))
    if padding != 0:
        settings["padding"] = padding
    if kind.startswith("Max"):
        dilation = _compact(plain(call.arg(4, "dilation", 1)))
        if dilation != 1:
            settings["dilation"] = dilation
        ceil = call.arg(5, "ceil_mode", False)
    else:
        ceil = call.arg(4, "ceil_mode", False)
        if not call.arg(5, "count_include_pad", True):
            settings["count_include_pad"] = False
    if ceil:
        settings["ceil_mode"] = True
    return Mapped(kind, settings, [_x(call)])


@rule("adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d")
def _adaptive(call: Call) -> Mapped:
    kind = ("AdaptiveMaxPool" if "max" in call.name else "AdaptiveAvgPool") + call.name[-2:]
    return Mapped(kind, {"output_size": _compact(plain(call.arg(1, "output_size")))}, [_x(call)])


@rule("mean")
def _mean(call: Call) -> Mapped | None:
    """``x.mean([2, 3])`` over every spatial axis of an image batch is a global pool."""
    x = _x(call)
    dims = call.arg(1, "dim")
    keep = bool(call.arg(2, "keepdim", False))
    if x.dim() != 4 or dims is None:
        return None
    axes = sorted(d % 4 for d in ([dims] if isinstance(dims, int) else dims))
    if axes != [2, 3]:
        return None
    if keep:
        return Mapped("AdaptiveAvgPool2d", {"output_size": 1}, [x])
    return Mapped("GlobalAvgPool2d", {}, [x])


# --- shapes --------------------------------------------------------------------------------


@rule("flatten")
def _flatten(call: Call) -> Mapped:
    settings = {}
    start, end = call.arg(1, "start_dim", 0), call.arg(2, "end_dim", -1)
    # torch.flatten starts at 0 by default; the layer (nn.Flatten) at 1.
    if start != 1:
        settings["start_dim"] = start
    if end != -1:
        settings["end_dim"] = end
    return Mapped("Flatten", settings, [_x(call)])


@rule("view", "reshape", "unflatten", "view_as", "reshape_as")
def _reshape(call: Call) -> Mapped:
    out = call.outputs[0]
    x = _x(call)
    if list(out.shape) == list(x.shape):
        return Mapped("Identity", {}, [x], alias=True)
    return Mapped("Reshape", {"shape": plain(out.shape)}, [x])


@rule("permute")
def _permute(call: Call) -> Mapped:
    dims = call.args[1:] if len(call.args) > 2 else call.arg(1, "dims")
    dims = [int(d) % _x(call).dim() for d in plain(dims)]
    return Mapped("Permute", {"dims": dims}, [_x(call)])


@rule("transpose", "swapaxes", "swapdims")
def _transpose(call: Call) -> Mapped:
    x = _x(call)
    rank = x.dim()
    a, b = int(call.arg(1, "dim0")) % rank, int(call.arg(2, "dim1")) % rank
    dims = list(range(rank))
    dims[a], dims[b] = dims[b], dims[a]
    return Mapped("Permute", {"dims": dims}, [x])


@rule("t")
def _t(call: Call) -> Mapped:
    x = _x(call)
    if x.dim() < 2:
        return Mapped("Identity", {}, [x], alias=True)
    return Mapped("Permute", {"dims": [1, 0]}, [x])


@rule("contiguous", "clone", "detach", "float", "to", "type_as", "requires_grad_")
def _same(call: Call) -> Mapped | None:
    x = _x(call)
    out = call.outputs[0]
    if out.dtype != x.dtype or list(out.shape) != list(x.shape):
        return None
    return Mapped("Identity", {}, [x], alias=True)


@rule("expand", "expand_as")
def _expand(call: Call) -> Mapped | None:
    x = _x(call)
    if list(call.outputs[0].shape) != list(x.shape):
        return None
    return Mapped("Identity", {}, [x], alias=True)


@rule("squeeze")
def _squeeze(call: Call) -> Mapped:
    dim = call.arg(1, "dim")
    return Mapped("Squeeze", {} if dim is None else {"dim": plain(dim)}, [_x(call)])


@rule("unsqueeze")
def _unsqueeze(call: Call) -> Mapped:
    return Mapped("Unsqueeze", {"dim": int(call.arg(1, "dim"))}, [_x(call)])


@rule("chunk", "split", "tensor_split")
def _split(call: Call) -> Mapped | None:
    x = _x(call)
    dim = int(call.arg(2, "dim", 0))
    axis = dim % x.dim()
    sizes = [int(o.shape[axis]) for o in call.outputs]
    if call.name == "tensor_split" or len(sizes) < 2:
        return None
    if call.name == "chunk" and len(set(sizes)) == 1:
        return Mapped("Split", {"dim": dim, "sections": len(sizes)}, [x])
    return Mapped("Split", {"dim": dim, "sections": None, "sizes": sizes}, [x])


@rule("cat", "concat", "concatenate")
def _cat(call: Call) -> Mapped:
    tensors = call.arg(0, "tensors")
    if not isinstance(tensors, list | tuple) or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError("cat of something else")
    return Mapped("Concat", {"dim": int(call.arg(1, "dim", 0))}, list(tensors))


# --- arithmetic ----------------------------------------------------------------------------

_BINARY = {
    "add": "Add", "__add__": "Add", "__radd__": "Add", "__iadd__": "Add", "add_": "Add",
    "mul": "Multiply", "__mul__": "Multiply", "__rmul__": "Multiply", "__imul__": "Multiply",
    "mul_": "Multiply", "multiply": "Multiply",
    "sub": "Subtract", "__sub__": "Subtract", "__isub__": "Subtract", "sub_": "Subtract",
    "subtract": "Subtract", "__rsub__": "Subtract",
    "div": "Divide", "__truediv__": "Divide", "__itruediv__": "Divide", "divide": "Divide",
    "div_": "Divide", "true_divide": "Divide",
    "maximum": "Maximum", "minimum": "Minimum",
}  # fmt: skip


@rule(*_BINARY)
def _binary(call: Call) -> Mapped | None:
    a, b = call.args[0], call.args[1] if len(call.args) > 1 else call.kwargs.get("other")
    if call.kwargs.get("alpha", 1) != 1 or len(call.args) > 2:
        return None
    kind = _BINARY[call.name]
    if call.name == "__rsub__":
        a, b = b, a
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if kind == "Divide" or a.dim() == 0 or b.dim() == 0:
            return None
        return Mapped(kind, {}, [a, b])
    # One tensor and a number: (shift + scale·x)^power, Caffe's Power layer.
    x, number = (a, b) if isinstance(a, Tensor) else (b, a)
    if not isinstance(x, Tensor) or not isinstance(number, int | float) or isinstance(number, bool):
        return None
    c = float(number)
    if kind == "Add":
        settings = {"shift": c}
    elif kind == "Multiply":
        settings = {"scale": c}
    elif kind == "Divide" and isinstance(a, Tensor) and c != 0:
        settings = {"scale": 1.0 / c}
    elif kind == "Subtract":
        settings = {"shift": -c} if isinstance(a, Tensor) else {"scale": -1.0, "shift": c}
    else:
        return None
    return Mapped("Power", settings, [x])


@rule("pow", "__pow__")
def _pow(call: Call) -> Mapped | None:
    x, e = call.args[0], call.arg(1, "exponent")
    if not isinstance(x, Tensor) or not isinstance(e, int | float) or isinstance(e, bool):
        return None
    return Mapped("Power", {"power": float(e)}, [x])


@rule("neg", "__neg__")
def _neg(call: Call) -> Mapped:
    return Mapped("Power", {"scale": -1.0}, [_x(call)])


@rule("matmul", "__matmul__", "bmm", "mm")
def _matmul(call: Call) -> Mapped | None:
    a, b = call.args[0], call.arg(1, "other", call.kwargs.get("mat2"))
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)) or a.dim() < 2 or b.dim() < 2:
        return None
    return Mapped("MatMul", {}, [a, b])


def tensors_in(value: Any) -> Sequence[Tensor]:
    """Every tensor in an argument, in order (lists and tuples opened)."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, list | tuple):
        return [t for v in value for t in tensors_in(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in tensors_in(v)]
    return []
