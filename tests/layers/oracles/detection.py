"""Detection oracles. torchvision (roi_pool, box ops) is not a dependency, so the SSD
and R-CNN box layers are checked by hand-computed rows in tests/formats/test_caffe.py
and by the SSD / Faster R-CNN corpus files."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats


@st.composite
def _normalize_case(draw: Any) -> Case:
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=2, max_size=4)))
    params = {
        "across_spatial": draw(st.booleans()),
        "channel_shared": draw(st.booleans()),
    }
    return params, [shape]


def _normalize(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    channels = shapes[0][1]
    scale = torch.nn.Parameter(torch.ones(1 if p["channel_shared"] else channels))
    module = torch.nn.ParameterList([scale])
    view = (1, -1, *([1] * (len(shapes[0]) - 2)))

    def run(x: Any) -> Any:
        dims = tuple(range(1, x.dim())) if p["across_spatial"] else (1,)
        norm = x.pow(2).sum(dim=dims, keepdim=True).sqrt() + 1e-10
        return x / norm * scale.reshape(view)

    return run, module, [floats(shapes[0])]


ORACLES = [Oracle("Normalize", _normalize_case(), _normalize)]
NO_TORCH = {
    "PriorBox": "SSD default boxes have no torch module (torchvision is not a dependency)",
    "DetectionOutput": "SSD decoding + NMS has no torch module; the row count is data-dependent",
    "ROIPooling": "torchvision.ops.roi_pool would be the oracle; torchvision is not a dependency",
    "Proposal": "Faster R-CNN's anchors + NMS: no torch module; the row count is data-dependent",
}
