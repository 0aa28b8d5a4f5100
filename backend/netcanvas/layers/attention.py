"""Attention layers: multi-head attention and the Transformer encoder / decoder layers.

Embedding sizes are read from the inputs: ``embed_dim`` / ``d_model`` is the query's
last dimension and ``kdim`` / ``vdim`` those of the key and value. PyTorch code spells
them out, so they are settings too, checked against the inputs when given.
MACs count every projection and feed-forward Linear plus the two attention matmuls
(Q·Kᵀ and weights·V), N·L·S·E each; softmax, dropout and norms count as 0 MACs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, layer

_BATCH_FIRST = "Tensors are [N, L, E] (true) or [L, N, E] (false)"


@dataclass(frozen=True, slots=True)
class _Sequence:
    """A [N, L, E] tensor read in either layout."""

    batch: int
    length: int
    width: int


def _sequence(ctx: InferContext[Any], role: str, shape: Shape, batch_first: bool) -> _Sequence:
    if len(shape) != 3:
        layout = "[N, L, E]" if batch_first else "[L, N, E] (batch_first false)"
        ctx.fail(f"{role} must be a 3-D sequence {layout}, got {shapes.fmt(shape)}")
    if batch_first:
        return _Sequence(shape[0], shape[1], shape[2])
    return _Sequence(shape[1], shape[0], shape[2])


def _check_heads(ctx: InferContext[Any], setting: str, heads: int, embed: int, what: str) -> None:
    if embed % heads:
        ctx.fail(f"{setting} ({heads}) must divide {what} ({embed})")


def _attention_cost(
    q: _Sequence,
    kv_length: int,
    kdim: int,
    vdim: int,
    *,
    bias: bool,
    add_bias_kv: bool = False,
    add_zero_attn: bool = False,
) -> Cost:
    """What torch.nn.MultiheadAttention learns and computes.

    ``add_bias_kv`` / ``add_zero_attn`` each append one position to the keys and values
    after projection: they widen the two matmuls, not the projections.
    """
    e, n = q.width, q.batch
    extra_keys = int(add_bias_kv) + int(add_zero_attn)
    params = e * (e + kdim + vdim) + e * e + (4 * e if bias else 0) + (2 * e if add_bias_kv else 0)
    projections = n * e * (q.length * e + kv_length * (kdim + vdim) + q.length * e)
    matmuls = 2 * n * q.length * (kv_length + extra_keys) * e
    return Cost(params=params, macs=projections + matmuls)


def _feed_forward_cost(x: _Sequence, hidden: int, *, bias: bool, norms: int) -> Cost:
    """The two feed-forward Linears and the LayerNorms of a Transformer layer."""
    e = x.width
    params = 2 * e * hidden + ((hidden + e) if bias else 0) + norms * (2 * e if bias else e)
    return Cost(params=params, macs=2 * x.batch * x.length * e * hidden)


def _add(*costs: Cost) -> Cost:
    return Cost(
        params=sum(c.params for c in costs),
        macs=sum(c.macs for c in costs),
        flops=sum(c.flops for c in costs),
    )


class MultiheadAttentionParams(fields.FactoryKwargs):
    num_heads: fields.PosInt = Field(8, description="Parallel heads; must divide embed_dim")
    dropout: float = Field(0.0, ge=0.0, le=1.0, description="Dropout on the attention weights")
    bias: bool = Field(True, description="Learn biases in the input and output projections")
    add_bias_kv: bool = Field(False, description="Append a learned bias position to key and value")
    add_zero_attn: bool = Field(
        False, description="Append a zero position to key and value after projection"
    )
    batch_first: bool = Field(True, description=_BATCH_FIRST)
    embed_dim: fields.InferredSize = fields.inferred("Model width E (the query's last dim)")
    kdim: fields.InferredSize = fields.inferred("Key width (the key's last dim; E by default)")
    vdim: fields.InferredSize = fields.inferred("Value width (the value's last dim; E by default)")


@layer("attention", aliases=("MultiHeadAttention", "MHA"))
class MultiheadAttention(Layer[MultiheadAttentionParams]):
    """Multi-head scaled dot-product attention with input and output projections.

    One input is self-attention (query = key = value); three are query, key and value.
    ``embed_dim`` E is the query's last dimension, ``kdim`` and ``vdim`` the key's and
    value's. Learnable parameters: E·(E + kdim + vdim) input projections, E·E output
    projection, 4·E biases with ``bias``, 2·E with ``add_bias_kv``. MACs =
    N·E·(2·L·E + S·(kdim + vdim)) for the projections plus 2·N·L·S'·E for Q·Kᵀ and
    weights·V, where S' = S + 1 per ``add_bias_kv`` / ``add_zero_attn``.

    Input shape: ``query`` ``[N, L, E]``, optional ``key`` ``[N, S, kdim]`` and ``value``
    ``[N, S, vdim]`` (``[L, N, E]`` / ``[S, N, ·]`` when ``batch_first`` is false).
    Output shape: ``output`` like the query, ``weights`` ``[N, L, S']`` averaged over
    heads.
    """

    Params = MultiheadAttentionParams
    input_names = ("query", "key", "value")
    min_inputs = 1
    max_inputs = 3
    output_names = ("output", "weights")
    example_inputs = ((2, 10, 64),)

    def _read(
        self, ctx: InferContext[MultiheadAttentionParams]
    ) -> tuple[_Sequence, _Sequence, _Sequence]:
        p = ctx.params
        if len(ctx.inputs) == 2:
            ctx.fail("takes 1 input (self-attention) or 3 (query, key, value), got 2")
        given = ctx.inputs if len(ctx.inputs) == 3 else [ctx.input] * 3
        q, k, v = (
            _sequence(ctx, role, shape, p.batch_first)
            for role, shape in zip(self.input_names, given, strict=True)
        )
        for setting, role, seq, shape in zip(
            ("embed_dim", "kdim", "vdim"), self.input_names, (q, k, v), given, strict=True
        ):
            ctx.inferred(setting, seq.width, f"the last dim of the {role} {shapes.fmt(shape)}")
        _check_heads(ctx, "num_heads", p.num_heads, q.width, "embed_dim, the query's last dim")
        if not q.batch == k.batch == v.batch:
            ctx.fail(
                f"query, key and value batch sizes differ: {shapes.fmt(given[0])}, "
                f"{shapes.fmt(given[1])}, {shapes.fmt(given[2])}"
            )
        if k.length != v.length:
            ctx.fail(
                f"key and value lengths differ: key {shapes.fmt(given[1])}, "
                f"value {shapes.fmt(given[2])}"
            )
        return q, k, v

    def infer(self, ctx: InferContext[MultiheadAttentionParams]) -> list[Shape]:
        q, k, _ = self._read(ctx)
        # add_bias_kv and add_zero_attn each append one key position.
        keys = k.length + int(ctx.params.add_bias_kv) + int(ctx.params.add_zero_attn)
        return [ctx.input, (q.batch, q.length, keys)]

    def cost(self, ctx: InferContext[MultiheadAttentionParams]) -> Cost:
        p = ctx.params
        q, k, v = self._read(ctx)
        return _attention_cost(
            q,
            k.length,
            k.width,
            v.width,
            bias=p.bias,
            add_bias_kv=p.add_bias_kv,
            add_zero_attn=p.add_zero_attn,
        )


class TransformerEncoderLayerParams(fields.FactoryKwargs):
    nhead: fields.PosInt = Field(8, description="Attention heads; must divide d_model")
    dim_feedforward: fields.PosInt = Field(
        2048, description="Hidden size of the feed-forward network"
    )
    dropout: float = Field(0.1, ge=0.0, le=1.0, description="Dropout probability")
    activation: Literal["relu", "gelu"] = Field(
        "relu", description="Activation of the feed-forward network"
    )
    layer_norm_eps: float = Field(1e-5, gt=0.0, description="Epsilon of the LayerNorms")
    batch_first: bool = Field(True, description=_BATCH_FIRST)
    norm_first: bool = Field(
        False, description="LayerNorm before attention and feed-forward (pre-norm)"
    )
    bias: bool = Field(True, description="Learn biases in the Linears and LayerNorms")
    d_model: fields.InferredSize = fields.inferred("Model width E (the input's last dim)")


class TransformerDecoderLayerParams(TransformerEncoderLayerParams):
    """The decoder's settings are the encoder's."""


@layer("attention")
class TransformerEncoderLayer(Layer[TransformerEncoderLayerParams]):
    """Transformer encoder layer: self-attention and a feed-forward network, each residual.

    ``d_model`` E is the input's last dimension; F = ``dim_feedforward``. Learnable
    parameters: self-attention 4·E·E (+ 4·E biases), feed-forward 2·E·F (+ F + E
    biases), two LayerNorms of 2·E (E without ``bias``). MACs = N·T·(4·E·E + 2·T·E +
    2·E·F).

    Input shape: ``[N, T, E]`` (``[T, N, E]`` when ``batch_first`` is false).
    Output shape: same as the input.
    """

    Params = TransformerEncoderLayerParams
    input_names = ("src",)
    example_inputs = ((2, 10, 64),)
    example_params = {"nhead": 4, "dim_feedforward": 128}

    def _read(self, ctx: InferContext[TransformerEncoderLayerParams]) -> _Sequence:
        x = _sequence(ctx, "src", ctx.input, ctx.params.batch_first)
        ctx.inferred("d_model", x.width, f"the last dim of src {shapes.fmt(ctx.input)}")
        _check_heads(ctx, "nhead", ctx.params.nhead, x.width, "d_model, the input's last dim")
        return x

    def infer(self, ctx: InferContext[TransformerEncoderLayerParams]) -> list[Shape]:
        self._read(ctx)
        return [ctx.input]

    def cost(self, ctx: InferContext[TransformerEncoderLayerParams]) -> Cost:
        p = ctx.params
        x = self._read(ctx)
        return _add(
            _attention_cost(x, x.length, x.width, x.width, bias=p.bias),
            _feed_forward_cost(x, p.dim_feedforward, bias=p.bias, norms=2),
        )


@layer("attention")
class TransformerDecoderLayer(Layer[TransformerDecoderLayerParams]):
    """Transformer decoder layer: self-attention, attention to a memory, feed-forward.

    Each of the three blocks is residual.

    ``d_model`` E is the target's last dimension and the memory's must match; F =
    ``dim_feedforward``. Learnable parameters: two attentions of 4·E·E (+ 4·E biases),
    feed-forward 2·E·F (+ F + E biases), three LayerNorms of 2·E (E without ``bias``).
    MACs = N·(T·(4·E·E + 2·T·E) + 2·T·E·E + 2·S·E·E + 2·T·S·E + 2·T·E·F).

    Input shape: ``tgt`` ``[N, T, E]`` and ``memory`` ``[N, S, E]`` (``[T, N, E]`` and
    ``[S, N, E]`` when ``batch_first`` is false).
    Output shape: same as ``tgt``.
    """

    Params = TransformerDecoderLayerParams
    input_names = ("tgt", "memory")
    min_inputs = 2
    max_inputs = 2
    example_inputs = ((2, 10, 64), (2, 12, 64))
    example_params = {"nhead": 4, "dim_feedforward": 128}

    def _read(
        self, ctx: InferContext[TransformerDecoderLayerParams]
    ) -> tuple[_Sequence, _Sequence]:
        p = ctx.params
        tgt = _sequence(ctx, "tgt", ctx.inputs[0], p.batch_first)
        memory = _sequence(ctx, "memory", ctx.inputs[1], p.batch_first)
        ctx.inferred("d_model", tgt.width, f"the last dim of tgt {shapes.fmt(ctx.inputs[0])}")
        _check_heads(ctx, "nhead", p.nhead, tgt.width, "d_model, the target's last dim")
        if memory.width != tgt.width:
            ctx.fail(
                f"memory must have the target's d_model ({tgt.width}) as its last dim: "
                f"tgt {shapes.fmt(ctx.inputs[0])}, memory {shapes.fmt(ctx.inputs[1])}"
            )
        if memory.batch != tgt.batch:
            ctx.fail(
                f"tgt and memory batch sizes differ: tgt {shapes.fmt(ctx.inputs[0])}, "
                f"memory {shapes.fmt(ctx.inputs[1])}"
            )
        return tgt, memory

    def infer(self, ctx: InferContext[TransformerDecoderLayerParams]) -> list[Shape]:
        self._read(ctx)
        return [ctx.inputs[0]]

    def cost(self, ctx: InferContext[TransformerDecoderLayerParams]) -> Cost:
        p = ctx.params
        tgt, memory = self._read(ctx)
        e = tgt.width
        return _add(
            _attention_cost(tgt, tgt.length, e, e, bias=p.bias),
            _attention_cost(tgt, memory.length, e, e, bias=p.bias),
            _feed_forward_cost(tgt, p.dim_feedforward, bias=p.bias, norms=3),
        )
