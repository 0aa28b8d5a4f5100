"""The one data model every reader returns: a :class:`Run` holding named :class:`Series`.

A series keeps its points in the order they were logged, as numpy arrays: ``steps``
(int64), ``values`` (float64; a float32 TensorBoard value converts exactly), and where the
log says so ``epochs`` (float64, NaN where a point has none) and ``times`` (float64
seconds; NaN where unknown).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from netcanvas.formats.base import FormatError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class LogFormatError(FormatError):
    """A :class:`FormatError` that also names the file.

    Printed as ``FILE:LINE:COL: message`` for text logs, and as ``FILE: message`` for
    what has no line (an event file, whose message says "record N"; a missing file).

    >>> str(LogFormatError("run.csv", "'x' is not a number", 3, 7))
    "run.csv:3:7: 'x' is not a number"
    >>> str(LogFormatError("events.1", "record 4: bad header checksum", 4, located=False))
    'events.1: record 4: bad header checksum'
    """

    def __init__(
        self, path: str, message: str, line: int = 1, column: int = 1, located: bool = True
    ) -> None:
        super().__init__(message, line, column)
        self.path = path
        self.located = located

    def __str__(self) -> str:
        if not self.located:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@dataclass(eq=False)
class Series:
    """One metric of one run.

    >>> s = Series.from_points([(0, 1.0), (1, 0.5)])
    >>> s.steps.tolist(), s.values.tolist(), s.last
    ([0, 1], [1.0, 0.5], 0.5)
    """

    steps: IntArray
    values: FloatArray
    epochs: FloatArray | None = None
    times: FloatArray | None = None
    raw_name: str = ""

    def __post_init__(self) -> None:
        n = len(self.steps)
        for name in ("values", "epochs", "times"):
            array = getattr(self, name)
            if array is not None and len(array) != n:
                raise ValueError(f"{name} has {len(array)} points, steps has {n}")

    @classmethod
    def from_points(cls, points: Iterable[tuple[int, float]], raw_name: str = "") -> Series:
        """A series from ``(step, value)`` pairs.

        >>> len(Series.from_points([(3, 0.25)]))
        1
        """
        pairs = list(points)
        steps = np.array([p[0] for p in pairs], dtype=np.int64)
        values = np.array([p[1] for p in pairs], dtype=np.float64)
        return cls(steps, values, raw_name=raw_name)

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def last(self) -> float:
        """The last logged value (NaN for an empty series)."""
        return float(self.values[-1]) if len(self) else math.nan

    def points(self) -> list[list[Any]]:
        """``[[step, value], ...]`` with NaN and infinities as ``None`` (JSON has neither).

        >>> Series.from_points([(0, float("nan")), (1, 2.0)]).points()
        [[0, None], [1, 2.0]]
        """
        return [
            [int(s), float(v) if math.isfinite(v) else None]
            for s, v in zip(self.steps.tolist(), self.values.tolist(), strict=True)
        ]

    def has_epochs(self) -> bool:
        """Whether the log gave at least one point an epoch.

        >>> Series.from_points([(0, 1.0)]).has_epochs()
        False
        """
        return self.epochs is not None and bool(np.isfinite(self.epochs).any())

    def has_times(self) -> bool:
        """Whether the log gave at least one point a time.

        >>> Series(np.array([0]), np.array([1.0]), times=np.array([5.0])).has_times()
        True
        """
        return self.times is not None and bool(np.isfinite(self.times).any())


@dataclass(eq=False)
class Run:
    """A training run: a name, where it was read from, and its metrics by name.

    ``relative_time`` says the series' ``times`` count seconds from the run's start
    (a ``seconds`` column) rather than Unix time (TensorBoard's wall time).

    >>> run = Run("baseline", "logs/baseline", {"loss": Series.from_points([(0, 1.0)])})
    >>> run.metric_names()
    ['loss']
    """

    name: str
    source: str
    metrics: dict[str, Series] = field(default_factory=dict)
    format: str = ""
    relative_time: bool = False

    def metric_names(self) -> list[str]:
        return list(self.metrics)

    def to_json(self) -> dict[str, Any]:
        """The ``netcanvas runs --json`` shape of one run.

        >>> Run("a", "a.csv", {"loss": Series.from_points([(0, 1.0)])}).to_json()
        {'name': 'a', 'source': 'a.csv', 'metrics': {'loss': [[0, 1.0]]}}
        """
        return {
            "name": self.name,
            "source": self.source,
            "metrics": {name: series.points() for name, series in self.metrics.items()},
        }

    def start_time(self) -> float:
        """The origin of the time axis: 0 for relative times, else the earliest wall time.

        >>> s = Series(np.array([0, 1]), np.array([1.0, 0.5]), times=np.array([10.0, 70.0]))
        >>> Run("a", "a", {"loss": s}).start_time()
        10.0
        """
        if self.relative_time:
            return 0.0
        starts = [
            float(np.nanmin(s.times))
            for s in self.metrics.values()
            if s.times is not None and s.has_times()
        ]
        return min(starts) if starts else math.nan

    def wall_time(self) -> float:
        """Seconds from the first to the last logged point (NaN when the log has no times).

        >>> s = Series(np.array([0, 1]), np.array([1.0, 0.5]), times=np.array([10.0, 70.0]))
        >>> Run("a", "a", {"loss": s}).wall_time()
        60.0
        """
        ends = [
            float(np.nanmax(s.times))
            for s in self.metrics.values()
            if s.times is not None and s.has_times()
        ]
        return max(ends) - self.start_time() if ends else math.nan


def concat(parts: Sequence[Series], raw_name: str = "") -> Series:
    """Join series logged one after another (several event files of one run).

    >>> a, b = Series.from_points([(0, 1.0)]), Series.from_points([(1, 2.0)])
    >>> concat([a, b]).steps.tolist()
    [0, 1]
    """
    if len(parts) == 1:
        return parts[0]

    def joined(name: str) -> FloatArray | None:
        arrays = [getattr(p, name) for p in parts]
        if all(a is None for a in arrays):
            return None
        return np.concatenate(
            [
                a if a is not None else np.full(len(p), np.nan)
                for a, p in zip(arrays, parts, strict=True)
            ]
        )

    return Series(
        np.concatenate([p.steps for p in parts]),
        np.concatenate([p.values for p in parts]),
        joined("epochs"),
        joined("times"),
        raw_name or parts[0].raw_name,
    )
