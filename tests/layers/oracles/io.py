"""Input / ConstantTensor / Output / Identity oracles."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Oracle, floats

_any_shape = st.lists(st.integers(1, 6), min_size=1, max_size=5).map(lambda s: [tuple(s)])


def _identity(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.Identity()
    return module, module, [floats(shapes[0])]


def _constant(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.Module()
    table = p.get("table")
    value = torch.zeros(table or p["shape"])
    if p["learnable"]:
        module.value = torch.nn.Parameter(value)
    else:
        module.register_buffer("value", value)
    if table is None:
        return lambda: module.value, module, []
    # A table read through a fixed index (Swin's relative position bias).
    size = 1
    for d in p["shape"]:
        size *= d
    index = torch.arange(size) % value.numel()
    return lambda: module.value.reshape(-1)[index].reshape(p["shape"]), module, []


_dims = st.lists(st.integers(1, 6), min_size=1, max_size=4)
_constant_case = st.tuples(
    st.fixed_dictionaries({"shape": _dims, "learnable": st.booleans()}, optional={"table": _dims}),
    st.just([]),
)

ORACLES = [
    Oracle("ConstantTensor", _constant_case, _constant),
    Oracle("Identity", st.tuples(st.just({}), _any_shape), _identity),
    Oracle("Output", st.tuples(st.just({}), _any_shape), _identity),
]
NO_TORCH = {"Input": "a graph source: its shape is what the document declares"}
