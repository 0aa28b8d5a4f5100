"""Weights through an ONNX round trip: which of a node's inputs is which of a layer's
tensors (import), and handing them to the emitters (export).

The document holds no weights, so a file opened and written again in one process (``netcanvas
convert model.onnx -o out.onnx``) carries them through ``Graph.values``: ``tensors`` (name ->
value) and ``layers`` (layer -> ``{role: [tensor, layout]}``), where a role is the name the
layer's emitter gives the tensor (``weight``, ``bias``, ``running_mean``...) and a layout
says how a matrix is stored (``in_out`` as MatMul reads it, ``out_in`` as Gemm with transB).
The export asks for each tensor by role; one it cannot match exactly (a missing value, a
shape that differs other than by ones) is drawn fresh, and the layer is reported, so a
file is never silently half the original.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# ONNX operator -> {role: (input index, layout)} of the tensors the mapped layer holds.
_ROLES: dict[str, dict[str, tuple[int, str]]] = {
    "Conv": {"weight": (1, ""), "bias": (2, "")},
    "ConvTranspose": {"weight": (1, ""), "bias": (2, "")},
    "MatMul": {"weight": (1, "in_out")},
    "BatchNormalization": {
        "weight": (1, ""), "bias": (2, ""), "running_mean": (3, ""), "running_var": (4, ""),
    },
    "InstanceNormalization": {"weight": (1, ""), "bias": (2, "")},
    "LayerNormalization": {"weight": (1, ""), "bias": (2, "")},
    "PRelu": {"weight": (1, "")},
    # As ONNX stores them ([directions, gates x hidden, ...], ONNX's gate order): the
    # recurrent emitter asks for them so; PyTorch code reorders them (pytorch_state.py).
    **dict.fromkeys(("LSTM", "GRU", "RNN"), {
        "weight_ih_l0": (1, ""), "weight_hh_l0": (2, ""), "bias_l0": (3, "")}),
}  # fmt: skip


Roles = dict[str, tuple[int, str]]


def roles(op_type: str, attrs: dict[str, Any], ours: str, consts: dict[int, Any]) -> Roles:
    """The tensors of one ONNX node that the layer it became holds, by role."""
    if op_type == "Gemm":
        plain = attrs.get("alpha", 1.0) == 1.0 and attrs.get("beta", 1.0) == 1.0
        if attrs.get("transA", 0) or not plain:
            return {}
        return {"weight": (1, "out_in" if attrs.get("transB", 0) else "in_out"), "bias": (2, "")}
    if op_type == "Gather" and ours == "Embedding":
        return {"weight": (0, "")}
    if ours in ("Bias", "Scale") and len(consts) == 1:
        return {"bias" if ours == "Bias" else "weight": (next(iter(consts)), "")}
    return dict(_ROLES.get(op_type, {}))


def kept(
    inputs: Any, found: Roles, consts: dict[str, Any], values: dict[str, Any]
) -> dict[str, list[str]]:
    """``{role: [tensor, layout]}`` for the roles whose input is a constant of the file;
    each such value is put in ``values``."""
    out = {}
    for role, (index, layout) in found.items():
        tensor = inputs[index] if index < len(inputs) else ""
        if tensor and tensor in consts:
            out[role] = [tensor, layout]
            values[tensor] = consts[tensor]
    return out


def held_tensor(
    lifted: Any, tensor: str, consts: dict[str, Any], values: dict[str, Any]
) -> dict[str, list[str]]:
    """The roles of a ConstantTensor lifted from ``tensor`` (lift.py): its value, or for
    one read from a learned table both the table and what was read, so the export can
    find the index again."""
    if "table" not in lifted.params:
        return kept([tensor], {"value": (0, "")}, consts, values)
    if len(lifted.held) != 1:  # the table: their concatenation (lift.share_tables)
        if tensor not in consts:
            return {}
        values[tensor] = consts[tensor]
        return {"folded": [tensor, ""]}
    found = {"value": [lifted.held[0], ""], "folded": [tensor, ""]}
    if not all(name in consts for name, _ in found.values()):
        return {}
    values.update((name, consts[name]) for name, _ in found.values())
    return found


class Supply:
    """The original tensors of the layer being emitted, handed out by role."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.layer: dict[str, list[str]] = {}
        self.fresh: list[str] = []  # layers some tensor of which was drawn fresh
        self.node = ""
        self.missed = False

    def start(self, node: str, recorded: Any) -> None:
        self.node, self.missed = node, False
        self.layer = recorded if isinstance(recorded, dict) else {}

    def finish(self) -> None:
        if self.missed:
            self.fresh.append(self.node)

    def has(self, hint: str) -> bool:
        """True when the layer's original has a tensor for ``hint`` (a running mean)."""
        return hint.rsplit(".", 1)[-1] in self.layer

    def take(self, hint: str, shape: Any, layout: str = "") -> np.ndarray[Any, Any] | None:
        """The original tensor for ``hint`` (``layer.role``) shaped ``shape``, or None."""
        role = hint.rsplit(".", 1)[-1]
        entry = self.layer.get(role) or ["", ""]
        value = self.values.get(entry[0])
        if value is None:
            self.missed = True
            return None
        array = np.asarray(value, dtype=np.float32)
        stored = entry[1] if len(entry) > 1 else ""
        if layout and stored and layout != stored and array.ndim == 2:
            array = array.T
        if list(array.shape) != list(shape):
            # Only ones may differ (PReLU's [C, 1, 1] slope is torch's [C]).
            if [d for d in array.shape if d != 1] != [d for d in shape if d != 1]:
                self.missed = True
                return None
            array = array.reshape(shape)
        return np.ascontiguousarray(array)

    def index(self, hint: str, table: np.ndarray[Any, Any], count: int) -> list[int] | None:
        """Where each value of the tensor a table was read into (``hint``: ``layer.folded``)
        sits in the flat table: the fixed index a ConstantTensor with a ``table`` reads
        through, found again from the two tensors (exact, or None: then it is drawn fresh).
        A learned table's values are distinct; equal ones would be equal anyway."""
        entry = self.layer.get(hint.rsplit(".", 1)[-1]) or ["", ""]
        folded = self.values.get(entry[0])
        if folded is None:
            return None
        flat = np.asarray(table, dtype=np.float32).reshape(-1)
        wanted = np.asarray(folded, dtype=np.float32).reshape(-1)
        if wanted.size != count:
            return None
        order = np.argsort(flat, kind="stable")
        at = np.clip(np.searchsorted(flat[order], wanted), 0, flat.size - 1)
        found = order[at]
        if not np.array_equal(flat[found], wanted):
            self.missed = True
            return None
        return [int(i) for i in found]
