"""Loss oracles: torch.nn.CrossEntropyLoss and MSELoss on real logits and targets."""

from __future__ import annotations

import warnings
from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats, maybe, torch_kwargs

_REDUCTION = st.sampled_from(["mean", "sum", "none"])
# torch's deprecated flags: when either is given it decides the reduction.
LEGACY = {"size_average": st.booleans(), "reduce": st.booleans()}


def loss(cls: Any, p: dict[str, Any]) -> Any:
    """The torch loss built with our settings (the deprecated flags warn: expected)."""
    with warnings.catch_warnings(action="ignore", category=UserWarning):
        return cls(**torch_kwargs(p))


@st.composite
def _cross_entropy_case(draw: Any) -> Case:
    logits = tuple(draw(st.integers(1, 5)) for _ in range(draw(st.integers(2, 4))))
    per_element = (logits[0], *logits[2:])
    # No target (the label left out of the drawing), class indices or probabilities.
    targets = draw(st.sampled_from([[], [per_element], [logits]]))
    params: dict[str, Any] = {"reduction": draw(_REDUCTION)}
    if draw(st.booleans()):
        params["label_smoothing"] = draw(st.sampled_from([0.0, 0.1, 0.5]))
    if draw(st.booleans()):
        # torch refuses a class to ignore (>= 0) with probability targets.
        low = -2 if targets == [logits] else 0
        params["ignore_index"] = draw(st.integers(low, -1 if low < 0 else logits[1] - 1))
    if draw(st.booleans()):
        params["weight"] = [draw(st.sampled_from([0.5, 1.0, 2.0])) for _ in range(logits[1])]
    return params | maybe(draw, LEGACY), [logits, *targets]


def _cross_entropy(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    logits = shapes[0]
    module = loss(torch.nn.CrossEntropyLoss, p)
    if len(shapes) == 2 and shapes[1] == logits:
        target = torch.softmax(floats(logits), dim=1)
    else:
        target = torch.randint(0, logits[1], (logits[0], *logits[2:]))
    # Without a target input in our graph, the oracle supplies the labels itself.
    return (lambda x, *_: module(x, target)), module, [floats(logits), target][: len(shapes)]


@st.composite
def _mse_case(draw: Any) -> Case:
    shape = tuple(draw(st.integers(1, 6)) for _ in range(draw(st.integers(1, 4))))
    return maybe(draw, {"reduction": _REDUCTION, **LEGACY}), [shape, shape]


def _mse(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = loss(torch.nn.MSELoss, p)
    return module, module, [floats(shapes[0]), floats(shapes[1])]


ORACLES = [
    Oracle("CrossEntropyLoss", _cross_entropy_case(), _cross_entropy),
    Oracle("MSELoss", _mse_case(), _mse),
]
NO_TORCH: dict[str, str] = {
    "Accuracy": "torch.nn has no accuracy module (it is a metric: torchmetrics, Caffe's Accuracy)",
}
