"""``read_logs``: files and directories of logs in, named runs out.

A directory is walked (hidden entries skipped) for event files (a name containing
``tfevents``) and ``.csv .tsv .json .jsonl .ndjson`` files. As in TensorBoard's layout,
every folder holding event files is one run (its files read in name order, which is
time order), named by its path below the directory given; a CSV or JSON file is a run
named by its path without the extension, or by its folder when the file's name only says
what it holds (``metrics.csv``, ``history.json``). Keras's TensorBoard callback writes
``train/`` and ``validation/`` folders side by side: they read as one run named after
their parent, the validation metrics prefixed ``val_`` (``epoch_loss`` -> ``val_loss``).
A file named on the command line is read by the first reader whose ``sniff`` accepts it.
In a walk, JSON or CSV files that are not logs (a config) are skipped, and so is a file
that holds the same history as another of its folder (``netcanvas train`` writes it to
both ``metrics.csv`` and ``run.json``); a log that is malformed is an error, never skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np

from netcanvas.formats.base import FormatError
from netcanvas.logs import csvlogs, jsonlines, jsonlog, tfevents
from netcanvas.logs.model import LogFormatError, Run, Series, concat
from netcanvas.logs.names import KERAS_NAMES, canonical_names
from netcanvas.logs.textio import NotALog

READERS: tuple[ModuleType, ...] = (tfevents, jsonlines, jsonlog, csvlogs)
_TEXT_SUFFIXES = {".csv", ".tsv", ".json", ".jsonl", ".ndjson"}
_VALIDATION = ("validation", "val", "valid", "eval")
_KINDS = "TensorBoard events, CSV, JSON or JSON lines"


def read_logs(
    paths: Iterable[str | os.PathLike[str]], raw_names: bool = False, check_crc: bool = True
) -> list[Run]:
    """Every run in the given files and directories, metric names made Keras-like.

    Raises :class:`LogFormatError` (a :class:`FormatError` naming the file) for a file that
    cannot be read.

    >>> runs = read_logs(["runs/"])  # doctest: +SKIP
    >>> [(r.name, list(r.metrics)) for r in runs]  # doctest: +SKIP
    [('baseline', ['loss', 'val_loss']), ('wide', ['loss', 'val_loss'])]
    """
    runs: list[Run] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = _read_directory(path, check_crc)
            if not found:
                raise LogFormatError(str(path), f"no training logs found ({_KINDS})", located=False)
            runs += found
        elif path.exists():
            runs += _read_file(path, None, check_crc)
        else:
            raise LogFormatError(str(path), "no such file or directory", located=False)
    for run in runs:
        _finish(run, raw_names)
    _unique_names(runs)
    return runs


def reader_for(path: str, head: bytes) -> ModuleType | None:
    """The reader module whose ``sniff`` accepts a file, or None.

    >>> reader_for("events.out.tfevents.1.host", b"").NAME
    'tensorboard'
    """
    return next((r for r in READERS if r.sniff(path, head)), None)


def _read_file(path: Path, name: str | None, check_crc: bool, walking: bool = False) -> list[Run]:
    source = str(path)
    try:
        with path.open("rb") as stream:
            head = stream.read(4096)
    except OSError as failure:
        message = f"cannot read: {failure.strerror or failure}"
        raise LogFormatError(source, message, located=False) from None
    reader = reader_for(source, head)
    if reader is None:
        raise LogFormatError(source, f"not a training log ({_KINDS})", located=False)
    try:
        runs: list[Run] = (
            reader.read(source, check_crc) if reader is tfevents else reader.read(source)
        )
    except NotALog as bad:
        if walking:
            return []
        raise LogFormatError(source, bad.message, bad.line, bad.column) from None
    except FormatError as bad:
        binary = reader is tfevents or bad.message.startswith("cannot read")
        raise LogFormatError(source, bad.message, bad.line, bad.column, not binary) from None
    if name is not None and len(runs) == 1:
        runs[0].name = name
    elif name is not None:
        for run in runs:
            run.name = f"{name}/{run.name}"
    return runs


def _event_order(path: Path) -> tuple[int, str]:
    match = re.search(r"tfevents\.(\d+)", path.name)
    return (int(match.group(1)) if match else 0, path.name)


def _read_directory(root: Path, check_crc: bool) -> list[Run]:
    event_dirs: dict[Path, list[Path]] = {}
    text_files: list[Path] = []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in sorted(files):
            if file.startswith("."):
                continue
            path = Path(here) / file
            if "tfevents" in file:
                event_dirs.setdefault(Path(here), []).append(path)
            elif path.suffix.lower() in _TEXT_SUFFIXES:
                text_files.append(path)
    runs: list[Run] = []
    for folder in sorted(event_dirs):
        name = _relative_name(root, folder)
        parts = [
            _read_file(p, name, check_crc)[0] for p in sorted(event_dirs[folder], key=_event_order)
        ]
        runs.append(_merge_files(parts, name, str(folder)))
    for path in text_files:
        relative = path.relative_to(root).with_suffix("")
        generic = _named_by_folder(path)
        name = _relative_name(root, path.parent) if generic else relative.as_posix()
        for run in _read_file(path, name, check_crc, walking=True):
            if not any(_same(run, other) for other in runs):
                runs.append(run)
    return _join_train_validation(runs)


def _same(a: Run, b: Run) -> bool:
    """The same history read twice (``netcanvas train`` writes metrics.csv and run.json)."""
    return (
        a.name == b.name
        and list(a.metrics) == list(b.metrics)
        and all(
            np.array_equal(s.steps, b.metrics[n].steps)
            and np.array_equal(s.values, b.metrics[n].values, equal_nan=True)
            for n, s in a.metrics.items()
        )
    )


def _named_by_folder(path: Path) -> bool:
    """Whether a file's name only says what it holds, so its folder names the run."""
    from netcanvas.logs.tabular import default_run_name

    return default_run_name(str(path)) != path.stem


def _relative_name(root: Path, folder: Path) -> str:
    relative = folder.relative_to(root).as_posix()
    return root.resolve().name if relative == "." else relative


def _merge_files(parts: Sequence[Run], name: str, source: str) -> Run:
    if len(parts) == 1:
        parts[0].source = source
        return parts[0]
    tags = list(dict.fromkeys(tag for part in parts for tag in part.metrics))
    metrics = {
        tag: concat([p.metrics[tag] for p in parts if tag in p.metrics], tag) for tag in tags
    }
    return Run(name, source, metrics, tfevents.NAME)


def _join_train_validation(runs: list[Run]) -> list[Run]:
    """Keras's ``train/`` + ``validation/`` event folders as one run."""
    by_name = {run.name: run for run in runs}
    joined: list[Run] = []
    dropped: set[str] = set()
    for run in runs:
        parent, _, leaf = run.name.rpartition("/")
        if leaf != "train" or run.format != tfevents.NAME:
            continue
        partner = next(
            (by_name[f"{parent}/{v}" if parent else v] for v in _VALIDATION
             if (f"{parent}/{v}" if parent else v) in by_name),
            None,
        )  # fmt: skip
        if partner is None or partner.format != tfevents.NAME:
            continue
        metrics = dict(run.metrics)
        for tag, series in partner.metrics.items():
            metrics[f"val_{tag}"] = Series(
                series.steps, series.values, series.epochs, series.times, f"validation/{tag}"
            )
        name = parent or Path(run.source).parent.name
        source = str(Path(run.source).parent)
        joined.append(Run(name, source, metrics, tfevents.NAME))
        dropped |= {run.name, partner.name}
    return [r for r in runs if r.name not in dropped] + joined


def _finish(run: Run, raw_names: bool) -> None:
    """Keras-like names (unless asked not to), known names first, then by name."""
    mapping = {n: n for n in run.metrics} if raw_names else canonical_names(run.metrics)
    renamed = {mapping[n]: s for n, s in run.metrics.items()}
    known = [n for n in KERAS_NAMES if n in renamed]
    rest = sorted((n for n in renamed if n not in KERAS_NAMES), key=lambda n: (n.lower(), n))
    run.metrics = {n: renamed[n] for n in known + rest}


def _unique_names(runs: list[Run]) -> None:
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.name] = counts.get(run.name, 0) + 1
    for run in runs:
        if counts[run.name] > 1:
            run.name = run.source
