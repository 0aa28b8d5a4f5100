"""Graph -> ONNX model: every layer through its emitter, shapes from our analysis.

The export refuses (``UnsupportedError``) rather than guess: a graph with errors,
unknown shapes, opaque nodes or types ONNX cannot express is named in one message.
Tensor names are our references (``conv1``, ``lstm:1``), so a graph output carries
the name of the layer that produced it.
"""

from __future__ import annotations

from typing import Any

from onnx import ModelProto, TensorProto, helper

from netcanvas.formats import (  # noqa: F401  (imported to register their emitters)
    onnx_ops_attention,
    onnx_ops_caffe,
    onnx_ops_detection,
    onnx_ops_more,
    onnx_ops_proposal,
    onnx_ops_tensor,
)
from netcanvas.formats.base import UnsupportedError
from netcanvas.formats.onnx_build import Builder, Emit
from netcanvas.formats.onnx_ops import EMITTERS, UNSUPPORTED
from netcanvas.graph.infer import analyze
from netcanvas.graph.model import Graph, Node, analyse_structure
from netcanvas.graph.shapes import Shape
from netcanvas.layers import lookup

OPSET = 17
IR_VERSION = 8
BATCH = "N"


def tensor_name(node: str, index: int) -> str:
    return node if index == 0 else f"{node}:{index}"


def check_exportable(graph: Graph) -> None:
    """Raise one UnsupportedError naming every reason the graph cannot be exported."""
    problems: list[str] = []
    analysis = analyze(graph)
    if analysis.errors:
        problems.append("the graph has errors: " + "; ".join(analysis.errors))
    refused = sorted({n.type for n in graph.nodes if n.type in UNSUPPORTED})
    if refused:
        reasons = "; ".join(f"{t} ({UNSUPPORTED[t]})" for t in refused)
        problems.append(f"ONNX cannot express: {reasons}")
    opaque = sorted({n.type for n in graph.nodes if lookup(n.type) is None})
    if opaque:
        problems.append("opaque types have no ONNX meaning: " + ", ".join(opaque))
    missing = sorted(
        {
            n.type
            for n in graph.nodes
            if lookup(n.type) is not None
            and n.type not in EMITTERS
            and n.type not in UNSUPPORTED
            and n.type != "Input"
        }
    )
    if missing:
        problems.append("no ONNX mapping yet for: " + ", ".join(missing))
    unknown = [r.name for r in analysis.nodes if any(s is None for s in r.output_shapes)]
    if unknown and not analysis.errors:
        problems.append("unknown shapes (set the input shape): " + ", ".join(unknown))
    if problems:
        raise UnsupportedError("cannot export to ONNX: " + " | ".join(problems))


def export(graph: Graph, options: dict[str, Any] | None = None) -> ModelProto:
    """Build a checked-shape ONNX model of the graph (opset 17, IR 8)."""
    options = options or {}
    dynamic = bool(options.get("dynamic_batch", False))
    check_exportable(graph)
    analysis = analyze(graph)
    structure = analyse_structure(graph)
    nodes = {n.name: n for n in graph.nodes}
    model = helper.make_model(
        helper.make_graph([], _safe(graph.name), [], []),
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="netcanvas",
        doc_string=f"Exported by netcanvas from '{graph.name}'",
    )
    model.ir_version = IR_VERSION
    builder = Builder(dynamic_batch=dynamic, graph=model.graph)
    builder.taken.update(tensor_name(r.name, k) for r in analysis.nodes for k in range(8))
    consumed: set[str] = set()
    inputs: list[Any] = []
    for result in analysis.nodes:
        node = nodes[result.name]
        shapes_out: list[Shape] = [s for s in result.output_shapes if s is not None]
        refs = structure.refs[node.name]
        in_names = [tensor_name(r.node, r.index) for r in refs if r is not None]
        consumed.update(r.node for r in refs if r is not None)
        in_shapes = [_shape_of(analysis, r.node, r.index) for r in refs if r is not None]
        if node.type == "Input":
            dtype = TensorProto.INT64 if node.params.get("dtype") == "int64" else TensorProto.FLOAT
            inputs.append(
                helper.make_tensor_value_info(node.name, dtype, _dims(shapes_out[0], dynamic))
            )
            continue
        spec = lookup(node.type)
        assert spec is not None  # checked above
        outs = [tensor_name(node.name, k) for k in range(len(shapes_out))]
        emit = Emit(
            node,
            spec.Params.model_validate(node.params),
            in_names,
            in_shapes,
            shapes_out,
            outs,
            builder,
        )
        EMITTERS[node.type](emit)
    outputs = _graph_outputs(graph, analysis, consumed, dynamic)
    if not outputs:
        raise UnsupportedError("cannot export to ONNX: the graph has no layer after its inputs")
    model.graph.node.extend(builder.nodes)
    model.graph.input.extend(inputs)
    model.graph.output.extend(outputs)
    return model


def _shape_of(analysis: Any, node: str, index: int) -> Shape:
    shape: Shape = analysis[node].output_shapes[index]
    return shape


def _dims(shape: Shape, dynamic: bool) -> list[int | str]:
    dims: list[int | str] = list(shape)
    if dynamic and dims:
        dims[0] = BATCH
    return dims


def _graph_outputs(graph: Graph, analysis: Any, consumed: set[str], dynamic: bool) -> list[Any]:
    """Every Output layer and every output of a layer nobody consumes."""
    outputs = []
    for result in analysis.nodes:
        node: Node = graph.node(result.name)
        if node.type == "Input" or (node.name in consumed and node.type != "Output"):
            continue
        for k, shape in enumerate(result.output_shapes):
            # With a dynamic batch the batch may sit on any axis of an output (h_n is
            # [layers, N, H]): only the rank is declared and ONNX inference says the rest.
            dims: list[int | None] = [None] * len(shape) if dynamic else list(shape)
            outputs.append(
                helper.make_tensor_value_info(tensor_name(node.name, k), TensorProto.FLOAT, dims)
            )
    return outputs


def _safe(name: str) -> str:
    return name or "network"
