"""Input / Output / Identity oracles."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Oracle, floats

_any_shape = st.lists(st.integers(1, 6), min_size=1, max_size=5).map(lambda s: [tuple(s)])


def _identity(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.Identity()
    return module, module, [floats(shapes[0])]


ORACLES = [
    Oracle("Identity", st.tuples(st.just({}), _any_shape), _identity),
    Oracle("Output", st.tuples(st.just({}), _any_shape), _identity),
]
NO_TORCH = {"Input": "a graph source: its shape is what the document declares"}
