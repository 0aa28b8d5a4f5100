"""Loss oracles: torch.nn.CrossEntropyLoss and MSELoss on real logits and targets."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats

_REDUCTION = st.sampled_from(["mean", "sum", "none"])


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
    return params, [logits, *targets]


def _cross_entropy(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    logits = shapes[0]
    module = torch.nn.CrossEntropyLoss(**p)
    if len(shapes) == 2 and shapes[1] == logits:
        target = torch.softmax(floats(logits), dim=1)
    else:
        target = torch.randint(0, logits[1], (logits[0], *logits[2:]))
    # Without a target input in our graph, the oracle supplies the labels itself.
    return (lambda x, *_: module(x, target)), module, [floats(logits), target][: len(shapes)]


@st.composite
def _mse_case(draw: Any) -> Case:
    shape = tuple(draw(st.integers(1, 6)) for _ in range(draw(st.integers(1, 4))))
    params = {"reduction": draw(_REDUCTION)} if draw(st.booleans()) else {}
    return params, [shape, shape]


def _mse(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.MSELoss(**p)
    return module, module, [floats(shapes[0]), floats(shapes[1])]


ORACLES = [
    Oracle("CrossEntropyLoss", _cross_entropy_case(), _cross_entropy),
    Oracle("MSELoss", _mse_case(), _mse),
]
NO_TORCH: dict[str, str] = {
    "Accuracy": "torch.nn has no accuracy module (it is a metric: torchmetrics, Caffe's Accuracy)",
}
