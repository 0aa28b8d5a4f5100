"""Rows of named cells (CSV rows, JSON-lines objects, Keras History epochs) into runs.

Every text log is read as records ``{column: cell}`` where a cell is a number, ``None``
(an empty cell: the metric was not logged on that row, as in Lightning's sparse rows) or
text. Column names decide what each column is (case is ignored):

=================================================  =========================================
column                                             meaning
=================================================  =========================================
``step``, ``_step`` (W&B), ``Step`` (TensorBoard    the step (an integer)
CSV, W&B panel), ``global_step``, ``iteration``
``epoch``                                          the epoch (may be fractional, as in
                                                   Hugging Face's ``log_history``)
``wall_time``, ``Wall time``, ``timestamp``,        Unix time in seconds (milliseconds when
``_timestamp`` (W&B), ``time`` (when > 1e8)         larger than 1e11, as Comet writes them)
``seconds``, ``_runtime`` (W&B), ``runtime``,       seconds since the run started
``elapsed``, ``relative_time``, ``time``
``run``, ``run_name``, ``experiment``               one run per distinct value
``metric``, ``metricName`` (Comet), ``name``,      long format: the metric's name, with
``key``, ``tag`` with ``value``, ``metricValue``    its value in the value column
=================================================  =========================================

Any other column is a metric. A column whose cells are all text (a ``phase`` label,
Comet's ``runContext``) is not a metric and is skipped; text in a column that also holds
numbers is an error at that cell. With no step column the step is the epoch, else the row
number from 0 (Keras ``CSVLogger``, ``History``). W&B panel exports name their columns
``RUN - METRIC`` and read as one run per ``RUN``; their ``__MIN``/``__MAX`` columns (the
range of a down-sampled bucket) are skipped. A value-only file (TensorBoard's CSV
download ``run-RUN-tag-TAG.csv``, a Neptune series) names its metric after the file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from netcanvas.formats.base import FormatError
from netcanvas.logs.model import Run, Series

Cell = float | str | None
Record = tuple[int, dict[str, Cell]]  # (row number from 0, cells)
Locate = Callable[[int, str], tuple[int, int]]  # (row, column name) -> (line, column)

_STEP = ("step", "_step", "global_step", "iteration", "iter")
_EPOCH = ("epoch",)
_ABSOLUTE = ("wall_time", "wall time", "walltime", "timestamp", "_timestamp")
_RELATIVE = ("seconds", "_runtime", "runtime", "elapsed", "relative_time")
_RUN = ("run", "run_name", "experiment", "experiment_name")
_NAME = ("metric", "metricname", "metric_name", "name", "key", "tag")
_VALUE = ("value", "metricvalue", "metric_value")
_TB_DOWNLOAD = re.compile(r"^run[-_](?P<run>.+?)[-_]tag[-_](?P<tag>.+)$")


def _find(columns: Sequence[str], names: Sequence[str]) -> str | None:
    lowered = {c.lower(): c for c in reversed(columns)}
    return next((lowered[n] for n in names if n in lowered), None)


def build_runs(records: Sequence[Record], path: str, fmt: str, locate: Locate) -> list[Run]:
    """Runs from records, by the column rules above.

    >>> rows = [(0, {"epoch": 0.0, "loss": 0.9}), (1, {"epoch": 1.0, "loss": 0.5})]
    >>> run = build_runs(rows, "log.csv", "csv", lambda r, c: (r + 2, 1))[0]
    >>> run.metrics["loss"].steps.tolist(), run.metrics["loss"].values.tolist()
    ([0, 1], [0.9, 0.5])
    """
    columns = list(dict.fromkeys(c for _, cells in records for c in cells))
    step_col = _find(columns, _STEP)
    epoch_col = _find(columns, _EPOCH)
    run_col = _find(columns, _RUN)
    name_col, value_col = _find(columns, _NAME), _find(columns, _VALUE)
    time_col, relative = _time_column(columns, records)
    clocks = {c for c in columns if c.lower() in _ABSOLUTE + _RELATIVE}
    roles = {step_col, epoch_col, run_col, time_col, name_col, value_col, *clocks} - {None}
    long = value_col is not None
    metrics = [c for c in columns if c not in roles and not _is_label(c, records)]
    for column in metrics if not long else [value_col]:
        _check_numbers(column or "", records, locate)
    stem = Path(path).stem
    default_run = default_run_name(path)
    single = _TB_DOWNLOAD.match(stem)
    if single:
        default_run = single.group("run")
    # Without a step column, whole epochs (Keras) count the steps; else the row number does.
    counter = step_col
    if counter is None and epoch_col and all(_whole(c.get(epoch_col)) for _, c in records):
        counter = epoch_col
    points: dict[tuple[str, str], list[tuple[int, float, float, float]]] = {}
    for row, cells in records:
        run = str(cells.get(run_col)) if run_col and cells.get(run_col) is not None else default_run
        step = _step(row, cells, counter, locate)
        epoch = _number(cells.get(epoch_col)) if epoch_col else math.nan
        when = _seconds(_number(cells.get(time_col))) if time_col else math.nan
        if long:
            value = cells.get(value_col or "")
            if value is None:
                continue
            if name_col:
                name = cells.get(name_col)
                if name is None:
                    continue
                metric = str(name) if not isinstance(name, float) else f"{name:g}"
            else:
                metric = single.group("tag") if single else stem
            points.setdefault((run, metric), []).append((step, float(value), epoch, when))
            continue
        for column in metrics:
            value = cells.get(column)
            if value is None:
                continue
            run_name, metric = run, column
            if " - " in column and not run_col:  # a W&B panel export: RUN - METRIC
                run_name, metric = column.split(" - ", 1)
                if metric.endswith(("__MIN", "__MAX")):
                    continue
            points.setdefault((run_name, metric), []).append((step, float(value), epoch, when))
    return _runs(points, path, fmt, epoch_col is not None, time_col is not None, relative)


def default_run_name(path: str) -> str:
    """A file named for what it holds (``metrics.csv``, ``history.json``) names its folder's run.

    >>> default_run_name("lightning_logs/version_3/metrics.csv"), default_run_name("wide.csv")
    ('version_3', 'wide')
    """
    p = Path(path)
    generic = {"metrics", "history", "log", "logs", "training", "train", "progress", "run"}
    if p.stem.lower() in generic and p.parent.name:
        return p.parent.name
    return p.stem


def _time_column(columns: Sequence[str], records: Sequence[Record]) -> tuple[str | None, bool]:
    absolute = _find(columns, _ABSOLUTE)
    if absolute:
        return absolute, False
    relative = _find(columns, _RELATIVE)
    if relative:
        return relative, True
    plain = _find(columns, ("time",))
    if plain:
        values = [v for _, c in records if isinstance(v := c.get(plain), float)]
        return plain, not (values and min(values) > 1e8)
    return None, False


def _is_label(column: str, records: Sequence[Record]) -> bool:
    return not any(isinstance(cells.get(column), float) for _, cells in records)


def _check_numbers(column: str, records: Sequence[Record], locate: Locate) -> None:
    for row, cells in records:
        cell = cells.get(column)
        if isinstance(cell, str):
            line, col = locate(row, column)
            raise FormatError(f"'{_short(cell)}' is not a number (column '{column}')", line, col)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _number(cell: Cell) -> float:
    return cell if isinstance(cell, float) else math.nan


def _seconds(value: float) -> float:
    return value / 1000 if value > 1e11 else value


def _whole(cell: Cell) -> bool:
    return isinstance(cell, float) and math.isfinite(cell) and cell == int(cell)


def _step(row: int, cells: dict[str, Cell], column: str | None, locate: Locate) -> int:
    """The step of a row: its step cell (a whole number), else the row number."""
    if column is None:
        return row
    cell = cells.get(column)
    if isinstance(cell, float) and _whole(cell):
        return int(cell)
    line, col = locate(row, column)
    shown = "an empty cell" if cell is None else f"'{cell}'"
    raise FormatError(f"{shown} is not a whole {column} number", line, col)


def _runs(
    points: dict[tuple[str, str], list[tuple[int, float, float, float]]],
    path: str,
    fmt: str,
    has_epochs: bool,
    has_times: bool,
    relative: bool,
) -> list[Run]:
    runs: dict[str, Run] = {}
    for (run_name, metric), rows in points.items():
        run = runs.setdefault(run_name, Run(run_name, path, {}, fmt, relative))
        columns = list(zip(*rows, strict=True))
        run.metrics[metric] = Series(
            np.array(columns[0], dtype=np.int64),
            np.array(columns[1], dtype=np.float64),
            np.array(columns[2], dtype=np.float64) if has_epochs else None,
            np.array(columns[3], dtype=np.float64) if has_times else None,
            metric,
        )
    return list(runs.values())
