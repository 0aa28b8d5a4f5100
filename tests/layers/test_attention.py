"""Attention layers beyond the torch oracle: layouts and node-pinned errors."""

from __future__ import annotations

from netcanvas.analysis import Analysis, analyze
from netcanvas.formats import native


def _run(text: str) -> Analysis:
    return analyze(native.load("netcanvas: 1\nlayers:\n" + text))


def test_cross_attention_shapes_with_other_key_and_value_sizes() -> None:
    result = _run(
        """
  - {name: q, type: Input, shape: [2, 5, 16]}
  - {name: k, type: Input, shape: [2, 9, 6]}
  - {name: v, type: Input, shape: [2, 9, 3]}
  - {name: mha, type: MultiheadAttention, num_heads: 4, add_zero_attn: true,
     inputs: [q, k, v]}
"""
    )["mha"]
    assert result.error is None
    # One appended zero position: the weights see S + 1 = 10 keys.
    assert result.output_shapes == [(2, 5, 16), (2, 5, 10)]
    # E=16, kdim=6, vdim=3: projections 16·16 + 16·6 + 16·3 + out 16·16, biases 4·16.
    assert result.params == 256 + 96 + 48 + 256 + 64
    # Q 2·5·16·16 + K 2·9·16·6 + V 2·9·16·3 + out 2·5·16·16 + Q·Kᵀ and A·V 2·(2·5·10·16).
    assert result.macs == 2560 + 1728 + 864 + 2560 + 2 * 1600


def test_sequence_first_layout_keeps_weights_batch_first() -> None:
    result = _run(
        """
  - {name: x, type: Input, shape: [7, 3, 8]}
  - {name: mha, type: MultiheadAttention, num_heads: 2, batch_first: false}
"""
    )["mha"]
    assert result.output_shapes == [(7, 3, 8), (3, 7, 7)]


def test_heads_must_divide_the_embedding() -> None:
    analysis = _run(
        """
  - {name: x, type: Input, shape: [1, 10, 64]}
  - {name: mha, type: MultiheadAttention, num_heads: 3}
  - {name: enc, type: TransformerEncoderLayer, nhead: 4, inputs: [x]}
  - {name: bad, type: TransformerEncoderLayer, nhead: 5, inputs: [x]}
"""
    )
    assert analysis["mha"].error == "num_heads (3) must divide embed_dim, the query's last dim (64)"
    assert analysis["enc"].error is None
    assert analysis["bad"].error == "nhead (5) must divide d_model, the input's last dim (64)"


def test_wrong_rank_names_the_port() -> None:
    analysis = _run(
        """
  - {name: q, type: Input, shape: [2, 5, 16]}
  - {name: k, type: Input, shape: [2, 16]}
  - {name: mha, type: MultiheadAttention, num_heads: 4, inputs: [q, k, k]}
  - {name: img, type: Input, shape: [1, 3, 8, 8]}
  - {name: enc, type: TransformerEncoderLayer, nhead: 1, inputs: [img]}
"""
    )
    assert analysis["mha"].error == "key must be a 3-D sequence [N, L, E], got 2×16"
    assert analysis["enc"].error == "src must be a 3-D sequence [N, L, E], got 1×3×8×8"


def test_key_and_value_lengths_must_match() -> None:
    analysis = _run(
        """
  - {name: q, type: Input, shape: [2, 5, 16]}
  - {name: k, type: Input, shape: [2, 9, 16]}
  - {name: v, type: Input, shape: [2, 8, 16]}
  - {name: mha, type: MultiheadAttention, num_heads: 4, inputs: [q, k, v]}
  - {name: after, type: Linear, out_features: 3}
"""
    )
    assert analysis["mha"].error == "key and value lengths differ: key 2×9×16, value 2×8×16"
    assert analysis["after"].error is None and analysis["after"].output_shapes == [None]


def test_two_inputs_are_neither_self_nor_full_attention() -> None:
    analysis = _run(
        """
  - {name: q, type: Input, shape: [2, 5, 16]}
  - {name: mha, type: MultiheadAttention, num_heads: 4, inputs: [q, q]}
"""
    )
    assert analysis["mha"].error == "takes 1 input (self-attention) or 3 (query, key, value), got 2"


def test_decoder_memory_must_share_d_model() -> None:
    analysis = _run(
        """
  - {name: tgt, type: Input, shape: [2, 5, 16]}
  - {name: mem, type: Input, shape: [2, 11, 12]}
  - {name: dec, type: TransformerDecoderLayer, nhead: 4, inputs: [tgt, mem]}
"""
    )
    assert analysis["dec"].error == (
        "memory must have the target's d_model (16) as its last dim: tgt 2×5×16, memory 2×11×12"
    )


def test_decoder_output_follows_the_target() -> None:
    result = _run(
        """
  - {name: tgt, type: Input, shape: [2, 5, 16]}
  - {name: mem, type: Input, shape: [2, 11, 16]}
  - {name: dec, type: TransformerDecoderLayer, nhead: 4, inputs: [tgt, mem]}
"""
    )["dec"]
    assert result.error is None
    assert result.output_shapes == [(2, 5, 16)]
