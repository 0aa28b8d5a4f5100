"""The machinery ONNX emitters share: a graph builder and the view one layer gets.

An emitter sees one :class:`Emit` (its validated params, input tensor names and
shapes, the output names it must produce) and writes ONNX nodes and initializers
through the :class:`Builder`. Weights are drawn from one seeded generator, so an
export is deterministic and the model runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from onnx import GraphProto, NodeProto, helper

from netcanvas.formats.base import UnsupportedError
from netcanvas.formats.frame import Step
from netcanvas.formats.names import Names
from netcanvas.formats.onnx.weights import Supply

SEED = 20240607


MAX_WEIGHT_BYTES = 2**31 - 2**26  # protobuf's 2 GiB, less room for the graph itself


@dataclass
class Builder:
    """Collects nodes and initializers; hands out unique tensor names."""

    nodes: list[NodeProto] = field(default_factory=list)
    # Initializers are written straight into the graph that will be saved: a VGG's
    # half-gigabyte of weights is then copied once, not once per protobuf hand-over.
    graph: GraphProto = field(default_factory=GraphProto)
    tensors: Names = field(default_factory=Names)
    node_names: Names = field(default_factory=Names)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(SEED))
    # Reshape targets keep the batch axis as 0 ("copy from input") when it is dynamic.
    dynamic_batch: bool = False
    weight_bytes: int = 0
    # The original tensors, when the graph carries them (an ONNX file read in this process).
    supply: Supply | None = None

    def name(self, hint: str) -> str:
        """A tensor name not used yet, from ``hint``."""
        return self.tensors.add(hint)

    def op(
        self,
        op_type: str,
        inputs: Sequence[str],
        outputs: Sequence[str] | None = None,
        *,
        name: str | None = None,
        **attrs: Any,
    ) -> list[str]:
        """Add one node; outputs default to one fresh tensor named after the op."""
        outs = list(outputs) if outputs is not None else [self.name(f"{name or op_type}_out")]
        node_name = self.node_names.add(name or op_type)
        clean = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=node_name, **clean))
        return outs

    def const(self, hint: str, array: np.ndarray[Any, Any]) -> str:
        name = self.name(hint)
        tensor = self.graph.initializer.add()
        tensor.name = name
        tensor.data_type = helper.np_dtype_to_tensor_dtype(array.dtype)
        tensor.dims.extend(array.shape)
        tensor.raw_data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        return name

    def _reserve(self, shape: Sequence[int]) -> None:
        """Refuse before allocating: an ONNX file holds at most 2 GB (protobuf's limit)."""
        self.weight_bytes += 4 * math.prod(shape)
        if self.weight_bytes > MAX_WEIGHT_BYTES:
            raise UnsupportedError(
                f"the weights need more than {MAX_WEIGHT_BYTES / 2**30:.0f} GB, "
                "past what one ONNX file can hold (protobuf's 2 GB limit)"
            )

    def ints(self, hint: str, values: Sequence[int]) -> str:
        return self.const(hint, np.asarray(list(values), dtype=np.int64))

    def floats(self, hint: str, values: Sequence[float] | float) -> str:
        return self.const(hint, np.asarray(values, dtype=np.float32))

    def weight(self, hint: str, shape: Sequence[int], fan_in: int, layout: str = "") -> str:
        """A learnable tensor: the original's when the graph carries it (``supply``, see
        weights.py; ``layout`` says how a matrix is stored), else uniform in
        ±1/sqrt(fan_in) as PyTorch initialises it."""
        self._reserve(shape)
        kept = self.supply.take(hint, shape, layout) if self.supply is not None else None
        if kept is not None:
            return self.const(hint, kept)
        bound = 1.0 / math.sqrt(max(fan_in, 1))
        # Drawn in float32 directly: VGG-sized layers have 100M weights.
        values = self.rng.random(tuple(shape), dtype=np.float32)
        values *= np.float32(2 * bound)
        values -= np.float32(bound)
        return self.const(hint, values)

    def fill(self, hint: str, shape: Sequence[int], value: float) -> str:
        self._reserve(shape)
        if self.supply is not None and self.supply.has(hint):
            kept = self.supply.take(hint, shape)
            if kept is not None:
                return self.const(hint, kept)
        return self.const(hint, np.full(tuple(shape), value, dtype=np.float32))


@dataclass(kw_only=True)
class Emit(Step):
    """What one emitter may look at for one layer: the shared context plus the builder."""

    b: Builder

    def hint(self, what: str) -> str:
        """A name for a helper tensor of this layer: ``conv1.weight``."""
        return f"{self.node.name}.{what}"

    def step(self, op_type: str, inputs: Sequence[str], what: str, **attrs: Any) -> str:
        """One internal node of this layer, named ``conv1/what``: its only output."""
        return self.b.op(op_type, inputs, name=f"{self.node.name}/{what}", **attrs)[0]

    def steps(
        self, op_type: str, inputs: Sequence[str], what: str, count: int, **attrs: Any
    ) -> list[str]:
        """One internal node with ``count`` outputs (``conv1/what_0``, ...)."""
        outs = [self.b.name(f"{self.node.name}/{what}_{k}") for k in range(count)]
        return self.b.op(op_type, inputs, outs, name=f"{self.node.name}/{what}", **attrs)

    def reshape_target(self, shape: Sequence[int]) -> list[int]:
        """A Reshape target; the batch axis is 0 ("keep") so a dynamic batch still fits."""
        dims = list(shape)
        if self.b.dynamic_batch and dims and self.shape and dims[0] == self.shape[0]:
            dims[0] = 0
        return dims

    def unsupported(self, why: str) -> UnsupportedError:
        return self.refuse(why)


Emitter = Callable[[Emit], None]
