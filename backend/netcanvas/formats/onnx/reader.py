"""ONNX model -> Graph: operators mapped to registry types, the rest kept as opaque nodes.

Steps: refuse what must not be read (too large, corrupt, external data); pin symbolic
dimensions to 1 and run ONNX shape inference; fold constants and shape subgraphs
(Shape -> Gather -> Unsqueeze -> Concat -> Reshape) so an exported model reads like its
architecture; map each remaining operator through :data:`MAPPERS`; finally any mapped
node whose shapes disagree with ONNX's inference becomes opaque with ONNX's shapes,
so the imported graph always shows what ONNX says.
"""

from __future__ import annotations

import ast
import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import ModelProto, NodeProto, TensorProto, numpy_helper

from netcanvas.analysis import analyze
from netcanvas.formats.base import FormatError
from netcanvas.formats.names import Names
from netcanvas.formats.onnx import reader_ops  # noqa: F401  (fills MAPPERS)
from netcanvas.formats.onnx.constants import (
    INT_TYPES,
    RECURRENT,
    attributes,
    plain,
)
from netcanvas.formats.onnx.fuse import fuse_gelu
from netcanvas.formats.onnx.lift import Lifted, lift, share_tables
from netcanvas.formats.onnx.propagate import Settled, settle
from netcanvas.formats.onnx.reader_table import MAPPERS, Op
from netcanvas.formats.onnx.skim import skim
from netcanvas.formats.onnx.weights import Roles, held_tensor, kept, roles
from netcanvas.graph.model import Graph, Node
from netcanvas.layers import lookup


def import_model(data: Any, options: dict[str, Any]) -> Graph:
    """Read a model from its bytes (or an mmap of its file); ``options["folder"]`` is the
    folder external data files may be read from (absent for an upload)."""
    try:
        skimmed = skim(data, options.get("folder"))
        model = ModelProto.FromString(skimmed.skeleton)
    except FormatError:
        raise
    except Exception as bad:  # protobuf raises DecodeError and others
        raise FormatError(f"not a readable ONNX model: {bad}") from None
    if not model.HasField("graph") or not model.graph.node:
        raise FormatError("not an ONNX model: it has no graph nodes")
    _refuse_external(model)
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    inits.update(skimmed.lazy)
    _pin_symbolic_dims(model, set(inits))
    try:
        return _Importer(model, settle(model, inits)).run()
    except FormatError:
        raise
    except Exception as bad:  # a malformed graph must still be a clean FormatError
        raise FormatError(f"cannot import the ONNX graph: {type(bad).__name__}: {bad}") from None


def _refuse_external(model: ModelProto) -> None:
    """Refuse a tensor kept in a side file that is not an initializer of the main graph
    (those are read from the model's folder by ``skim``; any other would open a path
    the file names, outside the bytes we were given)."""
    for tensor in _tensors(model.graph):
        if tensor.data_location == TensorProto.EXTERNAL or tensor.external_data:
            raise FormatError(
                f"tensor '{tensor.name}' is stored in an external data file; netcanvas reads "
                "only self-contained .onnx files (save with all tensors inside the model)"
            )


def _tensors(graph: onnx.GraphProto) -> Iterator[TensorProto]:
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield sparse.values
        yield sparse.indices
    for node in graph.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.TENSOR:
                yield a.t
            yield from a.tensors
            if a.type == onnx.AttributeProto.GRAPH:
                yield from _tensors(a.g)
            for sub in a.graphs:
                yield from _tensors(sub)


def _pin_symbolic_dims(model: ModelProto, inits: set[str]) -> None:
    """A symbolic or unknown input dimension (the batch, usually) is read as 1."""
    for value in model.graph.input:
        if value.name in inits:
            continue
        for dim in value.type.tensor_type.shape.dim:
            if not dim.HasField("dim_value") or dim.dim_value <= 0:
                dim.Clear()
                dim.dim_value = 1


@dataclass
class _Importer:
    model: ModelProto
    settled: Settled
    consts: dict[str, Any] = field(default_factory=dict)
    shapes: dict[str, list[int] | None] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # tensor name -> our reference
    names: Names = field(default_factory=Names)
    nodes: list[Node] = field(default_factory=list)
    onnx_shapes: dict[str, list[list[int] | None]] = field(default_factory=dict)
    const_inputs: dict[str, dict[int, np.ndarray[Any, Any]]] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)  # scope -> its module's class
    values: dict[str, Any] = field(default_factory=dict)  # tensors the layers hold

    @property
    def opset(self) -> int:
        versions = [o.version for o in self.model.opset_import if o.domain in ("", "ai.onnx")]
        return max(versions, default=17)

    def run(self) -> Graph:
        self.consts = self.settled.consts
        self.shapes = {name: self.settled.shape(name) for name in self.settled.types}
        g = self.model.graph
        for value in g.input:
            if value.name in self.consts:
                continue
            name = self._unique(value.name)
            self.refs[value.name] = name
            elem = value.type.tensor_type.elem_type
            params: dict[str, Any] = {"dtype": "int64" if elem in INT_TYPES else "float32"}
            shape = self.shapes.get(value.name)
            if shape:
                params["shape"] = shape
            self.nodes.append(Node(name, "Input", params))
        for node in self.settled.nodes:
            self._add(node)
        self._fuse_linear_bias()
        fuse_gelu(self.nodes, self.const_inputs)
        graph = Graph(name=g.name or "onnx-model", nodes=self.nodes)
        graph.meta["onnx"] = {"opset": self.opset, "producer": self.model.producer_name}
        # The names the model's users read its outputs by, for an ONNX export to keep.
        outputs = {self.refs[o.name]: o.name for o in g.output if o.name in self.refs}
        if outputs:
            graph.meta["onnx"]["outputs"] = outputs
        self._settle(graph)
        _cancel_layout_pairs(graph)
        share_tables(graph, self.settled.learnable, self.consts, self.values)
        attribute(graph, self.settled.learnable)
        _leaf_scopes(graph)
        used = {n.scope for n in graph.nodes}
        named = {k: {"type": v} for k, v in self.classes.items() if any(
            u == k or u.startswith(k + ".") for u in used)}  # fmt: skip
        if named:
            graph.view["scopes"] = named
        _tidy(graph)
        # Which tensor is which layer's, beside the values: not in the document (weights.py).
        held = {n.name: n.meta.pop("onnx_weights") for n in graph.nodes if "onnx_weights" in n.meta}
        graph.values = {"tensors": self.values, "layers": held} if held else {}
        return graph

    # --- mapping ----------------------------------------------------------------

    def _add(self, node: NodeProto) -> None:
        attrs = attributes(node)
        dynamic = [i for i in node.input if i and i not in self.consts]
        consts = {k: self.consts[i] for k, i in enumerate(node.input) if i in self.consts}
        op = Op(
            node,
            attrs,
            dynamic,
            consts,
            [self.shapes.get(i) for i in dynamic],
            [self.shapes.get(o) for o in node.output],
            self.opset,
            frozenset(k for k, i in enumerate(node.input) if i in self.settled.learnable),
        )
        mapped: tuple[str, dict[str, Any]] | None = None
        if node.domain in ("", "ai.onnx") and node.op_type in MAPPERS:
            try:
                mapped = MAPPERS[node.op_type](op)
            except Exception:
                mapped = None
        name = self._unique(node.name or node.output[0] or node.op_type.lower())
        scope = scope_of(node, self.classes)
        inputs = [self.refs[i] for i in dynamic if i in self.refs]
        sources = list(node.input)
        lifted = lift(op, self.settled.origin, self.settled.learnable) if mapped is None else None
        if lifted is not None:
            mapped, operands = lifted[:2], lifted[2]
            inputs = self._lift(node, operands, scope)
            consts = {}
            sources = [i for k, i in enumerate(node.input) if k not in op.consts]
        if mapped is None:
            type_ = _opaque_type(node)
            params = {k: v for k, v in attrs.items() if plain(v)}
            out = Node(name, type_, params, inputs)
        else:
            type_, params = mapped
            out = Node(name, type_, params, inputs)
            if lifted is None:
                self._keep(out, node, roles(node.op_type, attrs, type_, consts))
        out.meta["onnx_op"] = node.op_type
        out.scope = scope
        origin = self.settled.origin
        held = sorted(set().union(*(origin.get(i, ()) for i in sources if i)))
        if held:
            out.meta["onnx_learnable"] = held
        self.const_inputs[name] = consts
        produced = [o for o in node.output if o]
        known = [self.shapes.get(o) for o in node.output]
        self.onnx_shapes[name] = known
        if mapped is None and all(s is not None for s in known) and known:
            out.output_shapes = [list(s) for s in known if s is not None]
        self.nodes.append(out)
        if mapped is not None and type_ in RECURRENT and len(produced) >= 1:
            self._recurrent_views(out, node, produced)
            return
        for k, tensor in enumerate(node.output):
            if tensor:
                self.refs[tensor] = name if k == 0 else f"{name}:{k}"

    def _keep(self, layer: Node, node: NodeProto, found: Roles) -> None:
        """Note which constant inputs of ``node`` are which tensors of ``layer``."""
        if held := kept(node.input, found, self.consts, self.values):
            layer.meta["onnx_weights"] = held

    def _lift(self, node: NodeProto, operands: list[Lifted], scope: str) -> list[str]:
        """A ConstantTensor layer per constant operand; the merge's inputs in ONNX order."""
        at = {o.index: o for o in operands}
        inputs = []
        for k, tensor in enumerate(node.input):
            if k not in at:
                if tensor in self.refs:
                    inputs.append(self.refs[tensor])
                continue
            held = Node(self._unique(at[k].hint), "ConstantTensor", at[k].params)
            held.scope = scope
            if found := held_tensor(at[k], tensor, self.consts, self.values):
                held.meta["onnx_weights"] = found
            if at[k].held:
                held.meta["onnx_learnable"] = at[k].held
            self.nodes.append(held)
            inputs.append(held.name)
        return inputs

    def _recurrent_views(self, ours: Node, node: NodeProto, produced: list[str]) -> None:
        """ONNX's Y is [T, D, N, H]; ours is [T, N, D·H]: add the two views that map it."""
        directions = 2 if ours.params.get("bidirectional") else 1
        hidden = ours.params["hidden_size"]
        split = self._unique(f"{ours.name}/unflatten")
        view = self._unique(f"{ours.name}/y")
        self.nodes.append(
            Node(
                split,
                "Unflatten",
                {"dim": 2, "unflattened_size": [directions, hidden]},
                [ours.name],
            )
        )
        self.nodes.append(Node(view, "Permute", {"dims": [0, 2, 1, 3]}, [split]))
        self.onnx_shapes[split] = [None]
        self.onnx_shapes[view] = [self.shapes.get(node.output[0])]
        # Our first output is [T, N, D·H], not ONNX's Y: only the states compare directly.
        self.onnx_shapes[ours.name] = [None, *[self.shapes.get(o) for o in node.output[1:]]]
        for k, tensor in enumerate(node.output):
            if tensor:
                self.refs[tensor] = view if k == 0 else f"{ours.name}:{k}"

    def _fuse_linear_bias(self) -> None:
        """MatMul(x, W) then Add(bias) is one Linear with a bias, named after the Add."""
        users: dict[str, list[Node]] = {}
        for node in self.nodes:
            for ref in node.inputs:
                users.setdefault(ref, []).append(node)
        for node in list(self.nodes):
            if node.type != "Linear" or node.params.get("bias", True):
                continue
            after = users.get(node.name, [])
            if (
                len(after) != 1
                or after[0].meta.get("onnx_op") != "Add"
                or len(after[0].inputs) != 1
            ):
                continue
            add = after[0]
            bias = list(self.const_inputs.get(add.name, {}).values())
            if len(bias) != 1 or bias[0].shape != (node.params["out_features"],):
                continue
            self.nodes.remove(add)
            self.onnx_shapes[add.name] = self.onnx_shapes.get(add.name, [None])
            node.name, node.params["bias"] = add.name, True
            held = {*node.meta.get("onnx_learnable", []), *add.meta.get("onnx_learnable", [])}
            node.meta["onnx_learnable"] = sorted(held)
            if "bias" in add.meta.get("onnx_weights", {}):
                node.meta.setdefault("onnx_weights", {})["bias"] = add.meta["onnx_weights"]["bias"]

    def _settle(self, graph: Graph) -> None:
        """Make every node agree with ONNX's inferred shapes, or keep it opaque."""
        for _ in range(3):
            analysis = analyze(graph)
            changed = False
            for node in graph.nodes:
                result = analysis.get(node.name)
                want = self.onnx_shapes.get(node.name)
                if result is None or want is None or node.type == "Input" or result.opaque:
                    continue
                ours = [list(s) if s is not None else None for s in result.output_shapes]
                agrees = all(
                    w is None or o is None or w == o for w, o in zip(want, ours, strict=False)
                )
                if result.error is None and agrees:
                    continue
                if all(w is not None for w in want) or result.error:
                    # Ours disagrees with ONNX: show ONNX's operator and shapes instead.
                    node.meta["onnx_mapped_as"] = node.type
                    node.type = _opaque_type_name(str(node.meta.get("onnx_op", node.type)), "")
                    node.params = {}
                    if all(w is not None for w in want):
                        node.output_shapes = [list(w) for w in want if w is not None]
                    changed = True
            if not changed:
                return

    def _unique(self, hint: str) -> str:
        return self.names.add(hint)


_RESHAPES = {"Reshape", "Unflatten", "Flatten", "Squeeze", "Unsqueeze"}


def _tidy(graph: Graph) -> None:
    """Mapped layers keep only settings that differ from their defaults, and no ONNX
    bookkeeping: the document reads as if written by hand. Opaque nodes keep theirs."""
    for node in graph.nodes:
        spec = lookup(node.type)
        if spec is None:
            continue
        fields = spec.Params.model_fields
        node.params = {
            k: v for k, v in node.params.items() if k not in fields or fields[k].default != v
        }
        node.meta.pop("onnx_op", None)


def _cancel_layout_pairs(graph: Graph) -> None:
    """Drop back-to-back layout ops that undo each other (a Permute and its inverse, a
    reshape and the reshape back), such as ONNX's recurrent output views meeting their
    own inverse: the graph then reads as the layers, not the tensor bookkeeping."""
    while True:
        analysis = analyze(graph)
        users: dict[str, list[Node]] = {}
        for node in graph.nodes:
            for ref in node.inputs:
                users.setdefault(ref, []).append(node)
        pair = next(
            (
                (first, users[first.name][0])
                for first in graph.nodes
                if len(users.get(first.name, [])) == 1
                and len(first.inputs) == 1
                and _undoes(first, users[first.name][0], analysis)
            ),
            None,
        )
        if pair is None:
            return
        first, second = pair
        source = first.inputs[0]
        for node in graph.nodes:
            node.inputs = [source if ref == second.name else ref for ref in node.inputs]
        graph.nodes.remove(first)
        graph.nodes.remove(second)


def _undoes(first: Node, second: Node, analysis: Any) -> bool:
    if second.inputs != [first.name] or not users_safe(second, analysis):
        return False
    if first.type == second.type == "Permute":
        p, q = first.params.get("dims"), second.params.get("dims")
        return p is not None and q is not None and all(p[q[j]] == j for j in range(len(q)))
    if first.type in _RESHAPES and second.type in _RESHAPES:
        before = analysis.get(first.inputs[0].split(":")[0])
        after = analysis.get(second.name)
        if before is None or after is None:
            return False
        index = int(first.inputs[0].rpartition(":")[2]) if ":" in first.inputs[0] else 0
        shape_in = before.output_shapes[index] if index < len(before.output_shapes) else None
        return shape_in is not None and shape_in == after.output_shapes[0]
    return False


def users_safe(node: Node, analysis: Any) -> bool:
    """A layer whose output is a graph output (nobody reads it) keeps its name."""
    result = analysis.get(node.name)
    return (
        result is not None
        and result.error is None
        and any(node.name in n.inputs for n in analysis.nodes)
    )


def scope_of(node: NodeProto, classes: dict[str, str] | None = None) -> str:
    """The module path an exported node ran in, from what the exporter recorded: the
    dynamo exporter's ``pkg.torch.onnx.name_scopes`` (with each module's class beside,
    gathered into ``classes``) or the TorchScript exporter's node name,
    ``/features/features.1/features.1.0/attn/Pad``; in both the last part is the op, and
    each other part is a module's own name or its full path so far."""
    parts = [p for p in node.name.split("/") if p][:-1] if node.name.startswith("/") else []
    kinds: list[str] = []
    props = {prop.key: prop.value for prop in node.metadata_props}
    with contextlib.suppress(ValueError, SyntaxError):
        if "pkg.torch.onnx.name_scopes" in props:
            named = [str(n) for n in ast.literal_eval(props["pkg.torch.onnx.name_scopes"])]
            hierarchy = ast.literal_eval(props.get("pkg.torch.onnx.class_hierarchy", "[]"))
            kinds = [str(c).rpartition(".")[2] for c in hierarchy][1:-1]
            parts = named[1:-1]
    path = ""
    for k, part in enumerate(parts):
        path = part if not path or part.startswith(path + ".") else f"{path}.{part}"
        if classes is not None and k < len(kinds):
            classes.setdefault(path, kinds[k])
    return path


def _leaf_scopes(graph: Graph) -> None:
    """A module that ran as nodes of one type and holds no other module (a Conv, a fused
    Linear, a ReLU called twice) is that layer: its scope is the module around it
    (DESIGN 4: ``layer1.0`` for ``layer1.0.conv1``)."""
    types: dict[str, set[str]] = {}
    parents: set[str] = set()
    for node in graph.nodes:
        types.setdefault(node.scope, set()).add(node.type)
        parts = node.scope.split(".")
        parents.update(".".join(parts[:k]) for k in range(1, len(parts)))
    for node in graph.nodes:
        if node.scope and len(types[node.scope]) == 1 and node.scope not in parents:
            node.scope = node.scope.rpartition(".")[0]


def _opaque_type(node: NodeProto) -> str:
    return _opaque_type_name(node.op_type, node.domain)


def _opaque_type_name(op_type: str, domain: str) -> str:
    """An opaque node's type: the operator, prefixed when it would read as a registry type."""
    if domain not in ("", "ai.onnx"):
        return f"{domain}.{op_type}"
    return f"onnx.{op_type}" if lookup(op_type) is not None else op_type


def attribute(graph: Graph, learnable: dict[str, list[int]]) -> None:
    """Give every learnable tensor of the file to exactly one layer, or say it has none.

    A layer whose type counts no parameters of its own (an ``Add`` of a positional
    embedding, a layer-scale ``Mul``, an opaque operator) holds what it consumes in
    ``weights``; a layer whose type counts a tensor an earlier layer holds (GPT-2's head
    reading the token table) lists it in ``tied`` and counts it no more; a mapped layer
    whose own count falls short of the tensors it consumes, and a tensor no layer
    consumes, leave the totals marked as a lower bound.
    """
    analysis = analyze(graph)
    holder: dict[str, str] = {}
    for node in graph.nodes:
        held = [n for n in node.meta.pop("onnx_learnable", []) if n in learnable]
        fresh = [n for n in held if n not in holder]
        tied = [n for n in held if n in holder]
        result = analysis.get(node.name)
        counted = result.params if result is not None else 0
        size = sum(math.prod(learnable[n]) for n in fresh)
        tied_size = sum(math.prod(learnable[n]) for n in tied)
        if counted == 0:
            node.weights = {n: learnable[n] for n in fresh}
        elif tied and counted >= size + tied_size:
            node.tied = {n: learnable[n] for n in tied}
            node.meta["tied_to"] = {n: holder[n] for n in tied}  # exports tie them again
            graph.warnings.append(
                f"{node.name}: reads {', '.join(tied)} of "
                f"'{holder[tied[0]]}' (tied weights), counted once"
            )
        elif counted < size:
            graph.unattributed.append(
                f"{', '.join(fresh)}: {size - counted} values beside the {counted} "
                f"parameters of '{node.name}' ({node.type})"
            )
        holder.update((n, node.name) for n in fresh)
    for name in sorted(set(learnable) - set(holder)):
        graph.unattributed.append(f"{name}: {math.prod(learnable[name])} values")
    if graph.unattributed:
        # Kept in the document too: opened in the editor or saved as YAML, the totals
        # must still say they are a lower bound.
        graph.meta["unattributed"] = list(graph.unattributed)
