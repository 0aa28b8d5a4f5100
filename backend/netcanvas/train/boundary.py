"""The decision boundary of a 2-D classifier, as TensorFlow Playground draws it: the class
the model picks on a grid over the data, sent once per epoch with a sample of points."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

GRID = 48  # cells per side
POINTS = 300  # data points sent with the first epoch


class BoundaryWatcher:
    def __init__(
        self,
        model: nn.Module,
        x: np.ndarray[Any, Any],
        y: np.ndarray[Any, Any],
        batch: int,
        emit: Callable[[str, dict[str, Any]], None],
    ) -> None:
        self.model, self.batch, self.emit = model, batch, emit
        low, high = x.min(axis=0), x.max(axis=0)
        pad = (high - low) * 0.1 + 1e-6
        self.box = [float(low[0] - pad[0]), float(high[0] + pad[0]),
                    float(low[1] - pad[1]), float(high[1] + pad[1])]  # fmt: skip
        xs = np.linspace(self.box[0], self.box[1], GRID, dtype=np.float32)
        ys = np.linspace(self.box[2], self.box[3], GRID, dtype=np.float32)
        grid_x, grid_y = np.meshgrid(xs, ys)  # row r is y = ys[r]
        self.grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
        pick = np.random.default_rng(0).permutation(len(x))[:POINTS]
        self.points = [
            [float(a), float(b), int(c)] for (a, b), c in zip(x[pick], y[pick], strict=True)
        ]

    def epoch_end(self, epoch: int) -> None:
        device = next(self.model.parameters()).device
        was_training = self.model.training
        self.model.eval()
        classes: list[int] = []
        with torch.no_grad():
            for start in range(0, len(self.grid), self.batch):
                chunk = torch.from_numpy(self.grid[start : start + self.batch]).to(device)
                real = len(chunk)
                if real < self.batch:
                    chunk = torch.cat([chunk, chunk.new_zeros((self.batch - real, 2))])
                out = self.model(chunk)[:real]
                classes.extend(int(c) for c in out.argmax(1).tolist())
        self.model.train(was_training)
        payload: dict[str, Any] = {
            "epoch": epoch,
            "size": GRID,
            "box": self.box,
            "classes": classes,
        }
        if epoch == 1:
            payload["points"] = self.points
        self.emit("boundary", payload)


class Watchers:
    """Several watchers behind the runner's one hook."""

    def __init__(self, *watchers: Any) -> None:
        self.watchers = [w for w in watchers if w is not None]

    def step_end(self, epoch: int, step: int) -> None:
        for watcher in self.watchers:
            if hasattr(watcher, "step_end"):
                watcher.step_end(epoch, step)

    def epoch_end(self, epoch: int) -> None:
        for watcher in self.watchers:
            watcher.epoch_end(epoch)
