"""Recurrent oracles: torch.nn.RNN / LSTM / GRU.

MACs are checked too. On CPU, torch runs RNN and GRU cells as plain addmm / mm calls,
which FlopCounterMode counts; LSTM goes to one fused oneDNN op
(aten.mkldnn_rnn_layer) that it does not count, so the builder turns oneDNN off for
the call and LSTM falls back to the same counted matmuls. test_recurrent.py adds a
hand-computed row as a second, independent check of the formula.
"""

from __future__ import annotations

import warnings
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


@st.composite
def _recurrent_case(draw: Any, kind: str) -> Case:
    hidden = draw(st.integers(2, 12))
    params: dict[str, Any] = {
        "hidden_size": hidden,
        "num_layers": draw(st.integers(1, 3)),
        "bias": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
        "dropout": draw(st.sampled_from([0.0, 0.25])),
        "bidirectional": draw(st.booleans()),
    }
    if kind == "RNN":
        params["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    if kind == "LSTM":
        params["proj_size"] = draw(st.one_of(st.just(0), st.integers(1, hidden - 1)))
    batch, steps, features = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 6)),
        draw(st.integers(1, 9)),
    )
    x = (batch, steps, features) if params["batch_first"] else (steps, batch, features)
    params |= inferred(draw, "input_size", features) | placement(draw)
    shapes: list[tuple[int, ...]] = [x]
    if draw(st.booleans()):  # feed initial states too
        layers = (2 if params["bidirectional"] else 1) * params["num_layers"]
        out = params.get("proj_size") or hidden
        shapes.append((layers, batch, out))
        if kind == "LSTM":
            shapes.append((layers, batch, hidden))
    return params, shapes


def _build(kind: str):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        import torch

        # torch warns that dropout needs num_layers > 1; netcanvas warns about it too.
        with warnings.catch_warnings(action="ignore", category=UserWarning):
            module = getattr(torch.nn, kind)(**torch_kwargs(p))
        module.eval()  # dropout between layers would not change shapes; keep runs repeatable
        inputs = [floats_like(s, p) for s in shapes]

        def run(x: Any, *states: Any) -> Any:
            # Setting the flags warns about TF32 on Intel GPUs; irrelevant on CPU.
            with (
                warnings.catch_warnings(action="ignore", category=UserWarning),
                torch.backends.mkldnn.flags(enabled=False),
            ):
                if not states:
                    return module(x)
                # LSTM takes (h_0, c_0) as one tuple; RNN and GRU take h_0 alone.
                return module(x, tuple(states) if kind == "LSTM" else states[0])

        return run, module, inputs

    return build


ORACLES = [
    Oracle(kind, _recurrent_case(kind), _build(kind), macs=True, sizes=last("input_size"))
    for kind in ("RNN", "LSTM", "GRU")
]
NO_TORCH: dict[str, str] = {}
