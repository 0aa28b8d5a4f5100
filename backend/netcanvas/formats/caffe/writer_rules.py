"""Registry type -> Caffe type and ``*_param`` blocks: the one table of the Caffe export.

A rule maps registry params to blocks, or raises ValueError when the settings have no
Caffe spelling (the exporter collects those into one UnsupportedError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netcanvas.formats.caffe.detection import detection_output_out, proposal_out
from netcanvas.formats.caffe.syntax import Enum

Params = dict[str, Any]
Blocks = dict[str, Params]


def _e(value: str) -> Enum:
    return Enum(value)


def _sizes(p: Params, caffe: str, ours: str, default: int) -> Params:
    """Our per-axis value as Caffe fields: one value, ``*_h``/``*_w``, or a list."""
    value = p.get(ours, default)
    name = "kernel_size" if caffe == "kernel" else caffe
    if isinstance(value, list):
        if len(set(value)) == 1:
            value = value[0]
        elif len(value) == 2 and caffe != "dilation":
            return {f"{caffe}_h": value[0], f"{caffe}_w": value[1]}
        else:
            return {name: list(value)}
    if value == default and caffe != "kernel":
        return {}
    return {name: value}


def _conv_out(p: Params) -> Blocks:
    if isinstance(p.get("padding"), str):
        raise ValueError("padding 'same'/'valid' has no Caffe spelling")
    block: Params = {"num_output": p.get("out_channels", 64)}
    if not p.get("bias", True):
        block["bias_term"] = False
    block.update(_sizes(p, "pad", "padding", 0))
    block.update(_sizes(p, "kernel", "kernel_size", 3))
    block.update(_sizes(p, "stride", "stride", 1))
    block.update(_sizes(p, "dilation", "dilation", 1))
    if p.get("groups", 1) != 1:
        block["group"] = p["groups"]
    return {"convolution_param": block}


def _pool_out(kind: str, p: Params) -> Blocks:
    block: Params = {"pool": _e(kind)}
    block.update(_sizes(p, "kernel", "kernel_size", 2))
    stride = p.get("stride") or p.get("kernel_size", 2)
    block.update(_sizes({"stride": stride}, "stride", "stride", 0))
    block.update(_sizes(p, "pad", "padding", 0))
    if not p.get("ceil_mode", False):
        block["round_mode"] = _e("FLOOR")
    return {"pooling_param": block}


def _global_out(kind: str, p: Params) -> Blocks:
    size = p.get("output_size", 1)
    if size not in (1, [1, 1]):
        raise ValueError("adaptive pooling to a size other than 1 has no Caffe equivalent")
    return {"pooling_param": {"pool": _e(kind), "global_pooling": True}}


def _only(key: str, values: dict[str, tuple[str, Any]]) -> Callable[[Params], Blocks]:
    """Export rule writing some params (ours -> (caffe name, default)) into one block."""

    def rule(p: Params) -> Blocks:
        block = {
            caffe: p[ours]
            for ours, (caffe, default) in values.items()
            if p.get(ours, default) != default
        }
        return {key: block} if block else {}

    return rule


def _enum_block(key: str, field: str, default: str) -> Callable[[Params], Blocks]:
    def rule(p: Params) -> Blocks:
        value = p.get(field, default)
        return {} if value == default else {key: {field: _e(str(value))}}

    return rule


def bn_blocks(p: Params) -> Blocks:
    block: Params = {}
    if p.get("eps", 1e-5) != 1e-5:
        block["eps"] = p["eps"]
    if "momentum" in p and p["momentum"] is not None:
        block["moving_average_fraction"] = round(1.0 - p["momentum"], 12)
    return {"batch_norm_param": block} if block else {}


def _split_out(p: Params) -> Blocks:
    sizes = p.get("sizes")
    block: Params = {"axis": p.get("dim", 1)}
    if sizes:
        points, total = [], 0
        for size in sizes[:-1]:
            total += size
            points.append(total)
        block["slice_point"] = points
    return {"slice_param": block}


def _permute_out(p: Params) -> Blocks:
    return {"permute_param": {"order": list(p.get("dims", []))}}


def _reshape_out(p: Params) -> Blocks:
    return {"reshape_param": {"shape": {"dim": list(p.get("shape", []))}}}


def _upsample_out(p: Params) -> Blocks:
    scale = p.get("scale_factor")
    if (
        p.get("mode", "nearest") != "nearest"
        or not isinstance(scale, int | float)
        or scale != int(scale)
    ):
        raise ValueError("only nearest upsampling by an integer factor has a Caffe spelling")
    return {"upsample_param": {"scale": int(scale)}}


def _unpool_out(p: Params) -> Blocks:
    kernel, stride = p.get("kernel_size", 2), p.get("stride") or p.get("kernel_size", 2)
    if kernel != stride or not isinstance(kernel, int) or p.get("padding", 0) not in (0, [0, 0]):
        raise ValueError("only unpooling with kernel == stride and no padding exists in Caffe")
    block: Params = {"scale": kernel}
    size = p.get("output_size")
    if size:
        block.update({"upsample_h": size[0], "upsample_w": size[1]})
    return {"upsample_param": block}


def _add_out(p: Params) -> Blocks:
    coeff = p.get("coeff")
    return {"eltwise_param": {"operation": _e("SUM"), **({"coeff": coeff} if coeff else {})}}


def _lrn_out(p: Params) -> Blocks:
    return {
        "lrn_param": {
            "local_size": p.get("size", 5),
            "alpha": p.get("alpha", 1e-4),
            "beta": p.get("beta", 0.75),
            "k": p.get("k", 1.0),
        }
    }


def _linear_out(p: Params) -> Blocks:
    block: Params = {"num_output": p.get("out_features", 128)}
    if not p.get("bias", True):
        block["bias_term"] = False
    block["axis"] = p.get("axis", -1)
    return {"inner_product_param": block}


def _affine_out(key: str) -> Callable[[Params], Blocks]:
    def rule(p: Params) -> Blocks:
        block: Params = {"axis": p.get("axis", 1), "num_axes": p.get("num_axes", 1)}
        if p.get("bias"):
            block["bias_term"] = True
        return {key: block}

    return rule


def _softplus_out(p: Params) -> Blocks:
    if p.get("beta", 1) != 1:
        raise ValueError("Softplus with beta != 1 has no Caffe equivalent (BNLL is beta 1)")
    return {}


def _recurrent_out(p: Params) -> Blocks:
    if p.get("num_layers", 1) != 1 or p.get("bidirectional", False):
        raise ValueError("only single-layer, one-direction RNN/LSTM exist in Caffe")
    return {"recurrent_param": {"num_output": p.get("hidden_size", 1)}}


ExportRule = tuple[str, Callable[[Params], Blocks]]


def _none(p: Params) -> Blocks:
    return {}


EXPORTS: dict[str, ExportRule] = {
    **{f"Conv{r}d": ("Convolution", _conv_out) for r in (1, 2, 3)},
    **{f"ConvTranspose{r}d": ("Deconvolution", _conv_out) for r in (1, 2, 3)},
    "MaxPool2d": ("Pooling", lambda p: _pool_out("MAX", p)),
    "AvgPool2d": ("Pooling", lambda p: _pool_out("AVE", p)),
    "AdaptiveMaxPool2d": ("Pooling", lambda p: _global_out("MAX", p)),
    "AdaptiveAvgPool2d": ("Pooling", lambda p: _global_out("AVE", p)),
    "InnerProduct": ("InnerProduct", lambda p: _linear_out({"axis": 1, **p})),
    "Linear": ("InnerProduct", _linear_out),
    "ReLU": ("ReLU", _none),
    "LeakyReLU": (
        "ReLU",
        lambda p: {"relu_param": {"negative_slope": p.get("negative_slope", 0.01)}},
    ),
    "PReLU": (
        "PReLU",
        lambda p: (
            {"prelu_param": {"channel_shared": True}} if p.get("num_parameters", 1) == 1 else {}
        ),
    ),
    "ELU": ("ELU", _only("elu_param", {"alpha": ("alpha", 1.0)})),
    "Sigmoid": ("Sigmoid", _none),
    "Tanh": ("TanH", _none),
    "Abs": ("AbsVal", _none),
    "Softplus": ("BNLL", _softplus_out),
    "Power": (
        "Power",
        _only(
            "power_param", {k: (k, d) for k, d in (("power", 1.0), ("scale", 1.0), ("shift", 0.0))}
        ),
    ),
    "Exp": (
        "Exp",
        _only(
            "exp_param", {k: (k, d) for k, d in (("base", -1.0), ("scale", 1.0), ("shift", 0.0))}
        ),
    ),
    "Log": (
        "Log",
        _only(
            "log_param", {k: (k, d) for k, d in (("base", -1.0), ("scale", 1.0), ("shift", 0.0))}
        ),
    ),
    "BinaryThreshold": ("Threshold", _only("threshold_param", {"threshold": ("threshold", 0.0)})),
    "Softmax": ("Softmax", _only("softmax_param", {"dim": ("axis", 1)})),
    "LocalResponseNorm": ("LRN", _lrn_out),
    **{f"BatchNorm{r}d": ("BatchNorm", bn_blocks) for r in (1, 2, 3)},
    "Scale": ("Scale", _affine_out("scale_param")),
    "Bias": ("Bias", _affine_out("bias_param")),
    "Dropout": ("Dropout", _only("dropout_param", {"p": ("dropout_ratio", -1.0)})),
    "Concat": ("Concat", lambda p: {"concat_param": {"axis": p.get("dim", 1)}}),
    "Add": ("Eltwise", _add_out),
    "Multiply": ("Eltwise", lambda p: {"eltwise_param": {"operation": _e("PROD")}}),
    "Maximum": ("Eltwise", lambda p: {"eltwise_param": {"operation": _e("MAX")}}),
    "Flatten": (
        "Flatten",
        lambda p: {
            "flatten_param": {"axis": p.get("start_dim", 1), "end_axis": p.get("end_dim", -1)}
        },
    ),
    "Reshape": ("Reshape", _reshape_out),
    "Permute": ("Permute", _permute_out),
    "Split": ("Slice", _split_out),
    "TensorSplit": (
        "Slice",
        lambda p: {
            "slice_param": {"axis": p.get("dim", 1), "slice_point": list(p.get("indices", [1]))}
        },
    ),
    "Identity": ("Split", _none),
    "Crop": (
        "Crop",
        lambda p: {
            "crop_param": {
                "axis": p.get("axis", 2),
                **({"offset": p["offset"]} if "offset" in p else {}),
            }
        },
    ),
    "Tile": (
        "Tile",
        lambda p: {"tile_param": {"axis": p.get("axis", 1), "tiles": p.get("tiles", 2)}},
    ),
    "Reduction": (
        "Reduction",
        lambda p: {
            "reduction_param": {
                "operation": _e(p.get("operation", "SUM")),
                "axis": p.get("axis", 0),
                "coeff": p.get("coeff", 1.0),
            }
        },
    ),
    "ArgMax": ("ArgMax", lambda p: {"argmax_param": {k: v for k, v in p.items() if v is not None}}),
    "Embedding": (
        "Embed",
        lambda p: {
            "embed_param": {
                "input_dim": p.get("num_embeddings", 1),
                "num_output": p.get("embedding_dim", 1),
                "bias_term": False,
            }
        },
    ),
    "RNN": ("RNN", _recurrent_out),
    "LSTM": ("LSTM", _recurrent_out),
    "MVN": ("MVN", lambda p: {"mvn_param": dict(p)} if p else {}),
    "Normalize": ("Normalize", lambda p: {"norm_param": dict(p)} if p else {}),
    "Upsample": ("Upsample", _upsample_out),
    "MaxUnpool2d": ("Upsample", _unpool_out),
    "Interp": ("Interp", lambda p: {"interp_param": dict(p)} if p else {}),
    "PriorBox": ("PriorBox", lambda p: {"prior_box_param": dict(p)} if p else {}),
    "DetectionOutput": ("DetectionOutput", detection_output_out),
    "ROIPooling": ("ROIPooling", lambda p: {"roi_pooling_param": dict(p)} if p else {}),
    "Proposal": ("Proposal", proposal_out),
    "Accuracy": ("Accuracy", _only("accuracy_param", {"top_k": ("top_k", 1)})),
    "CrossEntropyLoss": ("SoftmaxWithLoss", _none),
    "MSELoss": ("EuclideanLoss", _none),
    "BCEWithLogitsLoss": ("SigmoidCrossEntropyLoss", _none),
    "ContrastiveLoss": (
        "ContrastiveLoss",
        lambda p: {"contrastive_loss_param": dict(p)} if p else {},
    ),
}
# Caffe types that import to the same registry type as another spelling (BN -> BatchNorm2d).
SAME_MEANING = {("BN", "BatchNorm2d"): "BN"}
