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
    build: Callable[[dict[str, Any], list[tuple[int, ...]]], Built]
    # Compare MACs with FlopCounterMode / 2 (conv, linear, matmul, attention types).
    macs: bool = False


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
