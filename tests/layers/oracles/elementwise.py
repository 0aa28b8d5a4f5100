"""Elementwise oracles: torch functions for Power/Exp/Log/Abs/BinaryThreshold, and
small modules holding exactly the tensors Caffe's Scale and Bias learn."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats

_shape = st.lists(st.integers(1, 6), min_size=1, max_size=5).map(tuple)
_real = st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 2))


def _pointwise(fn: Any) -> Any:
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        return (lambda x: fn(p, x)), None, [floats(shapes[0])]

    return build


def _power(p: dict[str, Any], x: Any) -> Any:
    import torch

    return torch.pow(p["shift"] + p["scale"] * x, p["power"])


def _exp(p: dict[str, Any], x: Any) -> Any:
    import torch

    base = math.e if p["base"] == -1 else p["base"]
    return torch.pow(torch.tensor(base), p["shift"] + p["scale"] * x)


def _log(p: dict[str, Any], x: Any) -> Any:
    import torch

    base = math.e if p["base"] == -1 else p["base"]
    return torch.log(p["shift"] + p["scale"] * x) / math.log(base)


def _threshold(p: dict[str, Any], x: Any) -> Any:
    return (x > p["threshold"]).float()


_base = st.sampled_from([-1.0, 2.0, 10.0])
_power_case = st.tuples(
    st.fixed_dictionaries(
        {"power": st.sampled_from([1.0, 2.0, 0.5]), "scale": _real, "shift": _real}
    ),
    _shape.map(lambda s: [s]),
)
_explog_case = st.tuples(
    st.fixed_dictionaries({"base": _base, "scale": _real, "shift": _real}),
    _shape.map(lambda s: [s]),
)


@st.composite
def _affine_case(draw: Any, scale: bool) -> Case:
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=2, max_size=4)))
    axis = draw(st.integers(0, len(shape) - 1))
    num_axes = draw(st.integers(1, len(shape) - axis))  # an Input cannot be a scalar
    params: dict[str, Any] = {"axis": axis, "num_axes": num_axes}
    if scale:
        params["bias"] = draw(st.booleans())
    shapes = [shape]
    if draw(st.booleans()):
        shapes.append(shape[axis : axis + num_axes])
    if draw(st.booleans()) and axis > 0:
        params["axis"] = axis - len(shape)  # negative axes count from the end
    return params, shapes


def _affine(scale: bool) -> Any:
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        shape = shapes[0]
        axis = p["axis"] % len(shape)
        covered = shape[axis : axis + p["num_axes"]]
        view = (*covered, *([1] * (len(shape) - axis - len(covered))))
        module = torch.nn.Module()
        two = len(shapes) == 2
        if scale and not two:
            module.weight = torch.nn.Parameter(torch.randn(covered))
        # Scale learns a bias only when asked; Bias learns one unless it is given.
        if (scale and p.get("bias")) or (not scale and not two):
            module.bias = torch.nn.Parameter(torch.randn(covered))

        def run(x: Any, *rest: Any) -> Any:
            factor = rest[0] if rest else getattr(module, "weight", None)
            if scale:
                out = x * factor.reshape(view)
                return out + module.bias.reshape(view) if p.get("bias") else out
            return x + (factor if rest else module.bias).reshape(view)

        return run, module, [torch.randn(s) for s in shapes]

    return build


ORACLES = [
    Oracle("Power", _power_case, _pointwise(_power)),
    Oracle("Exp", _explog_case, _pointwise(_exp)),
    Oracle("Log", _explog_case, _pointwise(_log)),
    Oracle(
        "Abs", st.tuples(st.just({}), _shape.map(lambda s: [s])), _pointwise(lambda p, x: x.abs())
    ),
    Oracle(
        "BinaryThreshold",
        st.tuples(st.fixed_dictionaries({"threshold": _real}), _shape.map(lambda s: [s])),
        _pointwise(_threshold),
    ),
    Oracle("Scale", _affine_case(True), _affine(True)),
    Oracle("Bias", _affine_case(False), _affine(False)),
]
NO_TORCH: dict[str, str] = {}
