"""JSON lines training logs: one JSON object per line (``netcanvas train --json``, W&B's
``wandb-history.jsonl``, hand-written loggers). Each line is a row under the column rules
of ``tabular.py``; a line that is not an object is an error at that line. The last line
of a file that does not end with a newline is dropped when it does not parse (a run
still writing). ``NaN`` is an error where it stands, as in ``jsonlog.py``.
"""

from __future__ import annotations

from pathlib import Path

from netcanvas.formats.base import FormatError
from netcanvas.logs.jsonlog import loads
from netcanvas.logs.model import Run
from netcanvas.logs.tabular import Record, build_runs, default_run_name
from netcanvas.logs.textio import NotALog, json_cell, key_position, read_text

NAME = "jsonl"
EXTENSIONS = (".jsonl", ".ndjson")


def sniff(path: str, head: bytes) -> bool:
    """A ``.jsonl``/``.ndjson`` name, or several lines that each start with ``{``.

    >>> sniff("log.jsonl", b""), sniff("log", b'{"loss": 1}\\n{"loss": 0.5}\\n')
    (True, True)
    """
    if Path(path).suffix.lower() in EXTENSIONS:
        return True
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    return len(lines) >= 2 and all(line.startswith(b"{") for line in lines[:2])


def read(path: str) -> list[Run]:
    """The run of one JSON-lines log.

    >>> read("train.jsonl")[0].metrics["val_loss"].values  # doctest: +SKIP
    array([0.61, 0.48])
    """
    text = read_text(path)
    lines = text.splitlines()
    partial = bool(text) and not text.endswith(("\n", "\r"))
    records: list[Record] = []
    line_of: list[int] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = loads(line, number)
        except FormatError:
            if partial and number == len(lines):
                break  # the last line is still being written
            raise
        if not isinstance(item, dict):
            raise FormatError("a JSON lines log holds one object per line", number, 1)
        records.append((len(records), {str(k): json_cell(v) for k, v in item.items()}))
        line_of.append(number)
    if not records and not text.strip():
        raise NotALog("empty file", 1, 1)

    def locate(row: int, column: str) -> tuple[int, int]:
        number = line_of[row]
        return number, key_position(lines[number - 1], column)[1]

    runs = build_runs(records, path, NAME, locate)
    return runs or [Run(default_run_name(path), path, {}, NAME)]
