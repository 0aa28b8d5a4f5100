"""``netcanvas train FILE --data NAME[:PATH] ...`` (DESIGN 10): the same run as the
editor's Train button, in this process, its files written to ``--out DIR``.

Exit codes: 0 trained; 1 the graph or data set cannot train (the reason on stderr);
2 an input could not be read or the command line is wrong.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_CANNOT_TRAIN, EXIT_UNREADABLE = 0, 1, 2
SWEEPABLE = ("lr", "batch_size", "optimizer", "epochs", "schedule", "seed", "weight_decay")


def add_commands(sub: Any) -> None:
    train = sub.add_parser("train", help="train the network on a data set")
    train.add_argument("file", help="model file (yaml, json, prototxt, onnx)")
    train.add_argument("--from", dest="from_format", help="input format (default: by extension)")
    train.add_argument(
        "--data", required=True, metavar="NAME[:PATH]", help="data set (see GET /api/datasets)"
    )
    train.add_argument("--data-setting", action="append", default=[], metavar="KEY=VALUE",
                       help="a data set setting, e.g. samples=2000 (repeatable)")  # fmt: skip
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--lr", type=float)
    train.add_argument("--optimizer", choices=("sgd", "adam", "adamw"))
    train.add_argument("--schedule", choices=("constant", "step", "cosine"))
    train.add_argument("--seed", type=int)
    train.add_argument("--val-split", type=float)
    train.add_argument("--device", choices=("auto", "cpu", "cuda"))
    train.add_argument("--stats-every", type=int, default=0, help="layer statistics every K steps")
    train.add_argument(
        "--sweep", action="append", default=[], metavar="KEY=V1,V2",
        help="train the grid of these values (repeatable), one folder per run",
    )  # fmt: skip
    train.add_argument("--out", help="folder for the run's files (default: runs/NAME-TIME)")
    train.add_argument("--json", action="store_true", help="one JSON line per epoch, then the end")
    train.set_defaults(run=run)

    look = sub.add_parser("inspect", help="feature maps, probabilities and saliency of a model")
    look.add_argument("source", help="a `netcanvas train` output folder, or an ONNX file")
    look.add_argument("--sample", type=int, default=0, help="index of the data set's sample")
    look.add_argument("-o", "--output", help="folder for the PNGs and maps.json")
    look.add_argument("--json", action="store_true", help="print maps.json (images base64)")
    look.set_defaults(run=inspect)


def inspect(args: argparse.Namespace) -> int:
    import base64

    from netcanvas.train.inspect import InspectError, inspect_onnx, inspect_run, write

    source = Path(args.source)
    try:
        if source.is_dir():
            answer = inspect_run(source, args.sample)
        elif source.suffix.lower() == ".onnx":
            answer = inspect_onnx(source)
        else:
            return _usage("inspect takes a run folder or an .onnx file")
    except InspectError as refused:
        sys.stderr.write(f"netcanvas inspect: {refused}\n")
        return EXIT_UNREADABLE
    if args.output:
        write(answer, Path(args.output))
    if args.json:
        shown = {**answer, "images": {
            k: base64.b64encode(v).decode() for k, v in answer["images"].items()}}  # fmt: skip
        sys.stdout.write(json.dumps(shown) + "\n")
    elif args.output:
        sys.stdout.write(f"{len(answer['images'])} images and maps.json in {args.output}\n")
    return EXIT_OK


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def run(args: argparse.Namespace) -> int:
    from netcanvas.cli import CliError
    from netcanvas.formats import FormatError, UnsupportedError, native
    from netcanvas.service import open_model

    try:
        data_bytes = Path(args.file).read_bytes()
    except OSError as failure:
        raise CliError(args.file, f"cannot read: {failure.strerror or failure}") from None
    try:
        graph, _ = open_model(data_bytes, args.file, args.from_format)
    except FormatError as bad:
        raise CliError(args.file, bad.message, bad.line, bad.column) from None
    except UnsupportedError as bad:
        raise CliError(args.file, str(bad)) from None
    name, _, path = args.data.partition(":")
    settings = {}
    for item in args.data_setting:
        key, sep, value = item.partition("=")
        if not sep:
            return _usage(f"--data-setting wants KEY=VALUE, got '{item}'")
        settings[key] = _value(value)
    data: dict[str, Any] = {"name": name, **({"path": path} if path else {})}
    if settings:
        data["settings"] = settings
    base = {
        k: getattr(args, k)
        for k in ("epochs", "batch_size", "lr", "optimizer", "schedule", "seed", "val_split",
                  "device")
        if getattr(args, k) is not None
    }  # fmt: skip
    grid: list[dict[str, Any]] = [{}]
    if args.sweep:
        axes: dict[str, list[Any]] = {}
        for item in args.sweep:
            key, sep, values = item.partition("=")
            if not sep or key not in SWEEPABLE:
                return _usage(f"--sweep wants KEY=V1,V2 with KEY one of {', '.join(SWEEPABLE)}")
            axes[key] = [_value(v) for v in values.split(",") if v]
        grid = [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(args.out) if args.out else Path("runs") / f"{_safe(graph.name)}-{stamp}"
    document = native.to_document(graph)
    worst = EXIT_OK
    for point in grid:
        folder = out / ",".join(f"{k}={v}" for k, v in point.items()) if point else out
        code = _one(document, data, {**base, **point}, args, folder)
        worst = max(worst, code)
    return worst


def _one(
    document: dict[str, Any],
    data: dict[str, Any],
    config: dict[str, Any],
    args: argparse.Namespace,
    out: Path,
) -> int:
    from pydantic import ValidationError

    from netcanvas.train.job import run_job
    from netcanvas.train.runner import TrainConfig

    try:
        checked = TrainConfig(**config).model_dump()
    except ValidationError as bad:
        problem = bad.errors()[0]
        return _usage(f"--{str(problem['loc'][0]).replace('_', '-')}: {problem['msg']}")
    files: dict[str, bytes] = {}
    history: list[dict[str, Any]] = []
    final: dict[str, Any] = {}

    def emit(kind: str, payload: dict[str, Any]) -> None:
        if kind == "metrics":
            payload = {k: v for k, v in payload.items() if k != "wall"}
            history.append(payload)
            if args.json:
                sys.stdout.write(json.dumps(payload) + "\n")
            else:
                shown = "  ".join(f"{k} {v:.4g}" for k, v in payload.items() if k != "epoch")
                sys.stdout.write(f"epoch {payload['epoch']}: {shown}\n")
            sys.stdout.flush()
        elif kind == "artifact":
            files[payload["name"]] = payload["data"]
        elif kind == "layers" and payload.get("step") is None:
            final["layers"] = payload
        elif kind == "status":
            final.update(payload)

    spec = {"document": document, "data": data, "config": checked, "stats_every": args.stats_every}
    status = run_job(spec, emit, lambda: False)
    if status == "failed":
        sys.stderr.write(f"netcanvas train: {final.get('error')}\n")
        if args.json:
            sys.stdout.write(json.dumps({"status": status, "out": None}) + "\n")
        return EXIT_CANNOT_TRAIN
    out.mkdir(parents=True, exist_ok=True)
    files["run.json"] = json.dumps(
        {"status": status, "note": final.get("note"), "data": data, "config": checked,
         "metrics": history, "document": document}, indent=2,
    ).encode()  # fmt: skip
    if "layers" in final:  # the last epoch's layer statistics (render --overlay RUN:STAT)
        last = final["layers"]
        files["layers.json"] = json.dumps({"epoch": last["epoch"], "layers": {
            name: {"stats": {k: v for k, v in e["stats"].items() if not k.endswith("_hist")},
                   "flags": e.get("flags", []), "reasons": e.get("reasons", [])}
            for name, e in last["layers"].items()}}, indent=1).encode()  # fmt: skip
    for name, payload in files.items():
        temp = out / f".{name}.part"
        temp.write_bytes(payload)
        temp.replace(out / name)
    if args.json:
        sys.stdout.write(json.dumps({"status": status, "out": str(out)}) + "\n")
    else:
        sys.stdout.write(f"{status}: {', '.join(sorted(files))} in {out}\n")
    return EXIT_OK


def _usage(message: str) -> int:
    sys.stderr.write(f"netcanvas train: {message}\n")
    return EXIT_UNREADABLE


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:60] or "network"
