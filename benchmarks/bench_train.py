"""Training overhead, side by side in one run: netcanvas's loop against a plain hand-written
PyTorch loop on the same model, data, seed and batch size; the statistics hooks on and
off; and how late each epoch's event reaches a listener of the server's event stream.

Targets (issues 13, 14): loop overhead <= 10% per epoch; statistics <= 15% of an epoch;
events within 250 ms of the epoch's end.
Run: .venv/bin/python benchmarks/bench_train.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from netcanvas import templates
from netcanvas.train.datasets import load_dataset
from netcanvas.train.runner import TrainConfig, train
from netcanvas.train.setup import prepare
from netcanvas.train.stats import StatsWatcher

EPOCHS = 8
BATCH = 32


def plain_lenet() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10),
    )  # fmt: skip


def plain_loop(dataset: Any) -> list[float]:
    """What a careful user writes by hand: shuffled batches, Adam, validation per epoch."""
    torch.manual_seed(0)
    train_set, val_set = dataset.split(0.2, 0)
    x, y = torch.from_numpy(train_set.x), torch.from_numpy(train_set.y)
    xv, yv = torch.from_numpy(val_set.x), torch.from_numpy(val_set.y)
    model = plain_lenet()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(0)
    times = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x), generator=generator)
        for step in range(len(x) // BATCH):
            index = order[step * BATCH : (step + 1) * BATCH]
            out = model(x[index])
            loss = loss_fn(out, y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for start_v in range(0, len(xv), BATCH):
                loss_fn(model(xv[start_v : start_v + BATCH]), yv[start_v : start_v + BATCH])
        times.append(time.perf_counter() - start)
    return times


def ours(dataset: Any, stats: bool) -> list[float]:
    """Epoch times as a listener sees them: from one epoch's event to the next, so the
    statistics pass (run after the epoch's own clock stops) is counted."""
    graph = templates.get("lenet-digits").graph()
    config = TrainConfig(epochs=EPOCHS, batch_size=BATCH, lr=0.003)
    prepared = prepare(graph, dataset, BATCH)
    stamps: list[float] = []

    def emit(kind: str, payload: Any) -> None:
        if kind == "metrics":
            stamps.append(time.perf_counter())

    def watch(model: Any, sample: Any) -> StatsWatcher:
        return StatsWatcher(model, prepared, sample, lambda kind, payload: None)

    train(prepared, dataset, config, emit=emit, on_model=watch if stats else None)
    return [b - a for a, b in zip(stamps, stamps[1:], strict=False)]


def best(runs: list[list[float]]) -> float:
    """The smallest median of several rounds: the machine's noise only ever adds."""
    return min(statistics.median(r) for r in runs)


def event_latency() -> list[float]:
    from fastapi.testclient import TestClient

    from netcanvas.api.app import create_app
    from netcanvas.api.settings import Settings
    from netcanvas.formats import native

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'b.db'}")
        with TestClient(create_app(settings)) as client:
            body = {
                "document": native.to_document(templates.get("mlp-2d").graph()),
                "data": {"name": "moons"},
                "config": {"epochs": 20, "batch_size": 32},
            }
            run_id = client.post("/api/runs", json=body).json()["id"]
            late = []
            with client.stream("GET", f"/api/runs/{run_id}/events", timeout=300) as stream:
                kind = None
                for line in stream.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and kind == "metrics":
                        payload = json.loads(line[6:])
                        if "wall" in payload:
                            late.append((time.time() - payload["wall"]) * 1000)
            return late


def main() -> None:
    torch.set_num_threads(1)  # as the worker trains
    dataset = load_dataset("digits")
    rounds: dict[str, list[list[float]]] = {"plain": [], "ours": [], "stats": []}
    for _ in range(3):  # interleaved, so a slow phase of the machine hits all three
        rounds["plain"].append(plain_loop(dataset)[1:])
        rounds["ours"].append(ours(dataset, stats=False))
        rounds["stats"].append(ours(dataset, stats=True))
    plain, without, with_stats = best(rounds["plain"]), best(rounds["ours"]), best(rounds["stats"])
    print("LeNet-style net on digits (1,437 training samples, batch 32): best of 3 rounds of")
    print("the median epoch (epochs 2..8)")
    print("| loop | s / epoch | vs plain PyTorch |\n|---|---|---|")
    print(f"| plain hand-written PyTorch loop | {plain:.4f} | 1.00× |")
    print(f"| netcanvas (no statistics) | {without:.4f} | {without / plain:.2f}× |")
    cost = 100 * (with_stats / without - 1)
    print(f"| netcanvas (layer statistics each epoch) | {with_stats:.4f} | "
          f"{with_stats / plain:.2f}× (statistics {cost:+.1f}%) |")  # fmt: skip
    late = event_latency()
    median, worst = statistics.median(late), max(late)
    print(f"\nEpoch event to listener, mlp-2d on moons, 20 epochs: median {median:.1f} ms, "
          f"worst {worst:.1f} ms (target 250 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
