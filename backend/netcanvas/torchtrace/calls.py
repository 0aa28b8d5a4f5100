"""A traced call as plain data, so an opaque layer can be written back as the call it was
(the format is ``formats/code/pytorch_calls``'s); and a constant tensor's values."""

from __future__ import annotations

import base64
import math
import zlib
from typing import Any

import torch

from netcanvas.formats.code.pytorch_calls import ALLOWED, DTYPES

# Operators as the torch functions that compute them (the reflected ones whose
# arguments commute, or have a torch function with the order swapped).
_OPERATORS = {
    "__add__": "add", "__radd__": "add", "__iadd__": "add", "__sub__": "sub",
    "__isub__": "sub", "__rsub__": "rsub", "__mul__": "mul", "__rmul__": "mul",
    "__imul__": "mul", "__truediv__": "div", "__itruediv__": "div", "__floordiv__": "floor_divide",
    "__mod__": "remainder", "__pow__": "pow", "__matmul__": "matmul", "__neg__": "neg",
    "__abs__": "abs", "__eq__": "eq", "__ne__": "ne", "__lt__": "lt", "__le__": "le",
    "__gt__": "gt", "__ge__": "ge", "__and__": "bitwise_and", "__or__": "bitwise_or",
    "__xor__": "bitwise_xor", "__invert__": "bitwise_not",
}  # fmt: skip
CONSTANT_LIMIT = 1 << 16  # elements whose values a Constant layer keeps (256 KiB of float32)


class _Unwritable(Exception):
    pass


def call_name(func: Any, name: str) -> str:
    """The name a traced layer's type carries (``torch.<name>``)."""
    if name in ("__getitem__", "__setitem__"):
        return name.strip("_")
    return _OPERATORS.get(name, name.strip("_"))


def encode_call(
    func: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """``{namespace, function, args, kwargs}``, or {} when the call cannot be written back
    (its layer is then drawn, but not exported)."""
    function = call_name(func, name)
    if name in _OPERATORS or name in ("__getitem__", "__setitem__"):
        namespace = "Tensor" if name in ("__getitem__", "__setitem__") else "torch"
    elif getattr(torch.nn.functional, name, None) is func:
        namespace = "F"
    elif getattr(torch, name, None) is func:
        namespace = "torch"
    elif getattr(torch.Tensor, name, None) is func:
        namespace = "Tensor"
    else:
        return {}
    if function not in ALLOWED:
        return {}
    counter = iter(range(1 << 30))
    try:
        values = [_value(a, counter, name in ("__getitem__", "__setitem__")) for a in args]
        named = {k: _value(v, counter, False) for k, v in kwargs.items()}
    except _Unwritable:
        return {}
    return {"namespace": namespace, "function": function, "args": values, "kwargs": named}


def _value(v: Any, counter: Any, index: bool) -> Any:
    if isinstance(v, torch.Tensor):
        return {"input": next(counter)}
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        if math.isfinite(v):
            return v
        return {"float": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}
    if isinstance(v, list):
        return [_value(x, counter, index) for x in v]
    if isinstance(v, tuple):
        return {"tuple": [_value(x, counter, index) for x in v]}
    if isinstance(v, torch.dtype):
        text = str(v).removeprefix("torch.")
        if text in DTYPES:
            return {"dtype": text}
    if index and v is Ellipsis:
        return {"ellipsis": True}
    if index and isinstance(v, slice):
        parts = [v.start, v.stop, v.step]
        if all(p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts):
            return {"slice": parts}
    raise _Unwritable


def constant_settings(tensor: torch.Tensor) -> dict[str, Any]:
    """A Constant layer's settings: shape, and dtype and values when they can be kept."""
    settings: dict[str, Any] = {"shape": list(tensor.shape)}
    dtype = str(tensor.dtype).removeprefix("torch.")
    known = tensor.device.type != "meta"  # a meta tensor has a shape and no values
    if known and dtype in DTYPES and dtype != "bfloat16" and tensor.numel() <= CONSTANT_LIMIT:
        raw = tensor.detach().cpu().contiguous().numpy().tobytes()
        settings["dtype"] = dtype
        settings["data"] = base64.b64encode(zlib.compress(raw, 9)).decode("ascii")
    return settings
