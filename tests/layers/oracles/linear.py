"""Linear and Embedding oracles."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import (
    Built,
    Case,
    Oracle,
    floats_like,
    inferred,
    last,
    maybe,
    placement,
    torch_kwargs,
)


@st.composite
def _linear_case(draw: Any) -> Case:
    lead = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    features = draw(st.integers(1, 64))
    params: dict[str, Any] = {"out_features": draw(st.integers(1, 64)), "bias": draw(st.booleans())}
    params.update(inferred(draw, "in_features", features))
    params.update(placement(draw))
    return params, [(*lead, features)]


def _linear(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.Linear(**torch_kwargs(p))
    return module, module, [floats_like(shapes[0], p)]


@st.composite
def _embedding_case(draw: Any) -> Case:
    num = draw(st.integers(1, 100))
    params = {
        "num_embeddings": num,
        "embedding_dim": draw(st.integers(1, 32)),
        "padding_idx": draw(st.one_of(st.none(), st.integers(0, num - 1))),
    }
    extras = {
        "max_norm": st.sampled_from([0.5, 1.0, 3.0]),
        "norm_type": st.sampled_from([1.0, 2.0, 3.5]),
        "scale_grad_by_freq": st.booleans(),
        "sparse": st.booleans(),
    }
    params.update(maybe(draw, extras) | placement(draw))
    return params, [tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))]


def _embedding(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.Embedding(**torch_kwargs(p))
    return module, module, [torch.randint(0, p["num_embeddings"], shapes[0])]


ORACLES = [
    Oracle("Linear", _linear_case(), _linear, macs=True, sizes=last("in_features")),
    Oracle("Embedding", _embedding_case(), _embedding),
]
NO_TORCH: dict[str, str] = {}
