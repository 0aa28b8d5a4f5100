"""Runs kept in the server's run store, as the log reader's :class:`Run` objects.

An imported log keeps its series whole (steps, values, epochs, times) in the run's
``series.npz`` file, so a figure made in the editor from an imported run is the figure
``netcanvas plot`` makes from the log file itself; the run's metric rows (what the
browser charts draw) hold at most ``CHART_POINTS`` points per metric, the extremes of
each stretch kept. A run trained by netcanvas becomes a Run whose steps are its epochs.
"""

from __future__ import annotations

import math
import zipfile
from typing import Any

import numpy as np

from netcanvas.logs.model import Run, Series

SERIES_FILE = "series.npz"
CHART_POINTS = 1000  # per metric: a chart ~350 px wide, each stretch's extremes kept


def _floats(array: Any) -> list[float | None] | None:
    if array is None:
        return None
    return [float(v) if math.isfinite(v) else None for v in np.asarray(array).tolist()]


def _array(values: list[float | None] | None) -> Any:
    if values is None:
        return None
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def run_to_json(run: Run) -> dict[str, Any]:
    """Everything of a run, losslessly (NaN and infinities as null).

    >>> run = Run("a", "a.csv", {"loss": Series.from_points([(0, 1.0)])}, "csv")
    >>> run_from_json(run_to_json(run)).metrics["loss"].values.tolist()
    [1.0]
    """
    return {
        "name": run.name,
        "source": run.source,
        "format": run.format,
        "relative_time": run.relative_time,
        "metrics": {
            name: {
                "raw_name": s.raw_name,
                "steps": [int(v) for v in s.steps.tolist()],
                "values": _floats(s.values),
                "epochs": _floats(s.epochs),
                "times": _floats(s.times),
            }
            for name, s in run.metrics.items()
        },
    }


def run_from_json(data: dict[str, Any]) -> Run:
    metrics = {
        name: Series(
            np.array(entry["steps"], dtype=np.int64),
            _array(entry["values"]),
            _array(entry.get("epochs")),
            _array(entry.get("times")),
            entry.get("raw_name", ""),
        )
        for name, entry in data["metrics"].items()
    }
    return Run(
        data["name"],
        data["source"],
        metrics,
        data.get("format", ""),
        data.get("relative_time", False),
    )


def run_from_epochs(name: str, rows: list[dict[str, Any]]) -> Run:
    """A trained run's per-epoch metrics (``[{"epoch", "name", "value"}]``) as a Run."""
    by_name: dict[str, list[tuple[int, float]]] = {}
    for row in rows:
        if row["name"] == "seconds":
            continue
        by_name.setdefault(row["name"], []).append((int(row["epoch"]), float(row["value"])))
    metrics = {}
    for metric, points in by_name.items():
        points.sort()
        steps = np.array([p[0] for p in points], dtype=np.int64)
        metrics[metric] = Series(
            steps, np.array([p[1] for p in points]), epochs=steps.astype(np.float64)
        )
    return Run(name, "netcanvas", metrics, "netcanvas")


def run_to_npz(run: Run) -> bytes:
    """The run, losslessly, as a compressed npz (arrays) with a JSON header."""
    import io
    import json

    arrays: dict[str, Any] = {}
    header = {"name": run.name, "source": run.source, "format": run.format,
              "relative_time": run.relative_time, "metrics": []}  # fmt: skip
    for i, (name, series) in enumerate(run.metrics.items()):
        header["metrics"].append({"name": name, "raw_name": series.raw_name})  # type: ignore[attr-defined]
        arrays[f"s{i}"], arrays[f"v{i}"] = series.steps, series.values
        if series.epochs is not None:
            arrays[f"e{i}"] = series.epochs
        if series.times is not None:
            arrays[f"t{i}"] = series.times
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    # np.savez_compressed's default deflate level spent seconds on a 100 MB log for a few
    # per cent of size: level 1, written member by member as savez does (np.load reads it).
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for key, array in arrays.items():
            with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
    return out.getvalue()


def run_from_npz(data: bytes) -> Run:
    import io
    import json

    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        header = json.loads(arrays["header"].tobytes())
        metrics = {}
        for i, entry in enumerate(header["metrics"]):
            metrics[entry["name"]] = Series(
                arrays[f"s{i}"],
                arrays[f"v{i}"],
                arrays[f"e{i}"] if f"e{i}" in arrays else None,
                arrays[f"t{i}"] if f"t{i}" in arrays else None,
                entry["raw_name"],
            )
    return Run(header["name"], header["source"], metrics, header["format"], header["relative_time"])


def chart_rows(series: Series, limit: int = CHART_POINTS) -> dict[int, float]:
    """{step: value} for the browser's chart: every point of a short series; of a long one,
    the first, the last and each stretch's lowest and highest, so no spike disappears."""
    finite_at = np.isfinite(series.values)  # JSON has no NaN: the figure keeps them, not the chart
    steps, values = series.steps[finite_at], series.values[finite_at]
    if len(steps) <= limit:
        return dict(zip(steps.tolist(), values.tolist(), strict=True))
    # Each point's stretch; sorted by (stretch, value), a stretch's first point is its lowest
    # and its last its highest: one sort instead of a thousand argmin / argmax calls.
    stretch = np.arange(len(steps)) * (limit // 2) // len(steps)
    order = np.lexsort((values, stretch))
    ends = np.flatnonzero(np.diff(stretch[order]))
    keep = np.unique(np.concatenate(([0, len(steps) - 1], order[ends], order[ends + 1],
                                     order[[0, -1]])))  # fmt: skip
    return dict(zip(steps[keep].tolist(), values[keep].tolist(), strict=True))


def run_rows(run: Run) -> dict[tuple[int, str], float]:
    """The metric rows an imported run keeps for the browser's charts: each metric's
    :func:`chart_rows`, and ``time``, the seconds since the run's first record at each kept
    step (when the log records wall time), so the charts can draw against time as well."""
    rows: dict[tuple[int, str], float] = {}
    for name, series in run.metrics.items():
        for step, value in chart_rows(series).items():
            rows[(step, name)] = value  # a step logged twice: the last
    timed = [(s.steps, s.times) for s in run.metrics.values() if s.times is not None]
    starts = [float(np.nanmin(t)) for _, t in timed if np.isfinite(t).any()]
    if not starts:
        return rows
    start = min(starts)
    kept = np.fromiter({step for step, _ in rows}, dtype=np.int64)
    steps = np.concatenate([steps for steps, _ in timed])
    times = np.concatenate([times for _, times in timed])
    at = np.isin(steps, kept) & np.isfinite(times)
    # A step logged by several metrics: its first record's time.
    unique, first = np.unique(steps[at], return_index=True)
    elapsed = np.round(times[at][first] - start, 3)
    for step, when in zip(unique.tolist(), elapsed.tolist(), strict=True):
        rows.setdefault((step, "time"), when)
    return rows
