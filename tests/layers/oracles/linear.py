"""Linear and Embedding oracles."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats


@st.composite
def _linear_case(draw: Any) -> Case:
    lead = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    features = draw(st.integers(1, 64))
    params: dict[str, Any] = {"out_features": draw(st.integers(1, 64)), "bias": draw(st.booleans())}
    if draw(st.booleans()):
        params["in_features"] = features
    return params, [(*lead, features)]


def _linear(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.Linear(p.get("in_features") or shapes[0][-1], p["out_features"], p["bias"])
    return module, module, [floats(shapes[0])]


@st.composite
def _embedding_case(draw: Any) -> Case:
    num = draw(st.integers(1, 100))
    params = {
        "num_embeddings": num,
        "embedding_dim": draw(st.integers(1, 32)),
        "padding_idx": draw(st.one_of(st.none(), st.integers(0, num - 1))),
    }
    return params, [tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))]


def _embedding(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.Embedding(**p)
    return module, module, [torch.randint(0, p["num_embeddings"], shapes[0])]


ORACLES = [
    Oracle("Linear", _linear_case(), _linear, macs=True),
    Oracle("Embedding", _embedding_case(), _embedding),
]
NO_TORCH: dict[str, str] = {}
