"""The ONNX import's table: operator -> mapper, and what a mapper sees.

A leaf module: ``reader_ops`` fills the table with ``@maps(...)``, ``reader`` reads it,
and neither imports the other's back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from onnx import NodeProto

from netcanvas.formats.base import registrar


@dataclass
class Op:
    """One ONNX node as a mapper sees it."""

    node: NodeProto
    attrs: dict[str, Any]
    inputs: list[str]  # dynamic (non-constant) inputs, as tensor names
    consts: dict[int, np.ndarray[Any, Any]]  # constant inputs by position
    in_shapes: list[list[int] | None]
    out_shapes: list[list[int] | None]
    opset: int = 17
    # Constant inputs that are a learnable tensor of the file as it is (not computed from
    # one): a layer may then count it as its own parameters.
    learned: frozenset[int] = frozenset()

    def const(self, index: int) -> np.ndarray[Any, Any] | None:
        return self.consts.get(index)

    def has_input(self, index: int) -> bool:
        return len(self.node.input) > index and self.node.input[index] != ""


# A mapper returns (registry type, params) or None for "keep opaque".
Mapper = Callable[[Op], tuple[str, dict[str, Any]] | None]
MAPPERS: dict[str, Mapper] = {}


maps = registrar(MAPPERS)
