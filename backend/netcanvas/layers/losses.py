"""Losses and metrics: the heads of a training graph (Caffe nets end in them).

A reduced loss or a metric is a scalar, the empty shape ``()``. Nothing here is
learned and nothing counts as MACs. A drawn network often leaves the label out, so
the target input of ``CrossEntropyLoss`` is optional.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, Params, layer

P = TypeVar("P", bound=Params)
Reduction = Literal["mean", "sum", "none"]


def _reduction() -> Any:
    return Field(
        "mean",
        description="'mean' or 'sum' give a scalar; 'none' keeps one loss per element",
    )


class _Loss(Layer[P]):
    """Shared cost: one flop per compared element, nothing learned."""

    def cost(self, ctx: InferContext[P]) -> Cost:
        return Cost(flops=shapes.numel(ctx.input))


class CrossEntropyLossParams(fields.LegacyReduction):
    weight: fields.Floats | None = fields.weights("Rescaling weight of each class, C values")
    reduction: Reduction = _reduction()
    label_smoothing: float = Field(
        0.0, ge=0.0, le=1.0, description="Mass moved from the true class to all classes, [0, 1]"
    )
    ignore_index: int = Field(
        -100,
        description="Target class that contributes nothing; only negative with probabilities",
    )


@layer("loss", aliases=("SoftmaxWithLoss", "SoftmaxCrossEntropyLoss"))
class CrossEntropyLoss(_Loss[CrossEntropyLossParams]):
    """Softmax cross-entropy between class scores (logits) and targets.

    The target is optional: a drawn network often omits the label.

    Input shape: logits ``[N, C]`` or ``[N, C, d1, ...]``; target (optional) class indices
    ``[N]`` / ``[N, d1, ...]``, or class probabilities of the logits' shape.
    Output shape: ``()`` (a scalar) for ``mean`` / ``sum``; ``[N, d1, ...]`` for ``none``.
    """

    Params = CrossEntropyLossParams
    input_names = ("input", "target")
    min_inputs = 1
    max_inputs = 2
    example_inputs = ((8, 10), (8,))

    def infer(self, ctx: InferContext[CrossEntropyLossParams]) -> list[Shape]:
        p = ctx.params
        logits = ctx.input
        if len(logits) < 2:
            ctx.fail(f"expects logits N×C or N×C×d1..., got {shapes.fmt(logits)}")
        per_element = (logits[0], *logits[2:])
        if p.weight is not None and len(p.weight) != logits[1]:
            ctx.fail(
                f"weight has {len(p.weight)} values for the {logits[1]} classes "
                f"(dim 1 of {shapes.fmt(logits)})"
            )
        if len(ctx.inputs) == 2:
            target = ctx.inputs[1]
            if target not in (per_element, logits):
                ctx.fail(
                    f"target {shapes.fmt(target)} does not fit logits {shapes.fmt(logits)}: "
                    f"expected class indices {shapes.fmt(per_element)} "
                    f"or probabilities {shapes.fmt(logits)}"
                )
            if target == logits and p.ignore_index >= 0:
                ctx.fail(
                    f"ignore_index ({p.ignore_index}) needs class-index targets; "
                    f"target {shapes.fmt(target)} holds probabilities"
                )
        return [per_element if p.reduction == "none" else ()]


class MSELossParams(fields.LegacyReduction):
    reduction: Reduction = _reduction()


@layer("loss", aliases=("EuclideanLoss",))
class MSELoss(_Loss[MSELossParams]):
    """Mean squared error between a prediction and a target of the same shape.

    Input shape: prediction ``[N, *]`` and target of the same shape.
    Output shape: ``()`` (a scalar) for ``mean`` / ``sum``; the input shape for ``none``.
    """

    Params = MSELossParams
    input_names = ("input", "target")
    min_inputs = 2
    max_inputs = 2
    example_inputs = ((4, 10), (4, 10))

    def infer(self, ctx: InferContext[MSELossParams]) -> list[Shape]:
        p = ctx.params
        prediction, target = ctx.inputs
        if prediction != target:
            # torch only warns and broadcasts, which is almost always a silent bug.
            ctx.fail(
                f"prediction {shapes.fmt(prediction)} and target {shapes.fmt(target)} "
                "must have the same shape"
            )
        return [prediction if p.reduction == "none" else ()]


class AccuracyParams(Params):
    top_k: fields.PosInt = Field(
        1, description="A sample counts as right when its label is among the k best scores"
    )
    ignore_index: int | None = Field(
        None, description="Label value left out of the count (Caffe's ignore_label)"
    )


@layer("loss")
class Accuracy(_Loss[AccuracyParams]):
    """Classification accuracy: the share of samples whose label is in the top ``k`` scores.

    A metric, not a loss: no gradient flows through it.

    Input shape: scores ``[N, C, d1, ...]``; labels ``[N, d1, ...]``, or any shape with
    ``N·d1·...`` elements as Caffe accepts (``[N, 1, d1, ...]``, ``[N]`` for ``N×C×1×1``).
    The label input may be left undrawn, as for CrossEntropyLoss.
    Output shape: ``()`` (a scalar).
    """

    Params = AccuracyParams
    input_names = ("input", "label")
    min_inputs = 1
    max_inputs = 2
    example_inputs = ((8, 10), (8,))

    def infer(self, ctx: InferContext[AccuracyParams]) -> list[Shape]:
        scores = ctx.inputs[0]
        if len(scores) < 2:
            ctx.fail(f"expects scores N×C or N×C×d1..., got {shapes.fmt(scores)}")
        classes = scores[1]
        if ctx.params.top_k > classes:
            ctx.fail(
                f"top_k ({ctx.params.top_k}) exceeds the {classes} classes "
                f"(dim 1 of {shapes.fmt(scores)})"
            )
        if len(ctx.inputs) == 1:
            return [()]
        labels = ctx.inputs[1]
        per_element = (scores[0], *scores[2:])
        if labels[:1] != scores[:1] or shapes.numel(labels) != shapes.numel(per_element):
            ctx.fail(
                f"labels {shapes.fmt(labels)} do not fit scores {shapes.fmt(scores)}: "
                f"expected {shapes.fmt(per_element)}"
            )
        return [()]
