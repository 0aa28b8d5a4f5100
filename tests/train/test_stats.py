"""Layer health while training: the usual failures are flagged on the layer where they
happen, and healthy networks are not."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")

from netcanvas.graph.model import Graph, Node  # noqa: E402
from netcanvas.train.datasets import load_dataset  # noqa: E402
from netcanvas.train.runner import TrainConfig, train  # noqa: E402
from netcanvas.train.setup import TrainError, prepare  # noqa: E402
from netcanvas.train.stats import StatsWatcher  # noqa: E402

pytestmark = pytest.mark.oracle


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


def mlp(depth: int, activation: str, width: int = 32, norm: bool = False) -> Graph:
    nodes = [Node("x", "Input", {"shape": [1, 2]})]
    previous = "x"
    for i in range(1, depth + 1):
        nodes.append(Node(f"fc{i}", "Linear", {"out_features": width}, [previous]))
        previous = f"fc{i}"
        if norm:
            nodes.append(Node(f"bn{i}", "BatchNorm1d", {}, [previous]))
            previous = f"bn{i}"
        nodes.append(Node(f"act{i}", activation, {}, [previous]))
        previous = f"act{i}"
    nodes.append(Node("out", "Linear", {"out_features": 2}, [previous]))
    return Graph("mlp", nodes)


def _health(graph: Graph, epochs: int = 2, init: Any = None, **config: Any) -> list[dict[str, Any]]:
    """Train and collect the per-epoch `layers` events."""
    dataset = load_dataset("moons", settings={"samples": 400})
    cfg = TrainConfig(epochs=epochs, batch_size=32, **config)
    prepared = prepare(graph, dataset, cfg.batch_size)
    seen: list[dict[str, Any]] = []

    def emit(kind: str, payload: dict[str, Any]) -> None:
        if kind == "layers":
            seen.append(payload)

    def watch(model: Any, sample: Any) -> StatsWatcher:
        if init is not None:
            init(model)
        return StatsWatcher(model, prepared, sample, emit)

    train(prepared, dataset, cfg, on_model=watch)
    return seen


def _flagged(layers: dict[str, Any], flag: str) -> set[str]:
    return {name for name, entry in layers.items() if flag in entry["flags"]}


def test_a_deep_sigmoid_mlp_has_vanishing_gradients_in_its_first_layers() -> None:
    last = _health(mlp(20, "Sigmoid"))[-1]["layers"]
    vanishing = _flagged(last, "vanishing_gradient")
    assert {"fc1", "fc2", "fc3"} <= vanishing
    assert "out" not in vanishing
    assert last["fc1"]["stats"]["grad_norm"] < 1e-4 * last["out"]["stats"]["grad_norm"]
    assert any("below the largest layer's" in r for r in last["fc1"]["reasons"])


def test_the_same_depth_with_relu_and_batchnorm_is_healthy() -> None:
    last = _health(mlp(20, "ReLU", norm=True))[-1]["layers"]
    assert _flagged(last, "vanishing_gradient") == set()
    assert _flagged(last, "exploding_gradient") == set()


def test_a_huge_learning_rate_is_flagged_or_stopped() -> None:
    try:
        history = _health(mlp(4, "ReLU"), epochs=3, lr=10.0, optimizer="sgd", momentum=0.9)
    except TrainError as stopped:  # the loss went NaN: stopped with the reason
        assert "the loss became" in str(stopped)
        return
    flags = {f for event in history for entry in event["layers"].values() for f in entry["flags"]}
    assert flags & {"exploding_gradient", "nonfinite"}


def test_a_large_negative_bias_kills_relu_units() -> None:
    def negative_bias(model: Any) -> None:
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, torch.nn.Linear) and module.out_features == 32:
                    module.bias.fill_(-10.0)

    first = _health(mlp(3, "ReLU"), epochs=1, init=negative_bias)[0]["layers"]
    dead = _flagged(first, "dead_units")
    assert "act1" in dead
    assert first["act1"]["stats"]["dead_fraction"] > 0.5
    healthy = _health(mlp(3, "ReLU"), epochs=1)[0]["layers"]
    assert _flagged(healthy, "dead_units") == set()


def test_histograms_count_every_value() -> None:
    last = _health(mlp(2, "Tanh"), epochs=1)[-1]["layers"]
    weight = last["fc1"]["stats"]["weight_hist"]
    assert sum(weight["counts"]) == 2 * 32 + 32 and len(weight["counts"]) == 30
    act = last["act1"]["stats"]["act_hist"]
    assert sum(act["counts"]) == 32 * 32  # the sample batch, 32 units each
    assert -1.0 <= act["low"] <= act["high"] <= 1.0
