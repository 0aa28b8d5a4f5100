"""RNN / LSTM / GRU beyond the torch oracle: a hand-computed row and node-pinned errors."""

from __future__ import annotations

from netcanvas.analysis import Analysis, analyze
from netcanvas.formats import native


def _run(text: str) -> Analysis:
    return analyze(native.load(text))


def test_lstm_with_projection_and_two_directions_hand_computed() -> None:
    # N=2, T=5, F=10, hidden H=20, proj P=8, 2 layers, bidirectional (D=2), G=4 gates.
    # Layer 0, per direction: W_ih 80×10 + W_hh 80×8 + biases 2·80 + W_hr 8×20
    #   = 800 + 640 + 160 + 160 = 1760 params; MACs per step 800 + 640 + 160 = 1600.
    # Layer 1 reads D·P = 16 features: 80×16 + 80×8 + 160 + 160 = 2240 params;
    #   MACs per step 1280 + 640 + 160 = 2080.
    # Params = 2·(1760 + 2240) = 8000; MACs = N·T·2·(1600 + 2080) = 10·7360 = 73600.
    result = _run(
        """
netcanvas: 1
layers:
  - {name: x, type: Input, shape: [2, 5, 10]}
  - {name: lstm, type: LSTM, hidden_size: 20, proj_size: 8, num_layers: 2,
     bidirectional: true}
"""
    )["lstm"]
    assert result.error is None
    assert result.output_shapes == [(2, 5, 16), (4, 2, 8), (4, 2, 20)]
    assert result.params == 8000
    assert result.macs == 73600


def test_final_states_are_addressable_as_further_outputs() -> None:
    analysis = _run(
        """
netcanvas: 1
layers:
  - {name: x, type: Input, shape: [3, 7, 6]}
  - {name: gru, type: GRU, hidden_size: 12, num_layers: 2}
  - {name: last, type: Linear, out_features: 4, inputs: ["gru:1"]}
"""
    )
    assert analysis.ok, analysis.errors
    assert analysis["gru"].output_shapes == [(3, 7, 12), (2, 3, 12)]
    assert analysis["last"].output_shapes == [(2, 3, 4)]


def test_time_major_layout_when_batch_first_is_false() -> None:
    result = _run(
        """
netcanvas: 1
layers:
  - {name: x, type: Input, shape: [9, 4, 6]}
  - {name: rnn, type: RNN, hidden_size: 5, batch_first: false, bidirectional: true}
"""
    )["rnn"]
    assert result.output_shapes == [(9, 4, 10), (2, 4, 5)]


def test_wrong_input_rank_is_pinned_to_the_layer() -> None:
    analysis = _run(
        """
netcanvas: 1
layers:
  - {name: x, type: Input, shape: [1, 3, 8, 8]}
  - {name: rnn, type: RNN, hidden_size: 5}
  - {name: head, type: Linear, out_features: 2}
"""
    )
    assert analysis["rnn"].error == "RNN expects a 3-D sequence [N, T, F], got 1×3×8×8"
    assert analysis["head"].error is None
    assert analysis["head"].output_shapes == [None]


def test_wrong_initial_state_shape() -> None:
    analysis = _run(
        """
netcanvas: 1
layers:
  - {name: x, type: Input, shape: [2, 5, 10]}
  - {name: h0, type: Input, shape: [1, 2, 16]}
  - {name: c0, type: Input, shape: [2, 2, 16]}
  - {name: lstm, type: LSTM, hidden_size: 16, num_layers: 2, inputs: [x, h0, c0]}
"""
    )
    assert analysis["lstm"].error == (
        "h_0 must be 2×2×16 ([directions·num_layers, N, size]), got 1×2×16"
    )


def test_lstm_needs_both_states_or_neither() -> None:
    analysis = _run(
        """
netcanvas: 1
layers:
  - {name: x, type: Input, shape: [2, 5, 10]}
  - {name: h0, type: Input, shape: [1, 2, 16]}
  - {name: lstm, type: LSTM, hidden_size: 16, inputs: [x, h0]}
"""
    )
    assert analysis["lstm"].error == "LSTM takes all of h_0, c_0 or none"


def test_projection_must_be_smaller_than_hidden_size() -> None:
    analysis = _run(
        """
netcanvas: 1
layers:
  - {name: x, type: Input, shape: [2, 5, 10]}
  - {name: lstm, type: LSTM, hidden_size: 16, proj_size: 16}
"""
    )
    assert analysis["lstm"].error == "proj_size (16) must be smaller than hidden_size (16)"


def test_dropout_on_a_single_layer_is_a_warning() -> None:
    result = _run(
        """
netcanvas: 1
layers:
  - {name: x, type: Input, shape: [2, 5, 10]}
  - {name: gru, type: GRU, hidden_size: 8, dropout: 0.5}
"""
    )["gru"]
    assert result.error is None
    assert any("no effect" in w for w in result.warnings)
