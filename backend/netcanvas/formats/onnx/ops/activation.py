"""ONNX emitters for activations, dropout and recurrent layers (part of the one table).

Opset 17 lacks Gelu and Mish, so they are written out of primitives; PyTorch's
Hardsigmoid slope (1/6) differs from ONNX's default (0.2) and is given explicitly.
"""

from __future__ import annotations

import math

from netcanvas.formats.onnx.build import Emit
from netcanvas.formats.onnx.ops.table import emits

_PLAIN = {
    "ReLU": "Relu",
    "Sigmoid": "Sigmoid",
    "Tanh": "Tanh",
    "SELU": "Selu",
    "Softsign": "Softsign",
    "Hardswish": "HardSwish",
}


@emits(*_PLAIN)
def _plain(e: Emit) -> None:
    e.b.op(_PLAIN[e.node.type], [e.input], e.outputs, name=e.node.name)


@emits("ReLU6", "Hardtanh")
def _clip(e: Emit) -> None:
    low, high = (0.0, 6.0) if e.node.type == "ReLU6" else (e.params.min_val, e.params.max_val)
    bounds = [e.b.floats(e.hint("min"), low), e.b.floats(e.hint("max"), high)]
    e.b.op("Clip", [e.input, *bounds], e.outputs, name=e.node.name)


@emits("LeakyReLU")
def _leaky(e: Emit) -> None:
    e.b.op("LeakyRelu", [e.input], e.outputs, name=e.node.name, alpha=e.params.negative_slope)


@emits("ELU", "CELU")
def _elu(e: Emit) -> None:
    op = "Elu" if e.node.type == "ELU" else "Celu"
    e.b.op(op, [e.input], e.outputs, name=e.node.name, alpha=e.params.alpha)


@emits("PReLU")
def _prelu(e: Emit) -> None:
    n = e.params.num_parameters
    # The slopes follow dim 1; trailing ones let them broadcast over the spatial axes.
    shape = [n] + [1] * max(len(e.shape) - 2, 0) if n > 1 else [1]
    slope = e.b.fill(e.hint("weight"), shape, e.params.init)
    e.b.op("PRelu", [e.input, slope], e.outputs, name=e.node.name)


@emits("Hardsigmoid")
def _hardsigmoid(e: Emit) -> None:
    e.b.op("HardSigmoid", [e.input], e.outputs, name=e.node.name, alpha=1.0 / 6.0, beta=0.5)


@emits("Softmax", "LogSoftmax")
def _softmax(e: Emit) -> None:
    e.b.op(e.node.type, [e.input], e.outputs, name=e.node.name, axis=e.params.dim)


@emits("Softplus")
def _softplus(e: Emit) -> None:
    beta = e.params.beta
    if beta == 1.0:
        e.b.op("Softplus", [e.input], e.outputs, name=e.node.name)
        return
    k = e.b.floats(e.hint("beta"), beta)
    scaled = e.b.op("Mul", [e.input, k], name=f"{e.node.name}/scale")
    soft = e.b.op("Softplus", scaled, name=f"{e.node.name}/softplus")
    e.b.op("Div", [soft[0], k], e.outputs, name=e.node.name)


@emits("SiLU")
def _silu(e: Emit) -> None:
    gate = e.b.op("Sigmoid", [e.input], name=f"{e.node.name}/sigmoid")
    e.b.op("Mul", [e.input, gate[0]], e.outputs, name=e.node.name)


@emits("Mish")
def _mish(e: Emit) -> None:
    soft = e.b.op("Softplus", [e.input], name=f"{e.node.name}/softplus")
    tanh = e.b.op("Tanh", soft, name=f"{e.node.name}/tanh")
    e.b.op("Mul", [e.input, tanh[0]], e.outputs, name=e.node.name)


@emits("GELU")
def _gelu(e: Emit) -> None:
    x, name, b = e.input, e.node.name, e.b
    half, one = b.floats(e.hint("half"), 0.5), b.floats(e.hint("one"), 1.0)
    if e.params.approximate == "tanh":
        cube = b.op("Pow", [x, b.floats(e.hint("three"), 3.0)], name=f"{name}/cube")
        inner = b.op("Mul", [cube[0], b.floats(e.hint("c"), 0.044715)], name=f"{name}/mul_c")
        inner = b.op("Add", [x, inner[0]], name=f"{name}/add_x")
        k = b.floats(e.hint("k"), math.sqrt(2.0 / math.pi))
        inner = b.op("Mul", [inner[0], k], name=f"{name}/mul_k")
        curve = b.op("Tanh", inner, name=f"{name}/tanh")
    else:
        inner = b.op("Div", [x, b.floats(e.hint("sqrt2"), math.sqrt(2.0))], name=f"{name}/div")
        curve = b.op("Erf", inner, name=f"{name}/erf")
    lifted = b.op("Add", [curve[0], one], name=f"{name}/add_one")
    halved = b.op("Mul", [x, half], name=f"{name}/half")
    b.op("Mul", [halved[0], lifted[0]], e.outputs, name=name)


@emits("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout")
def _dropout(e: Emit) -> None:
    # Inference graph: dropout passes values through; the ratio is kept for readers.
    ratio = e.b.floats(e.hint("ratio"), e.params.p)
    e.b.op("Dropout", [e.input, ratio], e.outputs, name=e.node.name)


# --- recurrent ------------------------------------------------------------------------


@emits("RNN", "LSTM", "GRU")
def _recurrent(e: Emit) -> None:
    """One ONNX op per stacked layer, in ONNX's [T, N, F] layout; states concatenated."""
    p, b, name = e.params, e.b, e.node.name
    op = {"RNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}[e.node.type]
    gates = {"RNN": 1, "LSTM": 4, "GRU": 3}[op]
    if getattr(p, "proj_size", 0):
        raise e.unsupported("ONNX LSTM has no projection (proj_size)")
    hidden, dirs = p.hidden_size, 2 if p.bidirectional else 1
    x = e.input
    if p.batch_first:
        x = b.op("Transpose", [x], name=f"{name}/to_time_major", perm=[1, 0, 2])[0]
    feat = e.shape[-1]
    states_in = e.inputs[1:]
    hs: list[str] = []
    cs: list[str] = []
    for k in range(p.num_layers):
        fan_in = feat if k == 0 else dirs * hidden
        w = b.weight(e.hint(f"weight_ih_l{k}"), [dirs, gates * hidden, fan_in], hidden)
        r = b.weight(e.hint(f"weight_hh_l{k}"), [dirs, gates * hidden, hidden], hidden)
        inputs = [x, w, r]
        inputs.append(
            b.weight(e.hint(f"bias_l{k}"), [dirs, 2 * gates * hidden], hidden) if p.bias else ""
        )
        inputs.append("")  # sequence_lens: every sequence is full length
        for i, state in enumerate(states_in):
            start = b.ints(e.hint(f"s{k}_{i}_start"), [k * dirs])
            stop = b.ints(e.hint(f"s{k}_{i}_stop"), [(k + 1) * dirs])
            axis = b.ints(e.hint(f"s{k}_{i}_axis"), [0])
            inputs.append(
                b.op("Slice", [state, start, stop, axis], name=f"{name}/state{i}_l{k}")[0]
            )
        while inputs and inputs[-1] == "":
            inputs.pop()
        attrs: dict[str, object] = {
            "hidden_size": hidden,
            "direction": "bidirectional" if dirs == 2 else "forward",
        }
        if op == "GRU":
            attrs["linear_before_reset"] = 1  # PyTorch's GRU formulation
        if op == "RNN" and p.nonlinearity == "relu":
            attrs["activations"] = ["Relu"] * dirs
        n_out = 3 if op == "LSTM" else 2
        outs = [b.name(f"{name}/l{k}_{what}") for what in ("y", "h", "c")[:n_out]]
        if p.num_layers == 1:
            outs[1:] = e.outputs[1:n_out]  # the states are the layer's own outputs
        b.op(op, inputs, outs, name=name if p.num_layers == 1 else f"{name}/l{k}", **attrs)
        hs.append(outs[1])
        if op == "LSTM":
            cs.append(outs[2])
        # Y is [T, D, N, H]: bring directions next to features and merge them.
        y = b.op("Transpose", [outs[0]], name=f"{name}/l{k}_perm", perm=[0, 2, 1, 3])[0]
        shape = b.ints(e.hint(f"l{k}_shape"), [0, 0, dirs * hidden])
        last = k == p.num_layers - 1
        target = [e.outputs[0]] if last and not p.batch_first else None
        x = b.op("Reshape", [y, shape], target, name=f"{name}/l{k}_merge")[0]
    if p.batch_first:
        b.op("Transpose", [x], [e.outputs[0]], name=f"{name}/to_batch_major", perm=[1, 0, 2])
    if p.num_layers > 1:
        _join(e, hs, e.outputs[1], "h_n")
        if op == "LSTM":
            _join(e, cs, e.outputs[2], "c_n")


def _join(e: Emit, parts: list[str], out: str, what: str) -> None:
    e.b.op("Concat", parts, [out], name=f"{e.node.name}/{what}", axis=0)
