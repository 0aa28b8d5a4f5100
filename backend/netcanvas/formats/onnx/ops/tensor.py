"""ONNX emitters for merges, normalisation and tensor reshaping (part of the one table).

Where opset 17 has no operator (GroupNorm as PyTorch defines it, RMSNorm,
PixelUnshuffle's channel order) the layer is written out of primitives so values,
not only shapes, match PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from netcanvas.formats.onnx.build import Emit
from netcanvas.formats.onnx.ops.table import emits
from netcanvas.graph import shapes
from netcanvas.layers.tensor_ops import StridedSlice

# --- merge ----------------------------------------------------------------------------


@emits("Add")
def _add(e: Emit) -> None:
    terms = list(e.inputs)
    coeff = e.params.coeff
    if coeff is not None and any(c != 1.0 for c in coeff):
        # Caffe's Eltwise SUM with coefficients: a weighted sum.
        terms = [
            e.b.op("Mul", [t, e.b.floats(e.hint(f"coeff{i}"), c)], name=f"{e.node.name}/scale{i}")[
                0
            ]
            for i, (t, c) in enumerate(zip(terms, coeff, strict=False))
        ]
    e.b.op("Add" if len(terms) == 2 else "Sum", terms, e.outputs, name=e.node.name)


_VARIADIC = {"Multiply": "Mul", "Maximum": "Max", "Minimum": "Min"}


@emits(*_VARIADIC)
def _variadic(e: Emit) -> None:
    op = _VARIADIC[e.node.type]
    if op != "Mul" or len(e.inputs) == 2:
        e.b.op(op, e.inputs, e.outputs, name=e.node.name)
        return
    acc = e.inputs[0]
    for i, term in enumerate(e.inputs[1:], 1):
        last = i == len(e.inputs) - 1
        acc = e.b.op("Mul", [acc, term], e.outputs if last else None, name=f"{e.node.name}/mul{i}")[
            0
        ]


@emits("Subtract")
def _sub(e: Emit) -> None:
    e.b.op("Sub", e.inputs, e.outputs, name=e.node.name)


@emits("MatMul")
def _matmul(e: Emit) -> None:
    e.b.op("MatMul", e.inputs, e.outputs, name=e.node.name)


@emits("Einsum")
def _einsum(e: Emit) -> None:
    e.b.op("Einsum", e.inputs, e.outputs, name=e.node.name, equation=e.params.equation)


@emits("Concat")
def _concat(e: Emit) -> None:
    e.b.op("Concat", e.inputs, e.outputs, name=e.node.name, axis=e.params.dim)


# --- normalisation --------------------------------------------------------------------


def _channel_shape(e: Emit) -> list[int]:
    """[C, 1, 1, ...]: a per-channel tensor that broadcasts over the spatial axes."""
    return [e.shape[1]] + [1] * (len(e.shape) - 2)


@emits("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d")
def _batch_norm(e: Emit) -> None:
    p, b, c = e.params, e.b, e.shape[1]
    scale = b.weight(e.hint("weight"), [c], c) if p.affine else b.fill(e.hint("weight"), [c], 1.0)
    # affine without bias (torch 2.1+) learns the scale alone: the shift is a zero constant.
    learned = p.affine and p.bias
    bias = b.weight(e.hint("bias"), [c], c) if learned else b.fill(e.hint("bias"), [c], 0.0)
    if p.track_running_stats:
        mean = b.fill(e.hint("running_mean"), [c], 0.0)
        var = b.fill(e.hint("running_var"), [c], 1.0)
        b.op(
            "BatchNormalization",
            [e.input, scale, bias, mean, var],
            e.outputs,
            name=e.node.name,
            epsilon=p.eps,
        )
        return
    if e.node.type.startswith("Instance"):
        b.op(
            "InstanceNormalization",
            [e.input, scale, bias],
            e.outputs,
            name=e.node.name,
            epsilon=p.eps,
        )
        return
    # Without running statistics PyTorch normalises with the batch's own statistics.
    _batch_stats_norm(e)


def _normalize(e: Emit, axes: list[int], eps: float, x: str) -> str:
    """(x - mean) / sqrt(var + eps) over ``axes``; returns the normalised tensor."""
    b, name = e.b, e.node.name
    mean = b.op("ReduceMean", [x], name=f"{name}/mean", axes=axes, keepdims=1)[0]
    centred = b.op("Sub", [x, mean], name=f"{name}/centre")[0]
    square = b.op("Mul", [centred, centred], name=f"{name}/square")[0]
    var = b.op("ReduceMean", [square], name=f"{name}/var", axes=axes, keepdims=1)[0]
    shifted = b.op("Add", [var, b.floats(e.hint("eps"), eps)], name=f"{name}/add_eps")[0]
    root = b.op("Sqrt", [shifted], name=f"{name}/sqrt")[0]
    return b.op("Div", [centred, root], name=f"{name}/normalize")[0]


def _affine(e: Emit, x: str, shape: list[int], fan: int, weight: bool, bias: bool) -> None:
    """x·weight + bias into the layer's output, skipping what the layer does not learn."""
    b, name = e.b, e.node.name
    if weight:
        w = b.weight(e.hint("weight"), shape, fan)
        x = b.op("Mul", [x, w], e.outputs if not bias else None, name=f"{name}/scale")[0]
    if bias:
        bb = b.weight(e.hint("bias"), shape, fan)
        b.op("Add", [x, bb], e.outputs, name=f"{name}/shift")
    if not weight and not bias:
        b.op("Identity", [x], e.outputs, name=name)


def _batch_stats_norm(e: Emit) -> None:
    p = e.params
    normed = _normalize(e, [0, *range(2, len(e.shape))], p.eps, e.input)
    _affine(e, normed, _channel_shape(e), e.shape[1], p.affine, p.affine and p.bias)


@emits("GroupNorm")
def _group_norm(e: Emit) -> None:
    p, b, name = e.params, e.b, e.node.name
    grouped = b.ints(e.hint("grouped"), [0, p.num_groups, -1])
    x = b.op("Reshape", [e.input, grouped], name=f"{name}/group")[0]
    ones = b.fill(e.hint("unit_scale"), [p.num_groups], 1.0)
    zeros = b.fill(e.hint("unit_bias"), [p.num_groups], 0.0)
    # Instance norm over [N, G, rest] normalises each group: exactly GroupNorm's statistics.
    x = b.op("InstanceNormalization", [x, ones, zeros], name=f"{name}/norm", epsilon=p.eps)[0]
    back = b.ints(e.hint("shape"), e.reshape_target(e.shape))
    x = b.op("Reshape", [x, back], name=f"{name}/ungroup")[0]
    _affine(e, x, _channel_shape(e), e.shape[1], p.affine, p.affine and p.bias)


def _normalized_shape(e: Emit) -> list[int]:
    ns = e.params.normalized_shape
    if ns is None:
        return [e.shape[-1]]
    return [ns] if isinstance(ns, int) else list(ns)


@emits("LayerNorm")
def _layer_norm(e: Emit) -> None:
    p, b = e.params, e.b
    ns = _normalized_shape(e)
    if p.elementwise_affine:
        inputs = [e.input, b.weight(e.hint("weight"), ns, ns[-1])]
        if p.bias:
            inputs.append(b.weight(e.hint("bias"), ns, ns[-1]))
    else:
        inputs = [e.input, b.fill(e.hint("weight"), ns, 1.0)]
    b.op("LayerNormalization", inputs, e.outputs, name=e.node.name, axis=-len(ns), epsilon=p.eps)


@emits("RMSNorm")
def _rms_norm(e: Emit) -> None:
    p, b, name = e.params, e.b, e.node.name
    ns = _normalized_shape(e)
    eps = p.eps if p.eps is not None else float(np.finfo(np.float32).eps)
    axes = list(range(-len(ns), 0))
    square = b.op("Mul", [e.input, e.input], name=f"{name}/square")[0]
    mean = b.op("ReduceMean", [square], name=f"{name}/mean", axes=axes, keepdims=1)[0]
    shifted = b.op("Add", [mean, b.floats(e.hint("eps"), eps)], name=f"{name}/add_eps")[0]
    root = b.op("Sqrt", [shifted], name=f"{name}/sqrt")[0]
    normed = b.op("Div", [e.input, root], name=f"{name}/normalize")[0]
    _affine(e, normed, ns, ns[-1], p.elementwise_affine, False)


@emits("LocalResponseNorm")
def _lrn(e: Emit) -> None:
    p = e.params
    e.b.op(
        "LRN",
        [e.input],
        e.outputs,
        name=e.node.name,
        size=p.size,
        alpha=p.alpha,
        beta=p.beta,
        bias=p.k,
    )


# --- reshaping ------------------------------------------------------------------------


def _reshape_to(e: Emit, target: list[int]) -> None:
    shape = e.b.ints(e.hint("shape"), target)
    e.b.op("Reshape", [e.input, shape], e.outputs, name=e.node.name)


@emits("Flatten")
def _flatten(e: Emit) -> None:
    p, rank = e.params, len(e.shape)
    start = shapes.normalize_axis(p.start_dim, rank)
    end = shapes.normalize_axis(p.end_dim, rank)
    if start == 1 and end == rank - 1:  # ONNX Flatten always yields 2-D
        e.b.op("Flatten", [e.input], e.outputs, name=e.node.name, axis=start)
        return
    _reshape_to(e, e.reshape_target(e.out_shapes[0]))


@emits("Unflatten", "Squeeze")
def _to_output_shape(e: Emit) -> None:
    _reshape_to(e, e.reshape_target(e.out_shapes[0]))


@emits("Reshape")
def _reshape(e: Emit) -> None:
    # Our 0 and -1 mean what ONNX's do (allowzero=0), so the target goes through as is.
    _reshape_to(e, list(e.params.shape))


@emits("Unsqueeze")
def _unsqueeze(e: Emit) -> None:
    axis = shapes.normalize_axis(e.params.dim, len(e.shape) + 1)
    e.b.op("Unsqueeze", [e.input, e.b.ints(e.hint("axes"), [axis])], e.outputs, name=e.node.name)


@emits("Select")
def _select(e: Emit) -> None:
    axis = shapes.normalize_axis(e.params.dim, len(e.shape))
    index = e.b.ints(e.hint("index"), [e.params.index % e.shape[axis]])
    picked = e.b.op("Gather", [e.input, index], name=f"{e.node.name}/gather", axis=axis)[0]
    e.b.op("Squeeze", [picked, e.b.ints(e.hint("axes"), [axis])], e.outputs, name=e.node.name)


@emits("StridedSlice")
def _strided_slice(e: Emit) -> None:
    cuts = StridedSlice.cuts(e.params, len(e.shape))
    columns = [e.b.ints(e.hint(what), [c[k] for c in cuts]) for k, what in (
        (1, "starts"), (2, "ends"), (0, "axes"), (3, "steps"))]  # fmt: skip
    e.b.op("Slice", [e.input, *columns], e.outputs, name=e.node.name)


@emits("ConstantTensor")
def _constant_tensor(e: Emit) -> None:
    p, supply = e.params, e.b.supply
    stored = list(p.table or p.shape)
    if p.table is None:
        value = (
            e.b.weight(e.hint("value"), stored, stored[-1])
            if p.learnable
            else e.b.fill(e.hint("value"), stored, 0.0)
        )
        e.b.op("Identity", [value], e.outputs, name=e.node.name)
        return
    # Read through a fixed index: the original's when the graph carries both tensors (found
    # again from them, weights.py), else zeros (the document holds no values).
    count = math.prod(p.shape)
    table = supply.take(e.hint("value"), stored) if supply is not None else None
    found = supply.index(e.hint("folded"), table, count) if supply and table is not None else None
    if table is not None:
        value = e.b.const(e.hint("value"), table)
    elif p.learnable:
        value = e.b.weight(e.hint("value"), stored, stored[-1])
    else:
        value = e.b.fill(e.hint("value"), stored, 0.0)
    flat = e.step("Reshape", [value, e.b.ints(e.hint("flat"), [-1])], "flat")
    index = e.b.ints(e.hint("index"), found if found is not None else [0] * count)
    picked = e.step("Gather", [flat, index], "gather", axis=0)
    e.b.op("Reshape", [picked, e.b.ints(e.hint("shape"), p.shape)], e.outputs, name=e.node.name)


@emits("Permute")
def _permute(e: Emit) -> None:
    perm = [shapes.normalize_axis(d, len(e.shape)) for d in e.params.dims]
    e.b.op("Transpose", [e.input], e.outputs, name=e.node.name, perm=perm)


@emits("PixelShuffle")
def _pixel_shuffle(e: Emit) -> None:
    # PyTorch's channel order is ONNX's "CRD" mode.
    e.b.op(
        "DepthToSpace",
        [e.input],
        e.outputs,
        name=e.node.name,
        blocksize=e.params.upscale_factor,
        mode="CRD",
    )


@emits("PixelUnshuffle")
def _pixel_unshuffle(e: Emit) -> None:
    # SpaceToDepth orders channels differently from PyTorch: spell the permutation out.
    r, (n, c, h, w) = e.params.downscale_factor, e.shape[-4:]
    b, name = e.b, e.node.name
    split = b.ints(e.hint("split"), e.reshape_target([n, c, h // r, r, w // r, r]))
    x = b.op("Reshape", [e.input, split], name=f"{name}/split")[0]
    x = b.op("Transpose", [x], name=f"{name}/perm", perm=[0, 1, 3, 5, 2, 4])[0]
    _reshape_to_from(e, x, e.reshape_target(e.out_shapes[0]))


def _reshape_to_from(e: Emit, x: str, target: list[int]) -> None:
    shape = e.b.ints(e.hint("shape"), target)
    e.b.op("Reshape", [x, shape], e.outputs, name=e.node.name)


@emits("ZeroPad2d", "ConstantPad2d")
def _pad(e: Emit) -> None:
    pad = e.params.padding
    left, right, top, bottom = [pad] * 4 if isinstance(pad, int) else pad
    rank = len(e.shape)
    begins, ends = [0] * rank, [0] * rank
    begins[-1], ends[-1], begins[-2], ends[-2] = left, right, top, bottom
    value = getattr(e.params, "value", 0.0)
    pads = e.b.ints(e.hint("pads"), [*begins, *ends])
    e.b.op(
        "Pad",
        [e.input, pads, e.b.floats(e.hint("value"), value)],
        e.outputs,
        name=e.node.name,
        mode="constant",
    )


@emits("Crop")
def _crop(e: Emit) -> None:
    data, ref = e.in_shapes
    first = shapes.normalize_axis(e.params.axis, len(data))
    axes = list(range(first, len(data)))
    offset = e.params.offset
    offsets = [offset] * len(axes) if isinstance(offset, int) else list(offset)
    if len(offsets) == 1:
        offsets *= len(axes)
    starts = e.b.ints(e.hint("starts"), offsets)
    ends = e.b.ints(e.hint("ends"), [o + ref[a] for o, a in zip(offsets, axes, strict=True)])
    e.b.op(
        "Slice",
        [e.input, starts, ends, e.b.ints(e.hint("axes"), axes)],
        e.outputs,
        name=e.node.name,
    )


@emits("Split")
def _split(e: Emit) -> None:
    axis = shapes.normalize_axis(e.params.dim, len(e.shape))
    sizes = e.b.ints(e.hint("split"), [s[axis] for s in e.out_shapes])
    e.b.op("Split", [e.input, sizes], e.outputs, name=e.node.name, axis=axis)


@emits("Upsample")
def _upsample(e: Emit) -> None:
    p, b, name = e.params, e.b, e.node.name
    attrs: dict[str, object] = {}
    if p.mode == "nearest":
        # PyTorch's nearest picks floor(out_index · in / out).
        attrs = {
            "mode": "nearest",
            "coordinate_transformation_mode": "asymmetric",
            "nearest_mode": "floor",
        }
    else:
        attrs = {
            "mode": "cubic" if p.mode == "bicubic" else "linear",
            "coordinate_transformation_mode": "align_corners"
            if p.align_corners
            else "pytorch_half_pixel",
        }
        if p.mode == "bicubic":
            attrs["cubic_coeff_a"] = -0.75
    out = list(e.out_shapes[0])
    factors = (
        p.scale_factor if isinstance(p.scale_factor, list) else [p.scale_factor] * len(out[2:])
    )
    if (
        p.size is None
        and not p.recompute_scale_factor
        and _fractional(e.shape[2:], out[2:], factors)
    ):
        # torch maps output to input coordinates by the given factor unless asked to
        # recompute it from the sizes: ONNX's scales do the former, its sizes the latter.
        axes = zip(e.shape[2:], factors, out[2:], strict=True)
        scales = b.floats(e.hint("scales"), [1.0, 1.0, *(_scale(e, *axis) for axis in axes)])
        b.op("Resize", [e.input, "", scales], e.outputs, name=name, **attrs)
        return
    if b.dynamic_batch:
        # Sizes must be whole-rank: take N and C from the input at run time.
        lead = b.op("Shape", [e.input], name=f"{name}/shape", start=0, end=2)[0]
        spatial = b.ints(e.hint("spatial"), out[2:])
        sizes = b.op("Concat", [lead, spatial], name=f"{name}/sizes", axis=0)[0]
    else:
        sizes = b.ints(e.hint("sizes"), out)
    b.op("Resize", [e.input, "", "", sizes], e.outputs, name=name, **attrs)


def _scale(e: Emit, size: int, factor: float, want: int) -> float:
    """``factor`` as ONNX's float32 scale, nudged by an ulp or two where float32 rounding
    would size the axis differently (ONNX sizes floor(size · scale), in float or double
    by implementation: both must give torch's size)."""
    scale = np.float32(factor)
    for _ in range(4):
        got = {int(np.float32(size) * scale), int(size * float(scale))}
        if got == {want}:
            return float(scale)  # exact: the float32 value survives the round trip
        toward = np.float32(np.inf if min(got) < want else -np.inf)
        scale = np.nextafter(scale, toward)
    raise e.unsupported(f"scale_factor {factor} has no float32 scale that sizes {size} to {want}")


def _fractional(sizes: Sequence[int], out: Sequence[int], factors: Sequence[float]) -> bool:
    """Whether a factor differs from the sizes' own ratio (then the two ways differ)."""
    return any(abs(o - n * f) > 1e-9 * o for n, o, f in zip(sizes, out, factors, strict=True))
