"""Activation oracles: the torch.nn activation module of the same name."""

from __future__ import annotations

import warnings
from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats_like, maybe, placement, torch_kwargs


def _shape(draw: Any, min_rank: int = 1) -> tuple[int, ...]:
    rank = draw(st.integers(min_rank, 4))
    return tuple(draw(st.integers(1, 8)) for _ in range(rank))


def _real(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


_INPLACE = {"inplace": st.booleans()}
# Settings per type: a strategy for each parameter (all optional in our schema).
_SETTINGS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "ReLU": _INPLACE,
    "ReLU6": _INPLACE,
    "LeakyReLU": {"negative_slope": _real(-1.0, 1.0), **_INPLACE},
    "ELU": {"alpha": _real(-2.0, 2.0), **_INPLACE},
    "SELU": _INPLACE,
    "CELU": {"alpha": st.one_of(_real(0.1, 3.0), _real(-3.0, -0.1)), **_INPLACE},
    "GELU": {"approximate": st.sampled_from(["none", "tanh"])},
    "SiLU": _INPLACE,
    "Mish": _INPLACE,
    "Sigmoid": {},
    "Tanh": {},
    "Hardswish": _INPLACE,
    "Hardsigmoid": _INPLACE,
    "Softplus": {"beta": _real(0.1, 5.0), "threshold": _real(1.0, 30.0)},
    "Softsign": {},
}


@st.composite
def _plain_case(draw: Any, type_name: str) -> Case:
    params = {k: draw(v) for k, v in _SETTINGS[type_name].items() if draw(st.booleans())}
    return params, [_shape(draw)]


@st.composite
def _hardtanh_case(draw: Any) -> Case:
    low = draw(_real(-3.0, 2.0))
    # Either spelling: torch's deprecated min_value / max_value win when given.
    names = draw(st.sampled_from([("min_val", "max_val"), ("min_value", "max_value")]))
    params = {names[0]: low, names[1]: low + draw(_real(0.1, 3.0))}
    return params | maybe(draw, _INPLACE), [_shape(draw)]


@st.composite
def _prelu_case(draw: Any) -> Case:
    shape = _shape(draw)
    channels = shape[1] if len(shape) >= 2 else 1
    params: dict[str, Any] = {"num_parameters": draw(st.sampled_from([1, channels]))}
    if draw(st.booleans()):
        params["init"] = draw(_real(0.0, 0.5))
    return params | placement(draw), [shape]


@st.composite
def _softmax_case(draw: Any) -> Case:
    shape = _shape(draw)
    rank = len(shape)
    return {"dim": draw(st.integers(-rank, rank - 1))}, [shape]


def _build(type_name: str):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        # Hardtanh's min_value / max_value still work, with a FutureWarning.
        with warnings.catch_warnings(action="ignore", category=FutureWarning):
            module = getattr(torch.nn, type_name)(**torch_kwargs(p))
        return module, module, [floats_like(shapes[0], p)]

    return build


ORACLES = [Oracle(t, _plain_case(t), _build(t)) for t in _SETTINGS] + [
    Oracle("Hardtanh", _hardtanh_case(), _build("Hardtanh")),
    Oracle("PReLU", _prelu_case(), _build("PReLU")),
    Oracle("Softmax", _softmax_case(), _build("Softmax")),
    Oracle("LogSoftmax", _softmax_case(), _build("LogSoftmax")),
]
NO_TORCH: dict[str, str] = {}
