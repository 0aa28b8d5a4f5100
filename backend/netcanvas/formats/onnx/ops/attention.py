"""ONNX emitters for attention and transformer layers (part of the one table).

Opset 17 has no attention operator, so multi-head attention is written as the
projections, a per-head MatMul / Softmax / MatMul and the output projection: the
"attention-shaped subgraph" an ONNX reader recognises. Weights follow PyTorch's
layout, so parameter counts match ``nn.MultiheadAttention`` and the transformer layers.
"""

from __future__ import annotations

import math

from netcanvas.formats.onnx.build import Emit
from netcanvas.formats.onnx.ops.table import emits


class _Scope:
    """Names inside one layer: ``enc1/self_attn/q`` nodes, ``enc1.self_attn.q_weight``."""

    def __init__(self, e: Emit, prefix: str = "") -> None:
        self.e, self.prefix = e, prefix

    def node(self, what: str) -> str:
        return f"{self.e.node.name}/{self.prefix}{what}"

    def tensor(self, what: str) -> str:
        return self.e.hint(f"{self.prefix.replace('/', '.')}{what}")

    def sub(self, prefix: str) -> _Scope:
        return _Scope(self.e, f"{self.prefix}{prefix}/")


def dense(
    s: _Scope, x: str, fan_in: int, out: int, bias: bool, what: str, target: str | None = None
) -> str:
    """x @ Wᵀ + b over the last axis (weights stored transposed, [in, out])."""
    b = s.e.b
    w = b.weight(s.tensor(f"{what}_weight"), [fan_in, out], fan_in)
    outs = [target] if target and not bias else None
    y = b.op("MatMul", [x, w], outs, name=s.node(what if not bias else f"{what}_matmul"))[0]
    if not bias:
        return y
    bb = b.weight(s.tensor(f"{what}_bias"), [out], fan_in)
    return b.op("Add", [y, bb], [target] if target else None, name=s.node(what))[0]


def attention(
    s: _Scope,
    q: str,
    kv: tuple[str, str],
    dims: tuple[int, int, int],
    heads: int,
    bias: bool,
    targets: tuple[str | None, str | None] = (None, None),
) -> tuple[str, str | None]:
    """Batch-first multi-head attention; returns (output, head-averaged weights)."""
    b = s.e.b
    embed, kdim, vdim = dims
    head = embed // heads
    split = b.ints(s.tensor("heads_shape"), [0, 0, heads, head])
    qp = dense(s, q, embed, embed, bias, "q_proj")
    kp = dense(s, kv[0], kdim, embed, bias, "k_proj")
    vp = dense(s, kv[1], vdim, embed, bias, "v_proj")
    qh = b.op("Reshape", [qp, split], name=s.node("q_heads"))[0]
    qh = b.op("Transpose", [qh], name=s.node("q_perm"), perm=[0, 2, 1, 3])[0]
    kh = b.op("Reshape", [kp, split], name=s.node("k_heads"))[0]
    kt = b.op("Transpose", [kh], name=s.node("k_perm"), perm=[0, 2, 3, 1])[0]
    vh = b.op("Reshape", [vp, split], name=s.node("v_heads"))[0]
    vh = b.op("Transpose", [vh], name=s.node("v_perm"), perm=[0, 2, 1, 3])[0]
    scale = b.floats(s.tensor("scale"), 1.0 / math.sqrt(head))
    qs = b.op("Mul", [qh, scale], name=s.node("q_scale"))[0]
    scores = b.op("MatMul", [qs, kt], name=s.node("scores"))[0]
    probs = b.op("Softmax", [scores], name=s.node("softmax"), axis=-1)[0]
    ctx = b.op("MatMul", [probs, vh], name=s.node("context"))[0]
    ctx = b.op("Transpose", [ctx], name=s.node("context_perm"), perm=[0, 2, 1, 3])[0]
    merge = b.ints(s.tensor("merge_shape"), [0, 0, embed])
    ctx = b.op("Reshape", [ctx, merge], name=s.node("merge_heads"))[0]
    out = dense(s, ctx, embed, embed, bias, "out_proj", targets[0])
    weights = None
    if targets[1] is not None:
        weights = b.op(
            "ReduceMean", [probs], [targets[1]], name=s.node("weights"), axes=[1], keepdims=0
        )[0]
    return out, weights


def _time_major(e: Emit, x: str, what: str) -> str:
    return e.step("Transpose", [x], what, perm=[1, 0, 2])


@emits("MultiheadAttention")
def _multihead(e: Emit) -> None:
    p = e.params
    if p.add_bias_kv or p.add_zero_attn:
        raise e.unsupported("add_bias_kv / add_zero_attn are not mapped to ONNX")
    ins = list(e.inputs) if len(e.inputs) == 3 else [e.input] * 3
    shapes = list(e.in_shapes) if len(e.in_shapes) == 3 else [e.shape] * 3
    if not p.batch_first:
        ins = [_time_major(e, x, f"batch_major{i}") for i, x in enumerate(ins)]
    dims = (shapes[0][-1], shapes[1][-1], shapes[2][-1])
    out_target = e.outputs[0] if p.batch_first else None
    out, _ = attention(
        _Scope(e), ins[0], (ins[1], ins[2]), dims, p.num_heads, p.bias, (out_target, e.outputs[1])
    )
    if not p.batch_first:
        e.b.op("Transpose", [out], [e.outputs[0]], name=f"{e.node.name}/time_major", perm=[1, 0, 2])


def _layer_norm(s: _Scope, x: str, embed: int, eps: float, bias: bool, what: str) -> str:
    b = s.e.b
    inputs = [x, b.weight(s.tensor(f"{what}_weight"), [embed], embed)]
    if bias:
        inputs.append(b.weight(s.tensor(f"{what}_bias"), [embed], embed))
    return b.op("LayerNormalization", inputs, name=s.node(what), axis=-1, epsilon=eps)[0]


def _feed_forward(s: _Scope, x: str, embed: int, p: object) -> str:
    hidden = getattr(p, "dim_feedforward")  # noqa: B009  (shared by both layer params)
    bias = getattr(p, "bias")  # noqa: B009
    h = dense(s, x, embed, hidden, bias, "linear1")
    if getattr(p, "activation") == "gelu":  # noqa: B009
        root2 = s.e.b.floats(s.tensor("sqrt2"), math.sqrt(2.0))
        inner = s.e.b.op("Div", [h, root2], name=s.node("gelu_div"))[0]
        erf = s.e.b.op("Erf", [inner], name=s.node("gelu_erf"))[0]
        one = s.e.b.floats(s.tensor("one"), 1.0)
        lifted = s.e.b.op("Add", [erf, one], name=s.node("gelu_add"))[0]
        half = s.e.b.op("Mul", [h, s.e.b.floats(s.tensor("half"), 0.5)], name=s.node("gelu_half"))
        h = s.e.b.op("Mul", [half[0], lifted], name=s.node("gelu"))[0]
    else:
        h = s.e.b.op("Relu", [h], name=s.node("relu"))[0]
    return dense(s, h, hidden, embed, bias, "linear2")


def _residual(s: _Scope, x: str, y: str, what: str) -> str:
    return s.e.b.op("Add", [x, y], name=s.node(what))[0]


@emits("TransformerEncoderLayer", "TransformerDecoderLayer")
def _transformer(e: Emit) -> None:
    """PyTorch's post-norm (or ``norm_first`` pre-norm) encoder and decoder layers."""
    p, s = e.params, _Scope(e)
    embed = e.shape[-1]
    decoder = e.node.type == "TransformerDecoderLayer"
    x = e.input if p.batch_first else _time_major(e, e.input, "batch_major")
    memory = ""
    if decoder:
        memory = e.inputs[1] if p.batch_first else _time_major(e, e.inputs[1], "memory_major")
    mdim = e.in_shapes[1][-1] if decoder else embed
    blocks = ["self_attn", "cross_attn", "ff"] if decoder else ["self_attn", "ff"]
    for i, block in enumerate(blocks, 1):
        norm = f"norm{i}"

        def run(inp: str, block: str = block) -> str:
            if block == "ff":
                return _feed_forward(s.sub("ff"), inp, embed, p)
            kv = (inp, inp) if block == "self_attn" else (memory, memory)
            dims = (embed, embed, embed) if block == "self_attn" else (embed, mdim, mdim)
            return attention(s.sub(block), inp, kv, dims, p.nhead, p.bias)[0]

        if p.norm_first:
            x = _residual(
                s, x, run(_layer_norm(s, x, embed, p.layer_norm_eps, p.bias, norm)), f"add{i}"
            )
        else:
            x = _layer_norm(
                s, _residual(s, x, run(x), f"add{i}"), embed, p.layer_norm_eps, p.bias, norm
            )
    if p.batch_first:
        e.b.op("Identity", [x], e.outputs, name=e.node.name)
    else:
        e.b.op("Transpose", [x], e.outputs, name=e.node.name, perm=[1, 0, 2])
