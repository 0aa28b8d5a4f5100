"""Topological analysis of a graph: shapes, parameters, MACs and problems per node.

The engine walks the graph in topological order and runs each layer's rules against
its input shapes. A problem is pinned to the node that causes it and everything
downstream becomes "unknown": one bad layer never hides the rest, and nothing here
raises on a bad graph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from netcanvas.graph.model import Graph, Node, analyse_structure
from netcanvas.graph.shapes import Shape, ShapeError, numel
from netcanvas.layers import lookup
from netcanvas.layers.registry import Cost, InferContext, Layer, UnknownShape
from netcanvas.layers.validation import describe_invalid

BYTES_PER_ELEMENT = 4


@dataclass(slots=True)
class NodeResult:
    """What the analysis knows about one node.

    The fields are declared in the order of ``to_json``'s keys: the import answer is
    written from the fields themselves (``work._import_answer``).
    """

    name: str
    type: str
    inputs: list[str]
    output_shapes: list[Shape | None]
    params: int = 0
    macs: int = 0
    flops: int = 0
    activation_bytes: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    opaque: bool = False
    inplace: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "inputs": self.inputs,
            "output_shapes": [list(s) if s is not None else None for s in self.output_shapes],
            "params": self.params,
            "macs": self.macs,
            "flops": self.flops,
            "activation_bytes": self.activation_bytes,
            "error": self.error,
            "warnings": self.warnings,
            "opaque": self.opaque,
            "inplace": self.inplace,
        }


@dataclass(slots=True)
class Analysis:
    """The result for a whole graph: nodes in topological order plus totals."""

    name: str
    nodes: list[NodeResult]
    notes: list[str] = field(default_factory=list)  # the reader's warnings about the file
    unattributed: list[str] = field(default_factory=list)  # learnable tensors of no layer
    _by_name: dict[str, NodeResult] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {n.name: n for n in self.nodes}

    def __getitem__(self, name: str) -> NodeResult:
        return self._by_name[name]

    def get(self, name: str) -> NodeResult | None:
        return self._by_name.get(name)

    @property
    def params(self) -> int:
        return sum(n.params for n in self.nodes)

    @property
    def macs(self) -> int:
        return sum(n.macs for n in self.nodes)

    @property
    def activation_bytes(self) -> int:
        return sum(n.activation_bytes for n in self.nodes)

    @property
    def errors(self) -> list[str]:
        return [f"{n.name}: {n.error}" for n in self.nodes if n.error]

    @property
    def unknown(self) -> list[str]:
        """Layers whose output shape is unknown (their costs are then unknown too)."""
        return [n.name for n in self.nodes if None in n.output_shapes]

    @property
    def complete(self) -> bool:
        """Whether the totals are exact: every shape known, every learnable tensor counted."""
        return not self.unknown and not self.unattributed and self.ok

    @property
    def incomplete_reasons(self) -> list[str]:
        reasons = []
        unknown = self.unknown
        if unknown:
            shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
            reasons.append(
                f"the totals are a lower bound: {len(unknown)} layer(s) have an unknown "
                f"output shape ({shown})"
            )
        if self.unattributed:
            shown = "; ".join(self.unattributed[:5]) + (
                "; ..." if len(self.unattributed) > 5 else ""
            )
            reasons.append(
                f"the totals are a lower bound: {len(self.unattributed)} learnable tensor(s) "
                f"of the file belong to no layer ({shown})"
            )
        return reasons

    @property
    def warnings(self) -> list[str]:
        return [
            *self.notes,
            *(f"{n.name}: {w}" for n in self.nodes for w in n.warnings),
            *self.incomplete_reasons,
        ]

    @property
    def ok(self) -> bool:
        return not any(n.error for n in self.nodes)

    def to_json(self) -> dict[str, Any]:
        """The object ``netcanvas summary --json`` prints and ``/api/analyze`` returns."""
        return self.around([n.to_json() for n in self.nodes])

    def around(self, nodes: list[Any]) -> dict[str, Any]:
        """``to_json`` with ``nodes`` in place of the nodes' objects: an encoder that
        writes a NodeResult's fields in their order (which is ``NodeResult.to_json``'s)
        is given the results themselves, and no dict is built per node."""
        return {
            "name": self.name,
            "nodes": nodes,
            "totals": {
                "params": self.params,
                "macs": self.macs,
                "flops": sum(n.flops for n in self.nodes),
                "activation_bytes": self.activation_bytes,
                "complete": self.complete,
            },
            "errors": self.errors,
            "warnings": self.warnings,
        }


# A reader's hook run on each node once its input shapes are known and before its rules:
# it may settle what the file leaves to the input (Caffe's BatchNorm rank, PReLU channels).
Settle = Callable[[Node, list[Shape | None]], None]


def analyze(graph: Graph, settle: Settle | None = None) -> Analysis:
    """Infer every node's output shapes and costs; never raises on a bad graph.

    ``settle``, if given, sees each node with its input shapes first (in topological
    order, so what it changes upstream is known downstream): one pass settles a file and
    analyses it.
    """
    structure = analyse_structure(graph)
    first: dict[str, Node] = {}
    for node in graph.nodes:
        first.setdefault(node.name, node)
    known: dict[str, list[Shape | None]] = {}
    results: list[NodeResult] = []
    errors, refs_of = structure.errors, structure.refs
    seen: dict[tuple[Any, ...], NodeResult | bool] = {}
    for name in structure.order:
        node = first[name]
        refs = refs_of[name]
        if settle is not None:
            settle(node, _input_shapes(refs, known))
        result = None if name in errors else _as_before(node, refs, known, seen)
        if result is None:
            result = analyse_node(node, refs, errors.get(name), known)
        known[name] = result.output_shapes
        results.append(result)
    # A duplicated name is reported on the first node; later copies are not analysed.
    unattributed = graph.unattributed or graph.meta.get("unattributed") or []
    return Analysis(graph.name, results, list(graph.warnings), [str(u) for u in unattributed])


def analyse_node(
    node: Node,
    refs: list[Any],
    problems: list[str] | None,
    known: dict[str, list[Shape | None]],
) -> NodeResult:
    """One node's result from its structural problems and its producers' outputs."""
    result = NodeResult(node.name, node.type, list(node.inputs), [], inplace=node.inplace)
    if problems:
        result.error = "; ".join(problems)
    _infer_node(node, result, refs, known)
    if node.weights:
        result.params += sum(numel(tuple(s)) for s in node.weights.values())
    if node.tied:
        tied = sum(numel(tuple(s)) for s in node.tied.values())
        result.params = max(0, result.params - tied)
    return result


def _as_before(
    node: Node,
    refs: list[Any],
    known: dict[str, list[Shape | None]],
    seen: dict[tuple[Any, ...], NodeResult | bool],
) -> NodeResult | None:
    """The result of a node like one met before, or None when analyse_node must say.

    A node with no structural problem, no declared shapes or tensors of its own, a known
    type, valid settings and known inputs has a result that is a function of its type,
    settings, ``inplace`` and input shapes alone: a large model repeats a few of those
    thousands of times. The first of each is analysed as any node is and its result
    copied for the rest, so the two ways cannot differ (tests/test_analysis_reuse.py
    checks it anyway). Settings are told apart by repr(), as Layer.settings tells them
    apart (1, 1.0, True and "1" differ), without validating them again.
    """
    if node.output_shapes or node.weights or node.tied:
        return None
    shapes = []
    for ref in refs:
        produced = known.get(ref.node) if ref is not None else None
        if produced is None or ref.index >= len(produced) or produced[ref.index] is None:
            return None  # an error naming the producer, or an unknown shape: the long way
        shapes.append(produced[ref.index])
    key = (node.type, repr(node.params), node.inplace, tuple(shapes))
    like = seen.get(key)
    if like is None:
        spec = lookup(node.type)
        try:
            valid = spec is not None and spec.settings(node.params, node.inplace) is not None
        except ValidationError:
            valid = False
        if not valid:  # opaque or invalid: every such node goes the long way
            seen[key] = False
            return None
        seen[key] = result = analyse_node(node, refs, None, known)
        return result
    if not isinstance(like, NodeResult):
        return None
    return NodeResult(
        node.name,
        node.type,
        list(node.inputs),
        list(like.output_shapes),
        like.params,
        like.macs,
        like.flops,
        like.activation_bytes,
        like.error,
        list(like.warnings),
        like.opaque,
        like.inplace,
    )


def _input_shapes(refs: list[Any], known: dict[str, list[Shape | None]]) -> list[Shape | None]:
    shapes: list[Shape | None] = []
    for ref in refs:
        produced = known.get(ref.node) if ref is not None else None
        index = ref.index if ref is not None else 0
        shapes.append(produced[index] if produced is not None and index < len(produced) else None)
    return shapes


def _infer_node(
    node: Node, result: NodeResult, refs: list[Any], known: dict[str, list[Shape | None]]
) -> None:
    spec = lookup(node.type)
    declared = _declared_shapes(node, result)
    if spec is None:
        result.opaque = True
        if not declared:  # with declared shapes an opaque node costs the totals nothing
            result.warnings.append(
                f"type '{node.type}' is not a layer type netcanvas knows and no output shape "
                "is declared for it: its output shape is unknown"
            )
        result.output_shapes = list(declared) if declared else [None]
        result.params = _declared_params(node)
        return
    params = _validate(spec, node, result)
    # PyTorch's inplace=True given as a setting is the layer-level flag (DESIGN 4).
    result.inplace = result.inplace or (
        params is not None and params.__dict__.get("inplace", False) is True
    )
    outputs = spec.num_outputs(params) if params is not None else 1
    result.output_shapes = [None] * outputs
    if result.error is None and not spec.min_inputs <= len(refs) <= (
        spec.max_inputs if spec.max_inputs is not None else len(refs)
    ):
        result.error = f"{node.type} takes {spec.arity_text()} input(s), got {len(refs)}"
    if result.error is not None or params is None:
        return
    inputs: list[Shape] = []
    for ref in refs:
        produced = known.get(ref.node) if ref is not None else None
        if produced is not None and ref.index >= len(produced):
            result.error = (
                f"'{ref.node}' has {len(produced)} output(s); there is no output {ref.index}"
            )
            return
        shape = produced[ref.index] if produced is not None else None
        if shape is None:
            return  # upstream is unknown: so is this node, and that is not its fault
        inputs.append(shape)
    if declared:
        result.output_shapes = list(declared)
        return
    _run_rules(spec, params, inputs, result)


# What a layer's rules gave: output shapes and cost, or the warning / error that stopped
# them, and the rules' own warnings.
_Outcome = tuple[list[Shape] | None, Cost | None, list[str], str | None]
# Rules see only the settings and the input shapes (registry.InferContext), so their
# outcome is a function of the two: a large model repeats a few (settings, shapes) pairs
# thousands of times (every block of a ResNet), and each is worked out once. Keyed by the
# settings' identity (Layer.settings gives one frozen instance per distinct settings),
# which the value holds so the identity cannot be reused while the entry lives.
_OUTCOMES: dict[tuple[str, int, int, tuple[Shape, ...]], tuple[Any, _Outcome]] = {}
_OUTCOMES_KEPT = 20_000


def _run_rules(spec: Layer[Any], params: Any, inputs: list[Shape], result: NodeResult) -> None:
    key = (spec.type, id(params), len(result.output_shapes), tuple(inputs))
    kept = _OUTCOMES.get(key)
    if kept is None:
        if len(_OUTCOMES) >= _OUTCOMES_KEPT:
            _OUTCOMES.clear()
        kept = _OUTCOMES[key] = (params, _rules(spec, params, inputs, len(result.output_shapes)))
    outputs, cost, warnings, error = kept[1]
    if error is not None:
        result.error = error
        return
    result.warnings.extend(warnings)
    if outputs is None or cost is None:
        return
    result.output_shapes = list(outputs)
    result.params, result.macs, result.flops = cost.params, cost.macs, cost.flops
    if not result.inplace:
        result.activation_bytes = sum(numel(s) for s in outputs) * BYTES_PER_ELEMENT


def _rules(spec: Layer[Any], params: Any, inputs: list[Shape], expected: int) -> _Outcome:
    ctx: InferContext[Any] = InferContext(params, inputs)
    try:
        outputs = spec.infer(ctx)
        if len(outputs) != expected:
            raise ShapeError(f"produced {len(outputs)} outputs, expected {expected}")
        for out in outputs:
            if any(d <= 0 for d in out):
                raise ShapeError(f"would produce an empty tensor ({'×'.join(map(str, out))})")
        ctx.outputs = list(outputs)
        cost = spec.cost(ctx)
    except UnknownShape as unknown:
        return None, None, [str(unknown)], None
    except ShapeError as problem:
        return None, None, [], str(problem)
    except Exception as bug:  # a rule's own bug must not take the whole analysis down
        return None, None, [], f"internal error in {spec.type} rules: {type(bug).__name__}: {bug}"
    return list(ctx.outputs), cost, list(ctx.warnings), None


def _validate(spec: Layer[Any], node: Node, result: NodeResult) -> Any:
    try:
        return spec.settings(node.params, node.inplace)
    except ValidationError as invalid:
        result.error = describe_invalid(invalid)
        return None


def _declared_params(node: Node) -> int:
    """An opaque layer's learnable parameters as its source counted them (``meta.params``:
    a traced module's own tensors), so a model's total never drops what no type describes."""
    count = node.meta.get("params", 0)
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0


def _declared_shapes(node: Node, result: NodeResult) -> list[Shape] | None:
    if not node.output_shapes:
        return None
    shapes = [tuple(int(d) for d in s) for s in node.output_shapes]
    result.activation_bytes = sum(numel(s) for s in shapes) * BYTES_PER_ELEMENT
    return shapes
