"""The exporter frame shared by ONNX, PyTorch and Keras: one context per layer, one check
that says every reason a graph cannot be written, one walk in topological order.

Each exporter keeps one table of registry type -> emitter (filled with
:func:`netcanvas.formats.base.registrar`) and a table of types it refuses with a reason;
everything else about walking the graph is here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from netcanvas.analysis import Analysis, NodeResult, analyze
from netcanvas.formats.base import UnsupportedError
from netcanvas.graph.model import Graph, Node, Ref, analyse_structure
from netcanvas.graph.shapes import Shape
from netcanvas.layers import lookup


@dataclass
class Step:
    """What an emitter sees of one layer: its node, validated settings, the names of its
    inputs in the target (variables, tensors) and the shapes in and out."""

    node: Node
    params: Any
    inputs: list[str]
    in_shapes: list[Shape]
    out_shapes: list[Shape]
    # Output names in the target, when the exporter names them before emitting (ONNX).
    outputs: list[str] = field(default_factory=list)
    # Helper definitions the written file must include (code exporters), in order.
    needs: list[str] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.node.type

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def args(self) -> list[str]:
        return self.inputs

    @args.setter
    def args(self, value: list[str]) -> None:
        self.inputs = value

    @property
    def x(self) -> str:
        return self.inputs[0]

    @property
    def input(self) -> str:
        return self.inputs[0]

    @property
    def shape(self) -> Shape:
        return self.in_shapes[0]

    @property
    def output(self) -> str:
        return self.outputs[0]

    def need(self, helper: str) -> None:
        if helper not in self.needs:
            self.needs.append(helper)

    def refuse(self, why: str) -> UnsupportedError:
        """The error for a setting this target cannot express, naming the layer."""
        return UnsupportedError(f"{self.name} ({self.type}): {why}")


def check_exportable(
    graph: Graph,
    target: str,
    emitters: Mapping[str, Any],
    unsupported: Mapping[str, str],
    analysis: Analysis | None = None,
    written: Callable[[Node], bool] | None = None,
) -> Analysis:
    """The graph's analysis, or one UnsupportedError naming every reason it cannot be
    written as ``target``: errors, refused types, unmapped types, unknown shapes.
    ``written`` says which opaque nodes the exporter writes anyway (traced torch calls)."""
    analysis = analysis if analysis is not None else analyze(graph)
    problems: list[str] = []
    if analysis.errors:
        problems.append("the graph has errors: " + "; ".join(analysis.errors))
    types = {
        n.type
        for n in graph.nodes
        if n.type != "Input" and not (written is not None and lookup(n.type) is None and written(n))
    }
    refused = sorted(t for t in types if t in unsupported)
    if refused:
        reasons = "; ".join(f"{t} ({unsupported[t]})" for t in refused)
        problems.append(f"{target} cannot express: {reasons}")
    opaque = sorted(t for t in types if lookup(t) is None)
    if opaque:
        problems.append(f"opaque types have no {target} meaning: " + ", ".join(opaque))
    missing = sorted(t for t in types if t not in emitters and t not in unsupported)
    missing = [t for t in missing if t not in opaque]
    if missing:
        problems.append(f"no {target} mapping yet for: " + ", ".join(missing))
    unknown = [r.name for r in analysis.nodes if any(s is None for s in r.output_shapes)]
    if unknown and not analysis.errors:
        problems.append("unknown shapes (set the input shape): " + ", ".join(unknown))
    if problems:
        raise UnsupportedError(f"cannot export to {target}: " + " | ".join(problems))
    return analysis


@dataclass(frozen=True)
class Layer:
    """One layer of the walk: the node, its analysis, its input references."""

    node: Node
    result: NodeResult
    refs: list[Ref]

    @property
    def out_shapes(self) -> list[Shape]:
        return [s for s in self.result.output_shapes if s is not None]


def walk(graph: Graph, analysis: Analysis) -> Iterator[Layer]:
    """Every node in topological order, with its analysis and resolved inputs."""
    structure = analyse_structure(graph)
    nodes = {n.name: n for n in graph.nodes}
    for result in analysis.nodes:
        refs = [r for r in structure.refs[result.name] if r is not None]
        yield Layer(nodes[result.name], result, refs)


def in_shapes(analysis: Analysis, refs: list[Ref]) -> list[Shape]:
    shapes: list[Shape] = []
    for ref in refs:
        shape = analysis[ref.node].output_shapes[ref.index]
        shapes.append(shape if shape is not None else ())
    return shapes


def validated(node: Node) -> Any:
    """The node's settings as its registry type's Params (checked before export)."""
    spec = lookup(node.type)
    assert spec is not None  # check_exportable refused opaque types
    return spec.settings(node.params, node.inplace)


def graph_outputs(graph: Graph, analysis: Analysis, consumed: set[str]) -> list[NodeResult]:
    """Every Output layer and every layer nobody consumes: what a model returns."""
    outputs = []
    types = {n.name: n.type for n in graph.nodes}
    for result in analysis.nodes:
        kind = types[result.name]
        if kind == "Input" or (result.name in consumed and kind != "Output"):
            continue
        outputs.append(result)
    return outputs
