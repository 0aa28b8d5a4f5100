"""ONNX emitters for convolution, pooling, linear and embedding layers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from netcanvas.formats.onnx.build import Emit
from netcanvas.formats.onnx.ops.table import emits
from netcanvas.graph import shapes


def rank_of(e: Emit) -> int:
    return len(e.shape) - 2


# --- io -------------------------------------------------------------------------------


@emits("Output", "Identity")
def _identity(e: Emit) -> None:
    e.b.op("Identity", [e.input], e.outputs, name=e.node.name)


# --- convolution ----------------------------------------------------------------------


def _conv_geometry(e: Emit) -> tuple[list[int], list[int], list[int], list[int]]:
    p, rank = e.params, rank_of(e)
    kernel = list(shapes.per_axis(p.kernel_size, rank, "kernel_size"))
    stride = list(shapes.per_axis(p.stride, rank, "stride"))
    dilation = list(shapes.per_axis(p.dilation, rank, "dilation"))
    begin, end = shapes.resolve_padding(p.padding, e.shape[2:], kernel, stride, dilation)
    return kernel, stride, dilation, [*begin, *end]


# padding_mode -> ONNX Pad's mode; opset 17 has no wrap-around ("wrap" is opset 19).
_PAD_MODES = {"reflect": "reflect", "replicate": "edge"}


@emits("Conv1d", "Conv2d", "Conv3d")
def _conv(e: Emit) -> None:
    p = e.params
    kernel, stride, dilation, pads = _conv_geometry(e)
    c_in = e.shape[1]
    fan_in = c_in // p.groups * math.prod(kernel)
    x = e.input
    if p.padding_mode != "zeros" and any(pads):
        if p.padding_mode not in _PAD_MODES:
            raise e.unsupported(f"padding_mode={p.padding_mode!r} has no ONNX spelling (opset 17)")
        # torch pads a copy of the border first, then convolves unpadded: so does ONNX.
        half = len(pads) // 2
        widths = e.b.ints(e.hint("pads"), [0, 0, *pads[:half], 0, 0, *pads[half:]])
        x = e.step("Pad", [x, widths], "pad", mode=_PAD_MODES[p.padding_mode])
        pads = [0] * len(pads)
    inputs = [
        x,
        e.b.weight(e.hint("weight"), [p.out_channels, c_in // p.groups, *kernel], fan_in),
    ]
    if p.bias:
        inputs.append(e.b.weight(e.hint("bias"), [p.out_channels], fan_in))
    e.b.op(
        "Conv",
        inputs,
        e.outputs,
        name=e.node.name,
        kernel_shape=kernel,
        strides=stride,
        dilations=dilation,
        pads=pads,
        group=p.groups,
    )


@emits("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
def _conv_transpose(e: Emit) -> None:
    p, rank = e.params, rank_of(e)
    kernel, stride, dilation, pads = _conv_geometry(e)
    c_in = e.shape[1]
    fan_in = p.out_channels // p.groups * math.prod(kernel)
    shape = [c_in, p.out_channels // p.groups, *kernel]
    inputs = [e.input, e.b.weight(e.hint("weight"), shape, fan_in)]
    if p.bias:
        inputs.append(e.b.weight(e.hint("bias"), [p.out_channels], fan_in))
    e.b.op(
        "ConvTranspose",
        inputs,
        e.outputs,
        name=e.node.name,
        kernel_shape=kernel,
        strides=stride,
        dilations=dilation,
        pads=pads,
        group=p.groups,
        output_padding=list(shapes.per_axis(p.output_padding, rank, "output_padding")),
    )


# --- pooling --------------------------------------------------------------------------


@emits("MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d")
def _pool(e: Emit) -> None:
    p, rank = e.params, rank_of(e)
    kernel = list(shapes.per_axis(p.kernel_size, rank, "kernel_size"))
    stride = list(shapes.per_axis(p.stride or p.kernel_size, rank, "stride"))
    pads = list(shapes.per_axis(p.padding, rank, "padding"))
    dilation = list(shapes.per_axis(getattr(p, "dilation", 1), rank, "dilation"))
    ends = list(pads)
    ceil = p.ceil_mode
    if ceil and _clipped(e.shape[2:], kernel, stride, pads, dilation):
        # ONNX shape inference lacks the "last window starts inside" rule PyTorch and
        # Caffe share; floor rounding over a longer end pad gives the same windows.
        ceil = False
        for axis, want in enumerate(e.out_shapes[0][2:]):
            span = dilation[axis] * (kernel[axis] - 1) + 1
            total = (want - 1) * stride[axis] + span - e.shape[2 + axis]
            ends[axis] = max(total - pads[axis], 0)
    is_max = e.node.type.startswith("Max")
    if getattr(p, "divisor_override", None):
        _window_sum(e, kernel, stride, pads, float(p.divisor_override))
        return
    outputs = _with_indices(e) if is_max else e.outputs
    e.b.op(
        "MaxPool" if is_max else "AveragePool",
        [e.input],
        outputs,
        name=e.node.name,
        kernel_shape=kernel,
        strides=stride,
        pads=[*pads, *ends],
        ceil_mode=int(ceil),
        dilations=dilation if is_max else None,
        count_include_pad=None if is_max else int(p.count_include_pad),
    )
    _torch_indices(e, outputs)


def _with_indices(e: Emit) -> list[str]:
    """A max pooling's outputs: with ``return_indices``, ONNX's Indices ahead of torch's."""
    if not e.params.return_indices:
        return list(e.outputs)
    return [e.outputs[0], e.b.name(f"{e.node.name}/onnx_indices")]


def _torch_indices(e: Emit, outputs: list[str]) -> None:
    """ONNX counts an index over the whole tensor, ((n·C + c)·H + h)·W + w; PyTorch within
    each channel's plane, h·W + w: the remainder by the plane's size (any batch size)."""
    if len(outputs) == 2:
        plane = e.b.ints(e.hint("plane"), [math.prod(e.shape[2:])])
        e.b.op("Mod", [outputs[1], plane], [e.outputs[1]], name=f"{e.node.name}/indices")


def _window_sum(
    e: Emit, kernel: list[int], stride: list[int], pads: list[int], divisor: float
) -> None:
    """``divisor_override``: each window's sum (padding counts as zeros) over ``divisor``,
    a depthwise convolution with constant weights. The end padding reaches every window
    our analysis counts, so ceil_mode needs no rounding of its own."""
    channels = e.shape[1]
    ends = [
        max((want - 1) * s + k - n - pad, 0)
        for want, s, k, n, pad in zip(
            e.out_shapes[0][2:], stride, kernel, e.shape[2:], pads, strict=True
        )
    ]
    weights = e.b.const(
        e.hint("window"), np.full([channels, 1, *kernel], 1.0 / divisor, dtype=np.float32)
    )
    e.b.op(
        "Conv",
        [e.input, weights],
        e.outputs,
        name=e.node.name,
        kernel_shape=kernel,
        strides=stride,
        pads=[*pads, *ends],
        group=channels,
    )


def _clipped(
    sizes: tuple[int, ...], kernel: list[int], stride: list[int], pads: list[int], dil: list[int]
) -> bool:
    for n, k, s, pad, d in zip(sizes, kernel, stride, pads, dil, strict=True):
        span = d * (k - 1) + 1
        out = -(-(n + 2 * pad - span) // s) + 1
        if (out - 1) * s >= n + pad:
            return True
    return False


@emits(
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
)
def _adaptive(e: Emit) -> None:
    is_max = "Max" in e.node.type
    sizes = e.shape[2:]
    out = e.out_shapes[0][2:]
    if all(n % o == 0 for n, o in zip(sizes, out, strict=True)):
        kernel = [n // o for n, o in zip(sizes, out, strict=True)]
        if is_max and e.params.return_indices:  # GlobalMaxPool has no Indices output
            outputs = _with_indices(e)
            e.b.op("MaxPool", [e.input], outputs, name=e.node.name, kernel_shape=kernel,
                   strides=kernel)  # fmt: skip
            _torch_indices(e, outputs)
            return
        if all(o == 1 for o in out):
            e.b.op(
                "GlobalMaxPool" if is_max else "GlobalAveragePool",
                [e.input],
                e.outputs,
                name=e.node.name,
            )
            return
        e.b.op(
            "MaxPool" if is_max else "AveragePool",
            [e.input],
            e.outputs,
            name=e.node.name,
            kernel_shape=kernel,
            strides=kernel,
        )
        return
    if is_max or len(sizes) > 2:
        raise e.unsupported(
            f"adaptive pooling from {shapes.fmt(sizes)} to {shapes.fmt(out)} has uneven windows "
            "ONNX pooling cannot express (use an output size that divides the input)"
        )
    # Uneven average windows are a fixed linear map per axis: pool with constant matrices.
    current = e.input
    for axis in range(len(sizes)):
        axis_from_end = len(sizes) - axis
        matrix = _adaptive_matrix(sizes[axis], out[axis])
        last = axis == len(sizes) - 1
        target = e.outputs if last else None
        if axis_from_end == 1:  # the last axis: X @ M^T
            weights = e.b.const(e.hint(f"pool{axis}"), matrix.T.copy())
            current = e.b.op(
                "MatMul", [current, weights], target, name=f"{e.node.name}/pool{axis}"
            )[0]
        else:  # the next-to-last axis: M @ X
            weights = e.b.const(e.hint(f"pool{axis}"), matrix)
            current = e.b.op(
                "MatMul", [weights, current], target, name=f"{e.node.name}/pool{axis}"
            )[0]


def _adaptive_matrix(size: int, out: int) -> np.ndarray[Any, Any]:
    matrix = np.zeros((out, size), dtype=np.float32)
    for i in range(out):
        start, stop = (i * size) // out, -(-((i + 1) * size) // out)
        matrix[i, start:stop] = 1.0 / (stop - start)
    return matrix


@emits("GlobalAvgPool2d", "GlobalMaxPool2d")
def _global(e: Emit) -> None:
    op = "GlobalMaxPool" if "Max" in e.node.type else "GlobalAveragePool"
    pooled = e.b.op(op, [e.input], name=f"{e.node.name}/pool")
    e.b.op("Flatten", pooled, e.outputs, name=e.node.name, axis=1)


# --- linear ---------------------------------------------------------------------------


@emits("Linear")
def _linear(e: Emit) -> None:
    p = e.params
    fan_in = e.shape[-1]
    if len(e.shape) == 2:
        weight = e.b.weight(e.hint("weight"), [p.out_features, fan_in], fan_in, "out_in")
        inputs = [e.input, weight]
        if p.bias:
            inputs.append(e.b.weight(e.hint("bias"), [p.out_features], fan_in))
        e.b.op("Gemm", inputs, e.outputs, name=e.node.name, transB=1)
        return
    weight = e.b.weight(e.hint("weight"), [fan_in, p.out_features], fan_in, "in_out")
    if not p.bias:
        e.b.op("MatMul", [e.input, weight], e.outputs, name=e.node.name)
        return
    product = e.b.op("MatMul", [e.input, weight], name=f"{e.node.name}/matmul")
    bias = e.b.weight(e.hint("bias"), [p.out_features], fan_in)
    e.b.op("Add", [product[0], bias], e.outputs, name=e.node.name)


@emits("Embedding")
def _embedding(e: Emit) -> None:
    # scale_grad_by_freq and sparse shape gradients only: an inference graph has none.
    p = e.params
    shape = [p.num_embeddings, p.embedding_dim]
    kept = e.b.supply.take(e.hint("weight"), shape) if e.b.supply is not None else None
    table = kept if kept is not None else e.b.rng.normal(0.0, 1.0, size=shape).astype(np.float32)
    weight = e.b.const(e.hint("weight"), table)
    if p.max_norm is None:
        e.b.op("Gather", [weight, e.input], e.outputs, name=e.node.name, axis=0)
        return
    rows = e.step("Gather", [weight, e.input], "gather", axis=0)
    _renormalise(e, rows, p.max_norm, p.norm_type)


def _renormalise(e: Emit, rows: str, max_norm: float, p: float) -> None:
    """torch's max_norm: a looked-up row whose p-norm exceeds max_norm is scaled by
    max_norm / (norm + 1e-7); the others pass unchanged."""
    b = e.b
    power = b.floats(e.hint("norm_type"), p)
    magnitude = e.step("Pow", [e.step("Abs", [rows], "abs"), power], "pow")
    total = e.step("ReduceSum", [magnitude, b.ints(e.hint("axes"), [-1])], "sum", keepdims=1)
    norm = e.step("Pow", [total, b.floats(e.hint("inverse"), 1.0 / p)], "norm")
    limit = b.floats(e.hint("max_norm"), max_norm)
    shrink = e.step(
        "Div", [limit, e.step("Add", [norm, b.floats(e.hint("tiny"), 1e-7)], "eps")], "shrink"
    )
    over = e.step("Greater", [norm, limit], "over")
    scale = e.step("Where", [over, shrink, b.floats(e.hint("one"), 1.0)], "scale")
    b.op("Mul", [rows, scale], e.outputs, name=e.node.name)
