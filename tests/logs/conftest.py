"""Logs written by the real libraries: torch's SummaryWriter, Keras's CSVLogger and
History, and a Lightning CSVLogger file in Lightning's exact format."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, need

# Values written: {run: {tag: [(step, value, wall_time)]}}
Written = dict[str, dict[str, list[tuple[int, float, float]]]]

WALL = 1_700_000_000.0


def curve(step: int, rate: float, phase: float) -> float:
    """A training-like curve with wiggles whose values need all float32 digits."""
    return 2.3 * math.exp(-rate * step) + 0.1 * math.sin(step * 0.7 + phase) + 0.2


@dataclass
class TensorBoardLogs:
    root: Path
    written: Written


@pytest.fixture(scope="session")
def tb_logs(tmp_path_factory: pytest.TempPathFactory) -> TensorBoardLogs:
    """Two runs in sub-folders, as TensorBoard lays them out, written by SummaryWriter:
    old-style scalars (simple_value), one new-style (tensor) tag, and non-scalar events
    (a histogram and text) that must be skipped."""
    need("torch")
    import numpy as np
    from torch.utils.tensorboard import SummaryWriter

    root = tmp_path_factory.mktemp("tb") / "runs"
    written: Written = {}
    for run, rate in (("baseline", 0.02), ("wide", 0.05)):
        tags: dict[str, list[tuple[int, float, float]]] = {}
        writer = SummaryWriter(str(root / run))
        for step in range(0, 120):
            wall = WALL + step * 0.5
            points = {"Loss/train": curve(step, rate, 0.0)}
            if step % 10 == 9:
                points["Loss/val"] = curve(step, rate, 1.0) + 0.05
                points["Accuracy/val"] = 1 - curve(step, rate, 2.0) / 3
            for tag, value in points.items():
                writer.add_scalar(tag, value, step, walltime=wall)
                tags.setdefault(tag, []).append((step, value, wall))
            if step % 40 == 0:
                writer.add_histogram("weights", np.linspace(-1, 1, 50), step, walltime=wall)
                writer.add_text("note", f"step {step}", step, walltime=wall)
                value = 0.1 / (1 + step)
                writer.add_scalar("learning_rate", value, step, walltime=wall, new_style=True)
                tags.setdefault("learning_rate", []).append((step, value, wall))
        writer.close()
        written[run] = tags
    return TensorBoardLogs(root, written)


@dataclass
class KerasLogs:
    csv: Path
    history_json: Path
    history: dict[str, list[float]]


_KERAS: dict[str, Any] = {}  # the background training process and its folder


def pytest_collection_modifyitems(session: pytest.Session, items: list[pytest.Item]) -> None:
    """Start the Keras training process as soon as a test that needs it is collected."""
    if not any("keras_logs" in getattr(item, "fixturenames", ()) for item in items):
        return
    if importlib.util.find_spec("keras") is None:
        return
    folder = Path(tempfile.mkdtemp(prefix="netcanvas-keras-"))
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    _KERAS["folder"] = folder
    _KERAS["process"] = subprocess.Popen(
        [sys.executable, "-m", "tests.logs.keras_fixture", str(folder)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    process = _KERAS.pop("process", None)
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()
    folder = _KERAS.pop("folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def keras_logs() -> KerasLogs:
    """A tiny Keras model trained for 3 epochs on random data (torch backend), logged by
    CSVLogger, its History saved with json.dump (``keras_fixture.py``)."""
    if "process" not in _KERAS:
        need("keras")  # not installed: skip (a failure in CI)
    process: subprocess.Popen[str] = _KERAS["process"]
    _, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    folder: Path = _KERAS["folder"]
    history = json.loads((folder / "history.json").read_text())
    return KerasLogs(folder / "training.csv", folder / "history.json", history)


@dataclass
class LightningLog:
    path: Path
    rows: list[dict[str, float | int]]


def write_lightning_csv(path: Path, rows: list[dict[str, float | int]]) -> None:
    """What Lightning's CSVLogger (``_ExperimentWriter.save``) writes: the sorted union of
    the keys as header, ``csv.DictWriter`` rows with empty cells for keys a row lacks."""
    keys = sorted(set().union(*rows))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="session")
def lightning_log(tmp_path_factory: pytest.TempPathFactory) -> LightningLog:
    """2 epochs of 4 steps: step losses every 2 steps, validation and epoch means at the end
    of each epoch, each on its own row, as ``self.log(..., on_step=True, on_epoch=True)``."""
    rows: list[dict[str, float | int]] = []
    step = 0
    for epoch in range(2):
        losses = []
        for _ in range(4):
            loss = curve(step, 0.1, 0.3)
            losses.append(loss)
            if step % 2 == 1:
                rows.append({"epoch": epoch, "step": step, "train_loss_step": loss})
            step += 1
        rows.append({"epoch": epoch, "step": step - 1, "val_loss": curve(step, 0.1, 1.3),
                     "val_acc": 0.5 + 0.1 * epoch})  # fmt: skip
        rows.append({"epoch": epoch, "step": step - 1, "train_loss_epoch": sum(losses) / 4})
    path = tmp_path_factory.mktemp("lightning") / "lightning_logs" / "version_0" / "metrics.csv"
    write_lightning_csv(path, rows)
    return LightningLog(path, rows)
