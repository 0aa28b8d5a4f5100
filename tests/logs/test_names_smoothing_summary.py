"""Metric names matched to Keras's, TensorBoard's smoothing, and the summary table."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from netcanvas.logs import Run, Series, canonical_names, smooth, summarize
from netcanvas.logs.names import canonical, goal
from netcanvas.logs.summary import latex_escape


@pytest.mark.parametrize(
    ("logged", "keras"),
    [
        ("loss", "loss"), ("val_accuracy", "val_accuracy"), ("lr", "lr"),
        ("acc", "accuracy"), ("val_acc", "val_accuracy"), ("epoch_loss", "loss"),
        ("epoch_accuracy", "accuracy"), ("epoch_learning_rate", "lr"), ("val/loss", "val_loss"),
        ("train_loss", "loss"), ("val_loss_epoch", "val_loss"), ("learning_rate", "lr"),
        ("Loss/train", "loss"), ("Loss/val", "val_loss"), ("Accuracy/validation", "val_accuracy"),
        ("train/acc", "accuracy"), ("eval_loss", "val_loss"), ("valid_loss", "val_loss"),
        ("lr-Adam", "lr"), ("train_loss_step", "loss_step"), ("batch_loss", "loss_step"),
        ("Loss/test", "test_loss"), ("val/f1", "val_f1"),
        ("grad_norm", "grad_norm"), ("Accuracy/top5", "Accuracy/top5"), ("epoch", "epoch"),
    ],
)  # fmt: skip
def test_documented_mapping(logged: str, keras: str) -> None:
    assert canonical(logged)[0] == keras


def test_collisions_keep_the_closest_match() -> None:
    assert canonical_names(["train_loss", "loss", "val_acc", "val_accuracy"]) == {
        "train_loss": "train_loss",
        "loss": "loss",
        "val_acc": "val_acc",
        "val_accuracy": "val_accuracy",
    }
    assert canonical_names(["train_loss_step", "train_loss_epoch"]) == {
        "train_loss_step": "loss_step",
        "train_loss_epoch": "loss",
    }


def test_goal() -> None:
    assert [goal(n) for n in ("loss", "val_loss", "val_accuracy", "top5_accuracy", "lr", "f1")] == [
        "min", "min", "max", "max", None, "max",
    ]  # fmt: skip


def reference_ema(values: list[float], weight: float) -> list[float]:
    """The closed form of TensorBoard's debiased EMA over the finite values."""
    out, kept = [], []
    for value in values:
        if not math.isfinite(value):
            out.append(value)
            continue
        kept.append(value)
        k = len(kept)
        total = sum(weight ** (k - 1 - i) * (1 - weight) * v for i, v in enumerate(kept))
        out.append(total / (1 - weight**k))
    return out


def test_smoothing_is_tensorboards() -> None:
    rng = np.random.default_rng(1)
    values = list(rng.normal(size=40))
    values[7] = math.nan
    values[20] = math.inf
    for weight in (0.0, 0.3, 0.6, 0.99):
        got = smooth(np.array(values), weight)
        want = reference_ema(values, weight)
        assert np.allclose(got, want, equal_nan=True, rtol=1e-12), weight
    assert smooth(np.array([2.0, 2.0, 2.0]), 0.9).tolist() == [2.0, 2.0, 2.0]  # constant: as is
    assert smooth(np.array([1.0, 3.0]), 0.6)[0] == 1.0  # debiased: starts at the first value
    assert smooth(np.array([1.0, 3.0]), 1.0).tolist() == [0.0, 0.0]  # TensorBoard at weight 1


def test_summary_best_last_epochs_wall_time() -> None:
    epochs = np.array([0.0, 1.0, 2.0])
    times = np.array([100.0, 160.0, 250.0])
    run = Run(
        "wide_50%",
        "x.csv",
        {
            "val_loss": Series(np.array([0, 1, 2]), np.array([0.9, 0.5, 0.7]), epochs, times),
            "val_accuracy": Series(np.array([0, 1, 2]), np.array([0.5, 0.8, 0.7]), epochs, times),
            "lr": Series(np.array([0, 1, 2]), np.array([0.1, 0.1, 0.01]), epochs, times),
        },
    )
    rows = {r.metric: r for r in summarize([run]).rows}
    assert (rows["val_loss"].best, rows["val_loss"].best_step) == (0.5, 1)
    assert (rows["val_accuracy"].best, rows["val_accuracy"].best_step) == (0.8, 1)
    assert rows["lr"].best is None and rows["lr"].last == 0.01
    assert rows["val_loss"].epochs == 3 and rows["val_loss"].wall_time_s == 150.0
    table = summarize([run])
    parsed = list(csv.DictReader(io.StringIO(table.to_csv())))
    assert parsed[0]["run"] == "wide_50%" and float(parsed[0]["last"]) == 0.7
    assert parsed[2]["best"] == ""
    latex = table.to_latex()
    assert "wide\\_50\\% & val\\_loss & 0.5 & 1 & 0.7 & 3 & 150 \\\\" in latex
    assert latex.count("\\\\") == 4


def test_latex_escapes_every_special_character() -> None:
    assert latex_escape("a&b%c$d#e_f{g}h~i^j\\k") == (
        "a\\&b\\%c\\$d\\#e\\_f\\{g\\}h\\textasciitilde{}i\\textasciicircum{}j\\textbackslash{}k"
    )
