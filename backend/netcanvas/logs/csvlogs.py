"""CSV training logs: Keras ``CSVLogger``, Lightning ``CSVLogger`` (sparse rows), W&B,
Neptune and Comet exports, TensorBoard's CSV download. Column rules: ``tabular.py``.

The separator is the header's commonest of ``, ; TAB``. A row with more or fewer cells
than the header is an error at its line, except the last line of a file that does not end
with a newline (a run still writing), which is dropped when it does not read. A column
with an empty name (pandas' index) is skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from netcanvas.formats.base import FormatError
from netcanvas.logs.model import Run
from netcanvas.logs.tabular import Record, build_runs, default_run_name
from netcanvas.logs.textio import NotALog, parse_cell, read_text

NAME = "csv"
EXTENSIONS = (".csv", ".tsv")


def sniff(path: str, head: bytes) -> bool:
    """A ``.csv``/``.tsv`` name, or a first line of several separated names.

    >>> sniff("metrics.csv", b""), sniff("log.txt", b"epoch,loss\\n0,1\\n")
    (True, True)
    """
    if Path(path).suffix.lower() in EXTENSIONS:
        return True
    first = head.split(b"\n", 1)[0]
    return bool(first) and first[:1] not in b"{[" and any(first.count(s) for s in b",\t;")


@dataclass
class _Table:
    header: list[str] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    lines_of: list[int] = field(default_factory=list)  # the line each record starts on
    partial: bool = False  # the text does not end with a newline


def read(path: str) -> list[Run]:
    """The runs of one CSV log (one, or one per run of a W&B panel export).

    >>> read("lightning_logs/version_0/metrics.csv")[0].name  # doctest: +SKIP
    'version_0'
    """
    text = read_text(path)
    if not text.strip():
        raise NotALog("empty file", 1, 1)
    delimiter = _delimiter(text)
    table = _parse(text, delimiter)
    lines = text.splitlines()

    def locate(row: int, column: str) -> tuple[int, int]:
        line = table.lines_of[row]
        return line, _cell_column(lines[line - 1], table.header.index(column), delimiter)

    try:
        runs = build_runs(table.records, path, NAME, locate)
    except FormatError as bad:
        if not (table.partial and table.records and bad.line == table.lines_of[-1]):
            raise
        runs = build_runs(table.records[:-1], path, NAME, locate)  # the half-written line
    return runs or [Run(default_run_name(path), path, {}, NAME)]


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(",;\t", key=first.count)


def _parse(text: str, delimiter: str) -> _Table:
    table = _Table(partial=not text.endswith(("\n", "\r")))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines = text.splitlines()
    start = 1
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as bad:
        raise FormatError(f"not CSV: {bad}", reader.line_num, 1) from None
    header_line, header = rows[0]
    table.header = [name.strip() for name in header]
    seen: set[str] = set()
    for index, name in enumerate(table.header):
        if name and name in seen:
            column = _cell_column(lines[header_line - 1], index, delimiter)
            raise FormatError(f"column '{name}' appears twice in the header", header_line, column)
        seen.add(name)
    width = len(table.header)
    for number, (line, cells) in enumerate(rows[1:]):
        if len(cells) != width:
            if table.partial and number == len(rows) - 2:
                break  # the last line is still being written
            text_line = lines[line - 1]
            column = (
                len(text_line) + 1
                if len(cells) < width
                else _cell_column(text_line, width, delimiter)
            )
            raise FormatError(f"row has {len(cells)} cells, the header has {width}", line, column)
        record = {
            name: parse_cell(cell) for name, cell in zip(table.header, cells, strict=True) if name
        }
        table.records.append((len(table.records), record))
        table.lines_of.append(line)
    return table


def _cell_column(line: str, index: int, delimiter: str) -> int:
    """1-based column where cell ``index`` of a CSV line starts (quotes understood)."""
    cell, quoted = 0, False
    for position, char in enumerate(line):
        if cell == index:
            return position + 1
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            cell += 1
    return len(line) + 1
