"""Layers traced from a live PyTorch model that no registry type describes, written back
as the torch calls they were (``nc.from_torch``; see ``netcanvas.torchtrace``).

Three opaque kinds of node:

- ``Parameter`` ``{shape}``: a learnable tensor the model uses directly (ViT's class
  token); written as a module holding one ``nn.Parameter``.
- ``Constant`` ``{shape, dtype, data}``: a tensor the model made from nothing it computed
  (a causal mask, a position index); ``data`` is its bytes, zlib-compressed, base64.
- ``torch.<name>`` ``{namespace, function, args, kwargs}``: one call, ``namespace`` being
  ``torch``, ``F`` or ``Tensor`` (a method of the first argument). Arguments are plain
  data; ``{"input": k}`` is the node's k-th input, ``{"tuple": [...]}``, ``{"slice":
  [start, stop, step]}``, ``{"ellipsis": true}``, ``{"float": "inf"}``, ``{"dtype":
  "int64"}`` the Python values they stand for. ``getitem`` / ``setitem`` are ``x[key]``
  and a copy of ``x`` with ``x[key] = value``.

Only the functions of ``ALLOWED`` are written, so a document can never name one that
reads or writes files (``torch.load``) for ``netcanvas train`` to run.
"""

from __future__ import annotations

import re
from typing import Any

from netcanvas.graph.model import Node

ALLOWED = frozenset(
    """abs acos add addmm all amax amin any arange argmax argmin asin atan baddbmm bitwise_and
    bitwise_not bitwise_or bitwise_xor bmm bool broadcast_to cat ceil chunk clamp clamp_min
    clamp_max clone contiguous cos cosh cumprod cumsum detach diagonal div dropout einsum
    elu embedding eq erf exp expand expand_as fill_ flatten flip float floor floor_divide
    full_like gather ge gelu getitem glu gt hardsigmoid hardswish index_select int
    interpolate isfinite isinf isnan le leaky_relu lerp log log1p log_softmax logical_and
    logical_not logical_or long lt masked_fill masked_fill_ matmul max maximum mean min
    minimum mish mm mul narrow ne neg new_empty new_full new_ones new_zeros norm normalize
    ones_like outer pad permute pixel_shuffle pow prod reciprocal relu relu6 remainder
    repeat repeat_interleave reshape roll rsqrt rsub scaled_dot_product_attention select
    setitem sigmoid sign silu sin sinh softmax softplus split sqrt square squeeze stack std
    sub sum swapaxes t tanh tensor_split tile to topk transpose tril triu true_divide
    type_as unbind unflatten unsqueeze var view where zero_ zeros_like""".split()
)
NAMESPACES = ("torch", "F", "Tensor")
DTYPES = frozenset(
    "float16 bfloat16 float32 float64 int8 int16 int32 int64 uint8 bool complex64".split()
)
TRACED = ("Parameter", "Constant")

# Our own fixed source (no document value in it), run by the model builder like the Caffe
# helpers.
HELPERS = {
    "Learned": '''
class Learned(nn.Module):
    """A learnable tensor the model uses as it is (a class token, a position table)."""

    def __init__(self, shape):
        super().__init__()
        self.value = nn.Parameter(torch.empty(shape).normal_(std=0.02))

    def forward(self):
        return self.value
''',
    "Constant": '''
class Constant(nn.Module):
    """A tensor the traced model built from constants (a mask, an index)."""

    def __init__(self, shape, dtype, data):
        super().__init__()
        import base64, zlib

        raw = bytearray(zlib.decompress(base64.b64decode(data)))
        kind = getattr(torch, dtype)
        value = torch.frombuffer(raw, dtype=kind) if raw else torch.zeros(0, dtype=kind)
        self.register_buffer("value", value.reshape(shape).clone())

    def forward(self):
        return self.value
''',
    "set_item": '''
def set_item(x, value, *index):
    """A copy of x with x[index] = value; [start, stop, step] lists are slices."""
    key = tuple(slice(*i) if isinstance(i, list) else i for i in index)
    out = x.clone()
    out[key] = value
    return out
''',
}


class NotReplayable(ValueError):
    """A traced call whose arguments or function cannot be written back."""


def replayable(node: Node) -> bool:
    """Whether the node is a traced layer the PyTorch exporter can write."""
    try:
        emit(node, [f"x{i}" for i in range(len(node.inputs))])
    except NotReplayable:
        return False
    return True


def emit(node: Node, args: list[str]) -> tuple[str | None, str, list[str]]:
    """(submodule constructor or None, forward expression, helpers needed)."""
    p = node.params
    if node.type == "Parameter":
        return f"Learned({_shape(p.get('shape'))!r})", "{m}()", ["Learned"]
    if node.type == "Constant":
        dtype, data = p.get("dtype"), p.get("data")
        if (
            dtype not in DTYPES
            or not isinstance(data, str)
            or not re.fullmatch(r"[A-Za-z0-9+/=]*", data)
        ):
            raise NotReplayable(f"{node.name}: a constant without its values")
        return f"Constant({_shape(p.get('shape'))!r}, {dtype!r}, {data!r})", "{m}()", ["Constant"]
    if not node.type.startswith("torch."):
        raise NotReplayable(f"{node.name}: {node.type} is not a traced call")
    namespace, function = p.get("namespace"), p.get("function")
    if namespace not in NAMESPACES or function not in ALLOWED:
        raise NotReplayable(f"{node.name}: torch call {function!r} is not one netcanvas writes")
    values, named = p.get("args"), p.get("kwargs", {})
    if not isinstance(values, list) or not isinstance(named, dict):
        raise NotReplayable(f"{node.name}: a call without its arguments")
    write = _Writer(args)
    if function == "getitem":
        return None, f"{write.value(values[0])}[{write.key(values[1])}]", []
    if function == "setitem":
        key = (
            values[1]["tuple"]
            if isinstance(values[1], dict) and "tuple" in values[1]
            else [values[1]]
        )
        index = ", ".join(write.index_arg(k) for k in key)
        return (
            None,
            f"set_item({write.value(values[0])}, {write.value(values[2])}, {index})",
            ["set_item"],
        )
    parts = [write.value(v) for v in values]
    for key, value in named.items():
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            raise NotReplayable(f"{node.name}: argument name {key!r}")
        parts.append(f"{key}={write.value(value)}")
    if namespace == "Tensor":
        if not parts:
            raise NotReplayable(f"{node.name}: a method without its tensor")
        return None, f"{parts[0]}.{function}({', '.join(parts[1:])})", []
    return None, f"{namespace}.{function}({', '.join(parts)})", []


def _shape(value: Any) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(d, int) and d >= 0 for d in value):
        raise NotReplayable("a shape is a list of sizes")
    return value


class _Writer:
    def __init__(self, args: list[str]) -> None:
        self.args = args

    def value(self, v: Any) -> str:
        if v is None or isinstance(v, bool | int | float):
            return repr(v)
        if isinstance(v, str):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(self.value(x) for x in v) + "]"
        if isinstance(v, dict) and len(v) == 1:
            ((kind, inner),) = v.items()
            if kind == "input" and isinstance(inner, int) and 0 <= inner < len(self.args):
                return self.args[inner]
            if kind == "tuple" and isinstance(inner, list):
                items = [self.value(x) for x in inner]
                return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
            if kind == "float" and inner in ("inf", "-inf", "nan"):
                return {"inf": "torch.inf", "-inf": "-torch.inf", "nan": "torch.nan"}[inner]
            if kind == "dtype" and inner in DTYPES:
                return f"torch.{inner}"
        raise NotReplayable(f"an argument netcanvas cannot write: {v!r}")

    def key(self, v: Any) -> str:
        """A subscript: slices and ``...`` allowed."""
        if isinstance(v, dict) and "tuple" in v and isinstance(v["tuple"], list):
            items = [self._item(x) for x in v["tuple"]]
            return ", ".join(items) + ("," if len(items) == 1 else "")
        return self._item(v)

    def _item(self, v: Any) -> str:
        if isinstance(v, dict) and v.get("ellipsis") is True:
            return "..."
        if isinstance(v, dict) and isinstance(v.get("slice"), list) and len(v["slice"]) == 3:
            start, stop, step = (self.value(x) if x is not None else "" for x in v["slice"])
            return f"{start}:{stop}" + (f":{step}" if step else "")
        return self.value(v)

    def index_arg(self, v: Any) -> str:
        """One index of set_item's: a slice as [start, stop, step], ``...`` as Ellipsis."""
        if isinstance(v, dict) and v.get("ellipsis") is True:
            return "..."
        if isinstance(v, dict) and isinstance(v.get("slice"), list) and len(v["slice"]) == 3:
            return "[" + ", ".join(self.value(x) for x in v["slice"]) + "]"
        return self.value(v)
