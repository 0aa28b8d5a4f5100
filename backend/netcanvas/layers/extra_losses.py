"""Losses beyond the common ones: sigmoid cross-entropy and the siamese contrastive loss."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import InferContext, Layer, Params, layer


class BCEWithLogitsParams(fields.LegacyReduction):
    weight: fields.Floats | None = fields.weights(
        "Rescaling weight of each element's loss, broadcast over the last dim (1 or its size)"
    )
    reduction: Literal["mean", "sum", "none"] = Field(
        "mean", description="Average, sum, or keep the per-element losses"
    )
    pos_weight: fields.Floats | None = fields.weights(
        "Weight of the positive examples per class, broadcast over the last dim (1 or its size)"
    )


@layer("loss", aliases=("SigmoidCrossEntropyLoss",))
class BCEWithLogitsLoss(Layer[BCEWithLogitsParams]):
    """Binary cross-entropy on logits (a sigmoid folded into the loss).

    Input shape: logits and targets of the same shape (the target may be omitted).
    Output shape: ``()`` (a scalar), or the input shape with ``reduction: none``.
    """

    Params = BCEWithLogitsParams
    input_names = ("input", "target")
    max_inputs = 2

    def infer(self, ctx: InferContext[BCEWithLogitsParams]) -> list[Shape]:
        width = ctx.input[-1] if ctx.input else 1
        for setting in ("weight", "pos_weight"):
            values = getattr(ctx.params, setting)
            if values is not None and len(values) not in (1, width):
                ctx.fail(
                    f"{setting} has {len(values)} values: it broadcasts over the last dim of "
                    f"{shapes.fmt(ctx.input)}, so it needs 1 or {width}"
                )
        if len(ctx.inputs) == 2 and shapes.numel(ctx.inputs[0]) != shapes.numel(ctx.inputs[1]):
            ctx.fail(
                f"target {shapes.fmt(ctx.inputs[1])} must have as many elements as "
                f"the logits {shapes.fmt(ctx.inputs[0])}"
            )
        return [ctx.input if ctx.params.reduction == "none" else ()]


class ContrastiveParams(Params):
    margin: float = Field(1.0, description="Dissimilar pairs closer than this are penalised")
    legacy_version: bool = Field(False, description="Caffe's older (margin - d²) form")


@layer("loss")
class ContrastiveLoss(Layer[ContrastiveParams]):
    """Siamese-network loss on two feature batches and a same/different label.

    Input shape: features ``[N, D]``, features ``[N, D]``, labels ``[N]`` (or ``[N, 1]``).
    Output shape: ``()`` (a scalar).
    """

    Params = ContrastiveParams
    input_names = ("a", "b", "similar")
    min_inputs = 3
    max_inputs = 3
    example_inputs = ((4, 2), (4, 2), (4,))

    def infer(self, ctx: InferContext[ContrastiveParams]) -> list[Shape]:
        a, b, label = ctx.inputs
        if tuple(a) != tuple(b):
            ctx.fail(f"the two feature inputs differ: {shapes.fmt(a)} and {shapes.fmt(b)}")
        if shapes.numel(label) != a[0]:
            ctx.fail(f"labels {shapes.fmt(label)} must give one value per item of {a[0]}")
        return [()]
