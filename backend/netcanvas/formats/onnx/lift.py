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


def share_tables(
    graph: Any, learnable: dict[str, list[int]], consts: dict[str, Any], values: dict[str, Any]
) -> None:
    """Lifted tensors read from learned tensors that other lifted tensors read too share
    one table.

    The dynamo exporter stores Swin's window-mask fill values once and every shifted
    block's mask reads several of them, stage after stage, each stage's mask a few more
    (partial ties). Each tensor read through a fixed index from its own concatenation of
    them counted the shared ones again in every export, which ties only whole tensors:
    the PyTorch module held 490 parameters more than the file. So every lifted tensor of
    one group (connected by the tensors they read) reads through its index from the same
    table, the concatenation of all the group's tensors: the first holds it, the others
    tie to it (``tied_to``, written as ``self.b.value = self.a.value``). A table of several
    tensors is their concatenation (in ``values`` for the exports to carry)."""
    tables = [n for n in graph.nodes if n.type == "ConstantTensor" and "table" in n.params]
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for node in tables:
        held = node.meta.get("onnx_learnable", [])
        for tensor in held[1:]:
            parent[root(tensor)] = root(held[0])
    groups: dict[str, list[Any]] = {}
    for node in tables:
        if node.meta.get("onnx_learnable"):
            groups.setdefault(root(node.meta["onnx_learnable"][0]), []).append(node)
    for members in groups.values():
        union = sorted({t for n in members for t in n.meta["onnx_learnable"]})
        if (len(members) < 2 and len(union) < 2) or any(t not in learnable for t in union):
            continue
        whole = union[0] if len(union) == 1 else f"{members[0].name}/table"
        table = list(learnable[whole]) if len(union) == 1 else [sum(
            math.prod(learnable[t]) for t in union)]  # fmt: skip
        if len(union) > 1 and all(t in consts for t in union):
            values[whole] = np.concatenate([np.asarray(consts[t]).reshape(-1) for t in union])
        elif whole in consts:
            values[whole] = consts[whole]
        for node in members:
            node.params["table"] = table
            node.meta["onnx_learnable"] = union
            found = node.meta.get("onnx_weights")
            if found and "folded" in found and whole in values:
                found["value"] = [whole, ""]
