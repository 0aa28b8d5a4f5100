"""Graph -> a readable PyTorch ``nn.Module``: submodules in ``__init__``, a straight-line
``forward`` in topological order, one local variable per layer output.

The type table maps each registry type to an emitter returning the submodule
constructor (or None) and the expression ``forward`` evaluates. Types PyTorch has no
inference module for are listed in :data:`UNSUPPORTED`; exporting them is refused
with every offending type named.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from netcanvas.formats.base import UnsupportedError, registrar
from netcanvas.graph import shapes
from netcanvas.graph.infer import analyze
from netcanvas.graph.model import Graph, analyse_structure
from netcanvas.graph.shapes import Shape
from netcanvas.layers import lookup

NAME = "pytorch"
EXTENSIONS = (".py",)
MEDIA_TYPE = "text/x-python"

RESERVED = {"self", "torch", "nn", "F", "model", "Network", "forward", "super"}


def sniff(name: str, head: bytes) -> bool:
    return False  # generated code is not read back


class Namespace:
    """Legal, unique Python identifiers for layer names (no keywords, builtins or clashes)."""

    def __init__(self, reserved: Sequence[str] = ()) -> None:
        self.taken: set[str] = set(RESERVED) | set(reserved)

    def add(self, name: str) -> str:
        base = re.sub(r"\W", "_", name, flags=re.ASCII).strip("_") or "layer"
        if base[0].isdigit():
            base = f"layer_{base}"
        if keyword.iskeyword(base) or keyword.issoftkeyword(base) or hasattr(builtins, base):
            base = f"{base}_"
        fresh, n = base, 1
        while fresh in self.taken:
            n += 1
            fresh = f"{base}_{n}"
        self.taken.add(fresh)
        return fresh


@dataclass
class Py:
    """What one emitter sees: validated params, input variables and shapes."""

    type: str
    params: Any
    args: list[str]
    in_shapes: list[Shape]
    out_shapes: list[Shape]
    # Helper classes (pytorch_caffe.HELPERS) the generated file must define.
    needs: list[str] = field(default_factory=list)

    @property
    def x(self) -> str:
        return self.args[0]

    @property
    def shape(self) -> Shape:
        return self.in_shapes[0]


# An emitter returns (submodule constructor or None, forward expression). In the
# expression ``{m}`` stands for the submodule (``self.conv1``).
Emitter = Callable[[Py], tuple[str | None, str]]
EMITTERS: dict[str, Emitter] = {}
UNSUPPORTED: dict[str, str] = {
    "CrossEntropyLoss": "a training loss, not part of the model",
    "MSELoss": "a training loss, not part of the model",
    "Accuracy": "a training metric, not part of the model",
    "BCEWithLogitsLoss": "a training loss, not part of the model",
    "ContrastiveLoss": "a training loss, not part of the model",
    "Silence": "has no output",
    "Proposal": "Faster R-CNN's proposals (anchors, NMS) have no torch.nn module",
    "DetectionOutput": "SSD post-processing has no torch.nn module",
    "PriorBox": "SSD prior boxes have no torch.nn module",
    "ROIPooling": "needs torchvision.ops, not torch.nn",
    "MaxUnpool2d": "needs int64 pooling indices, which no registry pooling layer outputs",
    "ArgMax": "Caffe's flattened top-k with values is not mapped",
}


emits = registrar(EMITTERS)


# torch.nn's own defaults, per module family: settings equal to them are left out of
# the generated constructor calls so the code reads like code people write.
TORCH_DEFAULTS: dict[str, dict[str, Any]] = {
    "Conv": {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True},
    "ConvTranspose": {
        "stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True, "output_padding": 0,
    },
    "MaxPool": {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False},
    "AvgPool": {"stride": None, "padding": 0, "ceil_mode": False, "count_include_pad": True},
    "BatchNorm": {"eps": 1e-5, "momentum": 0.1, "affine": True, "track_running_stats": True},
    "InstanceNorm": {
        "eps": 1e-5, "momentum": 0.1, "affine": False, "track_running_stats": False,
    },
    "LayerNorm": {"eps": 1e-5, "elementwise_affine": True, "bias": True},
    "RMSNorm": {"eps": None, "elementwise_affine": True},
    "GroupNorm": {"eps": 1e-5, "affine": True},
    "Linear": {"bias": True},
    "Embedding": {"padding_idx": None},
    "RNN": {"num_layers": 1, "bias": True, "dropout": 0.0, "bidirectional": False,
            "nonlinearity": "tanh"},
    "LSTM": {"num_layers": 1, "bias": True, "dropout": 0.0, "bidirectional": False,
             "proj_size": 0},
    "GRU": {"num_layers": 1, "bias": True, "dropout": 0.0, "bidirectional": False},
    "MultiheadAttention": {
        "dropout": 0.0, "bias": True, "add_bias_kv": False, "add_zero_attn": False,
    },
    "TransformerEncoderLayer": {
        "dim_feedforward": 2048, "dropout": 0.1, "activation": "relu", "layer_norm_eps": 1e-5,
        "norm_first": False, "bias": True,
    },
    "Flatten": {"start_dim": 1, "end_dim": -1},
    "Dropout": {"p": 0.5},
    "AlphaDropout": {"p": 0.5},
    "LeakyReLU": {"negative_slope": 0.01},
    "ELU": {"alpha": 1.0},
    "CELU": {"alpha": 1.0},
    "GELU": {"approximate": "none"},
    "PReLU": {"num_parameters": 1, "init": 0.25},
    "Softplus": {"beta": 1.0, "threshold": 20.0},
    "Hardtanh": {"min_val": -1.0, "max_val": 1.0},
    "LocalResponseNorm": {"alpha": 1e-4, "beta": 0.75, "k": 1.0},
    "Upsample": {"align_corners": None},
    "ConstantPad": {},
}  # fmt: skip
TORCH_DEFAULTS["TransformerDecoderLayer"] = TORCH_DEFAULTS["TransformerEncoderLayer"]


def module(type_: str, *positional: Any, **values: Any) -> str:
    """``nn.Type(positional..., key=value...)`` without the settings torch defaults to."""
    defaults = TORCH_DEFAULTS.get(re.sub(r"[123]d$", "", type_), {})
    parts = [repr(v) for v in positional] + [
        f"{k}={v!r}" for k, v in values.items() if k not in defaults or defaults[k] != v
    ]
    return f"nn.{type_}({', '.join(parts)})"


def _call(m: str) -> str:
    return m + "({x})"


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
    values = c.params.model_dump()
    if c.type == "Upsample":
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
        "kernel_size": _compact(kernel),
        "stride": _compact(stride),
        "padding": _compact(begin) if begin == end else 0,
        "dilation": _compact(dilation),
        "groups": p.groups,
        "bias": p.bias,
    }
    if "Transpose" in c.type:
        values["output_padding"] = _compact(
            shapes.per_axis(p.output_padding, rank, "output_padding")
        )
    built = module(c.type, c.shape[1], p.out_channels, **values)
    if begin != end:
        # Uneven padding ('same' with an even kernel): pad first, then convolve unpadded.
        pads = [v for b, e in zip(reversed(begin), reversed(end), strict=True) for v in (b, e)]
        built = f"nn.Sequential(nn.ConstantPad{rank}d({tuple(pads)!r}, 0.0), {built})"
    return built, "{m}({x})"


def _compact(values: Sequence[int]) -> int | tuple[int, ...]:
    return values[0] if len(set(values)) == 1 else tuple(values)


@emits("MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d")
def _pool(c: Py) -> tuple[str | None, str]:
    return module(c.type, **c.params.model_dump()), "{m}({x})"


@emits("GlobalAvgPool2d", "GlobalMaxPool2d")
def _global(c: Py) -> tuple[str | None, str]:
    pool = "AdaptiveMaxPool2d" if "Max" in c.type else "AdaptiveAvgPool2d"
    return f"nn.Sequential(nn.{pool}(1), nn.Flatten())", "{m}({x})"


@emits("Linear")
def _linear(c: Py) -> tuple[str | None, str]:
    p = c.params
    return module("Linear", c.shape[-1], p.out_features, bias=p.bias), "{m}({x})"


@emits("Embedding")
def _embedding(c: Py) -> tuple[str | None, str]:
    p = c.params
    built = module("Embedding", p.num_embeddings, p.embedding_dim, padding_idx=p.padding_idx)
    return built, "{m}({x})"


@emits("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d")
def _norm(c: Py) -> tuple[str | None, str]:
    return module(c.type, c.shape[1], **c.params.model_dump()), "{m}({x})"


@emits("GroupNorm")
def _group_norm(c: Py) -> tuple[str | None, str]:
    p = c.params
    built = module("GroupNorm", p.num_groups, c.shape[1], eps=p.eps, affine=p.affine)
    return built, "{m}({x})"


@emits("LayerNorm", "RMSNorm")
def _layer_norm(c: Py) -> tuple[str | None, str]:
    values = c.params.model_dump()
    if values["normalized_shape"] is None:
        values["normalized_shape"] = c.shape[-1]
    return module(c.type, **values), "{m}({x})"


@emits("RNN", "LSTM", "GRU")
def _recurrent(c: Py) -> tuple[str | None, str]:
    values = c.params.model_dump()
    call = "{m}({x})"
    if len(c.args) == 2:
        call = "{m}({x}, {x1})"
    elif len(c.args) == 3:
        call = "{m}({x}, ({x1}, {x2}))"
    return module(c.type, c.shape[-1], **values), call


@emits("MultiheadAttention")
def _attention(c: Py) -> tuple[str | None, str]:
    values = c.params.model_dump()
    embed = c.shape[-1]
    if len(c.in_shapes) == 3 and (c.in_shapes[1][-1] != embed or c.in_shapes[2][-1] != embed):
        values.update(kdim=c.in_shapes[1][-1], vdim=c.in_shapes[2][-1])
    call = "{m}({x}, {x}, {x})" if len(c.args) == 1 else "{m}({x}, {x1}, {x2})"
    return module("MultiheadAttention", embed, **values), call


@emits("TransformerEncoderLayer", "TransformerDecoderLayer")
def _transformer(c: Py) -> tuple[str | None, str]:
    built = module(c.type, c.shape[-1], **c.params.model_dump())
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


# --- writing the module -------------------------------------------------------------


def check_exportable(graph: Graph) -> None:
    problems: list[str] = []
    analysis = analyze(graph)
    if analysis.errors:
        problems.append("the graph has errors: " + "; ".join(analysis.errors))
    refused = sorted({n.type for n in graph.nodes if n.type in UNSUPPORTED})
    if refused:
        problems.append(
            "PyTorch export cannot express: "
            + "; ".join(f"{t} ({UNSUPPORTED[t]})" for t in refused)
        )
    unmapped = sorted(
        {
            n.type
            for n in graph.nodes
            if n.type != "Input" and n.type not in EMITTERS and n.type not in UNSUPPORTED
        }
    )
    if unmapped:
        problems.append("no PyTorch mapping for: " + ", ".join(unmapped))
    if any(s is None for r in analysis.nodes for s in r.output_shapes) and not analysis.errors:
        problems.append("some shapes are unknown (set the input shape)")
    if problems:
        raise UnsupportedError("cannot export to PyTorch: " + " | ".join(problems))


def generate(graph: Graph, class_name: str = "Network") -> str:
    """The Python source of an ``nn.Module`` that builds and runs the graph."""
    check_exportable(graph)
    analysis = analyze(graph)
    structure = analyse_structure(graph)
    names = Namespace()
    var: dict[tuple[str, int], str] = {}
    inputs: list[tuple[str, Shape, str]] = []
    modules: list[str] = []
    lines: list[str] = []
    needs: list[str] = []
    consumed: set[str] = set()
    for result in analysis.nodes:
        node = graph.node(result.name)
        refs = [r for r in structure.refs[node.name] if r is not None]
        consumed.update(r.node for r in refs)
        outs: list[Shape] = [s for s in result.output_shapes if s is not None]
        if node.type == "Input":
            var[(node.name, 0)] = names.add(node.name)
            inputs.append((var[(node.name, 0)], outs[0], node.params.get("dtype", "float32")))
            continue
        spec = lookup(node.type)
        assert spec is not None
        args = [var[(r.node, r.index)] for r in refs]
        in_shapes = [analysis[r.node].output_shapes[r.index] or () for r in refs]
        c = Py(node.type, spec.Params.model_validate(node.params), args, in_shapes, outs)
        module, expr = EMITTERS[node.type](c)
        needs.extend(n for n in c.needs if n not in needs)
        ident = names.add(node.name)
        fill = {f"x{i}": a for i, a in enumerate(args)}
        fill["x"] = args[0] if args else ""
        if module is not None:
            modules.append(f"        self.{ident} = {module}")
            fill["m"] = f"self.{ident}"
        rhs = expr.format(**fill)
        # Later outputs are named after their ports: ``lstm_h_n``, ``attn_weights``.
        ports = spec.output_names
        targets = [ident] + [
            names.add(f"{node.name}_{ports[k] if k < len(ports) else k}")
            for k in range(1, len(outs))
        ]
        for k, target in enumerate(targets):
            var[(node.name, k)] = target
        if node.type == "LSTM":
            lines.append(f"        {targets[0]}, ({targets[1]}, {targets[2]}) = {rhs}")
        else:
            lines.append(f"        {', '.join(targets)} = {rhs}")
    results = [
        var[(r.name, k)]
        for r in analysis.nodes
        if r.type != "Input" and (r.name not in consumed or r.type == "Output")
        for k in range(len(r.output_shapes))
    ]
    helpers = [pytorch_caffe.HELPERS[n].strip("\n") for n in needs]
    return _source(graph, class_name, inputs, modules, lines, results, helpers)


def _source(
    graph: Graph,
    class_name: str,
    inputs: list[tuple[str, Shape, str]],
    modules: list[str],
    lines: list[str],
    results: list[str],
    helpers: list[str],
) -> str:
    title = graph.name.replace("\n", " ")
    signature = ", ".join(f"{name}: torch.Tensor" for name, _, _ in inputs)
    returned = results[0] if len(results) == 1 else f"({', '.join(results)})"
    examples = []
    for name, shape, dtype in inputs:
        if dtype == "int64":
            examples.append(f"    {name} = torch.zeros({tuple(shape)!r}, dtype=torch.long)")
        else:
            examples.append(f"    {name} = torch.randn{tuple(shape)!r}")
    ret_type = "torch.Tensor" if len(results) == 1 else "tuple[torch.Tensor, ...]"
    out = [
        f"# {title}: PyTorch model generated by netcanvas from the netcanvas document",
        f"# '{title}'. Input shapes: "
        + ", ".join(f"{n} {shapes.fmt(s)}" for n, s, _ in inputs)
        + ".",
        "from __future__ import annotations",
        "",
        "import torch",
        "from torch import nn",
        "",
        "",
        *[line for helper in helpers for line in (helper, "", "")],
        f"class {class_name}(nn.Module):",
        "    def __init__(self) -> None:",
        "        super().__init__()",
        *modules,
        "",
        f"    def forward(self, {signature}) -> {ret_type}:",
        *lines,
        f"        return {returned}",
        "",
        "",
        'if __name__ == "__main__":',
        f"    model = {class_name}().eval()",
        *examples,
        "    with torch.no_grad():",
        f"        result = model({', '.join(n for n, _, _ in inputs)})",
        "    shapes = [result] if isinstance(result, torch.Tensor) else result",
        "    print([tuple(r.shape) for r in shapes])",
        "",
    ]
    return "\n".join(out)


def dump(graph: Graph, options: dict[str, Any] | None = None) -> bytes:
    return generate(graph).encode()


from netcanvas.formats import pytorch_caffe  # noqa: E402  (registers the Caffe emitters)
