"""ONNX operator -> registry type: the one mapping table of the ONNX import.

A mapper returns ``(type, params)`` or None when the operator's use here has no
registry equivalent (it then stays an opaque node with ONNX's shapes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netcanvas.formats.onnx.reader_table import Op, maps

Result = tuple[str, dict[str, Any]] | None


def f32(value: Any) -> float:
    """A float32 attribute as the decimal it was written as (1e-05, not 9.99e-06)."""
    return float(str(np.float32(value)))


def _rank(op: Op) -> int | None:
    shape = op.in_shapes[0] if op.in_shapes else None
    return len(shape) if shape is not None else None


def _pads(op: Op, rank: int) -> int | list[int] | str | None:
    """Our padding for ONNX pads/auto_pad, or None when we cannot say it."""
    auto = op.attrs.get("auto_pad", "NOTSET")
    if auto == "VALID":
        return 0
    if auto == "SAME_UPPER":
        return "same"
    if auto != "NOTSET":
        return None
    pads = list(op.attrs.get("pads", [0] * 2 * rank))
    begin, end = pads[:rank], pads[rank:]
    if begin == end:
        return begin[0] if len(set(begin)) == 1 else begin
    return pads


def _one(values: list[int]) -> int | list[int]:
    return values[0] if len(set(values)) == 1 else list(values)


@maps("Conv", "ConvTranspose")
def _conv(op: Op) -> Result:
    weight = op.const(1)
    if weight is None or len(op.inputs) != 1:
        return None
    rank = weight.ndim - 2
    padding = _pads(op, rank)
    if padding is None or "output_shape" in op.attrs:
        return None
    groups = int(op.attrs.get("group", 1))
    transpose = op.node.op_type == "ConvTranspose"
    params: dict[str, Any] = {
        "out_channels": int(weight.shape[1] * groups if transpose else weight.shape[0]),
        "kernel_size": _one(list(weight.shape[2:])),
        "stride": _one(list(op.attrs.get("strides", [1] * rank))),
        "padding": padding,
        "dilation": _one(list(op.attrs.get("dilations", [1] * rank))),
        "groups": groups,
        "bias": op.has_input(2),
    }
    if transpose:
        if padding == "same":
            return None
        params["output_padding"] = _one(list(op.attrs.get("output_padding", [0] * rank)))
    kind = "ConvTranspose" if transpose else "Conv"
    return f"{kind}{rank}d", params


@maps("MaxPool", "AveragePool")
def _pool(op: Op) -> Result:
    kernel = list(op.attrs.get("kernel_shape", []))
    rank = len(kernel)
    padding = _pads(op, rank)
    if not 1 <= rank <= 3 or not isinstance(padding, int | list) or len(op.node.output) > 1:
        return None
    if isinstance(padding, list) and len(padding) == 2 * rank:
        return None
    params: dict[str, Any] = {
        "kernel_size": _one(kernel),
        "stride": _one(list(op.attrs.get("strides", [1] * rank))),
        "padding": padding,
        "ceil_mode": bool(op.attrs.get("ceil_mode", 0)),
    }
    if op.node.op_type == "MaxPool":
        params["dilation"] = _one(list(op.attrs.get("dilations", [1] * rank)))
        return f"MaxPool{rank}d", params
    params["count_include_pad"] = bool(op.attrs.get("count_include_pad", 0))
    return f"AvgPool{rank}d", params


@maps("GlobalAveragePool", "GlobalMaxPool")
def _global(op: Op) -> Result:
    rank = _rank(op)
    if rank is None or not 3 <= rank <= 5 or (op.node.op_type == "GlobalMaxPool" and rank == 5):
        return None
    kind = "Avg" if op.node.op_type == "GlobalAveragePool" else "Max"
    return f"Adaptive{kind}Pool{rank - 2}d", {"output_size": 1}


@maps("BatchNormalization")
def _batch_norm(op: Op) -> Result:
    rank = _rank(op)
    if rank is None or len(op.node.output) > 1 or len(op.inputs) != 1:
        return None
    kind = {2: "BatchNorm1d", 3: "BatchNorm1d", 4: "BatchNorm2d", 5: "BatchNorm3d"}.get(rank)
    return (kind, {"eps": f32(op.attrs.get("epsilon", 1e-5))}) if kind else None


@maps("InstanceNormalization")
def _instance_norm(op: Op) -> Result:
    kind = {3: "InstanceNorm1d", 4: "InstanceNorm2d"}.get(_rank(op) or 0)
    return (kind, {"eps": f32(op.attrs.get("epsilon", 1e-5)), "affine": True}) if kind else None


@maps("LayerNormalization")
def _layer_norm(op: Op) -> Result:
    shape = op.in_shapes[0]
    if shape is None or len(op.node.output) > 1 or len(op.inputs) != 1:
        return None
    axis = int(op.attrs.get("axis", -1)) % len(shape)
    return "LayerNorm", {
        "normalized_shape": list(shape[axis:]),
        "eps": f32(op.attrs.get("epsilon", 1e-5)),
        "bias": op.has_input(2),
    }


@maps("LRN")
def _lrn(op: Op) -> Result:
    a = op.attrs
    return "LocalResponseNorm", {
        "size": int(a["size"]),
        "alpha": f32(a.get("alpha", 1e-4)),
        "beta": f32(a.get("beta", 0.75)),
        "k": f32(a.get("bias", 1.0)),
    }


@maps("Gemm")
def _gemm(op: Op) -> Result:
    weight = op.const(1)
    a = op.attrs
    if weight is None or weight.ndim != 2 or len(op.inputs) != 1 or a.get("transA", 0):
        return None
    if float(a.get("alpha", 1.0)) != 1.0 or float(a.get("beta", 1.0)) != 1.0:
        return None
    out = weight.shape[0] if a.get("transB", 0) else weight.shape[1]
    bias = op.const(2)
    if bias is not None and bias.size not in (1, out):
        return None
    return "Linear", {"out_features": int(out), "bias": op.has_input(2)}


@maps("Einsum")
def _einsum(op: Op) -> Result:
    if op.consts or "->" not in str(op.attrs.get("equation", "")):
        return None  # a product with a weight keeps it (as an opaque node's weights)
    return "Einsum", {"equation": str(op.attrs["equation"])}


@maps("MatMul")
def _matmul(op: Op) -> Result:
    weight = op.const(1)
    if weight is not None and weight.ndim == 2 and len(op.inputs) == 1:
        return "Linear", {"out_features": int(weight.shape[1]), "bias": False}
    if len(op.inputs) == 2 and not op.consts:
        return "MatMul", {}
    return None


_PLAIN = {
    "Relu": "ReLU", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Selu": "SELU", "Softsign": "Softsign",
    "HardSwish": "Hardswish", "Identity": "Identity", "Softplus": "Softplus", "Mish": "Mish",
}  # fmt: skip


@maps(*_PLAIN)
def _plain(op: Op) -> Result:
    if op.node.op_type == "Selu" and ("alpha" in op.attrs or "gamma" in op.attrs):
        return None
    return _PLAIN[op.node.op_type], {}


@maps("LeakyRelu")
def _leaky(op: Op) -> Result:
    return "LeakyReLU", {"negative_slope": f32(op.attrs.get("alpha", 0.01))}


@maps("Elu", "Celu")
def _elu(op: Op) -> Result:
    return op.node.op_type.upper(), {"alpha": f32(op.attrs.get("alpha", 1.0))}


@maps("Gelu")
def _gelu(op: Op) -> Result:
    return "GELU", {"approximate": str(op.attrs.get("approximate", "none"))}


@maps("HardSigmoid")
def _hardsigmoid(op: Op) -> Result:
    alpha, beta = float(op.attrs.get("alpha", 0.2)), float(op.attrs.get("beta", 0.5))
    return ("Hardsigmoid", {}) if abs(alpha - 1 / 6) < 1e-6 and beta == 0.5 else None


@maps("PRelu")
def _prelu(op: Op) -> Result:
    slope = op.const(1)
    if slope is None:
        return None
    return "PReLU", {"num_parameters": int(slope.size), "init": f32(slope.reshape(-1)[0])}


@maps("Clip")
def _clip(op: Op) -> Result:
    low, high = op.const(1), op.const(2)
    lo = float(low) if low is not None else float(op.attrs.get("min", -3.4e38))
    hi = float(high) if high is not None else float(op.attrs.get("max", 3.4e38))
    if lo == 0.0 and hi == 6.0:
        return "ReLU6", {}
    return "Hardtanh", {"min_val": lo, "max_val": hi}


@maps("Softmax", "LogSoftmax")
def _softmax(op: Op) -> Result:
    if op.opset < 13:
        # Before opset 13 the input was flattened from ``axis`` on (default 1): the same
        # as PyTorch's dim only when ``axis`` is the last axis.
        axis, rank = int(op.attrs.get("axis", 1)), _rank(op)
        if rank is None or axis % rank != rank - 1:
            return None
        return op.node.op_type, {"dim": -1}
    return op.node.op_type, {"dim": int(op.attrs.get("axis", -1))}


@maps("Dropout")
def _dropout(op: Op) -> Result:
    ratio = op.const(1)
    p = f32(ratio) if ratio is not None else f32(op.attrs.get("ratio", 0.5))
    return ("Dropout", {"p": p}) if len(op.node.output) == 1 or not op.node.output[1] else None


@maps("Add", "Sum", "Mul", "Sub", "Max", "Min", "Div")
def _merge(op: Op) -> Result:
    if len(op.inputs) == 1 and len(op.consts) == 1:
        return _with_constant(op)
    if op.consts or len(op.inputs) < 2 or op.node.op_type == "Div":
        return None  # an operand is a constant: not a merge of two layers
    kind = {"Add": "Add", "Sum": "Add", "Mul": "Multiply", "Sub": "Subtract",
            "Max": "Maximum", "Min": "Minimum"}[op.node.op_type]  # fmt: skip
    return kind, {}


def _with_constant(op: Op) -> Result:
    """One layer's output and one constant: a scalar is Power's affine map (attention's
    1/sqrt(d), BERT's +1), a tensor over trailing axes a learned Scale or Bias
    (ConvNeXt's layer scale, ViT's positional embedding)."""
    kind = op.node.op_type
    (index, value), shape = next(iter(op.consts.items())), op.in_shapes[0]
    first = index == 0  # the constant is the left operand
    if value.size == 1:
        c = float(np.asarray(value, dtype=np.float64).reshape(-1)[0])
        if kind == "Mul":
            return "Power", {"scale": c}
        if kind == "Add":
            return "Power", {"shift": c}
        if kind == "Sub":
            return "Power", {"scale": -1.0, "shift": c} if first else {"shift": -c}
        if kind == "Div" and not first and c != 0:
            return "Power", {"scale": 1.0 / c}
        return None
    if kind not in ("Mul", "Add") or index not in op.learned:
        return None  # a computed constant (a mask, a gathered table) is not a parameter
    if shape is None or value.ndim > len(shape):
        return None
    dims = list(value.shape)
    while dims and dims[0] == 1 and len(dims) > 1:
        dims.pop(0)  # leading 1s broadcast over the batch
    while dims and dims[-1] == 1:
        dims.pop()  # trailing 1s broadcast over the spatial axes ([C, 1, 1])
    axis = len(shape) - len(value.shape) + (len(value.shape) - len(dims) - _trailing_ones(value))
    if not dims or axis < 0 or shape[axis : axis + len(dims)] != dims:
        return None
    return ("Scale" if kind == "Mul" else "Bias"), {"axis": axis, "num_axes": len(dims)}


def _trailing_ones(value: np.ndarray[Any, Any]) -> int:
    count = 0
    for d in reversed(value.shape):
        if d != 1:
            break
        count += 1
    return count


@maps("Concat")
def _concat(op: Op) -> Result:
    return ("Concat", {"dim": int(op.attrs["axis"])}) if not op.consts else None


@maps("Flatten")
def _flatten(op: Op) -> Result:
    axis = int(op.attrs.get("axis", 1))
    if axis == 1:
        return "Flatten", {}
    out = op.out_shapes[0]
    return ("Reshape", {"shape": out}) if out else None


@maps("ReduceMean", "ReduceMax")
def _reduce_spatial(op: Op) -> Result:
    """A mean (or max) over every spatial axis, kept, is global pooling (the dynamo
    exporter writes torchvision's AdaptiveAvgPool2d(1) so)."""
    rank = _rank(op)
    axes = op.const(1) if op.has_input(1) else op.attrs.get("axes")
    if rank is None or not 3 <= rank <= 5 or axes is None or not op.attrs.get("keepdims", 1):
        return None
    if sorted(int(a) % rank for a in np.asarray(axes).reshape(-1)) != list(range(2, rank)):
        return None
    kind = "Avg" if op.node.op_type == "ReduceMean" else "Max"
    if kind == "Max" and rank == 5:
        return None
    return f"Adaptive{kind}Pool{rank - 2}d", {"output_size": 1}


@maps("Reshape")
def _reshape(op: Op) -> Result:
    target = op.const(1)
    if target is None or (op.attrs.get("allowzero", 0) and 0 in [int(d) for d in target]):
        return None  # allowzero only changes what a 0 in the target means
    return "Reshape", {"shape": [int(d) for d in target]}


@maps("Transpose")
def _transpose(op: Op) -> Result:
    perm = op.attrs.get("perm")
    if perm is None:
        rank = _rank(op)
        perm = list(range(rank))[::-1] if rank else None
    return ("Permute", {"dims": [int(d) for d in perm]}) if perm else None


@maps("Squeeze", "Unsqueeze")
def _squeeze(op: Op) -> Result:
    axes = op.const(1)
    values = [int(v) for v in (axes if axes is not None else op.attrs.get("axes", []))]
    if op.node.op_type == "Unsqueeze":
        return ("Unsqueeze", {"dim": values[0]}) if len(values) == 1 else None
    if not values:
        return "Squeeze", {}
    return "Squeeze", {"dim": values[0] if len(values) == 1 else values}


@maps("Split")
def _split(op: Op) -> Result:
    axis = int(op.attrs.get("axis", 0))
    given = op.const(1)
    sizes: list[int] | None = [int(v) for v in given] if given is not None else None
    if sizes is None and op.attrs.get("split") is not None:
        sizes = [int(v) for v in op.attrs["split"]]
    if sizes is None:
        if any(s is None for s in op.out_shapes):
            return None
        sizes = [s[axis] for s in op.out_shapes if s is not None]
    return "Split", {"dim": axis, "sizes": sizes}


@maps("Slice")
def _slice(op: Op) -> Result:
    """Constant bounds: a StridedSlice (Swin's window cuts, a fused QKV split by Slices)."""
    shape = op.in_shapes[0] if op.in_shapes else None
    if len(op.inputs) != 1 or 0 in op.consts or shape is None:
        return None
    if op.opset < 10:  # bounds were attributes then
        bounds = [op.attrs.get(k) for k in ("starts", "ends", "axes")] + [None]
    else:
        bounds = [op.const(k) if op.has_input(k) else None for k in (1, 2, 3, 4)]
        if any(op.has_input(k) and bounds[k - 1] is None for k in (1, 2, 3, 4)):
            return None  # a bound computed at run time
    starts, ends, axes, steps = ([int(v) for v in b] if b is not None else None for b in bounds)
    if starts is None or ends is None or (steps is not None and min(steps) <= 0):
        return None  # a reversed slice has no torch spelling
    axes = axes if axes is not None else list(range(len(starts)))
    # "To the end" is written as 2**63 - 1: keep the document readable.
    ends = [min(e, shape[a]) for e, a in zip(ends, axes, strict=True)]
    params: dict[str, Any] = {"starts": starts, "ends": ends, "axes": axes}
    if steps is not None and any(s != 1 for s in steps):
        params["steps"] = steps
    return "StridedSlice", params


@maps("DepthToSpace")
def _depth_to_space(op: Op) -> Result:
    if op.attrs.get("mode", "DCR") != "CRD":
        return None
    return "PixelShuffle", {"upscale_factor": int(op.attrs["blocksize"])}


@maps("Resize", "Upsample")
def _resize(op: Op) -> Result:
    out, shape = op.out_shapes[0], op.in_shapes[0] if op.in_shapes else None
    if out is None or shape is None or out[:2] != shape[:2] or len(out) not in (3, 4, 5):
        return None
    mode = str(op.attrs.get("mode", "nearest"))
    rank = len(out) - 2
    params: dict[str, Any] = {"size": out[2:], "scale_factor": None}
    if mode == "nearest":
        params["mode"] = "nearest"
    elif mode == "linear":
        params["mode"] = ("linear", "bilinear", "trilinear")[rank - 1]
    elif mode == "cubic" and rank == 2:
        params["mode"] = "bicubic"
    else:
        return None
    if mode != "nearest":
        params["align_corners"] = op.attrs.get("coordinate_transformation_mode") == "align_corners"
    return "Upsample", params


@maps("Pad")
def _pad(op: Op) -> Result:
    pads, shape = op.const(1), op.in_shapes[0] if op.in_shapes else None
    if pads is None or shape is None or op.attrs.get("mode", "constant") != "constant":
        return None
    rank = len(shape)
    begin, end = [int(v) for v in pads[:rank]], [int(v) for v in pads[rank:]]
    if rank < 3 or any(begin[:-2]) or any(end[:-2]):
        return None
    value = op.const(2)
    fill = f32(value) if value is not None and value.size else 0.0
    padding = [begin[-1], end[-1], begin[-2], end[-2]]
    if fill == 0.0:
        return "ZeroPad2d", {"padding": padding}
    return "ConstantPad2d", {"padding": padding, "value": fill}


@maps("Gather")
def _gather(op: Op) -> Result:
    index = op.const(1)
    if index is not None and index.ndim == 0 and len(op.inputs) == 1 and 0 not in op.consts:
        return "Select", {"dim": int(op.attrs.get("axis", 0)), "index": int(index)}
    if _is_reshape(op, index):
        return "Reshape", {"shape": list(op.out_shapes[0] or ())}
    table = op.const(0)
    if table is None or table.ndim != 2 or int(op.attrs.get("axis", 0)) != 0:
        return None
    return "Embedding", {
        "num_embeddings": int(table.shape[0]),
        "embedding_dim": int(table.shape[1]),
    }


def _is_reshape(op: Op, index: Any) -> bool:
    """Every position of the axis once, in order: a reshape (the dynamo exporter writes
    ``as_strided`` of a contiguous tensor as such a Gather)."""
    shape = op.in_shapes[0] if op.in_shapes else None
    if index is None or index.ndim == 0 or len(op.inputs) != 1 or 0 in op.consts:
        return False
    if shape is None or op.out_shapes[0] is None:
        return False
    axis = int(op.attrs.get("axis", 0)) % len(shape)
    flat = np.asarray(index).reshape(-1)
    return flat.size == shape[axis] and bool((flat == np.arange(flat.size)).all())


@maps("LSTM", "GRU", "RNN")
def _recurrent(op: Op) -> Result:
    a = op.attrs
    if op.has_input(4) or a.get("layout", 0) or "clip" in a or a.get("input_forget", 0):
        return None  # sequence lengths, batch-major layout and clipping have no torch twin
    if op.node.op_type == "LSTM" and op.has_input(7):
        return None  # peepholes
    if op.node.op_type == "GRU" and not a.get("linear_before_reset", 0):
        return None
    direction = str(a.get("direction", "forward"))
    if direction == "reverse":
        return None
    params: dict[str, Any] = {
        "hidden_size": int(a["hidden_size"]),
        "batch_first": False,
        "bidirectional": direction == "bidirectional",
        "bias": op.has_input(3),
    }
    acts = [str(x).lower() for x in a.get("activations", [])]
    if op.node.op_type == "RNN":
        if acts and set(acts) not in ({"tanh"}, {"relu"}):
            return None
        params["nonlinearity"] = acts[0] if acts else "tanh"
    elif acts:
        return None
    return op.node.op_type, params
