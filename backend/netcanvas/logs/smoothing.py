"""TensorBoard's smoothing, and the x axis of a series (step, epoch or wall time)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt

from netcanvas.logs.model import FloatArray, Run, Series

XAxis = Literal["step", "epoch", "time"]


def smooth(values: FloatArray, weight: float) -> FloatArray:
    """Debiased exponential moving average, exactly as TensorBoard's scalar charts draw it.

    As in TensorBoard: the weight is clamped to [0, 1] (NaN counts as 0); a constant
    series is returned as it is; a non-finite value is passed through and does not enter
    the average; the average starts at 0 and is divided by ``1 - weight**k`` after ``k``
    finite values (no division when the weight is 1).

    >>> smooth(np.array([1.0, 0.0, 1.0]), 0.5).round(4).tolist()
    [1.0, 0.3333, 0.7143]
    """
    weight = 0.0 if not math.isfinite(weight) else min(max(weight, 0.0), 1.0)
    out = np.array(values, dtype=np.float64, copy=True)
    if not len(out) or bool((out == out[0]).all()):
        return out
    last = 0.0
    count = 0
    for i, value in enumerate(out.tolist()):
        if not math.isfinite(value):
            continue
        last = last * weight + (1 - weight) * value
        count += 1
        debias = 1.0 if weight == 1 else 1 - weight**count
        out[i] = last / debias
    return out


class AxisError(ValueError):
    """A run cannot be drawn against the x axis asked for."""


def x_values(run: Run, series: Series, axis: XAxis) -> FloatArray:
    """The x coordinates of a series: its steps, epochs, or seconds since the run began.

    Epochs come from the log's epoch column; else from an ``epoch`` metric of the run
    (Lightning logs one) by the step; else, for a Keras TensorBoard ``epoch_*`` tag, the
    step, which is the epoch there.

    >>> run = Run("r", "r.csv", {"loss": Series.from_points([(0, 1.0), (5, 0.5)])})
    >>> x_values(run, run.metrics["loss"], "step").tolist()
    [0.0, 5.0]
    """
    if axis == "step":
        return series.steps.astype(np.float64)
    if axis == "epoch":
        if series.epochs is not None and series.has_epochs():
            return _spread(run, series.steps, series.epochs)
        clock = run.metrics.get("epoch")
        if clock is not None and len(clock) and clock is not series:
            order = np.argsort(clock.steps, kind="stable")
            return np.interp(series.steps, clock.steps[order], clock.values[order])
        if series.raw_name.rsplit("/", 1)[-1].startswith("epoch_"):
            return series.steps.astype(np.float64)
        raise AxisError(f"run '{run.name}' logs no epochs: use --x step")
    if series.times is None or not series.has_times():
        raise AxisError(f"run '{run.name}' logs no wall times: use --x step or epoch")
    return series.times - run.start_time()


def _spread(run: Run, steps: npt.NDArray[np.int64], epochs: FloatArray) -> FloatArray:
    """Whole epochs as logged, except for a per-step series (several points in one epoch):
    its points are spread through their epoch by step, ``e + (step - first) / length``,
    where an epoch's first step and length come from every series of the run."""
    finite = np.isfinite(epochs)
    whole = epochs[finite]
    if len(np.unique(whole)) == len(whole) or not bool((whole == np.round(whole)).all()):
        return epochs
    pairs = [
        (s.steps[np.isfinite(s.epochs)], s.epochs[np.isfinite(s.epochs)])
        for s in run.metrics.values()
        if s.epochs is not None
    ]
    all_steps = np.concatenate([p[0] for p in pairs])
    all_epochs = np.concatenate([p[1] for p in pairs])
    numbers = np.unique(all_epochs)
    first = np.array([all_steps[all_epochs == e].min() for e in numbers], dtype=np.float64)
    last = np.array([all_steps[all_epochs == e].max() for e in numbers], dtype=np.float64)
    # The last epoch ends where the one before it would have (it may still be running).
    tail = last[-1] + 1 - first[-1]
    if len(first) > 1:
        tail = max(tail, first[-1] - first[-2])
    end = np.append(first[1:], first[-1] + tail)
    index = np.searchsorted(numbers, epochs[finite])
    out = epochs.copy()
    out[finite] = numbers[index] + (steps[finite] - first[index]) / np.maximum(
        end[index] - first[index], 1
    )
    return out


def time_unit(seconds: float) -> tuple[str, float]:
    """A readable unit for a time axis that spans ``seconds``.

    >>> time_unit(90), time_unit(4000), time_unit(30000)
    (('s', 1.0), ('min', 60.0), ('h', 3600.0))
    """
    if seconds >= 3 * 3600:
        return "h", 3600.0
    if seconds >= 120:
        return "min", 60.0
    return "s", 1.0
