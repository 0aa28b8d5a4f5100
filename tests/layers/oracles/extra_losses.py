"""Oracles for the extra losses: torch.nn.BCEWithLogitsLoss."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats


@st.composite
def _bce_case(draw: Any) -> Case:
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    params = {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}
    return params, [shape, shape]


def _bce(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.BCEWithLogitsLoss(**p)
    return module, module, [floats(shapes[0]), torch.rand(shapes[1])]


ORACLES = [Oracle("BCEWithLogitsLoss", _bce_case(), _bce)]
NO_TORCH = {"ContrastiveLoss": "torch has no contrastive (siamese margin) loss module"}
