"""ONNX emitters for Caffe-only layers, with Caffe's semantics (part of the one table).

SSD's PriorBox becomes a constant (its boxes depend only on shapes and settings),
Fast R-CNN's ROIPooling is ONNX MaxRoiPool (same ROI layout and bins), SegNet's
unpooling is MaxUnpool fed by its MaxPool's Indices, ArgMax is TopK (ties go to the
lower index, where Caffe's partial sort may pick either).
DetectionOutput (decoding, NMS, -1 padding) has its own module, ``detection``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from onnx import TensorProto

from netcanvas.formats.onnx.build import Emit
from netcanvas.formats.onnx.ops.table import UNSUPPORTED, emits
from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers.detection import prior_ratios

UNSUPPORTED.update(
    {
        "Silence": "has no output: it only swallows blobs during training",
        "BCEWithLogitsLoss": "a training loss, not part of an inference graph",
        "ContrastiveLoss": "a training loss, not part of an inference graph",
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
    ln = e.step("Log", [x], "ln")
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
        return e.step("Reshape", [e.inputs[1], trailing], f"{what}_shape")
    fan = max(math.prod(shape), 1)
    return e.b.weight(e.hint(what), shape, fan)


@emits("Scale")
def _scale(e: Emit) -> None:
    factor = _operand(e, "weight")
    if not e.params.bias:
        e.b.op("Mul", [e.input, factor], e.outputs, name=e.node.name)
        return
    scaled = e.step("Mul", [e.input, factor], "scale")
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
        x = e.step("Flatten", [x], "flatten", axis=axis)
    inputs = [x, e.b.weight(e.hint("weight"), [p.out_features, fan_in], fan_in)]
    if p.bias:
        inputs.append(e.b.weight(e.hint("bias"), [p.out_features], fan_in))
    if axis == 1:
        e.b.op("Gemm", inputs, e.outputs, name=e.node.name, transB=1)
        return
    flat = e.step("Gemm", inputs, "gemm", transB=1)
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
    return e.step("ReduceMean", [x], what, axes=axes, keepdims=1)


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


def prior_boxes(params: Any, feature: Shape, image: Shape) -> np.ndarray[Any, Any]:
    """Caffe's PriorBoxLayer output ``[1, 2, H·W·priors·4]``: boxes, then variances.

    For each cell (row-major) and each min_size: the square min box, the square
    sqrt(min·max) box, then one box per aspect ratio other than 1, corners in
    image-relative units. A max_size list shorter than min_size adds no box for the
    unpaired min sizes, as the registry's prior count assumes.
    """
    height, width = feature[2:]
    img_h, img_w = image[2:]
    step_h = params.step or img_h / height
    step_w = params.step or img_w / width
    sizes: list[tuple[float, float]] = []  # (box width, box height) per prior of one cell
    for s, min_size in enumerate(params.min_size):
        sizes.append((min_size, min_size))
        if s < len(params.max_size):
            side = math.sqrt(min_size * params.max_size[s])
            sizes.append((side, side))
        for ratio in prior_ratios(params)[1:]:
            sizes.append((min_size * math.sqrt(ratio), min_size / math.sqrt(ratio)))
    cy = (np.arange(height, dtype=np.float64) + params.offset) * step_h
    cx = (np.arange(width, dtype=np.float64) + params.offset) * step_w
    half = np.asarray(sizes, dtype=np.float64) / 2  # [P, 2]
    grid_y, grid_x = np.meshgrid(cy, cx, indexing="ij")  # [H, W]
    centre_x = grid_x[:, :, None]
    centre_y = grid_y[:, :, None]
    boxes = np.stack(
        [
            (centre_x - half[:, 0]) / img_w,
            (centre_y - half[:, 1]) / img_h,
            (centre_x + half[:, 0]) / img_w,
            (centre_y + half[:, 1]) / img_h,
        ],
        axis=-1,
    ).reshape(-1)  # H, W, P, 4 flattened row-major, as Caffe writes them
    if params.clip:
        boxes = np.clip(boxes, 0.0, 1.0)
    variance = np.resize(np.asarray(params.variance or [0.1], dtype=np.float64), boxes.size)
    return np.stack([boxes, variance]).reshape(1, 2, -1).astype(np.float32)


@emits("PriorBox")
def _prior_box(e: Emit) -> None:
    # The boxes depend only on the two input shapes and the settings: one constant.
    if len(e.params.variance) not in (0, 1, 4):
        raise e.unsupported("Caffe takes 1 or 4 variances")
    priors = prior_boxes(e.params, e.in_shapes[0], e.in_shapes[1])
    e.b.op("Identity", [e.b.const(e.hint("priors"), priors)], e.outputs, name=e.node.name)


@emits("ROIPooling")
def _roi_pooling(e: Emit) -> None:
    # ONNX MaxRoiPool is Caffe's ROIPooling: rois [R, 5] as (batch, x1, y1, x2, y2).
    p = e.params
    rois = e.inputs[1]
    if len(e.in_shapes[1]) != 2:
        target = e.b.ints(e.hint("rois_shape"), [e.in_shapes[1][0], 5])
        rois = e.step("Reshape", [rois, target], "rois")
    e.b.op(
        "MaxRoiPool",
        [e.input, rois],
        e.outputs,
        name=e.node.name,
        pooled_shape=[p.pooled_h, p.pooled_w],
        spatial_scale=float(p.spatial_scale),
    )


def _topk(e: Emit, x: str, k: str, axis: int) -> list[str]:
    name = e.node.name
    outs = [e.b.name(f"{name}/values"), e.b.name(f"{name}/indices")]
    return e.b.op("TopK", [x, k], outs, name=f"{name}/topk", axis=axis)


@emits("ArgMax")
def _argmax(e: Emit) -> None:
    """Caffe ArgMax as TopK; indices become floats, as Caffe writes them to a float blob."""
    p, b, name = e.params, e.b, e.node.name
    k = b.ints(e.hint("k"), [p.top_k])
    if p.axis is not None:
        axis = shapes.normalize_axis(p.axis, len(e.shape), "axis")
        values, indices = _topk(e, e.input, k, axis)
        if p.out_max_val:  # with an axis, Caffe outputs only the values
            b.op("Identity", [values], e.outputs, name=name)
        else:
            b.op("Cast", [indices], e.outputs, name=name, to=TensorProto.FLOAT)
        return
    flat = b.op("Flatten", [e.input], name=f"{name}/flatten", axis=1)[0]
    values, indices = _topk(e, flat, k, 1)
    found = b.op("Cast", [indices], name=f"{name}/cast", to=TensorProto.FLOAT)[0]
    one = b.ints(e.hint("axis"), [1])
    if not p.out_max_val:
        b.op("Unsqueeze", [found, one], e.outputs, name=name)
        return
    # [N, 2, k]: the indices row, then the values row.
    rows = [
        b.op("Unsqueeze", [t, one], name=f"{name}/{what}")[0]
        for t, what in ((found, "index_row"), (values, "value_row"))
    ]
    b.op("Concat", rows, e.outputs, name=name, axis=1)


@emits("MaxUnpool2d")
def _max_unpool(e: Emit) -> None:
    """ONNX MaxUnpool fed by the Indices output of the MaxPool whose mask it reads.

    Caffe's SegNet pooling has a second top, the mask; our graph wires the unpooling
    to the pooling layer itself, so that MaxPool node gains ONNX's Indices output. A
    MaxPool2d with ``return_indices`` has them already (``pool:1`` holds PyTorch's
    per-plane form of the same indices).
    """
    source = e.inputs[1].removesuffix(":1")
    pool = next((n for n in e.b.nodes if n.output and n.output[0] == source), None)
    if pool is None or pool.op_type != "MaxPool":
        raise e.unsupported("its indices must come from a MaxPool2d (the pooling mask)")
    if len(pool.output) == 1:
        pool.output.append(e.b.name(f"{pool.output[0]}/indices"))
    indices = pool.output[1]
    p, b, name = e.params, e.b, e.node.name
    kernel = list(shapes.per_axis(p.kernel_size, 2, "kernel_size"))
    stride = list(shapes.per_axis(p.stride or p.kernel_size, 2, "stride"))
    pads = list(shapes.per_axis(p.padding, 2, "padding"))
    # The indices are flat positions in the pooling's input, so only the output size
    # matters; onnxruntime refuses an output_shape below the default, so a smaller one
    # (a ceil-mode pooling of an odd size) is asked for as extra end padding instead.
    ends, inputs = list(pads), [e.input, indices]
    for axis, want in enumerate(e.out_shapes[0][2:]):
        base = (e.shape[2 + axis] - 1) * stride[axis] + kernel[axis] - 2 * pads[axis]
        ends[axis] += max(base - want, 0)
        if want > base:
            inputs[2:] = [b.ints(e.hint("output_shape"), list(e.out_shapes[0]))]
    b.op("MaxUnpool", inputs, e.outputs, name=name, kernel_shape=kernel, strides=stride,
         pads=pads + ends)  # fmt: skip
