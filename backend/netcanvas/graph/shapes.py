"""Shape arithmetic shared by the layer families, written once.

Conventions (DESIGN 3): shapes include the batch dimension and are channels-first.
All functions raise :class:`ShapeError` with a message a person can act on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

Shape = tuple[int, ...]


class ShapeError(Exception):
    """A layer cannot produce an output from the inputs and settings it was given."""


def fmt(shape: Iterable[int] | None) -> str:
    """Format a shape the way people read it: ``1×64×56×56``."""
    if shape is None:
        return "?"
    dims = list(shape)
    return "×".join(str(d) for d in dims) if dims else "scalar"


def per_axis(value: int | Sequence[int], rank: int, name: str) -> tuple[int, ...]:
    """Expand an int to ``rank`` values, or check a per-axis list has ``rank`` values."""
    if isinstance(value, int):
        return (value,) * rank
    values = tuple(value)
    if len(values) == 1:
        return values * rank
    if len(values) != rank:
        raise ShapeError(f"{name} needs 1 or {rank} values, got {len(values)}")
    return values


def spatial(shape: Shape, rank: int, what: str) -> tuple[int, ...]:
    """The trailing ``rank`` spatial dims of an ``[N, C, *spatial]`` tensor."""
    if len(shape) != rank + 2:
        want = "N×C×" + "×".join("DHW"[3 - rank :])
        raise ShapeError(f"{what} expects a {rank + 2}-D input ({want}), got {fmt(shape)}")
    return shape[2:]


def resolve_padding(
    padding: int | Sequence[int] | str,
    sizes: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Padding before and after each spatial axis.

    Accepts an int, one value per axis (symmetric), ``2·rank`` values in ONNX order
    (all begins, then all ends), ``"valid"`` or ``"same"``. ``same`` keeps
    ``ceil(size / stride)`` outputs and puts the odd pixel at the end, as PyTorch and
    ONNX ``SAME_UPPER`` do.
    """
    rank = len(sizes)
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * rank, (0,) * rank
        if padding != "same":
            raise ShapeError(f"padding must be an int, a list, 'same' or 'valid', not {padding!r}")
        begin, end = [], []
        for n, k, s, d in zip(sizes, kernel, stride, dilation, strict=True):
            out = -(-n // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
            begin.append(total // 2)
            end.append(total - total // 2)
        return tuple(begin), tuple(end)
    if isinstance(padding, int):
        pads: tuple[int, ...] = (padding,) * rank
        return pads, pads
    values = tuple(padding)
    if len(values) == 1:
        return values * rank, values * rank
    if len(values) == rank:
        return values, values
    if len(values) == 2 * rank:
        return values[:rank], values[rank:]
    raise ShapeError(f"padding needs 1, {rank} or {2 * rank} values, got {len(values)}")


def conv_out(size: int, kernel: int, stride: int, pad: int, dilation: int = 1) -> int:
    """Output length of a convolution along one axis (``pad`` = both sides summed)."""
    span = dilation * (kernel - 1) + 1
    if size + pad < span:
        raise ShapeError(f"kernel spans {span} but the padded input is only {size + pad} wide")
    return (size + pad - span) // stride + 1


def pool_out(
    size: int,
    kernel: int,
    stride: int,
    pad_begin: int,
    pad_end: int,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Output length of a pooling window along one axis, PyTorch rounding rules.

    With ``ceil_mode`` the last window may start in the padding but never entirely
    past the input (the rule PyTorch and Caffe share).
    """
    span = dilation * (kernel - 1) + 1
    padded = size + pad_begin + pad_end
    if padded < span:
        raise ShapeError(f"window spans {span} but the padded input is only {padded} wide")
    if ceil_mode:
        out = -(-(padded - span) // stride) + 1
        if (out - 1) * stride >= size + pad_begin:
            out -= 1
    else:
        out = (padded - span) // stride + 1
    return out


def conv_transpose_out(
    size: int, kernel: int, stride: int, pad: int, dilation: int = 1, output_padding: int = 0
) -> int:
    """Output length of a transposed convolution along one axis (``pad`` = both sides)."""
    out = (size - 1) * stride - pad + dilation * (kernel - 1) + output_padding + 1
    if out <= 0:
        raise ShapeError(f"transposed convolution would give a non-positive size ({out})")
    return out


def broadcast(shapes: Sequence[Shape]) -> Shape:
    """NumPy broadcasting of several shapes (``[N,C,1,1]`` with ``[N,C,H,W]``)."""
    rank = max(len(s) for s in shapes)
    out: list[int] = []
    for axis in range(rank):
        dims = {s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 0}
        dims.discard(1)
        if len(dims) > 1:
            listed = " and ".join(fmt(s) for s in shapes)
            raise ShapeError(f"{listed} do not broadcast")
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def normalize_axis(axis: int, rank: int, name: str = "dim") -> int:
    """Turn a possibly negative axis into an index, or fail naming the rank."""
    if not -rank <= axis < rank:
        raise ShapeError(f"{name} {axis} is out of range for a {rank}-D tensor")
    return axis % rank


def numel(shape: Iterable[int]) -> int:
    return math.prod(shape)
