"""Oracles for the extra losses: torch.nn.BCEWithLogitsLoss."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats, maybe
from tests.layers.oracles.losses import LEGACY, loss


@st.composite
def _bce_case(draw: Any) -> Case:
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    params: dict[str, Any] = {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}
    for key in ("weight", "pos_weight"):  # broadcast over the last dim: 1 value or one each
        if draw(st.booleans()):
            count = draw(st.sampled_from([1, shape[-1]]))
            params[key] = [draw(st.sampled_from([0.5, 1.0, 3.0])) for _ in range(count)]
    return params | maybe(draw, LEGACY), [shape, shape]


def _bce(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = loss(torch.nn.BCEWithLogitsLoss, p)
    return module, module, [floats(shapes[0]), torch.rand(shapes[1])]


ORACLES = [Oracle("BCEWithLogitsLoss", _bce_case(), _bce)]
NO_TORCH = {"ContrastiveLoss": "torch has no contrastive (siamese margin) loss module"}
