"""The original weights of an imported model as a ``state_dict`` of its generated PyTorch
module (issue 18: ONNX -> PyTorch code keeps the weights).

An ONNX file read in this process carries its tensors and which layer holds which
(``Graph.values``, formats/onnx/weights.py). The roles the import records are torch's own
parameter and buffer names (``weight``, ``bias``, ``running_mean``, ``running_var``, a
held tensor's ``value``), so each becomes the key ``<module attribute>.<role>``, the
attribute being the one the code writer gives the layer (``pytorch_writer.plan``):

- a Linear's weight is stored [out, in] as torch keeps it (a MatMul's [in, out] is
  transposed);
- a ConstantTensor read from a learned table through a fixed index (``HeldTensor`` with a
  ``table``) gets its ``index`` buffer found again from the table and what was read;
- tied layers (``Plan.ties``) get the holder's tensor under their own names too (the same
  tensor object, so torch.save stores it once and either key loads it);
- a tensor whose shape differs from the module's only by ones (PReLU's [C, 1, 1] slope)
  is reshaped;
- a recurrent layer's tensors (ONNX: one per kind, both directions, gates in ONNX's
  order, both biases in one) become torch's, gates reordered.

With torch importable the module is built on the meta device to check every key and
shape; a layer with a tensor the file cannot give (a key the module does not have, a
shape that does not fit: a Gemm's one-value bias) is left out whole and named in
``fresh``: it keeps its fresh initialisation. ``encode`` writes the dict with
``torch.save`` (``.pt``), or as a NumPy ``.npz`` when torch is not importable; the
generated code's ``load_weights`` reads either.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from netcanvas.formats.onnx.weights import Supply

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis
    from netcanvas.formats.code.pytorch_writer import Plan
    from netcanvas.graph.model import Graph

Array = np.ndarray[Any, Any]

# Buffers torch keeps that no file holds and that do not change the outputs.
_BOOKKEEPING = ("num_batches_tracked",)


@dataclass
class State:
    """A state_dict (key -> array) and the layers left freshly initialised."""

    arrays: dict[str, Array] = field(default_factory=dict)
    fresh: list[str] = field(default_factory=list)


def collect(graph: Graph, analysis: Analysis | None = None) -> State | None:
    """The original weights under the generated module's names, or None when the graph
    carries no tensor values (a document, or a file of a format without weights)."""
    from netcanvas.formats.code.pytorch_writer import check_exportable, plan

    if not graph.values or not graph.values.get("layers"):
        return None
    analysis = check_exportable(graph, analysis)
    p = plan(graph, analysis)
    tensors: dict[str, Any] = graph.values.get("tensors", {})
    layers: dict[str, Any] = graph.values.get("layers", {})
    nodes = {n.name: n for n in graph.nodes}
    tied = {a: b for a, b, _ in p.ties}  # tied layer -> the one holding its tensors
    expected = _expected_shapes(p)
    state = State()
    by_ident: dict[str, dict[str, Array]] = {}
    for line in p.lines:
        node = nodes[line.node]
        if not line.module:  # a layer with tensors and no module would lose them
            if layers.get(line.node) and analysis[node.name].params:
                state.fresh.append(line.node)
            continue
        if line.ident in tied:
            continue
        found = _layer(node.type, node.params, layers.get(line.node), tensors)
        if found is None or not _fits(line.ident, found, expected):
            if found is not None or _holds_tensors(line.ident, expected, analysis[node.name]):
                state.fresh.append(line.node)
            continue
        by_ident[line.ident] = found
    for line in p.lines:  # tied layers read their holder's tensors
        holder = tied.get(line.ident)
        if holder is None:
            continue
        shared = by_ident.get(holder)
        if shared is None:
            state.fresh.append(line.node)
            continue
        what = next(w for a, _, w in p.ties if a == line.ident)
        node = nodes[line.node]
        own = _layer(node.type, node.params, layers.get(line.node), tensors)
        if what and what not in shared:
            state.fresh.append(line.node)
            continue
        found = {**(own or {}), what: shared[what]} if what else dict(shared)
        if not _fits(line.ident, found, expected):
            state.fresh.append(line.node)
            continue
        by_ident[line.ident] = found
    for ident, found in by_ident.items():
        for role, array in found.items():
            key = f"{ident}.{role}"
            want = expected.get(key) if expected is not None else None
            fixed = want is None or tuple(array.shape) == want
            state.arrays[key] = array if fixed else array.reshape(want)
    return state


def _layer(
    kind: str, params: dict[str, Any], recorded: Any, tensors: dict[str, Any]
) -> dict[str, Array] | None:
    """One layer's tensors by torch name, or None when it records none."""
    if not isinstance(recorded, dict) or not recorded:
        return None
    supply = Supply(tensors)
    supply.start("layer", recorded)
    out: dict[str, Array] = {}
    for role, entry in recorded.items():
        if role == "folded":
            continue
        value = tensors.get(entry[0]) if isinstance(entry, list) and entry else None
        if value is None:
            return None
        array = np.asarray(value)
        array = array.astype(np.float32) if np.issubdtype(array.dtype, np.floating) else array
        stored = entry[1] if len(entry) > 1 else ""
        if kind == "Linear" and role == "weight" and stored == "in_out" and array.ndim == 2:
            array = array.T  # torch's Linear keeps [out, in]
        out[role] = array
    if kind in _GATES:
        return _recurrent(kind, out)
    if "folded" in recorded:  # a table read through a fixed index: find the index again
        table = out.get("value")
        shape = params.get("shape")
        if table is None or not isinstance(shape, list):
            return None
        index = supply.index("layer.folded", table, math.prod(shape))
        if index is None:
            return None
        out["index"] = np.asarray(index, dtype=np.int64)
    return out


# ONNX's gate blocks in torch's order: LSTM i o f c -> i f g o; GRU z r h -> r z n.
_GATES = {"LSTM": [0, 2, 3, 1], "GRU": [1, 0, 2], "RNN": [0]}


def _recurrent(kind: str, onnx: dict[str, Array]) -> dict[str, Array] | None:
    """An imported recurrent layer's tensors (one ONNX op: W, R, B per direction) as
    torch's: gates reordered, the bias split into its input and hidden halves, the second
    direction ``_reverse``."""
    w, r, bias = (onnx.get(k) for k in ("weight_ih_l0", "weight_hh_l0", "bias_l0"))
    if w is None or r is None or w.ndim != 3 or r.ndim != 3:
        return None
    order = _GATES[kind]
    hidden = r.shape[-1]

    def gates(array: Array) -> Array:
        blocks = array.reshape(len(order), hidden, *array.shape[1:])
        return np.ascontiguousarray(blocks[order].reshape(array.shape))

    out: dict[str, Array] = {}
    for d in range(w.shape[0]):
        end = "_reverse" if d else ""
        out[f"weight_ih_l0{end}"] = gates(w[d])
        out[f"weight_hh_l0{end}"] = gates(r[d])
        if bias is not None:
            halves = bias[d].reshape(2, -1)
            out[f"bias_ih_l0{end}"], out[f"bias_hh_l0{end}"] = gates(halves[0]), gates(halves[1])
    return out


def _expected_shapes(p: Plan) -> dict[str, tuple[int, ...]] | None:
    """Every key of the module's state_dict and its shape (built on the meta device, no
    memory for the values), or None without torch."""
    try:
        import torch

        from netcanvas.train.builder import build_from_plan
    except ImportError:
        return None
    with torch.device("meta"):
        module = build_from_plan(p)
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def _fits(ident: str, found: dict[str, Array], expected: dict[str, Any] | None) -> bool:
    """Every tensor of the layer is one of its module's, of its shape or the same but for
    ones, and the module has no other tensor the file would leave fresh."""
    if expected is None:
        return True
    for role, array in found.items():
        want = expected.get(f"{ident}.{role}")
        if want is None:
            return False
        if tuple(array.shape) != want:
            if [d for d in array.shape if d != 1] != [d for d in want if d != 1]:
                return False
    own = [k for k in expected if k.startswith(f"{ident}.") and "." not in k[len(ident) + 1 :]]
    return all(k.rsplit(".", 1)[1] in found or k.endswith(_BOOKKEEPING) for k in own)


def _holds_tensors(ident: str, expected: dict[str, Any] | None, result: Any) -> bool:
    """True when a layer the file gave no tensors holds some (so it stays fresh): without
    torch, when it has parameters."""
    if expected is None:
        return bool(result.params)
    prefix = f"{ident}."
    return any(k.startswith(prefix) and not k.endswith(_BOOKKEEPING) for k in expected)


class StateFile(NamedTuple):
    """The file written beside the code: its bytes, its suffix (``.pt`` or ``.npz``) and
    the layers it leaves freshly initialised."""

    data: bytes
    suffix: str
    fresh: list[str]


def state_file(graph: Graph, analysis: Analysis | None = None) -> StateFile | None:
    """The original weights as a file for the generated code, or None when the graph
    carries none."""
    state = collect(graph, analysis)
    if state is None:
        return None
    data, suffix = encode(state.arrays)
    return StateFile(data, suffix, state.fresh)


def encode(arrays: dict[str, Array]) -> tuple[bytes, str]:
    """The state_dict as a file: ``torch.save`` (``.pt``) when torch is importable, else
    ``numpy.savez`` (``.npz``). Keys holding the same array share one tensor."""
    buffer = io.BytesIO()
    try:
        import torch
    except ImportError:
        named: dict[str, Any] = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
        np.savez(buffer, **named)
        return buffer.getvalue(), ".npz"
    torch.save(to_tensors(arrays), buffer)
    return buffer.getvalue(), ".pt"


def to_tensors(arrays: dict[str, Array]) -> dict[str, Any]:
    """The arrays as torch tensors (copies: the file's are read-only views); keys holding
    the same array share one tensor."""
    import torch

    made: dict[int, Any] = {}
    state = {}
    for key, array in arrays.items():
        if id(array) not in made:
            made[id(array)] = torch.from_numpy(np.array(array, copy=True))
        state[key] = made[id(array)]
    return state
