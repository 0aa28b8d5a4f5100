"""Publication figures of training curves: runs in, SVG / PDF / PNG bytes out.

One panel per metric family (``loss``: ``loss``, ``val_loss``, ``test_loss``, ``loss_step``),
train and validation of a family in one panel, runs overlaid, one legend label per run
and phase. Matplotlib (Agg, PDF and SVG backends, no pyplot) is imported only here.
The figure is exactly the width asked for (``3.3in``, ``8.5cm``, ``240pt``); the height
follows from the panels (3:4 each). The same runs and options give byte-identical files:
no dates, SVG ids from a fixed hash salt, fonts from matplotlib's own DejaVu Sans.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from netcanvas.logs.model import Run
from netcanvas.logs.panels import (
    Entry,
    Panel,
    PlotError,
    PlotOptions,
    legend_labels,
    plan,
    width_inches,
)
from netcanvas.logs.smoothing import AxisError, smooth, time_unit, x_values

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FORMATS = ("svg", "pdf", "png")
__all__ = ["FORMATS", "PlotError", "PlotOptions", "plan", "plot_bytes", "save_plot", "write_atomic"]
_Y_LABEL = {"lr": "learning rate"}
_METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None, "Creator": "netcanvas"},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "netcanvas", "Producer": "netcanvas"},
    "png": {"Software": "netcanvas"},
}


def plot_bytes(runs: Sequence[Run], fmt: str, options: PlotOptions | None = None) -> bytes:
    """The figure as SVG, PDF or PNG bytes.

    >>> from netcanvas.logs.model import Series
    >>> run = Run("a", "a.csv", {"loss": Series.from_points([(0, 1.0), (1, 0.5)])})
    >>> plot_bytes([run], "svg")[:5]
    b'<?xml'
    """
    import matplotlib

    options = options or PlotOptions()
    options.check()
    if fmt not in FORMATS:
        raise PlotError(f"the figure format must be svg, pdf or png, got '{fmt}'")
    panels = plan(runs, options)
    from netcanvas.logs.plotstyle import rc_params

    rc: Any = rc_params(options.theme, options.font_size)
    with matplotlib.rc_context(rc):
        figure = _draw(panels, runs, options)
        out = io.BytesIO()
        figure.savefig(out, format=fmt, dpi=options.dpi, metadata=_METADATA[fmt])
    return out.getvalue()


def save_plot(
    runs: Sequence[Run], path: str | os.PathLike[str], options: PlotOptions | None = None
) -> Path:
    """Write the figure to ``path`` (format from its extension), whole or not at all.

    >>> save_plot(read_logs(["runs/"]), "curves.pdf", PlotOptions(width="3.3in"))  # doctest: +SKIP
    PosixPath('curves.pdf')
    """
    target = Path(path)
    data = plot_bytes(runs, target.suffix.lower().lstrip("."), options)
    write_atomic(target, data)
    return target


def write_atomic(target: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename over the target.

    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_atomic(Path(folder) / "fig.svg", b"<svg/>")
    ...     sorted(p.name for p in Path(folder).iterdir())  # no temporary file left
    ['fig.svg']
    """
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _draw(panels: list[Panel], runs: Sequence[Run], options: PlotOptions) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    count = len(panels)
    columns = count if count <= 3 else (2 if count == 4 else 3)
    rows = math.ceil(count / columns)
    width = width_inches(options.width) if options.width else (3.3 if columns == 1 else 6.9)
    labels = legend_labels(panels)
    height = rows * max(1.3, width / columns * 0.75)
    points = options.font_size / 72
    if options.title:
        height += 2.2 * points
    if options.legend == "outside":
        height += math.ceil(len(labels) / _legend_columns(labels, width, options)) * 1.6 * points
    engine = ConstrainedLayoutEngine(w_pad=2 / 72, h_pad=2 / 72, wspace=0.03, hspace=0.03)
    figure = Figure(figsize=(width, height), layout=engine)
    grid = figure.subplots(rows, columns, squeeze=False)
    shown: set[str] = set()
    for index, axes in enumerate(grid.ravel()):
        if index >= count:
            axes.set_visible(False)
            continue
        _draw_panel(axes, panels[index], runs, labels, options)
        mine = set(axes.get_legend_handles_labels()[1])
        if options.legend == "best" and not mine <= shown:
            axes.legend(loc="best")  # a panel whose labels an earlier legend already told has none
        shown |= mine
    if options.title:
        figure.suptitle(options.title)
    if options.legend == "outside":
        handles: dict[str, Artist] = {}
        for axes in grid.ravel()[:count]:
            for handle, label in zip(*axes.get_legend_handles_labels(), strict=True):
                handles.setdefault(label, handle)
        figure.legend(
            list(handles.values()),
            list(handles),
            loc="outside lower center",
            ncols=_legend_columns(list(handles), width, options),
            frameon=False,
        )
    return figure


def _legend_columns(labels: Sequence[str], width: float, options: PlotOptions) -> int:
    longest = max((len(label) for label in labels), default=1)
    per_entry = (longest * 0.55 + 4) * options.font_size / 72  # text plus the line sample
    fit = max(1, min(len(labels), int(width // per_entry)))
    rows = math.ceil(len(labels) / fit)
    return math.ceil(len(labels) / rows)  # balanced rows: 2 + 2 rather than 3 + 1


def _draw_panel(
    axes: Axes, panel: Panel, runs: Sequence[Run], labels: list[str], options: PlotOptions
) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from netcanvas.logs.plotstyle import series_style

    total_runs = len(runs)
    unit, scale = "", 1.0
    if options.x == "time":
        span = max(
            (
                float(np.nanmax(_x(e, options)))
                for e in panel.entries
                if len(e.run.metrics[e.metric])
            ),
            default=0.0,
        )
        unit, scale = time_unit(span)
    for entry in panel.entries:
        series = entry.run.metrics[entry.metric]
        if not len(series):
            continue
        x = _x(entry, options) / scale
        y = series.values
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
        style = series_style(options.theme, entry.key, entry.run_index, entry.phase, total_runs)
        if "marker" in style:
            style["markevery"] = max(1, len(x) // 8)
        if options.smooth > 0:
            faint = {k: v for k, v in style.items() if k in ("color", "linestyle", "dashes")}
            axes.plot(x, y, alpha=0.25, linewidth=0.7, zorder=1, **faint)
            y = smooth(y, options.smooth)
        axes.plot(x, y, label=labels[entry.key], zorder=2, **style)
    if options.log_y:
        axes.set_yscale("log")
    axes.set_ylabel(_Y_LABEL.get(panel.family, panel.family))
    axes.set_xlabel({"step": "step", "epoch": "epoch", "time": f"wall time ({unit})"}[options.x])
    axes.margins(x=0.02)
    if options.x != "time":
        axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        factor, suffix = thousands(max(abs(v) for v in axes.get_xlim()))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v / factor:g}{suffix}"))


def _x(entry: Entry, options: PlotOptions) -> np.ndarray[Any, np.dtype[np.float64]]:
    try:
        return x_values(entry.run, entry.run.metrics[entry.metric], options.x)
    except AxisError as bad:
        raise PlotError(str(bad)) from None


def thousands(largest: float) -> tuple[float, str]:
    """The tick unit of an axis reaching ``largest``: steps read ``20k``, ``1.5M``.

    >>> thousands(500), thousands(60_000), thousands(2e6)
    ((1.0, ''), (1000.0, 'k'), (1000000.0, 'M'))
    """
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if largest >= factor:
            return (factor if suffix != "k" else 1e3), suffix
    return 1.0, ""
