"""Normalisation oracles: torch.nn norm modules, built with the channels we infer."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import (
    Built,
    Case,
    Oracle,
    channels,
    floats,
    floats_like,
    inferred,
    maybe,
    placement,
    torch_kwargs,
)


def _dims(draw: Any, n: int, lo: int = 1) -> list[int]:
    return [draw(st.integers(lo, 6)) for _ in range(n)]


_EPS = st.sampled_from([1e-5, 1e-3, 0.1])
_FLAGS = {"eps": _EPS, "momentum": st.sampled_from([0.1, 0.5, None])}
# affine without bias (torch 2.1+) learns C parameters, not 2·C.
_AFFINE = {"affine": st.booleans(), "bias": st.booleans()}


@st.composite
def _batch_case(draw: Any, ranks: tuple[int, ...]) -> Case:
    rank = draw(st.sampled_from(ranks))
    # Two or more samples: torch refuses batch statistics of a single value.
    shape = (draw(st.integers(2, 4)), *_dims(draw, rank - 1))
    params = maybe(draw, {**_FLAGS, **_AFFINE, "track_running_stats": st.booleans()})
    return params | inferred(draw, "num_features", shape[1]) | placement(draw), [shape]


@st.composite
def _instance_case(draw: Any, rank: int) -> Case:
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 6)), *_dims(draw, rank, lo=2))
    params = maybe(draw, {**_FLAGS, **_AFFINE, "track_running_stats": st.booleans()})
    return params | inferred(draw, "num_features", shape[1]) | placement(draw), [shape]


def _with_channels(type_name: str):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        module = getattr(torch.nn, type_name)(**torch_kwargs(p))
        return module, module, [floats_like(shapes[0], p)]

    return build


@st.composite
def _trailing_case(draw: Any, with_bias: bool) -> Case:
    shape = (draw(st.integers(1, 3)), *_dims(draw, draw(st.integers(1, 3))))
    count = draw(st.integers(0, len(shape)))
    # None (our default: the last dim), a bare int, or a list of trailing dims.
    normalized: Any = list(shape[len(shape) - count :]) if count else None
    if count == 1 and draw(st.booleans()):
        normalized = shape[-1]
    settings = {"eps": _EPS, "elementwise_affine": st.booleans()}
    if with_bias:
        settings["bias"] = st.booleans()
    params = maybe(draw, settings) | placement(draw)
    if normalized is not None:
        params["normalized_shape"] = normalized
    return params, [shape]


def _trailing(type_name: str):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        kwargs = torch_kwargs(p)
        normalized = kwargs.pop("normalized_shape", shapes[0][-1])
        module = getattr(torch.nn, type_name)(normalized, **kwargs)
        return module, module, [floats_like(shapes[0], p)]

    return build


@st.composite
def _group_case(draw: Any) -> Case:
    groups = draw(st.integers(1, 4))
    shape = (draw(st.integers(1, 3)), groups * draw(st.integers(1, 3)))
    shape += tuple(_dims(draw, draw(st.integers(0, 2))))
    if math.prod(shape) == groups:  # one value per group: torch refuses it
        shape = (2, *shape[1:])
    params = {"num_groups": groups, **maybe(draw, {"eps": _EPS, **_AFFINE})}
    return params | inferred(draw, "num_channels", shape[1]) | placement(draw), [shape]


def _group(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.GroupNorm(**torch_kwargs(p))
    return module, module, [floats_like(shapes[0], p)]


@st.composite
def _lrn_case(draw: Any) -> Case:
    shape = (draw(st.integers(1, 3)), *_dims(draw, draw(st.integers(2, 4))))
    settings = {
        "alpha": st.sampled_from([1e-4, 1e-3]),
        "beta": st.sampled_from([0.5, 0.75]),
        "k": st.sampled_from([1.0, 2.0]),
    }
    return {"size": draw(st.integers(1, 5)), **maybe(draw, settings)}, [shape]


def _lrn(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.LocalResponseNorm(**p)
    return module, module, [floats(shapes[0])]


_FEATURES = channels("num_features")
ORACLES = [
    Oracle("BatchNorm1d", _batch_case((2, 3)), _with_channels("BatchNorm1d"), sizes=_FEATURES),
    Oracle("BatchNorm2d", _batch_case((4,)), _with_channels("BatchNorm2d"), sizes=_FEATURES),
    Oracle("BatchNorm3d", _batch_case((5,)), _with_channels("BatchNorm3d"), sizes=_FEATURES),
    Oracle("InstanceNorm1d", _instance_case(1), _with_channels("InstanceNorm1d"), sizes=_FEATURES),
    Oracle("InstanceNorm2d", _instance_case(2), _with_channels("InstanceNorm2d"), sizes=_FEATURES),
    Oracle("LayerNorm", _trailing_case(True), _trailing("LayerNorm")),
    Oracle("RMSNorm", _trailing_case(False), _trailing("RMSNorm")),
    Oracle("GroupNorm", _group_case(), _group, sizes=channels("num_channels")),
    Oracle("LocalResponseNorm", _lrn_case(), _lrn),
]
NO_TORCH: dict[str, str] = {}
