"""One pass over an ONNX graph that settles every tensor it can: constants and types.

ONNX's whole-model shape inference stops at the first shape it cannot see through (a
``Pad`` whose amounts come from ``Shape -> Gather -> Sub``), and everything after it is
unknown. Walking the nodes in order instead, each node either

- **folds**: all its inputs are constants (or it is a ``Shape`` of a known shape), so it
  is evaluated (NumPy for the small shape ops, ``onnx.reference`` for any other standard
  operator) and its outputs become constants; or
- **stays**: its output types come from ONNX's own inference for that one operator,
  given the types of its inputs and the values of its constant inputs.

So masks, position ids and shape arithmetic fold whatever their operators, and every
standard operator downstream gets ONNX's shapes. Constants remember which learnable
tensors of the file they came from (a position table gathered by constant indices), so
a layer that consumes one is given those tensors' parameters (``learnable``).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import NodeProto, TensorProto, TypeProto, helper, numpy_helper

from netcanvas.formats.onnx.constants import SUBGRAPH, attributes, evaluate, reference

MAX_FOLDED = 10_000_000  # elements: a larger constant result is data, not wiring
MAX_SHAPE_DATA = 4096  # elements of a constant input handed to ONNX's inference
NEVER_FOLD = {
    "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial",
    "Bernoulli", "If", "Loop", "Scan",
}  # fmt: skip
FLOATS = {
    TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.DOUBLE,
}  # fmt: skip
# Inputs that are statistics, not parameters (torch counts them as buffers).
NOT_LEARNABLE = {"BatchNormalization": {3, 4}}
STANDARD = ("", "ai.onnx")


@dataclass
class Settled:
    """What the pass found: the nodes that stay, constants, types and provenance."""

    nodes: list[NodeProto]
    consts: dict[str, Any]  # tensor name -> ndarray (possibly a lazy view of the file)
    types: dict[str, TypeProto] = field(default_factory=dict)
    # constant tensor name -> the learnable initializers it was computed from
    origin: dict[str, frozenset[str]] = field(default_factory=dict)
    learnable: dict[str, list[int]] = field(default_factory=dict)  # initializer -> shape
    stats: set[str] = field(default_factory=set)  # tensors read as normalisation statistics
    floats: set[str] = field(default_factory=set)  # initializers that could be learnable

    def shape(self, name: str) -> list[int] | None:
        tp = self.types.get(name)
        return type_shape(tp) if tp is not None else None


def type_shape(tp: TypeProto) -> list[int] | None:
    """The static shape of a tensor type, or None when any dimension is unknown."""
    if not tp.HasField("tensor_type") or not tp.tensor_type.HasField("shape"):
        return None
    dims = []
    for d in tp.tensor_type.shape.dim:
        if not d.HasField("dim_value") or d.dim_value <= 0:
            return None
        dims.append(int(d.dim_value))
    return dims


def _value_type(value: np.ndarray[Any, Any]) -> TypeProto:
    try:
        elem = helper.np_dtype_to_tensor_dtype(value.dtype)
    except Exception:
        elem = TensorProto.UNDEFINED
    return helper.make_tensor_type_proto(elem, list(value.shape))


def settle(model: onnx.ModelProto, initializers: dict[str, Any]) -> Settled:
    """Walk ``model.graph`` once; ``initializers`` maps each initializer to its array."""
    g = model.graph
    out = Settled([], dict(initializers))
    for value in [*g.input, *g.value_info, *g.output]:
        if value.type.HasField("tensor_type"):
            out.types[value.name] = value.type
    for name, value in initializers.items():
        out.types[name] = _value_type(value)
    out.stats = {
        node.input[k]
        for node in g.node
        for k in NOT_LEARNABLE.get(node.op_type, ())
        if k < len(node.input)
    }
    out.floats = _floats(initializers)
    out.learnable = _learnable(g, initializers, out.stats)
    out.origin = {name: frozenset({name}) for name in out.learnable}
    opset = max((o.version for o in model.opset_import if o.domain in STANDARD), default=17)
    imports = list(model.opset_import)
    for node in g.node:
        if _fold(node, out, opset):
            continue
        out.nodes.append(node)
        _infer(node, out, imports, model.ir_version)
    return out


def _learnable(
    g: onnx.GraphProto, initializers: dict[str, Any], stats: set[str]
) -> dict[str, list[int]]:
    """Floating-point initializers of more than one value that some node reads, but not
    normalisation statistics."""
    read = {i for node in g.node for i in node.input}
    return {
        name: [int(d) for d in initializers[name].shape]
        for name in _floats(initializers)
        if name in read and name not in stats
    }


def _floats(initializers: dict[str, Any]) -> set[str]:
    """Floating-point initializers of more than one value."""
    found = set()
    for name, value in initializers.items():
        try:
            elem = helper.np_dtype_to_tensor_dtype(value.dtype)
        except Exception:
            continue
        if elem in FLOATS and value.size > 1:
            found.add(name)
    return found


def _fold(node: NodeProto, out: Settled, opset: int) -> bool:
    """Evaluate a node whose inputs are all known; True when it became constants."""
    if node.domain not in STANDARD or node.op_type in NEVER_FOLD:
        return False
    if node.op_type == "Shape":
        shape = out.shape(node.input[0])
        if shape is None:
            return False
        a = attributes(node)
        value = np.asarray(shape[a.get("start", 0) : a.get("end", len(shape))], dtype=np.int64)
        _set(out, node.output[0], value, frozenset())
        return True
    if any(i and i not in out.consts for i in node.input):
        return False
    if any(a.type in SUBGRAPH for a in node.attribute):
        return False
    known = [out.shape(o) for o in node.output]
    if any(s is not None and math.prod(s) > MAX_FOLDED for s in known):
        return False
    args = [np.asarray(out.consts[i]) if i else None for i in node.input]
    values = None
    with contextlib.suppress(Exception):
        values = evaluate(node, args)
    if values is None:
        values = reference(node, args, opset)
    if values is None or any(v.size > MAX_FOLDED for v in values):
        return False
    origin = frozenset().union(*(out.origin.get(i, frozenset()) for i in node.input if i))
    if (
        node.op_type == "Identity"
        and node.input[0] in out.floats
        and node.output[0] not in out.stats
    ):
        # torch's exporter stores equal tensors once and names the others through
        # Identity: each name is still a parameter of its own module (unless it is a
        # BatchNorm's running statistic that happened to equal a weight, or the other
        # way round).
        out.learnable[node.output[0]] = [int(d) for d in values[0].shape]
        origin = frozenset({node.output[0]})
    for name, value in zip(node.output, values, strict=False):
        if name:
            _set(out, name, value, origin)
    return True


def _set(out: Settled, name: str, value: np.ndarray[Any, Any], origin: frozenset[str]) -> None:
    out.consts[name] = value
    out.types[name] = _value_type(value)
    if origin:
        out.origin[name] = origin


def _infer(node: NodeProto, out: Settled, imports: list[Any], ir_version: int) -> None:
    """Output types from ONNX's inference of this one operator; the file's where it fails."""
    if node.domain not in STANDARD:
        return
    if all(out.shape(o) is not None for o in node.output if o):
        return  # the file (or a previous pass) already says
    try:
        schema = onnx.defs.get_schema(node.op_type, _opset(imports), node.domain)
    except Exception:
        return
    types = {i: out.types[i] for i in node.input if i and i in out.types}
    data = {
        i: numpy_helper.from_array(np.asarray(out.consts[i]), i)
        for i in node.input
        if i in out.consts and np.asarray(out.consts[i]).size <= MAX_SHAPE_DATA
    }
    try:
        if schema.has_type_and_shape_inference_function:
            inferred = onnx.shape_inference.infer_node_outputs(
                schema, node, types, data, None, imports, ir_version or 8
            )
        else:
            inferred = _through_function(node, out, _opset(imports))
    except Exception:
        return
    for name, tp in inferred.items():
        if out.shape(name) is None and (type_shape(tp) is not None or name not in out.types):
            out.types[name] = tp


def _through_function(node: NodeProto, out: Settled, opset: int) -> dict[str, TypeProto]:
    """Run an operator defined by a function body (GroupNormalization...) on zeros of its
    input shapes: ONNX has no inference of its own for those, and they are all
    normalisations whose output shapes do not depend on the values."""
    args: list[Any] = []
    for i in node.input:
        if not i:
            args.append(None)
        elif i in out.consts:
            args.append(np.asarray(out.consts[i]))
        else:
            shape, tp = out.shape(i), out.types.get(i)
            if shape is None or tp is None or math.prod(shape) > MAX_FOLDED:
                return {}
            dtype = helper.tensor_dtype_to_np_dtype(tp.tensor_type.elem_type)
            args.append(np.zeros(shape, dtype))
    values = reference(node, args, opset) or []
    return {o: _value_type(v) for o, v in zip(node.output, values, strict=False) if o}


def _opset(imports: list[Any]) -> int:
    return max((o.version for o in imports if o.domain in STANDARD), default=17)
