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

from tests.layers.oracles import Built, Case, Oracle, floats


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
    if draw(st.booleans()):
        return params, [query]
    source = draw(st.integers(1, 6))
    widths = [draw(st.one_of(st.just(embed), st.integers(1, 8))) for _ in range(2)]
    return params, [query, *(_layout(params["batch_first"], batch, source, w) for w in widths)]


def _mha(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    query, key, value = shapes if len(shapes) == 3 else shapes * 3
    module = torch.nn.MultiheadAttention(query[-1], kdim=key[-1], vdim=value[-1], **p).train()
    tensors = [floats(s) for s in shapes]

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
    return params, shapes


def _transformer(decoder: bool):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        kind = torch.nn.TransformerDecoderLayer if decoder else torch.nn.TransformerEncoderLayer
        module = kind(shapes[0][-1], **p).train()

        def run(*given: Any) -> Any:
            with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
                return module(*given)

        return run, module, [floats(s) for s in shapes]

    return build


ORACLES = [
    Oracle("MultiheadAttention", _mha_case(), _mha, macs=True),
    Oracle("TransformerEncoderLayer", _transformer_case(False), _transformer(False), macs=True),
    Oracle("TransformerDecoderLayer", _transformer_case(True), _transformer(True), macs=True),
]
NO_TORCH: dict[str, str] = {}
