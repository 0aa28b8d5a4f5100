"""A constant operand of a merge, lifted out as a layer of its own.

Transformers add and concatenate tensors the network holds rather than computes: ViT's
class token (``Concat``), BERT's and GPT-2's position table (``Add`` of a constant
``Gather``), Swin's relative position bias and shifted-window mask, a causal mask. In the
file these are constants folded from initializers; kept inside an opaque operator they
cannot be exported. Lifted, each is a ``ConstantTensor`` feeding the registry's ``Add``,
``Multiply``, ``Subtract`` or ``Concat``, so the model exports to ONNX and PyTorch.

A lifted tensor is learned when it comes from learnable tensors of the file: as it is (the
class token, a position table read in full), or read from them through a fixed index (a
relative position bias table gathered into a bigger tensor: ``table`` is then the learned
shape), so the totals and every export hold exactly the parameters the file holds. One
computed from no learnable tensor (a mask) is fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from netcanvas.formats.onnx.reader_table import Op

MERGES = {"Add": "Add", "Mul": "Multiply", "Sub": "Subtract"}


@dataclass
class Lifted:
    """One constant operand: where it sits among the inputs, and its layer's settings."""

    index: int
    hint: str
    params: dict[str, Any]
    held: list[str]  # the learnable tensors of the file it was computed from


def lift(
    op: Op, origin: dict[str, frozenset[str]], learnable: dict[str, list[int]]
) -> tuple[str, dict[str, Any], list[Lifted]] | None:
    """The merge and its lifted operands, or None when this node is not such a merge."""
    kind = op.node.op_type
    if op.node.domain not in ("", "ai.onnx") or not op.inputs or not op.consts:
        return None
    if kind in MERGES:
        if len(op.node.input) != 2:
            return None
        merge: tuple[str, dict[str, Any]] = (MERGES[kind], {})
    elif kind == "Concat" and isinstance(op.attrs.get("axis"), int):
        merge = ("Concat", {"dim": op.attrs["axis"]})
    else:
        return None
    lifted = []
    for index, value in sorted(op.consts.items()):
        if not np.issubdtype(value.dtype, np.floating) or value.ndim == 0 or value.size == 0:
            return None
        held = sorted(origin.get(op.node.input[index], frozenset()))
        sizes = [math.prod(learnable.get(h, [0])) for h in held]
        hint = held[0] if len(held) == 1 else f"{op.node.name or kind}/constant"
        params: dict[str, Any] = {"shape": [int(d) for d in value.shape], "learnable": bool(held)}
        if held and sizes != [value.size]:
            # Computed from learned tensors (a gathered bias table): those are its parameters.
            params["table"] = list(learnable[held[0]]) if len(held) == 1 else [sum(sizes)]
        lifted.append(Lifted(index, hint, params, held))
    return merge[0], merge[1], lifted
