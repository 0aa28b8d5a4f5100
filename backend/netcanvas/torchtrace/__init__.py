"""A live PyTorch module as a netcanvas document: ``nc.from_torch(model, *inputs)``.

    >>> import torch, netcanvas as nc
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU())
    >>> doc = nc.from_torch(model, torch.randn(1, 3, 32, 32))
    >>> doc.summary().to_dict()["totals"]["params"]
    224

Runs one forward pass (in ``torch.no_grad``, the model's own mode) and draws what ran:
standard ``torch.nn`` modules as their layer types with their settings, functional calls
and tensor methods as theirs, anything else as an opaque layer with the shapes torch
produced. Every layer carries its ``scope`` (the path of the module it sits in) and
``view.scopes`` names each scope's class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netcanvas.pyapi import Document

if TYPE_CHECKING:
    from torch import nn

__all__ = ["TracedDocument", "from_torch"]


def _on_meta(model: nn.Module) -> nn.Module:
    """A copy of the module tree whose parameters and buffers are storage-less meta
    tensors of the same shapes (the model's own tensors are never copied)."""
    import copy

    import torch

    memo: dict[int, Any] = {}
    for p in model.parameters():
        memo[id(p)] = torch.nn.Parameter(p.to("meta"), requires_grad=p.requires_grad)
    for b in model.buffers():
        memo[id(b)] = b.to("meta")
    copied: nn.Module = copy.deepcopy(model, memo)
    return copied


def _meta_value(x: Any) -> Any:
    import torch

    return x.to("meta") if isinstance(x, torch.Tensor) else x


class TracedDocument(Document):
    """A document traced from a live module; ``observed`` holds the output shapes torch
    produced per layer, ``error`` what ``forward`` raised (None when it finished)."""

    observed: dict[str, list[list[int]]]
    error: BaseException | None
    output: Any
    # layer -> names of the model's parameters it holds (functional calls such as
    # F.linear(x, self.qkv.weight, self.qkv.bias)); a module layer's are its own
    weights: dict[str, list[str]]


def from_torch(
    model: nn.Module, *example_inputs: Any, depth: int | None = None, meta: bool | None = None
) -> TracedDocument:
    """Trace ``model`` on ``example_inputs`` into a document.

    ``depth`` (when given) is the figure's default depth: scopes deeper than it are drawn
    as one box (``doc.render(path, depth=...)`` overrides it).

        >>> doc = nc.from_torch(torchvision.models.resnet18(), torch.randn(1, 3, 224, 224))
        >>> doc.render("resnet18.svg", depth=1)

    ``meta``: trace a copy of the model on PyTorch's ``meta`` device, where nothing is
    computed (ResNet-50 in a few hundredths of a second instead of its forward pass);
    the default tries that and traces the real model when the meta pass cannot say
    everything (it raised: data-dependent code; or a constant tensor's values are
    needed to rebuild the model). ``meta=False`` always runs the real forward pass.

    A layer whose inferred shape differs from the one torch produced is reported as a
    warning of the document (never silently drawn wrong).
    """
    from netcanvas.analysis import analyze
    from netcanvas.torchtrace.recorder import Recorder

    recorder: Recorder | None = None
    if meta is not False:
        recorder = Recorder(_on_meta(model))
        output, failure = recorder.run(tuple(_meta_value(x) for x in example_inputs))
        needs_values = any(n.type == "Constant" and "data" not in n.params for n in recorder.graph)
        if meta is None and (failure is not None or needs_values or recorder.slips):
            recorder = None
    if recorder is None:
        recorder = Recorder(model)
        output, failure = recorder.run(tuple(example_inputs))
    graph = recorder.graph
    graph.meta["source"] = "torch: the path one forward pass took with the example inputs"
    if depth is not None:
        graph.view.setdefault("style", {})["depth"] = depth
    analysis = analyze(graph)
    for node in analysis.nodes:
        own = recorder.module_params.get(node.name)
        if own is not None and node.error is None and own != node.params:
            graph.warnings.append(
                f"{node.name}: the module has {own:,} parameters, the {node.type} type counts "
                f"{node.params:,}"
            )
        seen = recorder.observed.get(node.name)
        drawn = [list(s) if s is not None else None for s in node.output_shapes]
        if seen is not None and node.error is None and seen and drawn[: len(seen)] != seen:
            graph.warnings.append(
                f"{node.name}: torch produced {seen}, the {node.type} rule {drawn}"
            )
    if len(graph.warnings) != len(analysis.notes):
        analysis.notes = list(graph.warnings)
    doc = TracedDocument(graph, analysis)
    doc.observed = recorder.observed
    doc.error = failure
    doc.output = output
    doc.weights = recorder.weights
    return doc
