"""Fully connected layers and embeddings."""

from __future__ import annotations

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, Params, layer


class LinearParams(Params):
    out_features: fields.PosInt = Field(128, description="Size of each output vector")
    bias: bool = Field(True, description="Learn an additive bias")
    in_features: fields.PosInt | None = Field(
        None, description="Expected input size; empty = read from the input (checked if set)"
    )


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
        expected = ctx.params.in_features
        if expected is not None and ctx.input[-1] != expected:
            ctx.fail(
                f"in_features is {expected} but the input {shapes.fmt(ctx.input)} "
                f"has {ctx.input[-1]} features in its last dim"
            )
        return [(*ctx.input[:-1], ctx.params.out_features)]

    def cost(self, ctx: InferContext[LinearParams]) -> Cost:
        p = ctx.params
        fan_in = ctx.input[-1]
        params = fan_in * p.out_features + (p.out_features if p.bias else 0)
        return Cost(params=params, macs=shapes.numel(ctx.outputs[0]) * fan_in)


class EmbeddingParams(Params):
    num_embeddings: fields.PosInt = Field(10000, description="Vocabulary size")
    embedding_dim: fields.PosInt = Field(128, description="Size of each embedding vector")
    padding_idx: int | None = Field(
        None, description="Index whose vector stays zero and gets no gradient"
    )


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
