"""From a drawn network and a data set to what the loop trains: the model part of the
graph (training-only layers set aside), its loss, and every reason it cannot train, said
in a sentence that names what to change."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from netcanvas.analysis import Analysis, analyze
from netcanvas.formats.base import UnsupportedError
from netcanvas.graph.model import Graph, Node, parse_ref
from netcanvas.graph.shapes import fmt
from netcanvas.layers import lookup
from netcanvas.train.datasets import Dataset, check_input_shape

LossKind = Literal["cross_entropy", "mse", "bce_with_logits"]
_LOSSES: dict[str, LossKind] = {
    "CrossEntropyLoss": "cross_entropy",
    "MSELoss": "mse",
    "BCEWithLogitsLoss": "bce_with_logits",
}


class TrainError(ValueError):
    """The network and the data cannot train together; the message says what to change."""


@dataclass
class Prepared:
    """The model graph at the training batch size, its analysis, and the loss to use."""

    graph: Graph
    analysis: Analysis
    input_name: str
    output: str  # the node (``name`` or ``name:k``) whose output is the prediction
    loss: LossKind
    loss_params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def prepare(graph: Graph, dataset: Dataset, batch_size: int) -> Prepared:
    """Check the pair and cut the graph down to the model the optimiser will see."""
    first = analyze(graph)
    if first.errors:
        raise TrainError("the network has errors: " + "; ".join(first.errors))
    model = copy.deepcopy(graph)
    notes: list[str] = []
    loss_node = next((n for n in model.nodes if n.type in _LOSSES), None)
    training_only = {n.name for n in model.nodes if _category(n) == "loss"}
    output = _prediction(model, loss_node, training_only)
    label_inputs = _label_inputs(model, training_only)
    model.nodes = [n for n in model.nodes if n.name not in training_only | label_inputs]
    if training_only:
        notes.append("set aside for training: " + ", ".join(sorted(training_only)))
    inputs = [n for n in model.nodes if n.type == "Input"]
    if len(inputs) != 1:
        names = ", ".join(n.name for n in inputs) or "none"
        raise TrainError(f"training needs exactly one data input; the network has: {names}")
    data_input = inputs[0]
    declared = data_input.params.get("shape")
    problem = check_input_shape(dataset.input_shape, declared)
    if problem:
        raise TrainError(problem)
    data_input.params["shape"] = [batch_size, *dataset.input_shape[1:]]
    analysis = analyze(model)
    if analysis.errors:
        raise TrainError(
            f"at batch size {batch_size} the network has errors (does a layer fix the batch "
            "size? use -1 for it): " + "; ".join(analysis.errors)
        )
    if analysis.params == 0:
        raise TrainError("the network has no learnable parameters: there is nothing to train")
    kind = _LOSSES[loss_node.type] if loss_node else _task_loss(dataset)
    params = dict(loss_node.params) if loss_node else {}
    prepared = Prepared(model, analysis, data_input.name, output, kind, params, notes)
    _check_output(prepared, dataset)
    return prepared


def _category(node: Node) -> str | None:
    spec = lookup(node.type)
    return spec.category if spec is not None else None


def _prediction(model: Graph, loss_node: Node | None, training_only: set[str]) -> str:
    if loss_node is not None:
        if not loss_node.inputs:
            raise TrainError(f"the loss layer '{loss_node.name}' has no input")
        return loss_node.inputs[0]
    kept = [n for n in model.nodes if n.name not in training_only and n.type != "Input"]
    if not kept:
        raise TrainError("the network has no layer after its input")
    names = {n.name for n in model.nodes}
    refs = [parse_ref(r, names) for n in kept for r in n.inputs]
    read = {ref.node for ref in refs if ref is not None}
    ends = [n.name for n in kept if n.name not in read]
    if len(ends) != 1:
        raise TrainError("training needs one output layer; the network ends in: " + ", ".join(ends))
    return ends[0]


def _label_inputs(model: Graph, training_only: set[str]) -> set[str]:
    """Inputs read only by training-only layers (a data layer's label top)."""
    readers: dict[str, set[str]] = {}
    names = {n.name for n in model.nodes}
    for node in model.nodes:
        for ref in node.inputs:
            parsed = parse_ref(ref, names)
            if parsed is not None:
                readers.setdefault(parsed.node, set()).add(node.name)
    return {
        n.name
        for n in model.nodes
        if n.type == "Input" and readers.get(n.name) and readers[n.name] <= training_only
    }


def _task_loss(dataset: Dataset) -> LossKind:
    return "cross_entropy" if dataset.task == "classification" else "mse"


def _check_output(prepared: Prepared, dataset: Dataset) -> None:
    ref = parse_ref(prepared.output, {r.name for r in prepared.analysis.nodes})
    if ref is None or prepared.analysis.get(ref.node) is None:
        raise TrainError(f"the prediction '{prepared.output}' is not a layer of the network")
    shape = prepared.analysis[ref.node].output_shapes[ref.index]
    if shape is None:
        raise TrainError(f"the shape of '{prepared.output}' is unknown")
    if prepared.loss == "cross_entropy":
        classes = len(dataset.classes or []) or int(dataset.y.max()) + 1
        if len(shape) != 2 or shape[1] != classes:
            raise TrainError(
                f"'{ref.node}' gives {fmt(shape)} per batch; {dataset.name} has {classes} "
                f"classes: make the last layer give N×{classes} (e.g. out_features: {classes})"
            )
    else:
        targets = dataset.y.shape[1:] if dataset.y.ndim > 1 else (1,)
        if tuple(shape[1:]) != tuple(targets):
            raise TrainError(
                f"'{ref.node}' gives {fmt(shape)} per batch; the targets of {dataset.name} are "
                f"{'×'.join(map(str, targets))} per sample"
            )


def build(prepared: Prepared) -> Any:
    """The live module (torch is imported here, not at import time)."""
    from netcanvas.train.builder import build_module

    try:
        model = build_module(prepared.graph, prepared.analysis)
    except UnsupportedError as refused:
        raise TrainError(str(refused).replace("cannot export to PyTorch", "cannot train")) from None
    if not any(p.requires_grad for p in model.parameters()):
        raise TrainError("the network has no learnable parameters: there is nothing to train")
    return model
