"""Reshape-family oracles: torch reshaping ops, nn.Upsample, padding modules, slicing."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats, maybe

_shape = st.lists(st.integers(1, 5), min_size=1, max_size=5).map(tuple)


def _module(module: Any, shapes: list[tuple[int, ...]]) -> Built:
    return module, module, [floats(s) for s in shapes]


def _fn(fn: Any, shapes: list[tuple[int, ...]]) -> Built:
    return fn, None, [floats(s) for s in shapes]


def _maybe_negative(draw: Any, axis: int, rank: int) -> int:
    return axis - rank if draw(st.booleans()) else axis


@st.composite
def _flatten_case(draw: Any) -> Case:
    x = draw(_shape)
    start = draw(st.integers(0, len(x) - 1))
    end = draw(st.integers(start, len(x) - 1))
    params = {
        "start_dim": _maybe_negative(draw, start, len(x)),
        "end_dim": _maybe_negative(draw, end, len(x)),
    }
    return params, [x]


def _flatten(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    return _module(torch.nn.Flatten(**p), shapes)


@st.composite
def _unflatten_case(draw: Any) -> Case:
    parts = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    tail = draw(st.lists(st.integers(1, 3), max_size=2))
    x = (*lead, math.prod(parts), *tail)
    sizes = list(parts)
    if draw(st.booleans()):
        sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    params = {"dim": _maybe_negative(draw, len(lead), len(x)), "unflattened_size": sizes}
    return params, [x]


def _unflatten(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    return _module(torch.nn.Unflatten(p["dim"], tuple(p["unflattened_size"])), shapes)


@st.composite
def _regroup(draw: Any, atoms: list[int]) -> tuple[int, ...]:
    """The product of ``atoms`` written as a shape: shuffled, cut into groups."""
    order = draw(st.permutations(atoms))
    cuts = sorted(draw(st.sets(st.integers(1, len(order) - 1))) if len(order) > 1 else set())
    bounds = [0, *cuts, len(order)]
    return tuple(math.prod(order[a:b]) for a, b in zip(bounds, bounds[1:], strict=False))


@st.composite
def _reshape_case(draw: Any) -> Case:
    atoms = draw(st.lists(st.integers(1, 4), min_size=1, max_size=6))
    x = draw(_regroup(atoms))
    target = list(draw(_regroup(atoms)))
    for i in range(min(len(x), len(target))):
        if target[i] == x[i] and draw(st.booleans()):
            target[i] = 0  # Caffe / ONNX: copy this axis from the input
    free = [i for i, d in enumerate(target) if d != 0]
    if free and draw(st.booleans()):
        target[draw(st.sampled_from(free))] = -1
    return {"shape": target}, [x]


def _reshape(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    x = shapes[0]
    target = [x[i] if d == 0 else d for i, d in enumerate(p["shape"])]
    return _fn(lambda t: torch.reshape(t, target), shapes)


@st.composite
def _permute_case(draw: Any) -> Case:
    x = draw(_shape)
    order = draw(st.permutations(range(len(x))))
    return {"dims": [_maybe_negative(draw, d, len(x)) for d in order]}, [x]


def _permute(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    return _fn(lambda t: t.permute(*p["dims"]), shapes)


@st.composite
def _squeeze_case(draw: Any) -> Case:
    x = tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=1, max_size=5)))
    kind = draw(st.sampled_from(["none", "int", "list"]))
    if kind == "none":
        return {"dim": None}, [x]
    axes = draw(st.lists(st.integers(0, len(x) - 1), min_size=1, max_size=len(x), unique=True))
    signed = [_maybe_negative(draw, a, len(x)) for a in axes]
    dim: Any = signed[0] if kind == "int" else signed
    return {"dim": dim}, [x]


def _squeeze(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    dim = p["dim"]
    if dim is None:
        return _fn(torch.squeeze, shapes)
    return _fn(lambda t: torch.squeeze(t, tuple(dim) if isinstance(dim, list) else dim), shapes)


@st.composite
def _unsqueeze_case(draw: Any) -> Case:
    x = draw(_shape)
    return {"dim": draw(st.integers(-len(x) - 1, len(x)))}, [x]


def _unsqueeze(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    return _fn(lambda t: torch.unsqueeze(t, p["dim"]), shapes)


_MODES = {
    "nearest": (1, 2, 3),
    "linear": (1,),
    "bilinear": (2,),
    "bicubic": (2,),
    "trilinear": (3,),
}


@st.composite
def _upsample_case(draw: Any) -> Case:
    mode = draw(st.sampled_from(sorted(_MODES)))
    rank = draw(st.sampled_from(_MODES[mode]))
    spatial = [draw(st.integers(1, 6)) for _ in range(rank)]
    params: dict[str, Any] = {"mode": mode}
    if mode != "nearest":
        params["align_corners"] = draw(st.sampled_from([None, False, True]))
    if draw(st.booleans()):
        sizes = [draw(st.integers(1, 12)) for _ in range(rank)]
        params["size"] = sizes if rank > 1 and draw(st.booleans()) else sizes[0]
    else:
        # Any positive scale that keeps at least one pixel per axis, fractions included.
        low = 1.001 / min(spatial)
        scale = st.floats(low, 3.5)
        scales = [draw(scale) for _ in range(rank)]
        params["scale_factor"] = scales if draw(st.booleans()) else scales[0]
        # Same shape either way; torch refuses it beside an explicit size.
        params.update(maybe(draw, {"recompute_scale_factor": st.sampled_from([None, False, True])}))
    return params, [(draw(st.integers(1, 2)), draw(st.integers(1, 3)), *spatial)]


def _upsample(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    kwargs = dict(p)
    for key in ("size", "scale_factor"):
        if isinstance(kwargs.get(key), list):
            kwargs[key] = tuple(kwargs[key])
    return _module(torch.nn.Upsample(**kwargs), shapes)


@st.composite
def _pixel_case(draw: Any, up: bool) -> Case:
    r = draw(st.integers(1, 3))
    lead = draw(st.lists(st.integers(1, 2), max_size=2))
    c, h, w = (draw(st.integers(1, 3)) for _ in range(3))
    x = (*lead, c * r * r, h, w) if up else (*lead, c, h * r, w * r)
    return {"upscale_factor" if up else "downscale_factor": r}, [x]


def _pixel_shuffle(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    return _module(torch.nn.PixelShuffle(p["upscale_factor"]), shapes)


def _pixel_unshuffle(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    return _module(torch.nn.PixelUnshuffle(p["downscale_factor"]), shapes)


@st.composite
def _pad_case(draw: Any, constant: bool) -> Case:
    x = tuple(draw(st.lists(st.integers(3, 6), min_size=2, max_size=4)))
    # Negative padding crops; keep at least one row and column.
    side = st.integers(-1, 3)
    padding: Any = draw(st.one_of(side, st.lists(side, min_size=4, max_size=4)))
    params: dict[str, Any] = {"padding": padding}
    if constant:
        params["value"] = draw(st.floats(-2, 2))
    return params, [x]


def _pad(constant: bool):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        pad = p["padding"] if isinstance(p["padding"], int) else tuple(p["padding"])
        module = torch.nn.ConstantPad2d(pad, p["value"]) if constant else torch.nn.ZeroPad2d(pad)
        return _module(module, shapes)

    return build


@st.composite
def _crop_case(draw: Any) -> Case:
    data = draw(st.lists(st.integers(1, 6), min_size=1, max_size=5))
    axis = draw(st.integers(0, len(data) - 1))
    # Axes before `axis` come from the data, so the reference may differ there.
    ref = [draw(st.integers(1, 3 if i < axis else d)) for i, d in enumerate(data)]
    room = [data[i] - ref[i] for i in range(axis, len(data))]
    if len(set(room)) == 1 and draw(st.booleans()):
        offset: Any = draw(st.integers(0, room[0]))
    else:
        offset = [draw(st.integers(0, r)) for r in room]
    params = {"axis": _maybe_negative(draw, axis, len(data)), "offset": offset}
    return params, [tuple(data), tuple(ref)]


def _crop(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    data, ref = shapes
    axis = p["axis"] % len(data)
    cropped = len(data) - axis
    offsets = [p["offset"]] * cropped if isinstance(p["offset"], int) else p["offset"]
    window = tuple(
        slice(None) if i < axis else slice(offsets[i - axis], offsets[i - axis] + ref[i])
        for i in range(len(data))
    )
    return _fn(lambda d, _ref: d[window], shapes)


@st.composite
def _split_case(draw: Any) -> Case:
    x = draw(st.lists(st.integers(1, 8), min_size=1, max_size=4))
    axis = draw(st.integers(0, len(x) - 1))
    size = x[axis]
    dim = _maybe_negative(draw, axis, len(x))
    if draw(st.booleans()):
        count = draw(st.sampled_from([n for n in range(1, size + 1) if size % n == 0]))
        return {"dim": dim, "sections": count}, [tuple(x)]
    cuts = sorted(draw(st.sets(st.integers(1, size - 1))) if size > 1 else set())
    bounds = [0, *cuts, size]
    sizes = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
    return {"dim": dim, "sizes": sizes}, [tuple(x)]


def _split(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    if "sizes" in p:
        return _fn(lambda t: torch.split(t, p["sizes"], p["dim"]), shapes)
    return _fn(lambda t: torch.tensor_split(t, p["sections"], p["dim"]), shapes)


ORACLES = [
    Oracle("Flatten", _flatten_case(), _flatten),
    Oracle("Unflatten", _unflatten_case(), _unflatten),
    Oracle("Reshape", _reshape_case(), _reshape),
    Oracle("Permute", _permute_case(), _permute),
    Oracle("Squeeze", _squeeze_case(), _squeeze),
    Oracle("Unsqueeze", _unsqueeze_case(), _unsqueeze),
    Oracle("Upsample", _upsample_case(), _upsample),
    Oracle("PixelShuffle", _pixel_case(up=True), _pixel_shuffle),
    Oracle("PixelUnshuffle", _pixel_case(up=False), _pixel_unshuffle),
    Oracle("ZeroPad2d", _pad_case(constant=False), _pad(constant=False)),
    Oracle("ConstantPad2d", _pad_case(constant=True), _pad(constant=True)),
    Oracle("Crop", _crop_case(), _crop),
    Oracle("Split", _split_case(), _split),
]
NO_TORCH: dict[str, str] = {}
