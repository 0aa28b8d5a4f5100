"""PyTorch emitters for the registry's own layer types (Caffe's are in pytorch_caffe)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netcanvas.formats.code.pytorch_table import Py, emits, module, written
from netcanvas.graph import shapes
from netcanvas.layers.tensor_ops import StridedSlice

# Helper classes, pasted into the generated file when a layer needs them.
HELPERS = {
    "HeldTensor": '''
class HeldTensor(nn.Module):
    """A tensor the network holds: learned (nn.Parameter) or fixed (a buffer); with a
    table, read from that learned table through a fixed index."""

    def __init__(
        self, shape: tuple[int, ...], learnable: bool, table: tuple[int, ...] | None = None
    ) -> None:
        super().__init__()
        self.shape = shape
        value = torch.zeros(table or shape)
        if learnable:
            self.value = nn.Parameter(value)
        else:
            self.register_buffer("value", value)
        index = torch.zeros(shape, dtype=torch.long).reshape(-1) if table is not None else None
        self.register_buffer("index", index)

    def forward(self) -> torch.Tensor:
        if self.index is None:
            return self.value
        return self.value.reshape(-1)[self.index].reshape(self.shape)
''',
}

# --- module types whose torch constructor takes our params as they are ------------------

_SAME_NAME = (
    "ReLU ReLU6 LeakyReLU ELU SELU CELU GELU SiLU Mish Sigmoid Tanh Hardtanh Hardswish "
    "Hardsigmoid Softplus Softsign Softmax LogSoftmax PReLU Dropout Dropout1d Dropout2d "
    "Dropout3d AlphaDropout LocalResponseNorm Flatten Unflatten PixelShuffle PixelUnshuffle "
    "ZeroPad2d ConstantPad2d Upsample AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d "
    "AdaptiveMaxPool1d AdaptiveMaxPool2d Identity"
).split()


@emits(*_SAME_NAME)
def _same(c: Py) -> tuple[str | None, str]:
    values = written(c.params)
    if c.type == "Upsample":
        # torch takes per-axis sizes and factors as tuples, not lists.
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        values = {k: v for k, v in values.items() if v is not None}
        if "size" in values:
            values.pop("scale_factor", None)
    return module(c.type, **values), "{m}({x})"


@emits("Output")
def _output(c: Py) -> tuple[str | None, str]:
    return None, "{x}"


@emits("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
def _conv(c: Py) -> tuple[str | None, str]:
    p, rank = c.params, len(c.shape) - 2
    kernel = shapes.per_axis(p.kernel_size, rank, "kernel_size")
    stride = shapes.per_axis(p.stride, rank, "stride")
    dilation = shapes.per_axis(p.dilation, rank, "dilation")
    begin, end = shapes.resolve_padding(p.padding, c.shape[2:], kernel, stride, dilation)
    values: dict[str, Any] = {
        **written(p),
        "kernel_size": _compact(kernel),
        "stride": _compact(stride),
        "padding": _compact(begin) if begin == end else 0,
        "dilation": _compact(dilation),
    }
    values.pop("out_channels")
    if "Transpose" in c.type:
        values["output_padding"] = _compact(
            shapes.per_axis(p.output_padding, rank, "output_padding")
        )
    if begin != end:
        # Uneven padding ('same' with an even kernel): pad first, then convolve unpadded.
        values["padding_mode"] = "zeros"
    built = module(c.type, c.shape[1], p.out_channels, **values)
    if begin != end:
        pads = [v for b, e in zip(reversed(begin), reversed(end), strict=True) for v in (b, e)]
        built = f"nn.Sequential({_pad_module(p.padding_mode, rank, tuple(pads))}, {built})"
    return built, "{m}({x})"


def _pad_module(mode: str, rank: int, pads: tuple[int, ...]) -> str:
    if mode == "zeros":
        return f"nn.ConstantPad{rank}d({pads!r}, 0.0)"
    kind = {"reflect": "Reflection", "replicate": "Replication", "circular": "Circular"}[mode]
    return f"nn.{kind}Pad{rank}d({pads!r})"


def _compact(values: Sequence[int]) -> int | tuple[int, ...]:
    return values[0] if len(set(values)) == 1 else tuple(values)


@emits("MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d")
def _pool(c: Py) -> tuple[str | None, str]:
    return module(c.type, **written(c.params)), "{m}({x})"


@emits("GlobalAvgPool2d", "GlobalMaxPool2d")
def _global(c: Py) -> tuple[str | None, str]:
    pool = "AdaptiveMaxPool2d" if "Max" in c.type else "AdaptiveAvgPool2d"
    return f"nn.Sequential(nn.{pool}(1), nn.Flatten())", "{m}({x})"


@emits("Linear")
def _linear(c: Py) -> tuple[str | None, str]:
    values = written(c.params)
    return module("Linear", c.shape[-1], values.pop("out_features"), **values), "{m}({x})"


@emits("Embedding")
def _embedding(c: Py) -> tuple[str | None, str]:
    values = written(c.params)
    size = values.pop("num_embeddings"), values.pop("embedding_dim")
    return module("Embedding", *size, **values), "{m}({x})"


@emits("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d")
def _norm(c: Py) -> tuple[str | None, str]:
    return module(c.type, c.shape[1], **written(c.params)), "{m}({x})"


@emits("GroupNorm")
def _group_norm(c: Py) -> tuple[str | None, str]:
    values = written(c.params)
    return module("GroupNorm", values.pop("num_groups"), c.shape[1], **values), "{m}({x})"


@emits("LayerNorm", "RMSNorm")
def _layer_norm(c: Py) -> tuple[str | None, str]:
    values = written(c.params)
    if values["normalized_shape"] is None:
        values["normalized_shape"] = c.shape[-1]
    return module(c.type, **values), "{m}({x})"


@emits("RNN", "LSTM", "GRU")
def _recurrent(c: Py) -> tuple[str | None, str]:
    values = written(c.params)
    call = "{m}({x})"
    if len(c.args) == 2:
        call = "{m}({x}, {x1})"
    elif len(c.args) == 3:
        call = "{m}({x}, ({x1}, {x2}))"
    return module(c.type, c.shape[-1], **values), call


@emits("MultiheadAttention")
def _attention(c: Py) -> tuple[str | None, str]:
    values = written(c.params)
    embed = c.shape[-1]
    if len(c.in_shapes) == 3 and (c.in_shapes[1][-1] != embed or c.in_shapes[2][-1] != embed):
        values.update(kdim=c.in_shapes[1][-1], vdim=c.in_shapes[2][-1])
    call = "{m}({x}, {x}, {x})" if len(c.args) == 1 else "{m}({x}, {x1}, {x2})"
    return module("MultiheadAttention", embed, **values), call


@emits("TransformerEncoderLayer", "TransformerDecoderLayer")
def _transformer(c: Py) -> tuple[str | None, str]:
    built = module(c.type, c.shape[-1], **written(c.params))
    return built, "{m}({x})" if len(c.args) == 1 else "{m}({x}, {x1})"


# --- functional types ----------------------------------------------------------------


@emits("Add")
def _add(c: Py) -> tuple[str | None, str]:
    coeff = c.params.coeff
    if coeff is None:
        return None, " + ".join(c.args)
    return None, " + ".join(f"{k!r} * {a}" for k, a in zip(coeff, c.args, strict=False))


@emits("Multiply")
def _mul(c: Py) -> tuple[str | None, str]:
    return None, " * ".join(c.args)


@emits("Subtract")
def _sub(c: Py) -> tuple[str | None, str]:
    return None, f"{c.args[0]} - {c.args[1]}"


@emits("Maximum", "Minimum")
def _extreme(c: Py) -> tuple[str | None, str]:
    fn = "torch.maximum" if c.type == "Maximum" else "torch.minimum"
    expr = c.args[0]
    for other in c.args[1:]:
        expr = f"{fn}({expr}, {other})"
    return None, expr


@emits("Concat")
def _concat(c: Py) -> tuple[str | None, str]:
    return None, f"torch.cat([{', '.join(c.args)}], dim={c.params.dim})"


@emits("MatMul")
def _matmul(c: Py) -> tuple[str | None, str]:
    return None, f"torch.matmul({c.args[0]}, {c.args[1]})"


@emits("Einsum")
def _einsum(c: Py) -> tuple[str | None, str]:
    return None, f"torch.einsum({c.params.equation!r}, {', '.join(c.args)})"


@emits("Reshape", "Squeeze")
def _reshape(c: Py) -> tuple[str | None, str]:
    out = c.out_shapes[0]
    if out and c.shape and out[0] == c.shape[0]:
        # Keep the batch symbolic so the module also runs on another batch size.
        rest = "".join(f", {d}" for d in out[1:])
        return None, f"{c.x}.reshape({c.x}.shape[0]{rest})"
    return None, f"{c.x}.reshape({', '.join(str(d) for d in out)})"


@emits("Unsqueeze")
def _unsqueeze(c: Py) -> tuple[str | None, str]:
    return None, f"{c.x}.unsqueeze({c.params.dim})"


@emits("Select")
def _select(c: Py) -> tuple[str | None, str]:
    return None, f"{c.x}.select({c.params.dim}, {c.params.index})"


@emits("StridedSlice")
def _strided_slice(c: Py) -> tuple[str | None, str]:
    parts = [":"] * len(c.shape)
    for axis, start, end, step in StridedSlice.cuts(c.params, len(c.shape)):
        end = min(end, c.shape[axis])  # ONNX writes "to the end" as 2**63 - 1
        parts[axis] = f"{start}:{end}" + (f":{step}" if step != 1 else "")
    while parts[-1] == ":":
        parts.pop()
    return None, f"{c.x}[{', '.join(parts)}]"


@emits("ConstantTensor")
def _constant_tensor(c: Py) -> tuple[str | None, str]:
    c.needs.append("HeldTensor")
    p = c.params
    table = f", table={tuple(p.table)!r}" if p.table else ""
    return f"HeldTensor({tuple(p.shape)!r}, learnable={p.learnable}{table})", "{m}()"


@emits("Permute")
def _permute(c: Py) -> tuple[str | None, str]:
    return None, f"{c.x}.permute({', '.join(str(d) for d in c.params.dims)})"


@emits("Split")
def _split(c: Py) -> tuple[str | None, str]:
    axis = shapes.normalize_axis(c.params.dim, len(c.shape))
    sizes = [s[axis] for s in c.out_shapes]
    return None, f"torch.split({c.x}, {sizes!r}, dim={axis})"


@emits("Crop")
def _crop(c: Py) -> tuple[str | None, str]:
    data, ref = c.in_shapes
    first = shapes.normalize_axis(c.params.axis, len(data))
    offset = c.params.offset
    count = len(data) - first
    offsets = [offset] * count if isinstance(offset, int) else list(offset)
    offsets = offsets * count if len(offsets) == 1 else offsets
    parts = [":"] * first + [
        f"{o}:{o + ref[a]}" for o, a in zip(offsets, range(first, len(data)), strict=True)
    ]
    return None, f"{c.x}[{', '.join(parts)}]"
