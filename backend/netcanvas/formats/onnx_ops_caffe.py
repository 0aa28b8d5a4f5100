"""ONNX emitters for Caffe-only layers, with Caffe's semantics (part of the one table)."""

from __future__ import annotations

import math

from netcanvas.formats.onnx_build import Emit
from netcanvas.formats.onnx_ops import UNSUPPORTED, emits
from netcanvas.graph import shapes

UNSUPPORTED.update(
    {
        "Silence": "has no output: it only swallows blobs during training",
        "BCEWithLogitsLoss": "a training loss, not part of an inference graph",
        "ContrastiveLoss": "a training loss, not part of an inference graph",
        "DetectionOutput": "SSD's NMS post-processing has no ONNX operator with Caffe's output",
        "PriorBox": "SSD prior boxes are a Caffe custom layer without an ONNX operator",
        "ROIPooling": "ONNX MaxRoiPool takes ROIs in another layout; not mapped",
        "MaxUnpool2d": "needs int64 pooling indices, which no registry pooling layer outputs",
        "ArgMax": "Caffe's flattened top-k with values has no single ONNX operator; not mapped",
    }
)


def _affine_input(x: str, e: Emit, scale: float, shift: float) -> str:
    """shift + scale·x, skipping the identity parts."""
    b, name = e.b, e.node.name
    if scale != 1.0:
        x = b.op("Mul", [x, b.floats(e.hint("scale"), scale)], name=f"{name}/scale")[0]
    if shift != 0.0:
        x = b.op("Add", [x, b.floats(e.hint("shift"), shift)], name=f"{name}/shift")[0]
    return x


@emits("Abs")
def _abs(e: Emit) -> None:
    e.b.op("Abs", [e.input], e.outputs, name=e.node.name)


@emits("Power")
def _power(e: Emit) -> None:
    p = e.params
    x = _affine_input(e.input, e, p.scale, p.shift)
    e.b.op("Pow", [x, e.b.floats(e.hint("power"), p.power)], e.outputs, name=e.node.name)


@emits("Exp")
def _exp(e: Emit) -> None:
    p = e.params
    # base^y = exp(y·ln(base)); base -1 means e.
    factor = p.scale * (1.0 if p.base == -1.0 else math.log(p.base))
    x = _affine_input(e.input, e, factor, p.shift * (1.0 if p.base == -1.0 else math.log(p.base)))
    e.b.op("Exp", [x], e.outputs, name=e.node.name)


@emits("Log")
def _log(e: Emit) -> None:
    p = e.params
    x = _affine_input(e.input, e, p.scale, p.shift)
    if p.base == -1.0:
        e.b.op("Log", [x], e.outputs, name=e.node.name)
        return
    ln = e.b.op("Log", [x], name=f"{e.node.name}/ln")[0]
    e.b.op(
        "Div", [ln, e.b.floats(e.hint("ln_base"), math.log(p.base))], e.outputs, name=e.node.name
    )


@emits("BinaryThreshold")
def _threshold(e: Emit) -> None:
    above = e.b.op(
        "Greater",
        [e.input, e.b.floats(e.hint("threshold"), e.params.threshold)],
        name=f"{e.node.name}/greater",
    )[0]
    e.b.op("Cast", [above], e.outputs, name=e.node.name, to=1)


def _factor_shape(e: Emit) -> list[int]:
    """Caffe's Scale/Bias operand: dims axis..axis+num_axes, ones after, to broadcast."""
    p, rank = e.params, len(e.shape)
    axis = shapes.normalize_axis(p.axis, rank, "axis")
    if len(e.in_shapes) > 1:
        dims = list(e.in_shapes[1])
    else:
        count = rank - axis if p.num_axes == -1 else p.num_axes
        dims = list(e.shape[axis : axis + count])
    return dims + [1] * (rank - axis - len(dims))


def _operand(e: Emit, what: str) -> str:
    """The second input reshaped to broadcast, or a learned tensor when there is none."""
    shape = _factor_shape(e)
    if len(e.inputs) > 1:
        trailing = e.b.ints(e.hint(f"{what}_shape"), shape)
        return e.b.op("Reshape", [e.inputs[1], trailing], name=f"{e.node.name}/{what}_shape")[0]
    fan = max(math.prod(shape), 1)
    return e.b.weight(e.hint(what), shape, fan)


@emits("Scale")
def _scale(e: Emit) -> None:
    factor = _operand(e, "weight")
    if not e.params.bias:
        e.b.op("Mul", [e.input, factor], e.outputs, name=e.node.name)
        return
    scaled = e.b.op("Mul", [e.input, factor], name=f"{e.node.name}/scale")[0]
    shape = _factor_shape(e)
    bias = e.b.weight(e.hint("bias"), shape, max(math.prod(shape), 1))
    e.b.op("Add", [scaled, bias], e.outputs, name=e.node.name)


@emits("Bias")
def _bias(e: Emit) -> None:
    e.b.op("Add", [e.input, _operand(e, "bias")], e.outputs, name=e.node.name)


@emits("InnerProduct")
def _inner_product(e: Emit) -> None:
    p = e.params
    axis = shapes.normalize_axis(p.axis, len(e.shape), "axis")
    fan_in = math.prod(e.shape[axis:])
    x = e.input
    if axis != 1 or len(e.shape) != 2:
        x = e.b.op("Flatten", [x], name=f"{e.node.name}/flatten", axis=axis)[0]
    inputs = [x, e.b.weight(e.hint("weight"), [p.out_features, fan_in], fan_in)]
    if p.bias:
        inputs.append(e.b.weight(e.hint("bias"), [p.out_features], fan_in))
    if axis == 1:
        e.b.op("Gemm", inputs, e.outputs, name=e.node.name, transB=1)
        return
    flat = e.b.op("Gemm", inputs, name=f"{e.node.name}/gemm", transB=1)[0]
    target = e.b.ints(e.hint("shape"), e.reshape_target(e.out_shapes[0]))
    e.b.op("Reshape", [flat, target], e.outputs, name=e.node.name)


@emits("Tile")
def _tile(e: Emit) -> None:
    axis = shapes.normalize_axis(e.params.axis, len(e.shape), "axis")
    repeats = [1] * len(e.shape)
    repeats[axis] = e.params.tiles
    e.b.op("Tile", [e.input, e.b.ints(e.hint("repeats"), repeats)], e.outputs, name=e.node.name)


@emits("TensorSplit")
def _tensor_split(e: Emit) -> None:
    axis = shapes.normalize_axis(e.params.dim, len(e.shape), "dim")
    sizes = e.b.ints(e.hint("split"), [s[axis] for s in e.out_shapes])
    e.b.op("Split", [e.input, sizes], e.outputs, name=e.node.name, axis=axis)


@emits("Reduction")
def _reduction(e: Emit) -> None:
    p, b, name = e.params, e.b, e.node.name
    axis = shapes.normalize_axis(p.axis, len(e.shape), "axis")
    axes = list(range(axis, len(e.shape)))
    op = {"SUM": "ReduceSum", "ASUM": "ReduceL1", "SUMSQ": "ReduceSumSquare",
          "MEAN": "ReduceMean"}[p.operation]  # fmt: skip
    target = e.outputs if p.coeff == 1.0 else None
    if op == "ReduceSum":  # opset 13+: axes are an input
        x = b.op(op, [e.input, b.ints(e.hint("axes"), axes)], target, name=name, keepdims=0)[0]
    else:
        x = b.op(op, [e.input], target, name=name, axes=axes, keepdims=0)[0]
    if p.coeff != 1.0:
        b.op("Mul", [x, b.floats(e.hint("coeff"), p.coeff)], e.outputs, name=f"{name}/coeff")


def _mean(e: Emit, x: str, axes: list[int], what: str) -> str:
    return e.b.op("ReduceMean", [x], name=f"{e.node.name}/{what}", axes=axes, keepdims=1)[0]


@emits("MVN")
def _mvn(e: Emit) -> None:
    p, b, name = e.params, e.b, e.node.name
    axes = list(range(1 if p.across_channels else 2, len(e.shape)))
    centred = b.op("Sub", [e.input, _mean(e, e.input, axes, "mean")], name=f"{name}/centre")[0]
    if not p.normalize_variance:
        b.op("Identity", [centred], e.outputs, name=name)
        return
    square = b.op("Mul", [centred, centred], name=f"{name}/square")[0]
    deviation = b.op("Sqrt", [_mean(e, square, axes, "var")], name=f"{name}/sqrt")[0]
    # Caffe adds eps to the deviation, not to the variance.
    shifted = b.op("Add", [deviation, b.floats(e.hint("eps"), p.eps)], name=f"{name}/eps")[0]
    b.op("Div", [centred, shifted], e.outputs, name=name)


@emits("Normalize")
def _normalize(e: Emit) -> None:
    p, b, name = e.params, e.b, e.node.name
    axes = list(range(1, len(e.shape))) if p.across_spatial else [1]
    square = b.op("Mul", [e.input, e.input], name=f"{name}/square")[0]
    total = b.op("ReduceSum", [square, b.ints(e.hint("axes"), axes)], name=f"{name}/sum",
                 keepdims=1)[0]  # fmt: skip
    shifted = b.op("Add", [total, b.floats(e.hint("eps"), p.eps)], name=f"{name}/eps")[0]
    norm = b.op("Sqrt", [shifted], name=f"{name}/sqrt")[0]
    normed = b.op("Div", [e.input, norm], name=f"{name}/normalize")[0]
    channels = 1 if p.channel_shared else e.shape[1]
    scale = b.fill(e.hint("weight"), [channels] + [1] * (len(e.shape) - 2), 20.0)
    b.op("Mul", [normed, scale], e.outputs, name=name)


@emits("Interp")
def _interp(e: Emit) -> None:
    p, b, name = e.params, e.b, e.node.name
    x = e.input
    if p.pad_beg or p.pad_end:
        h, w = e.shape[2:]
        starts = b.ints(e.hint("starts"), [-p.pad_beg, -p.pad_beg])
        ends = b.ints(e.hint("ends"), [h + p.pad_end, w + p.pad_end])
        axes = b.ints(e.hint("crop_axes"), [2, 3])
        x = b.op("Slice", [x, starts, ends, axes], name=f"{name}/crop")[0]
    sizes = b.ints(e.hint("sizes"), list(e.out_shapes[0]))
    b.op("Resize", [x, "", "", sizes], e.outputs, name=name, mode="linear",
         coordinate_transformation_mode="align_corners")  # fmt: skip
