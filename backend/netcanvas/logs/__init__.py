"""Training logs in, publication plots out.

Readers for TensorBoard event files, CSV logs (Keras, Lightning, W&B, Neptune, Comet,
TensorBoard's CSV download), Keras ``History`` JSON and JSON lines, all returning
:class:`Run` objects whose metrics are named as Keras's ``History`` names them; figures
of them as SVG, PDF or PNG; a summary table as text, CSV or LaTeX.

>>> from netcanvas.logs import read_logs, plot_bytes, summarize  # doctest: +SKIP
>>> runs = read_logs(["runs/"])  # doctest: +SKIP
>>> open("curves.pdf", "wb").write(plot_bytes(runs, "pdf"))  # doctest: +SKIP

Importing this package loads nothing heavy: each name below loads its module on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netcanvas.logs.discover import read_logs
    from netcanvas.logs.model import LogFormatError, Run, Series
    from netcanvas.logs.names import canonical, canonical_names
    from netcanvas.logs.plot import PlotError, PlotOptions, plot_bytes, save_plot
    from netcanvas.logs.smoothing import smooth
    from netcanvas.logs.summary import Summary, summarize

_HOME = {
    "read_logs": "discover",
    "LogFormatError": "model",
    "Run": "model",
    "Series": "model",
    "canonical": "names",
    "canonical_names": "names",
    "PlotError": "plot",
    "PlotOptions": "plot",
    "plot_bytes": "plot",
    "save_plot": "plot",
    "smooth": "smoothing",
    "Summary": "summary",
    "summarize": "summary",
}
__all__ = [
    "LogFormatError",
    "PlotError",
    "PlotOptions",
    "Run",
    "Series",
    "Summary",
    "canonical",
    "canonical_names",
    "plot_bytes",
    "read_logs",
    "save_plot",
    "smooth",
    "summarize",
]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f"netcanvas.logs.{_HOME[name]}"), name)
    raise AttributeError(f"module 'netcanvas.logs' has no attribute {name!r}")
