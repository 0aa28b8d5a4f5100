"""``netcanvas runs`` and ``netcanvas plot`` (DESIGN 10).

Exit codes: 0 done; 2 an input could not be read (``FILE:LINE:COL: message``, or
``FILE: record N: message`` for an event file, on stderr) or a usage problem (one line).
This module is imported by every ``netcanvas`` command to build the parser, so it
imports nothing heavy: the readers and matplotlib load inside the commands.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

EXIT_OK, EXIT_UNREADABLE = 0, 2


def add_commands(sub: Any) -> None:
    """Add ``runs`` and ``plot`` to the ``netcanvas`` sub-command parsers.

    >>> parser = argparse.ArgumentParser(prog="netcanvas")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["runs", "logs/", "--json"]).json
    True
    """
    from netcanvas.render.catalogue import THEME_NAMES

    runs = sub.add_parser("runs", help="list training runs and their metrics from logs")
    _one_line_errors(runs)
    runs.add_argument("paths", nargs="+", metavar="LOGDIR_OR_FILE")
    output = runs.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the runs as JSON")
    output.add_argument("--csv", action="store_true", help="print the summary table as CSV")
    output.add_argument("--latex", action="store_true", help="print it as a LaTeX tabular")
    runs.add_argument("--raw-names", action="store_true", help="keep metric names as logged")
    runs.set_defaults(run=_runs)

    plot = sub.add_parser("plot", help="draw training curves as SVG, PDF or PNG")
    _one_line_errors(plot)
    plot.add_argument("paths", nargs="+", metavar="LOGS")
    plot.add_argument("-o", "--output", required=True, help="OUT.svg, OUT.pdf or OUT.png")
    plot.add_argument("--metrics", help="metrics to draw, comma-separated (default: all)")
    plot.add_argument("--smooth", type=float, default=0.0, help="TensorBoard smoothing, 0..1")
    plot.add_argument("--x", choices=("step", "epoch", "time"), default="step")
    plot.add_argument("--theme", choices=THEME_NAMES, default="light")
    plot.add_argument("--width", help="figure width: 3.3in, 8.5cm, 240pt")
    plot.add_argument("--font-size", type=float, default=8.0, help="base font size in pt")
    plot.add_argument("--layout", help="one panel per family, e.g. loss,accuracy")
    plot.add_argument("--log-y", action="store_true", help="logarithmic y axis")
    plot.add_argument("--legend", choices=("best", "outside", "none"), default="best")
    plot.add_argument("--title", help="title above the figure")
    plot.add_argument("--dpi", type=int, default=300, help="PNG resolution (default 300)")
    plot.add_argument("--raw-names", action="store_true", help="keep metric names as logged")
    plot.set_defaults(run=_plot)


def _one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Usage mistakes as one line on stderr and exit 2, without the usage block."""

    def error(message: str) -> NoReturn:
        sys.stderr.write(f"{parser.prog}: {message}\n")
        raise SystemExit(EXIT_UNREADABLE)

    setattr(parser, "error", error)  # noqa: B010 - an instance override, not a class change


def _fail(message: str) -> int:
    sys.stderr.write(message.replace("\n", " ") + "\n")
    return EXIT_UNREADABLE


def _runs(args: argparse.Namespace) -> int:
    from netcanvas.logs.discover import read_logs
    from netcanvas.logs.model import LogFormatError

    try:
        runs = read_logs(args.paths, raw_names=args.raw_names)
    except LogFormatError as bad:
        return _fail(str(bad))
    if args.json:
        import json

        sys.stdout.write(json.dumps([run.to_json() for run in runs], allow_nan=False) + "\n")
        return EXIT_OK
    from netcanvas.logs.summary import summarize

    table = summarize(runs)
    sys.stdout.write(table.to_csv() if args.csv else table.to_latex() if args.latex else str(table))
    return EXIT_OK


def _plot(args: argparse.Namespace) -> int:
    from pathlib import Path

    from netcanvas.logs.discover import read_logs
    from netcanvas.logs.model import LogFormatError
    from netcanvas.logs.plot import FORMATS, PlotError, PlotOptions, plot_bytes, write_atomic

    fmt = Path(args.output).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        return _fail(f"netcanvas plot: -o must end in .svg, .pdf or .png, got '{args.output}'")
    options = PlotOptions(
        metrics=_split(args.metrics),
        smooth=args.smooth,
        x=args.x,
        theme=args.theme,
        width=args.width,
        font_size=args.font_size,
        layout=_split(args.layout),
        log_y=args.log_y,
        legend=args.legend,
        title=args.title,
        dpi=args.dpi,
    )
    try:
        options.check()  # the command line's own mistakes first, before reading
        runs = read_logs(args.paths, raw_names=args.raw_names)
        data = plot_bytes(runs, fmt, options)
    except LogFormatError as bad:
        return _fail(str(bad))
    except PlotError as bad:
        return _fail(f"netcanvas plot: {bad}")
    try:
        write_atomic(Path(args.output), data)
    except OSError as failure:
        return _fail(f"netcanvas plot: cannot write {args.output}: {failure.strerror or failure}")
    return EXIT_OK


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    items = [item.strip() for item in text.split(",") if item.strip()]
    return items or None
