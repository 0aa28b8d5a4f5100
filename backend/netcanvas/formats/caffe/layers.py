"""Per-type Caffe import rules: a Caffe layer -> registry type and params.

Import rules read a layer's ``*_param`` block through :class:`Block`, which records
the fields it used so everything else (fillers, engines, fork-specific switches) is
kept verbatim for export (see ``writer.py`` for the way back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netcanvas.formats.caffe.blocks import Block, Params, Unmapped
from netcanvas.formats.caffe.detection import detection_output_in, proposal_in, python_in
from netcanvas.formats.caffe.syntax import Enum, as_list
from netcanvas.layers.registry import Layer


def _per_axis(b: Block, name: str, h: str, w: str, default: int) -> int | list[int]:
    """Caffe's ``kernel_size`` (repeated) or ``kernel_h``/``kernel_w`` as one value or a list."""
    if b.has(h) or b.has(w):
        values = [int(b.get(h, default)), int(b.get(w, default))]
        b.used.add(name)
    else:
        values = [int(v) for v in b.values(name)] or [default]
    return values[0] if len(set(values)) == 1 else values


def _rank(b: Block) -> int:
    kernels = b.values("kernel_size")
    return len(kernels) if len(kernels) > 1 else 2


def _conv(b: Block, transpose: bool) -> tuple[str, Params]:
    if int(b.get("axis", 1)) != 1:
        raise Unmapped("convolution over an axis other than 1")
    rank = _rank(b)
    params: Params = {
        "out_channels": int(b.get("num_output", 0)),
        "kernel_size": _per_axis(b, "kernel_size", "kernel_h", "kernel_w", 1),
        "stride": _per_axis(b, "stride", "stride_h", "stride_w", 1),
        "padding": _per_axis(b, "pad", "pad_h", "pad_w", 0),
        "dilation": _per_axis(b, "dilation", "dilation_h", "dilation_w", 1),
        "groups": int(b.get("group", 1)),
        "bias": bool(b.get("bias_term", True)),
    }
    return f"{'ConvTranspose' if transpose else 'Conv'}{rank}d", params


def _pooling(b: Block) -> tuple[str, Params]:
    kind = str(b.get("pool", "MAX"))
    if kind not in ("MAX", "AVE"):
        raise Unmapped(f"{kind} pooling")
    prefix = "Max" if kind == "MAX" else "Avg"
    if b.get("global_pooling", False):
        for name in ("kernel_size", "stride", "pad", "round_mode", "ceil_mode"):
            b.used.add(name)
        return f"Adaptive{prefix}Pool2d", {"output_size": 1}
    # Caffe rounds up unless `round_mode: FLOOR` (BVLC) or `ceil_mode: false` (forks).
    ceil = str(b.get("round_mode", "CEIL")) == "CEIL" and bool(b.get("ceil_mode", True))
    params: Params = {
        "kernel_size": _per_axis(b, "kernel_size", "kernel_h", "kernel_w", 1),
        "stride": _per_axis(b, "stride", "stride_h", "stride_w", 1),
        "padding": _per_axis(b, "pad", "pad_h", "pad_w", 0),
        "ceil_mode": ceil,
    }
    if kind == "AVE":
        params["count_include_pad"] = True
    return f"{prefix}Pool2d", params


def import_layer(ctype: str, layer: dict[str, Any]) -> tuple[str, Params, list[Block]]:
    """Registry type and params for a Caffe layer, plus the blocks read (for extras)."""
    blocks: list[Block] = []

    def block(key: str) -> Block:
        b = Block(layer, key)
        blocks.append(b)
        return b

    rule = _IMPORTS.get(ctype)
    if rule is None:
        raise Unmapped("")  # an unknown type: the analysis already says it is opaque
    type_name, params = rule(block, layer)
    return type_name, params, blocks


BlockFn = Callable[[str], Block]


def _relu(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    slope = float(block("relu_param").get("negative_slope", 0.0))
    return ("LeakyReLU", {"negative_slope": slope}) if slope else ("ReLU", {})


def _prelu(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    shared = bool(block("prelu_param").get("channel_shared", False))
    # num_parameters = C is filled in once shapes are known (see caffe._resolve_shapes).
    return "PReLU", {"num_parameters": 1} if shared else {"num_parameters": -1}


def _lrn(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    b = block("lrn_param")
    if str(b.get("norm_region", "ACROSS_CHANNELS")) != "ACROSS_CHANNELS":
        raise Unmapped("LRN WITHIN_CHANNEL has no PyTorch equivalent")
    return "LocalResponseNorm", {
        "size": int(b.get("local_size", 5)),
        "alpha": float(b.get("alpha", 1.0)),
        "beta": float(b.get("beta", 0.75)),
        "k": float(b.get("k", 1.0)),
    }


def _batch_norm(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    b = block("batch_norm_param")
    # Caffe's BatchNorm only normalises: the learned affine is a separate Scale layer.
    params: Params = {"eps": float(b.get("eps", 1e-5)), "affine": False}
    if b.has("moving_average_fraction"):
        params["momentum"] = round(1.0 - float(b.get("moving_average_fraction")), 12)
    return "BatchNorm2d", params


def _bn_fork(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    # SegNet's `BN` learns its scale and shift itself: BatchNorm with affine.
    return "BatchNorm2d", {"eps": float(block("bn_param").get("eps", 1e-5)), "affine": True}


def _affine(kind: str) -> Callable[[BlockFn, dict[str, Any]], tuple[str, Params]]:
    def rule(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
        b = block(f"{kind.lower()}_param")
        params: Params = {"axis": int(b.get("axis", 1)), "num_axes": int(b.get("num_axes", 1))}
        if kind == "Scale":
            params["bias"] = bool(b.get("bias_term", False))
        return kind, params

    return rule


def _power(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    b = block("power_param")
    return "Power", {
        "power": float(b.get("power", 1.0)),
        "scale": float(b.get("scale", 1.0)),
        "shift": float(b.get("shift", 0.0)),
    }


def _exp_log(kind: str) -> Callable[[BlockFn, dict[str, Any]], tuple[str, Params]]:
    def rule(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
        b = block(f"{kind.lower()}_param")
        return kind, {
            "base": float(b.get("base", -1.0)),
            "scale": float(b.get("scale", 1.0)),
            "shift": float(b.get("shift", 0.0)),
        }

    return rule


def _inner_product(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    b = block("inner_product_param")  # `transpose` only changes the weight layout: kept
    return "InnerProduct", {
        "out_features": int(b.get("num_output", 0)),
        "bias": bool(b.get("bias_term", True)),
        "axis": int(b.get("axis", 1)),
    }


def _eltwise(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    b = block("eltwise_param")
    op = str(b.get("operation", "SUM"))
    if op == "PROD":
        return "Multiply", {}
    if op == "MAX":
        return "Maximum", {}
    coeff = [float(c) for c in b.values("coeff")]
    return "Add", {"coeff": coeff} if coeff else {}


def _concat(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    b = block("concat_param")
    axis = b.get("axis", b.get("concat_dim", 1))
    return "Concat", {"dim": int(axis)}


def _slice(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    b = block("slice_param")
    dim = int(b.get("axis", b.get("slice_dim", 1)))
    points = [int(p) for p in b.values("slice_point")]
    if points:
        return "TensorSplit", {"dim": dim, "indices": points}
    return "Split", {"dim": dim, "sections": max(len(as_list(layer.get("top"))), 1)}


def _reshape(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    b = block("reshape_param")
    if int(b.get("axis", 0)) != 0 or int(b.get("num_axes", -1)) != -1:
        raise Unmapped("Reshape of a sub-range of axes")
    shape = b.get("shape", {})
    dims = [int(d) for d in as_list(shape.get("dim") if isinstance(shape, dict) else None)]
    return "Reshape", {"shape": dims}


def _permute(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    order = [int(o) for o in block("permute_param").values("order")]
    # Axes the order leaves out keep their relative order at the end (SSD fork).
    rank = max([*order, 3]) + 1 if order else 4
    order += [axis for axis in range(rank) if axis not in order]
    return "Permute", {"dims": order}


def _upsample(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    b = block("upsample_param")
    scale = int(b.get("scale", 2))
    if len(as_list(layer.get("bottom"))) == 1:
        return "Upsample", {"scale_factor": float(scale), "mode": "nearest"}
    # SegNet's fork: the second bottom is the pooling mask, so this is max-unpooling.
    # `pad_out_h/w` (size·scale - 1) needs the input size: caffe._resolve_shapes.
    params: Params = {"kernel_size": scale, "stride": scale}
    if b.has("upsample_h") and b.has("upsample_w"):
        params["output_size"] = [int(b.get("upsample_h")), int(b.get("upsample_w"))]
    return "MaxUnpool2d", params


def _interp(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    b = block("interp_param")
    params: Params = {}
    for name in ("height", "width", "zoom_factor", "shrink_factor", "pad_beg", "pad_end"):
        if b.has(name):
            params[name] = int(b.get(name))
    return "Interp", params


def _accuracy(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    return "Accuracy", {"top_k": int(block("accuracy_param").get("top_k", 1))}


def _embed(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
    b = block("embed_param")
    return "Embedding", {
        "num_embeddings": int(b.get("input_dim", 1)),
        "embedding_dim": int(b.get("num_output", 1)),
    }


def _recurrent(kind: str) -> Callable[[BlockFn, dict[str, Any]], tuple[str, Params]]:
    def rule(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
        b = block("recurrent_param")
        # Caffe's recurrent blobs are time-major [T, N, ...].
        return kind, {"hidden_size": int(b.get("num_output", 1)), "batch_first": False}

    return rule


def _generic(
    type_name: str, key: str, fields: dict[str, tuple[str, Callable[[Any], Any], Any]]
) -> Callable[[BlockFn, dict[str, Any]], tuple[str, Params]]:
    """A rule renaming fields of one block: Caffe name -> (ours, cast, Caffe's default).

    A field the file leaves out takes Caffe's default (not the registry's), so the
    layer means what Caffe would run; a list default marks a repeated field.
    """

    def rule(block: BlockFn, layer: dict[str, Any]) -> tuple[str, Params]:
        b = block(key)
        params: Params = {}
        for caffe_name, (ours, cast, default) in fields.items():
            if isinstance(default, list):
                params[ours] = [cast(v) for v in b.values(caffe_name)]
            elif b.has(caffe_name):
                params[ours] = cast(b.get(caffe_name))
            elif default is not None:
                params[ours] = default
        return type_name, params

    return rule


def _plain(type_name: str) -> Callable[[BlockFn, dict[str, Any]], tuple[str, Params]]:
    return lambda block, layer: (type_name, {})


_IMPORTS: dict[str, Callable[[BlockFn, dict[str, Any]], tuple[str, Params]]] = {
    "Convolution": lambda block, layer: _conv(block("convolution_param"), False),
    "Deconvolution": lambda block, layer: _conv(block("convolution_param"), True),
    "Pooling": lambda block, layer: _pooling(block("pooling_param")),
    "InnerProduct": _inner_product,
    "ReLU": _relu,
    "PReLU": _prelu,
    "ELU": lambda block, layer: ("ELU", {"alpha": float(block("elu_param").get("alpha", 1.0))}),
    "Sigmoid": _plain("Sigmoid"),
    "TanH": _plain("Tanh"),
    "AbsVal": _plain("Abs"),
    "BNLL": lambda block, layer: ("Softplus", {}),
    "Power": _power,
    "Exp": _exp_log("Exp"),
    "Log": _exp_log("Log"),
    "Threshold": lambda block, layer: (
        "BinaryThreshold",
        {"threshold": float(block("threshold_param").get("threshold", 0.0))},
    ),
    "Softmax": lambda block, layer: (
        "Softmax",
        {"dim": int(block("softmax_param").get("axis", 1))},
    ),
    "LRN": _lrn,
    "BatchNorm": _batch_norm,
    "BN": _bn_fork,
    "Scale": _affine("Scale"),
    "Bias": _affine("Bias"),
    "Dropout": lambda block, layer: (
        "Dropout",
        {"p": float(block("dropout_param").get("dropout_ratio", 0.5))},
    ),
    "Concat": _concat,
    "Eltwise": _eltwise,
    "Flatten": lambda block, layer: (
        "Flatten",
        {
            "start_dim": int(block("flatten_param").get("axis", 1)),
            "end_dim": int(block("flatten_param").get("end_axis", -1)),
        },
    ),
    "Reshape": _reshape,
    "Permute": _permute,
    "Slice": _slice,
    "Crop": lambda block, layer: (
        "Crop",
        _crop(block("crop_param")),
    ),
    "Tile": _generic("Tile", "tile_param", {"axis": ("axis", int, 1), "tiles": ("tiles", int, 1)}),
    "Reduction": _generic(
        "Reduction",
        "reduction_param",
        {
            "operation": ("operation", str, "SUM"),
            "axis": ("axis", int, 0),
            "coeff": ("coeff", float, 1.0),
        },
    ),
    "ArgMax": _generic(
        "ArgMax",
        "argmax_param",
        {
            "top_k": ("top_k", int, 1),
            "out_max_val": ("out_max_val", bool, False),
            "axis": ("axis", int, None),
        },
    ),
    "Embed": _embed,
    "RNN": _recurrent("RNN"),
    "LSTM": _recurrent("LSTM"),
    "MVN": _generic(
        "MVN",
        "mvn_param",
        {
            "normalize_variance": ("normalize_variance", bool, True),
            "across_channels": ("across_channels", bool, False),
            "eps": ("eps", float, 1e-9),
        },
    ),
    "Normalize": _generic(
        "Normalize",
        "norm_param",
        {
            "across_spatial": ("across_spatial", bool, True),
            "channel_shared": ("channel_shared", bool, True),
            "eps": ("eps", float, 1e-10),
        },
    ),
    "Upsample": _upsample,
    "Interp": _interp,
    "PriorBox": _generic(
        "PriorBox",
        "prior_box_param",
        {
            "min_size": ("min_size", float, []),
            "max_size": ("max_size", float, []),
            "aspect_ratio": ("aspect_ratio", float, []),
            "flip": ("flip", bool, True),
            "clip": ("clip", bool, False),
            "variance": ("variance", float, []),
            "step": ("step", float, 0.0),
            "offset": ("offset", float, 0.5),
        },
    ),
    "DetectionOutput": lambda block, layer: detection_output_in(block("detection_output_param")),
    "ROIPooling": _generic(
        "ROIPooling",
        "roi_pooling_param",
        {
            "pooled_h": ("pooled_h", int, 0),
            "pooled_w": ("pooled_w", int, 0),
            "spatial_scale": ("spatial_scale", float, 1.0),
        },
    ),
    "Accuracy": _accuracy,
    "SoftmaxWithLoss": _plain("CrossEntropyLoss"),
    "EuclideanLoss": _plain("MSELoss"),
    "SigmoidCrossEntropyLoss": _plain("BCEWithLogitsLoss"),
    "ContrastiveLoss": _generic(
        "ContrastiveLoss",
        "contrastive_loss_param",
        {"margin": ("margin", float, 1.0), "legacy_version": ("legacy_version", bool, False)},
    ),
    "Split": _plain("Identity"),
    "Python": lambda block, layer: python_in(block("python_param")),
    "Proposal": lambda block, layer: proposal_in(block("proposal_param")),
}


def _crop(b: Block) -> Params:
    offsets = [int(o) for o in b.values("offset")]
    params: Params = {"axis": int(b.get("axis", 2))}
    if offsets:
        params["offset"] = offsets[0] if len(offsets) == 1 else offsets
    return params


# V1 `layers { type: ENUM }` names (caffe.proto V1LayerParameter.LayerType).
V1_TYPES = {
    "ABSVAL": "AbsVal",
    "ACCURACY": "Accuracy",
    "ARGMAX": "ArgMax",
    "BNLL": "BNLL",
    "CONCAT": "Concat",
    "CONTRASTIVE_LOSS": "ContrastiveLoss",
    "CONVOLUTION": "Convolution",
    "DATA": "Data",
    "DECONVOLUTION": "Deconvolution",
    "DROPOUT": "Dropout",
    "DUMMY_DATA": "DummyData",
    "EUCLIDEAN_LOSS": "EuclideanLoss",
    "ELTWISE": "Eltwise",
    "EXP": "Exp",
    "FLATTEN": "Flatten",
    "HDF5_DATA": "HDF5Data",
    "HDF5_OUTPUT": "HDF5Output",
    "HINGE_LOSS": "HingeLoss",
    "IM2COL": "Im2col",
    "IMAGE_DATA": "ImageData",
    "INFOGAIN_LOSS": "InfogainLoss",
    "INNER_PRODUCT": "InnerProduct",
    "LRN": "LRN",
    "MEMORY_DATA": "MemoryData",
    "MULTINOMIAL_LOGISTIC_LOSS": "MultinomialLogisticLoss",
    "MVN": "MVN",
    "POOLING": "Pooling",
    "POWER": "Power",
    "RELU": "ReLU",
    "SIGMOID": "Sigmoid",
    "SIGMOID_CROSS_ENTROPY_LOSS": "SigmoidCrossEntropyLoss",
    "SILENCE": "Silence",
    "SOFTMAX": "Softmax",
    "SOFTMAX_LOSS": "SoftmaxWithLoss",
    "SPLIT": "Split",
    "SLICE": "Slice",
    "TANH": "TanH",
    "WINDOW_DATA": "WindowData",
    "THRESHOLD": "Threshold",
}


def output_count(spec: Layer[Any], params: dict[str, Any]) -> int:
    """How many outputs a registry layer has with these params (1 if they are invalid)."""
    if type(spec).num_outputs is Layer.num_outputs:
        return len(spec.output_names)  # fixed by the type: no need to validate the params
    try:
        return int(spec.num_outputs(spec.Params.model_validate(params)))
    except Exception:  # invalid params are reported by the analysis, not here
        return 1


def plain(value: Any) -> Any:
    """Parsed prototxt values as plain JSON-able data (enums become strings)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return str(value)
    return value


__all__ = ["V1_TYPES", "Block", "Unmapped", "import_layer", "output_count", "plain"]
