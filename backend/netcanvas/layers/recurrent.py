"""Recurrent layers: RNN, LSTM and GRU, with PyTorch's settings and state ports.

One base carries the shape and cost rules; the types differ in how many gate
blocks each weight matrix stacks (``gates``: 1 for RNN, 4 for LSTM, 3 for GRU) and
in LSTM's cell state and projection.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, layer


class GRUParams(fields.FactoryKwargs):
    hidden_size: fields.PosInt = Field(128, description="Features in the hidden state h")
    num_layers: fields.PosInt = Field(1, description="Recurrent layers stacked on each other")
    bias: bool = Field(True, description="Learn the input-hidden and hidden-hidden biases")
    # netcanvas sequences are [N, T, F], so batch_first defaults to true (PyTorch: false).
    batch_first: bool = Field(
        True, description="Input and output are [N, T, F] (true) or [T, N, F] (false)"
    )
    dropout: float = Field(
        0.0, ge=0.0, le=1.0, description="Dropout on the outputs of every layer but the last"
    )
    bidirectional: bool = Field(False, description="Also run each layer backwards in time")
    input_size: fields.InferredSize = fields.inferred("Features F of each step (the last dim)")


class RNNParams(GRUParams):
    nonlinearity: Literal["tanh", "relu"] = Field(
        "tanh", description="Activation of the hidden state"
    )


class LSTMParams(GRUParams):
    proj_size: fields.NonNegInt = Field(
        0, description="Project h to this size (0: no projection); must be below hidden_size"
    )


class _Recurrent(Layer[GRUParams]):
    gates: ClassVar[int] = 1
    input_names: ClassVar[tuple[str, ...]] = ("input", "h_0")
    min_inputs = 1
    max_inputs = 2
    output_names: ClassVar[tuple[str, ...]] = ("output", "h_n")
    example_inputs = ((2, 10, 32),)
    example_params = {"hidden_size": 64}

    @staticmethod
    def _proj(params: GRUParams) -> int:
        return params.proj_size if isinstance(params, LSTMParams) else 0

    def _out_size(self, params: GRUParams) -> int:
        return self._proj(params) or params.hidden_size

    def _batch_time_features(self, ctx: InferContext[GRUParams]) -> tuple[int, int, int]:
        x = ctx.input
        if len(x) != 3:
            layout = "[N, T, F]" if ctx.params.batch_first else "[T, N, F] (batch_first false)"
            ctx.fail(f"{self.type} expects a 3-D sequence {layout}, got {shapes.fmt(x)}")
        ctx.inferred("input_size", x[2], f"the last dim of the input {shapes.fmt(x)}")
        if ctx.params.batch_first:
            return x[0], x[1], x[2]
        return x[1], x[0], x[2]

    def _states(self, params: GRUParams, batch: int) -> list[Shape]:
        """Shapes of the final states, which are also the shapes of the initial ones."""
        layers = (2 if params.bidirectional else 1) * params.num_layers
        return [(layers, batch, self._out_size(params))]

    def infer(self, ctx: InferContext[GRUParams]) -> list[Shape]:
        p = ctx.params
        proj = self._proj(p)
        if proj >= p.hidden_size:
            ctx.fail(f"proj_size ({proj}) must be smaller than hidden_size ({p.hidden_size})")
        if p.dropout > 0 and p.num_layers == 1:
            ctx.warn("dropout acts between stacked layers: it has no effect with num_layers 1")
        batch, steps, _ = self._batch_time_features(ctx)
        width = (2 if p.bidirectional else 1) * self._out_size(p)
        sequence = (batch, steps, width) if p.batch_first else (steps, batch, width)
        states = self._states(p, batch)
        given = ctx.inputs[1:]
        if given and len(given) != len(states):
            ctx.fail(f"{self.type} takes all of {', '.join(self.input_names[1:])} or none")
        for name, got, want in zip(self.input_names[1:], given, states, strict=False):
            if tuple(got) != want:
                ctx.fail(
                    f"{name} must be {shapes.fmt(want)} "
                    f"([directions·num_layers, N, size]), got {shapes.fmt(got)}"
                )
        return [sequence, *states]

    def cost(self, ctx: InferContext[GRUParams]) -> Cost:
        p = ctx.params
        batch, steps, features = self._batch_time_features(ctx)
        directions = 2 if p.bidirectional else 1
        hidden, out, proj = p.hidden_size, self._out_size(p), self._proj(p)
        rows = self.gates * hidden

        def one_layer(fan_in: int) -> tuple[int, int]:
            # W_ih and W_hh, the two biases, and LSTM's W_hr, per direction.
            macs = directions * (rows * (fan_in + out) + proj * hidden)
            return macs + directions * (2 * rows if p.bias else 0), macs

        # Every layer after the first reads the same width: a product, not a loop over
        # num_layers (which a document may set to 10**18).
        first_params, first_macs = one_layer(features)
        rest_params, rest_macs = one_layer(directions * out)
        stacked = p.num_layers - 1
        params = first_params + stacked * rest_params
        step_macs = first_macs + stacked * rest_macs
        return Cost(params=params, macs=batch * steps * step_macs)


@layer("recurrent", aliases=("SimpleRNN",))
class RNN(_Recurrent):
    """Elman recurrent network: ``h_t = tanh(W_ih·x_t + b_ih + W_hh·h_(t-1) + b_hh)``.

    Learnable parameters per layer and direction: ``W_ih`` H×in, ``W_hh`` H×H and, with
    ``bias``, two H-vectors; ``in`` is F for the first layer and D·H after it (D = 2 when
    bidirectional, else 1). MACs = N·T·Σ over layers and directions of H·(in + H).

    Input shape: ``[N, T, F]`` (``[T, N, F]`` when ``batch_first`` is false); optional
    ``h_0`` ``[D·num_layers, N, H]``.
    Output shape: ``output`` ``[N, T, D·H]`` (``[T, N, D·H]``), ``h_n``
    ``[D·num_layers, N, H]``.
    """

    Params = RNNParams
    gates = 1


@layer("recurrent", aliases=("CuDNNLSTM",))
class LSTM(_Recurrent):
    """Long short-term memory: four gates (input, forget, cell, output) and a cell state.

    With G = 4 gates, H = ``hidden_size``, P = ``proj_size`` and H_out = P if P > 0 else
    H, the learnable parameters per layer and direction are ``W_ih`` G·H×in, ``W_hh``
    G·H×H_out, with ``bias`` two G·H vectors, and with a projection ``W_hr`` P×H;
    ``in`` is F for the first layer and D·H_out after it (D = 2 when bidirectional).
    MACs = N·T·Σ over layers and directions of (G·H·(in + H_out) + P·H).

    Input shape: ``[N, T, F]`` (``[T, N, F]`` when ``batch_first`` is false); optional
    ``h_0`` ``[D·num_layers, N, H_out]`` and ``c_0`` ``[D·num_layers, N, H]``, both or none.
    Output shape: ``output`` ``[N, T, D·H_out]`` (``[T, N, D·H_out]``), ``h_n``
    ``[D·num_layers, N, H_out]``, ``c_n`` ``[D·num_layers, N, H]``.
    """

    Params = LSTMParams
    gates = 4
    input_names = ("input", "h_0", "c_0")
    max_inputs = 3
    output_names = ("output", "h_n", "c_n")

    def _states(self, params: GRUParams, batch: int) -> list[Shape]:
        hidden_state = super()._states(params, batch)[0]
        return [hidden_state, (*hidden_state[:2], params.hidden_size)]


@layer("recurrent", aliases=("CuDNNGRU",))
class GRU(_Recurrent):
    """Gated recurrent unit: reset and update gates and a candidate state.

    Learnable parameters per layer and direction: ``W_ih`` 3·H×in, ``W_hh`` 3·H×H and,
    with ``bias``, two 3·H vectors; ``in`` is F for the first layer and D·H after it
    (D = 2 when bidirectional). MACs = N·T·Σ over layers and directions of
    3·H·(in + H).

    Input shape: ``[N, T, F]`` (``[T, N, F]`` when ``batch_first`` is false); optional
    ``h_0`` ``[D·num_layers, N, H]``.
    Output shape: ``output`` ``[N, T, D·H]`` (``[T, N, D·H]``), ``h_n``
    ``[D·num_layers, N, H]``.
    """

    Params = GRUParams
    gates = 3
