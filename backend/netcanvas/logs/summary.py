"""The run summary table: per run and metric, the best and last value, epochs, wall time.

Best is the minimum for a loss-like metric and the maximum for an accuracy-like one
(``names.goal``); a metric that is neither (``lr``) has no best. Epochs: the number of
distinct epochs when the log numbers them as whole numbers (Keras, Lightning: 0, 1, ..),
else the last (fractional) epoch rounded up (Hugging Face); for a Keras TensorBoard run,
the points of its ``epoch_*`` tags. Wall time: seconds from the first to the last point.
Exported as text, CSV, and a LaTeX ``tabular``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from netcanvas.logs.model import Run, Series
from netcanvas.logs.names import goal

COLUMNS = ("run", "metric", "points", "best", "best_step", "last", "last_step", "epochs",
           "wall_time_s")  # fmt: skip


@dataclass
class Row:
    run: str
    metric: str
    points: int
    best: float | None
    best_step: int | None
    last: float | None
    last_step: int | None
    epochs: int | None
    wall_time_s: float | None

    def cells(self) -> list[Any]:
        return [getattr(self, c) for c in COLUMNS]


@dataclass
class Summary:
    """The table; ``str()`` aligns it for a terminal.

    >>> table = summarize([Run("a", "a.csv", {"loss": Series.from_points([(0, 0.9), (1, 0.4)])})])
    >>> table.rows[0].best, table.rows[0].last_step
    (0.4, 1)
    """

    rows: list[Row]

    def to_dicts(self) -> list[dict[str, Any]]:
        """One dict per row, keyed by ``COLUMNS``.

        >>> summarize([Run("a", "a", {"lr": Series.from_points([(0, 0.1)])})]).to_dicts()[0]["last"]
        0.1
        """
        return [dict(zip(COLUMNS, row.cells(), strict=True)) for row in self.rows]

    def to_csv(self) -> str:
        """CSV with a header row; numbers at full precision, unknown cells empty.

        >>> print(summarize([]).to_csv().strip())
        run,metric,points,best,best_step,last,last_step,epochs,wall_time_s
        """
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in self.rows:
            writer.writerow(["" if c is None else c for c in row.cells()])
        return out.getvalue()

    def to_latex(self) -> str:
        r"""A LaTeX ``tabular`` (4 significant digits), with every special character escaped.

        >>> run = Run("my_run", "x", {"loss": Series.from_points([(0, 1.0)])})
        >>> print(summarize([run]).to_latex().splitlines()[4])
        my\_run & loss & 1 & 0 & 1 &  &  \\
        """
        head = ["Run", "Metric", "Best", "Step", "Last", "Epochs", "Time (s)"]
        lines = [r"\begin{tabular}{llrrrrr}", r"\hline", " & ".join(head) + r" \\", r"\hline"]
        for row in self.rows:
            cells = [
                latex_escape(row.run),
                latex_escape(row.metric),
                _short(row.best),
                "" if row.best_step is None else str(row.best_step),
                _short(row.last),
                "" if row.epochs is None else str(row.epochs),
                "" if row.wall_time_s is None else f"{row.wall_time_s:.0f}",
            ]
            lines.append(" & ".join(cells) + r" \\")
        lines += [r"\hline", r"\end{tabular}"]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        head = ["run", "metric", "points", "best", "last", "epochs", "wall time"]
        body = [
            [
                r.run,
                r.metric,
                str(r.points),
                "" if r.best is None else f"{_short(r.best)} @ {r.best_step}",
                "" if r.last is None else f"{_short(r.last)} @ {r.last_step}",
                "" if r.epochs is None else str(r.epochs),
                "" if r.wall_time_s is None else _duration(r.wall_time_s),
            ]
            for r in self.rows
        ]
        widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
        rule = "  ".join("─" * w for w in widths)

        def show(cells: list[str]) -> str:
            return "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()

        return "\n".join([show(head), rule, *(show(line) for line in body)]) + "\n"


def summarize(runs: Sequence[Run]) -> Summary:
    """One row per run and metric.

    >>> s = Series.from_points([(0, 0.5), (1, 0.8), (2, 0.7)])
    >>> row = summarize([Run("a", "a.csv", {"val_accuracy": s})]).rows[0]
    >>> row.best, row.best_step, row.last
    (0.8, 1, 0.7)
    """
    rows = []
    for run in runs:
        epochs = run_epochs(run)
        wall = run.wall_time()
        for name, series in run.metrics.items():
            best, best_step = _best(name, series)
            finite = np.flatnonzero(np.isfinite(series.values))
            last_index = int(finite[-1]) if len(finite) else None
            rows.append(
                Row(
                    run.name,
                    name,
                    len(series),
                    best,
                    best_step,
                    None if last_index is None else float(series.values[last_index]),
                    None if last_index is None else int(series.steps[last_index]),
                    epochs,
                    None if math.isnan(wall) else wall,
                )
            )
    return Summary(rows)


def _best(name: str, series: Series) -> tuple[float | None, int | None]:
    direction = goal(name)
    values = np.where(np.isfinite(series.values), series.values, np.nan)
    if direction is None or not np.isfinite(values).any():
        return None, None
    index = int(np.nanargmin(values) if direction == "min" else np.nanargmax(values))
    return float(values[index]), int(series.steps[index])


def run_epochs(run: Run) -> int | None:
    """How many epochs a run logged, or None when its log does not say.

    >>> run_epochs(Run("a", "a.csv", {"loss": Series.from_points([(0, 1.0)])})) is None
    True
    """
    epochs = [s.epochs[np.isfinite(s.epochs)] for s in run.metrics.values() if s.epochs is not None]
    if "epoch" in run.metrics:
        epochs.append(run.metrics["epoch"].values)
    values = np.concatenate(epochs) if epochs else np.zeros(0)
    values = values[np.isfinite(values)]
    if len(values):
        if bool((values == np.round(values)).all()):
            return len(np.unique(values))
        return math.ceil(float(values.max()))
    per_epoch = [len(np.unique(s.steps)) for s in run.metrics.values()
                 if s.raw_name.rsplit("/", 1)[-1].startswith("epoch_")]  # fmt: skip
    return max(per_epoch) if per_epoch else None


_LATEX = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}  # fmt: skip


def latex_escape(text: str) -> str:
    r"""Text safe inside a LaTeX table cell.

    >>> print(latex_escape("val_loss 100% & {x}"))
    val\_loss 100\% \& \{x\}
    """
    return "".join(_LATEX.get(ch, ch) for ch in text)


def _short(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"
