"""Graph -> Caffe `layer {}` blocks: per-type rules and the :class:`Exporter`.

A rule maps registry params to a Caffe type and its ``*_param`` blocks, or raises
ValueError when the settings have no Caffe spelling; the exporter collects those into
one UnsupportedError. Fields kept from an import (fillers, engines, ``param {}``) are
merged back, and in-place layers write their bottom blob again when that is safe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netcanvas.formats import prototxt
from netcanvas.formats.base import FormatError, UnsupportedError
from netcanvas.formats.caffe_detection import (
    detection_output_out,
    proposal_out,
    python_proposal_blocks,
)
from netcanvas.formats.caffe_layers import output_count, plain
from netcanvas.formats.prototxt import Enum, as_list
from netcanvas.graph.model import Graph, Node, parse_ref
from netcanvas.layers import lookup

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


class Exporter:
    """Writes a graph as `layer {}` blocks, restoring in-place tops and kept fields."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.names = {n.name for n in graph.nodes}
        self.order = {n.name: i for i, n in enumerate(graph.nodes)}
        self.blob_of: dict[str, str] = {}
        self.consumers: dict[str, list[str]] = {}
        for node in graph.nodes:
            for ref in node.inputs:
                self.consumers.setdefault(self._canonical(ref), []).append(node.name)

    def _canonical(self, ref: str) -> str:
        parsed = parse_ref(ref, self.names)
        return str(parsed) if parsed is not None else ref

    def run(self) -> str:
        layers: list[dict[str, Any]] = []
        problems: dict[str, list[str]] = {}
        for node in self.graph.nodes:
            caffe = node.meta.get("caffe", {})
            if isinstance(caffe, dict) and caffe.get("label_of") in self.names:
                continue  # written as a top of its data layer
            if isinstance(caffe, dict) and caffe.get("implicit") and "shape" not in node.params:
                self.blob_of[node.name] = str(
                    as_list(caffe.get("top"))[0] if caffe.get("top") else node.name
                )
                continue  # the file named this blob without producing it; so do we
            try:
                layers.extend(self._layers_for(node, caffe if isinstance(caffe, dict) else {}))
            except (ValueError, TypeError, KeyError, AttributeError, IndexError) as why:
                # Settings of a kind Caffe cannot spell (e.g. hand-edited params).
                problems.setdefault(f"{node.type}: {why}", []).append(node.name)
            except FormatError as why:  # kept Caffe fields edited into invalid text
                problems.setdefault(f"meta.caffe.fields: {why}", []).append(node.name)
        if problems:
            listed = "; ".join(
                f"{what} ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''})"
                for what, names in problems.items()
            )
            raise UnsupportedError(f"cannot write as Caffe prototxt: {listed}")
        doc: dict[str, Any] = {"name": self.graph.name, "layer": layers}
        try:
            return prototxt.dump(doc)
        except ValueError as why:
            raise UnsupportedError(f"cannot write as Caffe prototxt: {why}") from None

    def _bottoms(self, node: Node) -> list[str]:
        return [self.blob_of.get(self._canonical(ref), ref) for ref in node.inputs]

    def _layers_for(self, node: Node, caffe: dict[str, Any]) -> list[dict[str, Any]]:
        """One layer, or two where Caffe splits what PyTorch does in one module."""
        if (
            node.type.startswith("BatchNorm")
            and node.params.get("affine", True)
            and caffe.get("type") != "BN"
        ):
            # Caffe's BatchNorm only normalises: the learned affine is a Scale after it.
            norm = self._layer(node, caffe, ("BatchNorm", bn_blocks(node.params)))
            top = as_list(norm["top"])[0]
            scale = {
                "name": f"{norm['name']}/scale",
                "type": "Scale",
                "bottom": top,
                "top": top,
                "scale_param": {"bias_term": True},
            }
            return [norm, scale]
        if node.type in ("GlobalAvgPool2d", "GlobalMaxPool2d"):
            # Caffe's global pooling keeps N×C×1×1; PyTorch's global pool is N×C.
            pool_name = f"{node.name}/pool"
            kind = Enum("AVE" if node.type == "GlobalAvgPool2d" else "MAX")
            pool = {
                "name": pool_name,
                "type": "Pooling",
                "bottom": self._bottoms(node),
                "top": pool_name,
                "pooling_param": {"pool": kind, "global_pooling": True},
            }
            flat = self._layer(node, caffe, ("Flatten", {}), [pool_name])
            return [pool, flat]
        return [self._layer(node, caffe)]

    def _layer(
        self,
        node: Node,
        caffe: dict[str, Any],
        kind: tuple[str, dict[str, Any]] | None = None,
        bottoms: list[str] | None = None,
    ) -> dict[str, Any]:
        name = str(caffe.get("name", node.name))
        if bottoms is None:
            bottoms = self._bottoms(node)
        if "extra_bottoms" in caffe:
            bottoms += [str(b) for b in as_list(caffe["extra_bottoms"])]
        ctype, blocks = kind or self._type_and_blocks(node, caffe)
        tops = self._tops(node, caffe, bottoms)
        layer: dict[str, Any] = {"name": name, "type": ctype}
        if bottoms:
            layer["bottom"] = bottoms
        if tops:
            layer["top"] = tops
        fields = caffe.get("fields")
        extras = prototxt.parse(fields) if isinstance(fields, str) else {}
        for key, value in blocks.items():
            merged = dict(extras.pop(key, {})) if isinstance(extras.get(key), dict) else {}
            merged.update(value)
            layer[key] = merged
        for key, value in extras.items():
            if key not in layer:
                layer[key] = value
        return layer

    def _type_and_blocks(self, node: Node, caffe: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        original = str(caffe.get("type", ""))
        if lookup(node.type) is None:
            # Opaque: its params are the Caffe fields; the kept text wins if unchanged.
            fields = caffe.get("fields")
            ctype = original or node.type
            if isinstance(fields, str) and plain(prototxt.parse(fields)) == node.params:
                return ctype, {}
            return ctype, {k: v for k, v in node.params.items() if isinstance(v, dict)}
        if node.type == "Input":
            if original and original != "Input":
                return original, {}
            shape = node.params.get("shape")
            if not shape:
                raise ValueError("an input without a shape cannot be written as Caffe Input")
            return "Input", {"input_param": {"shape": {"dim": list(shape)}}}
        if node.type == "Proposal" and original == "Python":
            return "Python", python_proposal_blocks(node.params, caffe.get("fields"))
        if (original, node.type) in SAME_MEANING:
            return SAME_MEANING[(original, node.type)], {}
        rule = EXPORTS.get(node.type)
        if rule is None:
            raise ValueError("no Caffe equivalent")
        ctype, make = rule
        return ctype, make(node.params)

    def _tops(self, node: Node, caffe: dict[str, Any], bottoms: list[str]) -> list[str]:
        spec = lookup(node.type)
        outputs = output_count(spec, node.params) if spec is not None else 1
        if outputs == 0:
            return []
        if node.inplace and bottoms and self._may_write_in_place(node):
            self.blob_of[node.name] = bottoms[0]
            return [bottoms[0]]
        kept = [str(t) for t in as_list(caffe.get("top"))]
        if caffe.get("labels"):
            kept = kept[:outputs]  # the label tops follow, from the label nodes
        tops = (
            kept
            if len(kept) >= outputs
            else [node.name] + [f"{node.name}_{k}" for k in range(1, outputs)]
        )
        for k in range(outputs):
            self.blob_of[node.name if k == 0 else f"{node.name}:{k}"] = tops[k]
        for label in as_list(caffe.get("labels")):
            if str(label) in self.names:
                label_node = self.graph.node(str(label))
                label_top = as_list(label_node.meta.get("caffe", {}).get("top")) or [label]
                self.blob_of[str(label)] = str(label_top[0])
                tops.append(str(label_top[0]))
        return tops

    def _may_write_in_place(self, node: Node) -> bool:
        """In place only if nobody reads the overwritten blob after this layer."""
        source = self._canonical(node.inputs[0])
        mine = self.order[node.name]
        return all(
            other == node.name or self.order.get(other, -1) < mine
            for other in self.consumers.get(source, [])
        )
