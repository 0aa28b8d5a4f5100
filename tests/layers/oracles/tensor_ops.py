"""Oracles for Caffe's tensor operations: torch functions that do the same thing."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats

_shape = st.lists(st.integers(1, 5), min_size=1, max_size=4).map(tuple)


@st.composite
def _inner_product_case(draw: Any) -> Case:
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=2, max_size=4)))
    params = {
        "out_features": draw(st.integers(1, 16)),
        "bias": draw(st.booleans()),
        "axis": draw(st.integers(1, len(shape) - 1)),
    }
    return params, [shape]


def _inner_product(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    fan_in = 1
    for d in shapes[0][p["axis"] :]:
        fan_in *= d
    module = torch.nn.Sequential(
        torch.nn.Flatten(p["axis"]), torch.nn.Linear(fan_in, p["out_features"], bias=p["bias"])
    )
    return module, module, [floats(shapes[0])]


@st.composite
def _tensor_split_case(draw: Any) -> Case:
    shape = tuple(draw(st.lists(st.integers(2, 8), min_size=1, max_size=4)))
    dim = draw(st.integers(0, len(shape) - 1))
    cuts = sorted(draw(st.sets(st.integers(1, shape[dim] - 1), min_size=1)))
    return {"dim": dim, "indices": cuts}, [shape]


def _tensor_split(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    return (lambda x: torch.tensor_split(x, p["indices"], p["dim"])), None, [floats(shapes[0])]


@st.composite
def _tile_case(draw: Any) -> Case:
    shape = draw(_shape)
    return {"axis": draw(st.integers(0, len(shape) - 1)), "tiles": draw(st.integers(1, 3))}, [shape]


def _tile(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    reps = [1] * len(shapes[0])
    reps[p["axis"]] = p["tiles"]
    return (lambda x: x.repeat(*reps)), None, [floats(shapes[0])]


@st.composite
def _reduction_case(draw: Any) -> Case:
    shape = draw(_shape)
    params = {
        "operation": draw(st.sampled_from(["SUM", "ASUM", "SUMSQ", "MEAN"])),
        "axis": draw(st.integers(0, len(shape) - 1)),
    }
    return params, [shape]


def _reduction(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    def run(x: Any) -> Any:
        flat = x.reshape(*x.shape[: p["axis"]], -1)
        values = {"SUM": flat, "ASUM": flat.abs(), "SUMSQ": flat**2, "MEAN": flat}[p["operation"]]
        return values.mean(-1) if p["operation"] == "MEAN" else values.sum(-1)

    return run, None, [floats(shapes[0])]


@st.composite
def _argmax_case(draw: Any) -> Case:
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=2, max_size=4)))
    axis = draw(st.one_of(st.none(), st.integers(1, len(shape) - 1)))
    limit = shape[axis] if axis is not None else _count(shape[1:])
    params = {
        "top_k": draw(st.integers(1, limit)),
        "out_max_val": draw(st.booleans()),
        "axis": axis,
    }
    return params, [shape]


def _count(dims: tuple[int, ...]) -> int:
    out = 1
    for d in dims:
        out *= d
    return out


def _argmax(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    def run(x: Any) -> Any:
        if p["axis"] is not None:
            values, indices = x.topk(p["top_k"], dim=p["axis"])
            return values if p["out_max_val"] else indices
        values, indices = x.flatten(1).topk(p["top_k"], dim=1)
        parts = [indices.float(), values] if p["out_max_val"] else [indices.float()]
        return torch.stack(parts, dim=1)

    return run, None, [floats(shapes[0])]


@st.composite
def _mvn_case(draw: Any) -> Case:
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=2, max_size=4)))
    params = {
        "normalize_variance": draw(st.booleans()),
        "across_channels": draw(st.booleans()),
    }
    return params, [shape]


def _mvn(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    def run(x: Any) -> Any:
        dims = tuple(range(1 if p["across_channels"] else 2, x.dim())) or (1,)
        out = x - x.mean(dim=dims, keepdim=True)
        return out / (out.std(dim=dims, keepdim=True, unbiased=False) + 1e-9)

    return run, None, [floats(shapes[0])]


@st.composite
def _interp_case(draw: Any) -> Case:
    shape = (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 4)),
        draw(st.integers(2, 9)),
        draw(st.integers(2, 9)),
    )
    if draw(st.booleans()):
        return {"height": draw(st.integers(1, 20)), "width": draw(st.integers(1, 20))}, [shape]
    reference = (1, 1, draw(st.integers(1, 20)), draw(st.integers(1, 20)))
    return {}, [shape, reference]


def _interp(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    size = (p["height"], p["width"]) if p else shapes[1][2:]

    def run(x: Any, *reference: Any) -> Any:
        return torch.nn.functional.interpolate(x, size=size, mode="bilinear", align_corners=True)

    return run, None, [floats(s) for s in shapes]


@st.composite
def _unpool_case(draw: Any) -> Case:
    kernel = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    pooled = (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 6)),
        draw(st.integers(1, 6)),
    )
    params: dict[str, Any] = {"kernel_size": kernel, "stride": stride}
    if draw(st.booleans()):
        params["output_size"] = [
            (n - 1) * stride + kernel + draw(st.integers(0, stride - 1)) for n in pooled[2:]
        ]
    return params, [pooled, pooled]


def _unpool(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.MaxUnpool2d(p["kernel_size"], p["stride"])
    n, c, h, w = shapes[0]
    # Valid indices: each pooled value goes back to the top-left of its own window.
    rows = torch.arange(h) * p["stride"]
    cols = torch.arange(w) * p["stride"]
    size = p.get("output_size") or [
        (h - 1) * p["stride"] + p["kernel_size"],
        (w - 1) * p["stride"] + p["kernel_size"],
    ]
    flat = (rows[:, None] * size[1] + cols[None, :]).expand(n, c, h, w).contiguous()

    def run(x: Any, indices: Any) -> Any:
        return module(x, flat, output_size=p.get("output_size"))

    return run, module, [floats(shapes[0]), flat]


@st.composite
def _select_case(draw: Any) -> Case:
    x = draw(_shape)
    dim = draw(st.integers(-len(x), len(x) - 1))
    size = x[dim]
    return {"dim": dim, "index": draw(st.integers(-size, size - 1))}, [x]


def _select(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    return lambda t: torch.select(t, p["dim"], p["index"]), None, [floats(s) for s in shapes]


@st.composite
def _strided_slice_case(draw: Any) -> Case:
    x = draw(_shape)
    axes = draw(st.lists(st.integers(0, len(x) - 1), min_size=1, max_size=len(x), unique=True))
    starts, ends, steps = [], [], []
    for axis in axes:
        size = x[axis]
        start = draw(st.integers(0, size - 1))
        end = draw(st.integers(start + 1, size + 3))  # past the size: to the end
        starts.append(draw(st.sampled_from([start, start - size])))  # or counted from the end
        ends.append(end)
        steps.append(draw(st.integers(1, 3)))
    axes = [draw(st.sampled_from([a, a - len(x)])) for a in axes]
    return {"starts": starts, "ends": ends, "axes": axes, "steps": steps}, [x]


def _strided_slice(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    cut = [slice(None)] * len(shapes[0])
    for axis, start, end, step in zip(p["axes"], p["starts"], p["ends"], p["steps"], strict=True):
        cut[axis] = slice(start, end, step)
    return lambda t: t[tuple(cut)], None, [floats(s) for s in shapes]


ORACLES = [
    Oracle("Select", _select_case(), _select),
    Oracle("StridedSlice", _strided_slice_case(), _strided_slice),
    Oracle("InnerProduct", _inner_product_case(), _inner_product, macs=True),
    Oracle("TensorSplit", _tensor_split_case(), _tensor_split),
    Oracle("Tile", _tile_case(), _tile),
    Oracle("Reduction", _reduction_case(), _reduction),
    Oracle("ArgMax", _argmax_case(), _argmax),
    Oracle("MVN", _mvn_case(), _mvn),
    Oracle("Interp", _interp_case(), _interp),
    Oracle("MaxUnpool2d", _unpool_case(), _unpool),
]
NO_TORCH: dict[str, str] = {}
