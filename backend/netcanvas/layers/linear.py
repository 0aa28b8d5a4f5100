"""Fully connected layers and embeddings."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, layer


class LinearParams(fields.FactoryKwargs):
    out_features: fields.PosInt = Field(128, description="Size of each output vector")
    bias: bool = Field(True, description="Learn an additive bias")
    in_features: fields.InferredSize = fields.inferred("Input features (the last dim)")


@layer("linear", aliases=("Dense", "InnerProduct", "FullyConnected", "Gemm"))
class Linear(Layer[LinearParams]):
    """Fully connected layer, applied to the last dimension.

    Input shape: ``[*, in_features]`` (``in_features`` is read from the input).
    Output shape: ``[*, out_features]``.
    """

    Params = LinearParams

    def infer(self, ctx: InferContext[LinearParams]) -> list[Shape]:
        if len(ctx.input) < 2:
            ctx.fail(f"expects at least [N, features], got {shapes.fmt(ctx.input)}")
        ctx.inferred("in_features", ctx.input[-1], f"the last dim of {shapes.fmt(ctx.input)}")
        return [(*ctx.input[:-1], ctx.params.out_features)]

    def cost(self, ctx: InferContext[LinearParams]) -> Cost:
        p = ctx.params
        fan_in = ctx.input[-1]
        params = fan_in * p.out_features + (p.out_features if p.bias else 0)
        return Cost(params=params, macs=shapes.numel(ctx.outputs[0]) * fan_in)


class EmbeddingParams(fields.FactoryKwargs):
    # torch's private _weight / _freeze (a pretrained table and whether it learns) are
    # values, not settings: a document has no tensor to give, and from_pretrained is code.
    num_embeddings: fields.PosInt = Field(10000, description="Vocabulary size")
    embedding_dim: fields.PosInt = Field(128, description="Size of each embedding vector")
    padding_idx: int | None = Field(
        None, description="Index whose vector stays zero and gets no gradient"
    )
    max_norm: Annotated[float, Field(gt=0.0)] | None = Field(
        None, description="Looked-up vectors longer than this are renormalised to it (in place)"
    )
    norm_type: float = Field(2.0, description="The p of the p-norm max_norm measures")
    scale_grad_by_freq: bool = fields.torch_only(
        False, "Scale gradients by the inverse frequency of the words in the batch"
    )
    sparse: bool = fields.torch_only(False, "Give the table a sparse gradient")


@layer("linear", aliases=("Embed",))
class Embedding(Layer[EmbeddingParams]):
    """Lookup table from integer token indices to dense vectors.

    Input shape: ``[*]`` of integer indices (e.g. ``[N, T]``).
    Output shape: ``[*, embedding_dim]``.
    """

    Params = EmbeddingParams
    example_inputs = ((1, 12),)

    def infer(self, ctx: InferContext[EmbeddingParams]) -> list[Shape]:
        p = ctx.params
        if p.padding_idx is not None and not -p.num_embeddings <= p.padding_idx < p.num_embeddings:
            ctx.fail(f"padding_idx {p.padding_idx} is outside the vocabulary")
        return [(*ctx.input, p.embedding_dim)]

    def cost(self, ctx: InferContext[EmbeddingParams]) -> Cost:
        return Cost(params=ctx.params.num_embeddings * ctx.params.embedding_dim)
