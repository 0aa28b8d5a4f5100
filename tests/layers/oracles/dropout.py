"""Dropout oracles: torch.nn dropout modules, on the ranks torch accepts silently."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats, maybe

# Input ranks per type: batched (and, for Dropout1d, torch's unbatched [C, L]).
_RANKS: dict[str, tuple[int, ...]] = {
    "Dropout": (1, 2, 3, 4, 5),
    "AlphaDropout": (1, 2, 3, 4),
    "Dropout1d": (2, 3),
    "Dropout2d": (4,),
    "Dropout3d": (5,),
}


@st.composite
def _case(draw: Any, type_name: str) -> Case:
    rank = draw(st.sampled_from(_RANKS[type_name]))
    shape = tuple(draw(st.integers(1, 6)) for _ in range(rank))
    params = maybe(draw, {"p": st.floats(0.0, 0.99), "inplace": st.booleans()})
    return params, [shape]


def _build(type_name: str):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        module = getattr(torch.nn, type_name)(**p)
        return module, module, [floats(shapes[0])]

    return build


ORACLES = [Oracle(t, _case(t), _build(t)) for t in _RANKS]
NO_TORCH: dict[str, str] = {}
