"""``netcanvas serve | summary | render | convert | diff | train | runs | plot``.

Exit codes (DESIGN 5): 0 analysed without error; 1 analysed and the graph has
errors; 2 the input could not be read (``FILE:LINE:COL: message`` on stderr).
Imports stay inside the commands so the interpreter starts fast.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

# The summary table lives beside the CLI; these names stay importable from here.
from netcanvas.summary_table import format_table, human

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis
    from netcanvas.graph.model import Graph

__all__ = ["EXIT_GRAPH_ERRORS", "EXIT_OK", "EXIT_UNREADABLE", "format_table", "human", "main"]

EXIT_OK, EXIT_GRAPH_ERRORS, EXIT_UNREADABLE = 0, 1, 2


class CliError(Exception):
    """A problem reading the input, reported as ``FILE:LINE:COL: message``."""

    def __init__(self, path: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")


class UsageError(Exception):
    """A command line that cannot be carried out (an output path, an option): one line,
    ``netcanvas VERB: message``, exit 2, never a traceback."""


# Commands that read, write and exit: no server, no training run, no child process.
ONE_SHOT = ("summary", "render", "convert", "diff")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; ``argv`` None is this process's own command line (the
    ``netcanvas`` script, ``python -m netcanvas``), which a one-shot command ends itself."""
    # A one-shot command allocates many small objects and exits: the cycle collector would
    # only rescan them (a third of a 10,000-layer summary's time), already while the
    # imports build their classes; so it is off from the start, and back on for `serve`.
    collecting = gc.isenabled()
    gc.disable()
    try:
        args = _parser(_render_only(argv)).parse_args(argv)
        args.own_process = argv is None and args.command in ONE_SHOT
        if args.command not in ONE_SHOT:
            gc.enable()
        code = _run(args)
    finally:
        if collecting and argv is not None:
            gc.enable()  # called in-process (tests, scripts): leave the caller's state
    if args.own_process:
        _exit_now(code)
    return code


def _render_only(argv: Sequence[str] | None) -> str | None:
    """``"render"`` for a render: its parser is built alone, without the other commands'
    options and imports (5 ms); its errors and help are the render subcommand's anyway."""
    words = sys.argv[1:] if argv is None else argv
    return "render" if len(words) > 0 and words[0] == "render" else None


def _run(args: argparse.Namespace) -> int:
    try:
        code: int = args.run(args)
    except CliError as problem:
        sys.stderr.write(f"{problem}\n")
        return EXIT_UNREADABLE
    except UsageError as problem:
        sys.stderr.write(f"netcanvas {args.command}: {problem}\n")
        return EXIT_UNREADABLE
    except BrokenPipeError:
        return EXIT_OK
    return code


def _exit_now(code: int) -> None:
    """End the process without the interpreter's teardown.

    Everything is written and closed by now; tearing down would only free, one by one,
    the objects of the whole graph and of every imported module (30 ms of a ResNet-152
    render). Only the standard streams may still hold buffered output.
    """
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # `netcanvas summary net.prototxt | head`: the reader has all it wanted
    except OSError:
        code = code or EXIT_UNREADABLE  # stdout went away: never report success silently
    sys.stderr.flush()
    os._exit(code)


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netcanvas", description="Design, analyse, convert and draw neural networks."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    if only == "render":
        _add_render(sub)
        return parser

    serve = sub.add_parser("serve", help="serve the editor and the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--db", help="SQLite file for saved designs (default: netcanvas.db)")
    serve.add_argument("--reload", action="store_true", help="restart when the code changes")
    serve.add_argument(
        "--workers", type=int, default=1, help="server processes sharing the database (default 1)"
    )
    serve.set_defaults(run=_serve)

    summary = sub.add_parser("summary", help="print shapes, parameters and MACs per layer")
    _add_input_args(summary)
    summary.add_argument("--json", action="store_true", help="print one JSON object")
    summary.set_defaults(run=_summary)

    convert = sub.add_parser("convert", help="convert between model formats")
    _add_input_args(convert)
    convert.add_argument("-o", "--output", required=True, help="output file")
    convert.add_argument("--to", dest="to_format", help="output format (default: by extension)")
    convert.add_argument(
        "--dynamic-batch", action="store_true", help="ONNX: leave the batch dimension symbolic"
    )
    convert.add_argument("--force", action="store_true", help="write over the input file")
    convert.set_defaults(run=_convert)

    _add_render(sub)
    from netcanvas.logs.cli import add_commands as add_logs

    diff = sub.add_parser("diff", help="compare two networks: layers, params, MACs")
    diff.add_argument("file", help="the first model file")
    diff.add_argument("other", help="the second model file")
    diff.add_argument("--from", dest="from_format", help="input format (default: by extension)")
    diff.add_argument("--phase", choices=("TRAIN", "TEST"), default="TEST", type=str.upper)
    diff.add_argument("--json", action="store_true", help="print one JSON object")
    diff.set_defaults(run=_diff, input_shape=[])
    from netcanvas.train.cli import add_commands as add_train

    add_train(sub)
    add_logs(sub)
    return parser


def _add_render(sub: Any) -> None:
    render = sub.add_parser("render", help="draw a figure as SVG, PDF or PNG")
    _add_input_args(render)
    render.add_argument(
        "-o", "--output", required=True, help="OUT.svg, OUT.pdf, OUT.png or OUT.tex (TikZ)"
    )
    from netcanvas.render.catalogue import STYLE_NAMES, THEME_NAMES

    render.add_argument("--style", choices=STYLE_NAMES)
    render.add_argument("--theme", choices=THEME_NAMES)
    render.add_argument("--rankdir", choices=("TB", "LR"), type=str.upper)
    render.add_argument("--dpi", type=int, help="PNG resolution (96 = 1 px per SVG px)")
    render.add_argument("--fold", action="store_true", default=None, help="fold repeated blocks")
    render.add_argument(
        "--stack", action="store_true", default=None, help="stack in-place layers on their producer"
    )
    render.add_argument("--width", help="figure width: 3.3in, 8.5cm, 240pt")
    render.add_argument("--font-size", type=float, help="base font size in pt")
    render.add_argument("--title", help="title above the figure")
    render.add_argument("--show-params", action="store_true", default=None)
    render.add_argument("--show-macs", action="store_true", default=None)
    render.add_argument("--no-shapes", dest="show_shapes", action="store_false", default=None)
    render.add_argument("--no-names", dest="show_names", action="store_false", default=None)
    render.add_argument(
        "--depth", type=int, help="draw modules deeper than N (layers' scope) as one box each"
    )
    render.add_argument("--azimuth", type=float, help="alexnet style: degrees, -90..90")
    render.add_argument("--elevation", type=float, help="alexnet style: degrees, -60..60")
    render.add_argument("--force", action="store_true", help="write over the input file")
    render.add_argument(
        "--overlay",
        metavar="WHAT",
        help="colour layers by params, macs or memory; by a CSV (node,value) or Model "
        "Explorer JSON file; or by a run's statistic, RUN_FOLDER:grad_norm",
    )
    render.set_defaults(run=_render)


def _add_input_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file",
        help="model file (prototxt, yaml, json, onnx), - for stdin, or FILE.py:NAME to trace "
        "a PyTorch module of your own code (it runs that code)",
    )
    p.add_argument("--from", dest="from_format", help="input format (default: by extension)")
    p.add_argument(
        "--phase",
        choices=("TRAIN", "TEST"),
        default="TEST",
        type=str.upper,
        help="Caffe phase whose layers to keep (default TEST)",
    )
    p.add_argument(
        "--input-shape",
        action="append",
        default=[],
        metavar="NAME=N,C,H,W",
        help="set or override an input's shape (repeatable); for FILE.py:NAME the shapes "
        "of the forward's inputs in order (N,C,H,W, or N,T:int64 for token ids)",
    )


def open_input(args: argparse.Namespace) -> tuple[Graph, Analysis]:
    """Read and analyse the input named on the command line, or exit 2 with a located
    message (the service does the work, as for the API)."""
    from netcanvas import service

    path: str = args.file
    if ".py:" in path:  # FILE.py:NAME (torchtrace.target.TARGET): its module loads only then
        from netcanvas.torchtrace.target import TargetError, is_target

        if is_target(path):
            try:
                return service.open_python(path, args.input_shape)
            except TargetError as bad:
                raise CliError(path.rpartition(":")[0], bad.message, bad.line) from None
    shapes = dict(_parse_input_shape(spec, path) for spec in args.input_shape)
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
            return service.open_model(data, path, args.from_format, args.phase, shapes)
        return service.open_file(Path(path), args.from_format, args.phase, shapes)
    except OSError as failure:
        raise CliError(path, f"cannot read: {failure.strerror or failure}") from None
    except service.FormatError as bad:
        raise CliError(path, bad.message, bad.line, bad.column) from None
    except service.UnsupportedError as bad:
        raise CliError(path, str(bad)) from None
    except service.InputShapeError as bad:
        raise CliError(path, f"--input-shape: {bad}") from None


def _parse_input_shape(spec: str, path: str) -> tuple[str, list[int]]:
    name, sep, dims = spec.partition("=")
    try:
        shape = [int(d) for d in dims.replace("x", ",").split(",") if d.strip()]
    except ValueError:
        shape = []
    if not sep or not name or not shape or any(d <= 0 for d in shape):
        raise CliError(path, f"--input-shape wants NAME=N,C,H,W, got '{spec}'")
    return name, shape


def _summary(args: argparse.Namespace) -> int:
    graph, analysis = open_input(args)
    if args.json:
        import json

        sys.stdout.write(json.dumps(analysis.to_json()) + "\n")
    else:
        sys.stdout.write(format_table(analysis))
    # A total that may be wrong is never a clean exit (DESIGN 5: `complete`).
    return EXIT_OK if analysis.complete else EXIT_GRAPH_ERRORS


def _diff(args: argparse.Namespace) -> int:
    """Exit 0 when the networks are the same, 1 when they differ (as `diff` does)."""
    from netcanvas.diff import diff, format_diff

    first, _ = open_input(args)
    second, _ = open_input(argparse.Namespace(**{**vars(args), "file": args.other}))
    result = diff(first, second)
    if args.json:
        import json

        sys.stdout.write(json.dumps(result.to_json()) + "\n")
    else:
        sys.stdout.write(format_diff(result))
    return EXIT_OK if result.same else EXIT_GRAPH_ERRORS


def _convert(args: argparse.Namespace) -> int:
    from netcanvas import formats, service

    check_output(args.output, args.file, args.force)
    try:
        target = (
            formats.get(args.to_format)
            if args.to_format
            else formats.guess(args.output, writing=True)
        )
    except formats.UnsupportedError as bad:
        raise UsageError(str(bad)) from None
    if not target.writable:
        raise UsageError(f"netcanvas cannot write {target.name} files")
    graph, analysis = open_input(args)
    report: dict[str, Any] = {}
    try:
        options = {"dynamic_batch": args.dynamic_batch, "weights_report": report}
        state = _state_file(args, graph, analysis, target.name, options)
        data = service.export_model(graph, target.name, options, analysis)
    except formats.UnsupportedError as bad:
        sys.stderr.write(f"netcanvas convert: {bad}\n")
        return EXIT_GRAPH_ERRORS
    _write_output(args.output, data)
    if state is not None:
        beside = str(Path(args.output).with_name(str(options["weights_file"])))
        _write_output(beside, state.data)
        report.update(carried=True, fresh=state.fresh)
        sys.stderr.write(
            f"netcanvas convert: note: the weights of {args.file} are in {beside} "
            f"(a state_dict: load_weights in {args.output} reads it)\n"
        )
    weighted_source = (args.from_format or Path(args.file).suffix.lower().lstrip(".")) == "onnx"
    if not (weighted_source and analysis.params and target.name in WEIGHTED_TARGETS):
        return EXIT_OK
    fresh = report.get("fresh", [])
    if report.get("carried") and fresh:
        shown = ", ".join(fresh[:5]) + (f" and {len(fresh) - 5} more" if len(fresh) > 5 else "")
        sys.stderr.write(
            f"netcanvas convert: note: the weights of {args.file} are carried over except "
            f"those of {len(fresh)} layer(s), freshly initialised: {shown}\n"
        )
    elif not report.get("carried"):
        sys.stderr.write(
            f"netcanvas convert: note: the weights in {args.file} are not carried over: "
            f"{args.output} has the same architecture with freshly initialised weights, "
            "and its inputs and outputs are named after the layers\n"
        )
    return EXIT_OK


def _state_file(
    args: argparse.Namespace, graph: Any, analysis: Any, target: str, options: dict[str, Any]
) -> Any:
    """PyTorch code of a model whose weights were read (ONNX) gets them in a state_dict
    beside it (``model.pt``, or ``model.npz`` without torch; pytorch_state.py), named in
    ``options["weights_file"]`` for the code to load."""
    from netcanvas import service

    if target != "pytorch" or args.output == "-" or not graph.values:
        return None
    state = service.export_weights(graph, analysis)
    if state is not None:
        beside = Path(args.output).with_suffix(state.suffix)
        check_output(str(beside), args.file, args.force)
        options["weights_file"] = beside.name
    return state


# Formats that hold (or build) weights: a user may expect a source's trained weights in them.
WEIGHTED_TARGETS = ("onnx", "pytorch", "keras")

_RENDER_OPTIONS = (
    "style", "theme", "rankdir", "dpi", "fold", "stack", "width", "font_size", "title",
    "show_params", "show_macs", "show_shapes", "show_names", "azimuth", "elevation", "depth",
)  # fmt: skip
BUILTIN_OVERLAYS = ("params", "macs", "memory")


def _render(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from netcanvas import service
    from netcanvas.render import FIGURE_FORMATS, FigureError, FigureOptions

    check_output(args.output, args.file, args.force)
    fmt = Path(args.output).suffix.lower().lstrip(".")
    if fmt not in FIGURE_FORMATS:
        sys.stderr.write(
            f"netcanvas render: -o must end in .svg, .pdf, .png or .tex, got '{args.output}'\n"
        )
        return EXIT_UNREADABLE
    chosen = {k: getattr(args, k) for k in _RENDER_OPTIONS if getattr(args, k) is not None}
    if args.overlay in BUILTIN_OVERLAYS:
        chosen["overlay"] = args.overlay
    try:
        FigureOptions(**chosen)  # the command line's own mistakes first, before reading
    except ValidationError as bad:
        problems = "; ".join(
            f"--{'-'.join(str(p) for p in e['loc']).replace('_', '-')}: {e['msg']}"
            for e in bad.errors()
        )
        sys.stderr.write(f"netcanvas render: {problems}\n")
        return EXIT_UNREADABLE
    if getattr(args, "own_process", False):
        from netcanvas.render import igraph_core

        igraph_core.CORE_ONLY = True  # nothing imports the igraph package after the figure
    graph, analysis = open_input(args)
    if args.overlay and args.overlay not in BUILTIN_OVERLAYS:
        graph.view["overlay"] = _overlay(args.overlay).to_view()
    try:
        drawn = service.figure(graph, fmt, chosen, analysis)
    except FigureError as refused:
        raise UsageError(str(refused)) from None
    for warning in drawn.warnings:
        sys.stderr.write(f"netcanvas render: {warning}\n")
    _write_output(args.output, drawn.data)
    return EXIT_OK if analysis.ok else EXIT_GRAPH_ERRORS


def _overlay(spec: str) -> Any:
    """--overlay FILE (CSV, Model Explorer JSON) or RUN_FOLDER:STATISTIC."""
    import json

    from netcanvas.formats import FormatError
    from netcanvas.render.overlay import Overlay, read

    folder, sep, stat = spec.rpartition(":")
    if sep and Path(folder).is_dir():
        try:
            layers = json.loads((Path(folder) / "layers.json").read_text())
        except (OSError, ValueError):
            raise UsageError(f"--overlay {spec}: {folder} has no readable layers.json") from None
        values = {name: e["stats"].get(stat) for name, e in layers.get("layers", {}).items()}
        found = {k: float(v) for k, v in values.items() if isinstance(v, int | float)}
        if not found:
            raise UsageError(f"--overlay {spec}: no layer has a statistic '{stat}'")
        return Overlay(stat, found, log=stat.endswith(("norm", "ratio")))
    try:
        return read(Path(spec).read_bytes(), spec)
    except OSError as failure:
        raise UsageError(f"--overlay {spec}: {failure.strerror or failure}") from None
    except FormatError as bad:
        raise CliError(spec, bad.message, bad.line, bad.column) from None


def check_output(path: str, source: str, force: bool) -> None:
    """Refuse, before any work, an output that cannot be written or that is the input."""
    if path == "-":
        return
    target = Path(path)
    if path.endswith(("/", "\\")) or target.is_dir():
        raise UsageError(f"-o {path}: is a folder; name a file")
    if not target.parent.is_dir():
        raise UsageError(f"-o {path}: the folder {target.parent} does not exist")
    if not os.access(target.parent, os.W_OK):
        raise UsageError(f"-o {path}: the folder {target.parent} is not writable")
    if source != "-" and not force and target.exists():
        try:
            same = target.resolve() == Path(source).resolve()
        except OSError:
            same = False
        if same:
            raise UsageError(f"-o {path} is the input file: add --force to write over it")


def _write_output(path: str, data: bytes) -> None:
    """Write the whole file or nothing: a crash never leaves a half-written output."""
    if path == "-":
        sys.stdout.buffer.write(data)
        return
    target = Path(path)
    temp = target.with_name(f".{target.name}.part")
    try:
        temp.write_bytes(data)
        temp.replace(target)
    except OSError as failure:
        temp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {failure.strerror or failure}") from None


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from netcanvas.api.settings import Settings

    overrides: dict[str, Any] = {}
    if args.db:
        overrides["database_url"] = f"sqlite:///{Path(args.db).resolve()}"
    settings = Settings(**overrides)
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.reload or args.workers > 1:
        # Each server process builds its app from the environment (the settings above).
        os.environ.update({f"NETCANVAS_{k.upper()}": str(v) for k, v in overrides.items()})
        uvicorn.run(
            "netcanvas.api.app:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            reload=args.reload,
            workers=None if args.reload else args.workers,
        )
    else:
        from netcanvas.api.app import create_app

        uvicorn.run(create_app(settings), host=args.host, port=args.port)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
