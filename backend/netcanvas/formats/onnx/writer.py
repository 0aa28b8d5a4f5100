"""Graph -> ONNX model: every layer through its emitter, shapes from our analysis.

The export refuses (``UnsupportedError``) rather than guess: a graph with errors,
unknown shapes, opaque nodes or types ONNX cannot express is named in one message.
Tensor names are our references (``conv1``, ``lstm:1``), so a graph output carries
the name of the layer that produced it.
"""

from __future__ import annotations

from typing import Any

from onnx import ModelProto, TensorProto, helper

from netcanvas.analysis import Analysis
from netcanvas.formats import frame
from netcanvas.formats.base import UnsupportedError
from netcanvas.formats.onnx.build import Builder, Emit
from netcanvas.formats.onnx.ops import EMITTERS, UNSUPPORTED
from netcanvas.formats.onnx.weights import Supply
from netcanvas.graph.model import Graph
from netcanvas.graph.shapes import Shape
from netcanvas.layers import lookup

OPSET = 17
IR_VERSION = 8
BATCH = "N"


def tensor_name(node: str, index: int) -> str:
    return node if index == 0 else f"{node}:{index}"


def check_exportable(graph: Graph, analysis: Analysis | None = None) -> Analysis:
    """The analysis, or one UnsupportedError naming every reason the graph cannot be
    exported."""
    return frame.check_exportable(graph, "ONNX", EMITTERS, UNSUPPORTED, analysis)


def export(
    graph: Graph, options: dict[str, Any] | None = None, analysis: Analysis | None = None
) -> ModelProto:
    """Build a checked-shape ONNX model of the graph (opset 17, IR 8)."""
    options = options or {}
    dynamic = bool(options.get("dynamic_batch", False))
    analysis = check_exportable(graph, analysis)
    model = helper.make_model(
        helper.make_graph([], _safe(graph.name), [], []),
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="netcanvas",
        doc_string=f"Exported by netcanvas from '{graph.name}'",
    )
    model.ir_version = IR_VERSION
    builder = Builder(dynamic_batch=dynamic, graph=model.graph)
    # An ONNX file read in this process carries its weights through (weights.py).
    if graph.values and options.get("keep_weights", True):
        builder.supply = Supply(graph.values.get("tensors", {}))
    held = graph.values.get("layers", {}) if graph.values else {}
    builder.tensors.reserve(*(tensor_name(r.name, k) for r in analysis.nodes for k in range(8)))
    consumed: set[str] = set()
    inputs: list[Any] = []
    for layer in frame.walk(graph, analysis):
        node, refs, shapes_out = layer.node, layer.refs, layer.out_shapes
        consumed.update(r.node for r in refs)
        if node.type == "Input":
            dtype = TensorProto.INT64 if node.params.get("dtype") == "int64" else TensorProto.FLOAT
            inputs.append(
                helper.make_tensor_value_info(node.name, dtype, _dims(shapes_out[0], dynamic))
            )
            continue
        emit = Emit(
            node,
            frame.validated(node),
            [tensor_name(r.node, r.index) for r in refs],
            frame.in_shapes(analysis, refs),
            shapes_out,
            [tensor_name(node.name, k) for k in range(len(shapes_out))],
            b=builder,
        )
        _check_precision(emit)
        if builder.supply is not None:
            builder.supply.start(node.name, held.get(node.name))
        EMITTERS[node.type](emit)
        if builder.supply is not None:
            builder.supply.finish()
    outputs = _graph_outputs(graph, analysis, consumed, dynamic)
    if not outputs:
        raise UnsupportedError("cannot export to ONNX: the graph has no layer after its inputs")
    _original_output_names(graph, builder, outputs)
    report = options.get("weights_report")
    if isinstance(report, dict):
        report["carried"] = builder.supply is not None
        report["fresh"] = list(builder.supply.fresh) if builder.supply is not None else []
    model.graph.node.extend(builder.nodes)
    model.graph.input.extend(inputs)
    model.graph.output.extend(outputs)
    return model


def _original_output_names(graph: Graph, builder: Builder, outputs: list[Any]) -> None:
    """An imported ONNX model's outputs keep the names its users' code reads them by
    (``graph.meta.onnx.outputs``: layer output -> name): an Identity gives each its name."""
    original = (graph.meta.get("onnx") or {}).get("outputs")
    if not isinstance(original, dict):
        return
    taken = {t for n in builder.nodes for t in (*n.input, *n.output)}
    for value in outputs:
        name = original.get(value.name)
        if isinstance(name, str) and name and name not in taken:
            builder.op("Identity", [value.name], [name], name=f"{name}/output")
            value.name = name
            taken.add(name)


def _check_precision(emit: Emit) -> None:
    """A torch ``dtype`` other than float32 is refused; ``device`` is left out, as an ONNX
    model is placed by its runtime, not by the file."""
    dtype = getattr(emit.params, "dtype", None)
    if dtype not in (None, "float32", "float"):
        raise emit.refuse(f"dtype={dtype!r} has no ONNX spelling here (weights are float32)")


def _shape_of(analysis: Any, node: str, index: int) -> Shape:
    shape: Shape = analysis[node].output_shapes[index]
    return shape


def _dims(shape: Shape, dynamic: bool) -> list[int | str]:
    dims: list[int | str] = list(shape)
    if dynamic and dims:
        dims[0] = BATCH
    return dims


def _graph_outputs(
    graph: Graph, analysis: Analysis, consumed: set[str], dynamic: bool
) -> list[Any]:
    """Every Output layer and every output of a layer nobody consumes."""
    outputs = []
    nodes = {n.name: n for n in graph.nodes}
    for result in frame.graph_outputs(graph, analysis, consumed):
        node = nodes[result.name]
        spec = lookup(node.type)
        kinds = spec.output_dtypes(frame.validated(node)) if spec is not None else ()
        for k, shape in enumerate(result.output_shapes):
            # Indices (max pooling's return_indices) are int64; every other output is float.
            kind = (
                TensorProto.INT64 if k < len(kinds) and kinds[k] == "int64" else TensorProto.FLOAT
            )
            # With a dynamic batch the batch may sit on any axis of an output (h_n is
            # [layers, N, H]): only the rank is declared and ONNX inference says the rest.
            dims: list[int | None] = [None] * len(shape or ()) if dynamic else list(shape or ())
            outputs.append(helper.make_tensor_value_info(tensor_name(result.name, k), kind, dims))
    return outputs


def _safe(name: str) -> str:
    return name or "network"
