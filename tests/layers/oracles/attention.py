"""Attention oracles: torch.nn.MultiheadAttention, TransformerEncoderLayer, TransformerDecoderLayer.

FlopCounterMode only sees the work when torch takes its unfused path, so the builders
run the modules in train mode (eval under no_grad takes the fused "fast path",
aten._native_multi_head_attention / aten._transformer_encoder_layer_fwd, counted as
0) and pin scaled_dot_product_attention to its math backend (the CPU flash kernel,
aten._scaled_dot_product_flash_attention_for_cpu, is not counted either). Dropout
in train mode changes values, never shapes or matmul counts.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import (
    Built,
    Case,
    Oracle,
    floats_like,
    inferred,
    last,
    placement,
    torch_kwargs,
)


def _layout(batch_first: bool, batch: int, length: int, width: int) -> tuple[int, int, int]:
    return (batch, length, width) if batch_first else (length, batch, width)


@st.composite
def _mha_case(draw: Any) -> Case:
    heads = draw(st.integers(1, 4))
    embed = heads * draw(st.integers(1, 4))
    params: dict[str, Any] = {
        "num_heads": heads,
        "dropout": draw(st.sampled_from([0.0, 0.2])),
        "bias": draw(st.booleans()),
        "add_bias_kv": draw(st.booleans()),
        "add_zero_attn": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
    }
    batch, length = draw(st.integers(1, 3)), draw(st.integers(1, 5))
    query = _layout(params["batch_first"], batch, length, embed)
    params |= inferred(draw, "embed_dim", embed) | placement(draw)
    if draw(st.booleans()):
        return params | inferred(draw, "kdim", embed) | inferred(draw, "vdim", embed), [query]
    source = draw(st.integers(1, 6))
    widths = [draw(st.one_of(st.just(embed), st.integers(1, 8))) for _ in range(2)]
    params |= inferred(draw, "kdim", widths[0]) | inferred(draw, "vdim", widths[1])
    return params, [query, *(_layout(params["batch_first"], batch, source, w) for w in widths)]


def _mha_sizes(shapes: list[tuple[int, ...]]) -> dict[str, int]:
    query, key, value = shapes if len(shapes) == 3 else shapes * 3
    return {"embed_dim": query[-1], "kdim": key[-1], "vdim": value[-1]}


def _mha(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    module = torch.nn.MultiheadAttention(**torch_kwargs(p)).train()
    tensors = [floats_like(s, p) for s in shapes]

    def run(*given: Any) -> Any:
        q, k, v = given if len(given) == 3 else given * 3
        with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
            return module(q, k, v)  # (output, weights averaged over heads)

    return run, module, tensors


@st.composite
def _transformer_case(draw: Any, decoder: bool) -> Case:
    heads = draw(st.integers(1, 4))
    embed = heads * draw(st.integers(1, 4))
    params: dict[str, Any] = {
        "nhead": heads,
        "dim_feedforward": draw(st.integers(1, 16)),
        "dropout": draw(st.sampled_from([0.0, 0.1])),
        "activation": draw(st.sampled_from(["relu", "gelu"])),
        "layer_norm_eps": draw(st.sampled_from([1e-5, 1e-6])),
        "batch_first": draw(st.booleans()),
        "norm_first": draw(st.booleans()),
        "bias": draw(st.booleans()),
    }
    batch = draw(st.integers(1, 3))
    shapes: list[tuple[int, ...]] = [
        _layout(params["batch_first"], batch, draw(st.integers(1, 5)), embed)
    ]
    if decoder:
        shapes.append(_layout(params["batch_first"], batch, draw(st.integers(1, 6)), embed))
    return params | inferred(draw, "d_model", embed) | placement(draw), shapes


def _transformer(decoder: bool):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        kind = torch.nn.TransformerDecoderLayer if decoder else torch.nn.TransformerEncoderLayer
        module = kind(**torch_kwargs(p)).train()

        def run(*given: Any) -> Any:
            with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
                return module(*given)

        return run, module, [floats_like(s, p) for s in shapes]

    return build


_D_MODEL = last("d_model")
ORACLES = [
    Oracle("MultiheadAttention", _mha_case(), _mha, macs=True, sizes=_mha_sizes),
    Oracle(
        "TransformerEncoderLayer",
        _transformer_case(False),
        _transformer(False),
        macs=True,
        sizes=_D_MODEL,
    ),
    Oracle(
        "TransformerDecoderLayer",
        _transformer_case(True),
        _transformer(True),
        macs=True,
        sizes=_D_MODEL,
    ),
]
NO_TORCH: dict[str, str] = {}
