"""PyTorch oracles per layer family.

Each family module lists ``ORACLES`` (a type, a hypothesis strategy drawing valid
settings and input shapes, a builder returning the real torch callable, its module
and input tensors) and ``NO_TORCH`` (types without a torch equivalent, with why).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from netcanvas.layers import FAMILIES

Case = tuple[dict[str, Any], list[tuple[int, ...]]]  # params, input shapes
Built = tuple[Callable[..., Any], Any, list[Any]]  # fn, module (or None), inputs


@dataclass(frozen=True)
class Oracle:
    type: str
    cases: st.SearchStrategy[Case]
    # Builds the torch callable from our settings (every one of them, the sizes read
    # from the input included: the test fills in those the case leaves out).
    build: Callable[[dict[str, Any], list[tuple[int, ...]]], Built]
    # Compare MACs with FlopCounterMode / 2 (conv, linear, matmul, attention types).
    macs: bool = False
    # The sizes torch's constructor asks for and we read from the input (in_channels,
    # d_model...): their right values for these input shapes.
    sizes: Callable[[list[tuple[int, ...]]], dict[str, int]] | None = None


def channels(name: str) -> Callable[[list[tuple[int, ...]]], dict[str, int]]:
    """``name`` is dim 1 of the first input (in_channels, num_features...)."""
    return lambda shapes: {name: shapes[0][1]}


def last(name: str) -> Callable[[list[tuple[int, ...]]], dict[str, int]]:
    """``name`` is the last dim of the first input (in_features, input_size, d_model)."""
    return lambda shapes: {name: shapes[0][-1]}


def inferred(draw: Any, name: str, right: int) -> dict[str, Any]:
    """A size as PyTorch code spells it: left out, right, or wrong (an error of ours)."""
    # Mostly left out or right, so a layer with three sizes (attention) still often runs.
    choice = draw(st.sampled_from(["absent", "absent", "right", "right", "wrong"]))
    if choice == "absent":
        return {}
    return {name: right if choice == "right" else right + draw(st.integers(1, 3))}


def placement(draw: Any) -> dict[str, Any]:
    """torch's device / dtype: left out or given (float64 runs on float64 inputs)."""
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["device"] = "cpu"
    dtype = draw(st.sampled_from([None, "float32", "float64", "torch.float64", "double"]))
    if dtype is not None:
        out["dtype"] = dtype
    return out


def maybe(draw: Any, settings: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """Each setting drawn or left to its default."""
    return {k: draw(v) for k, v in settings.items() if draw(st.booleans())}


def torch_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """Our settings as torch's constructor takes them: dtype names as torch dtypes, lists
    of class weights as tensors."""
    import torch

    out = dict(params)
    if isinstance(out.get("dtype"), str):
        out["dtype"] = getattr(torch, out["dtype"].removeprefix("torch."))
    for key in ("weight", "pos_weight"):
        if isinstance(out.get(key), list):
            out[key] = torch.tensor(out[key])
    return out


def floats_like(shape: Sequence[int], params: dict[str, Any]) -> Any:
    """A random input in the precision of the layer's parameters."""
    value = floats(shape)
    dtype = torch_kwargs(params).get("dtype")
    return value.to(dtype) if dtype is not None else value


# One oracle module per layer family, named like it.
FAMILY_MODULES = FAMILIES


def collect() -> tuple[dict[str, Oracle], dict[str, str]]:
    oracles: dict[str, Oracle] = {}
    no_torch: dict[str, str] = {}
    for family in FAMILY_MODULES:
        module = importlib.import_module(f"tests.layers.oracles.{family}")
        for oracle in module.ORACLES:
            assert oracle.type not in oracles, f"{oracle.type} listed twice"
            oracles[oracle.type] = oracle
        no_torch.update(module.NO_TORCH)
    return oracles, no_torch


def floats(shape: Sequence[int]) -> Any:
    import torch

    return torch.randn(*shape)


def sizes(lo: int, hi: int, n: int) -> st.SearchStrategy[tuple[int, ...]]:
    return st.tuples(*[st.integers(lo, hi)] * n)
