"""A table from a CSV file: numeric feature columns and one named label column."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from netcanvas.train.datasets import settings as s
from netcanvas.train.datasets.dataset import Dataset, Task
from netcanvas.train.datasets.errors import MAX_CLASSES, DatasetError, Limits, existing_file
from netcanvas.train.datasets.labels import TASKS

CHUNK = 65_536  # rows parsed into Python floats before they are packed into a NumPy block

SETTINGS = {
    "path": s.path("a .csv file whose first row names the columns"),
    "label": s.text(None, "name of the label column (default: the last column)"),
    "task": s.choice(
        "auto",
        TASKS,
        "auto: text or whole-number labels classify, other numbers regress",
    ),
    "delimiter": s.choice(",", [",", ";", "\t", "|"], "the character between values"),
}


class Table:
    """The parsed file: feature blocks, label texts and the line each row came from."""

    def __init__(self, file: Path, header: list[str], label: str) -> None:
        self.file = file
        self.header = header
        self.label_at = header.index(label)
        self.label = label
        self.features = [c for c in header if c != label]
        self.blocks: list[npt.NDArray[np.float32]] = []
        self.pending: list[list[float]] = []
        self.labels: list[str] = []
        self.lines: list[int] = []

    def add(self, row: list[str], line: int) -> None:
        """Parse one data row; a bad cell is an error naming the line and the column."""
        if len(row) != len(self.header):
            count = "1 value" if len(row) == 1 else f"{len(row)} values"
            raise DatasetError(
                f"{count}, but the header has {len(self.header)} columns",
                self.file,
                line,
            )
        values: list[float] = []
        for i, cell in enumerate(row):
            if i == self.label_at:
                continue
            values.append(self.number(cell, self.header[i], line))
        label = row[self.label_at].strip()
        if not label:
            raise DatasetError(f"the label column '{self.label}' is empty", self.file, line)
        self.pending.append(values)
        self.labels.append(label)
        self.lines.append(line)
        if len(self.pending) >= CHUNK:
            self.flush()

    def number(self, cell: str, column: str, line: int) -> float:
        """The cell as a finite float, or a DatasetError naming where it is."""
        try:
            value = float(cell)
        except ValueError:
            raise DatasetError(
                f"'{cell}' in column '{column}' is not a number", self.file, line
            ) from None
        if not math.isfinite(value):
            raise DatasetError(
                f"'{cell}' in column '{column}' is not a finite number", self.file, line
            )
        return value

    def flush(self) -> None:
        """Pack the pending rows into a float32 block."""
        if self.pending:
            block = np.array(self.pending, dtype=np.float32).reshape(-1, len(self.features))
            self.blocks.append(block)
            self.pending = []


def read_table(file: Path, options: dict[str, Any], limits: Limits) -> Table:
    """Header, features and label texts of the CSV file, checked row by row."""
    with file.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=options["delimiter"], strict=True)
        try:
            header = next((row for row in reader if any(c.strip() for c in row)), None)
        except csv.Error as exc:
            raise DatasetError(f"is not valid CSV ({exc})", file, reader.line_num) from exc
        if header is None:
            raise DatasetError("is empty; expected a header row naming the columns", file)
        header = [c.strip() for c in header]
        for i, column in enumerate(header):
            if not column:
                raise DatasetError(
                    f"column {i + 1} of the header has no name", file, reader.line_num
                )
            if column in header[:i]:
                raise DatasetError(
                    f"the header names column '{column}' twice", file, reader.line_num
                )
        label = options["label"] if options["label"] is not None else header[-1]
        if label not in header:
            raise DatasetError(f"no column named '{label}' (columns: {', '.join(header)})", file)
        if len(header) < 2:
            raise DatasetError(f"has only the label column '{label}'; no features", file)
        table = Table(file, header, label)
        try:
            for row in reader:
                if not any(c.strip() for c in row):
                    continue  # blank lines carry nothing
                table.add(row, reader.line_num)
                if len(table.lines) > limits.max_samples:
                    limits.check_samples(len(table.lines), file)
        except csv.Error as exc:
            raise DatasetError(f"is not valid CSV ({exc})", file, reader.line_num) from exc
    table.flush()
    if not table.labels:
        raise DatasetError("has a header but no data rows", file)
    return table


def classes_of(table: Table, task: str) -> tuple[Task, list[str] | None, npt.NDArray[Any]]:
    """The task, class names and label array (indices or [N, 1] targets) of the labels."""
    parsed: list[float] = []
    for text, line in zip(table.labels, table.lines, strict=True):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            if task == "regression":
                raise DatasetError(
                    f"label '{text}' in column '{table.label}' is not a finite number "
                    "(the task is regression)",
                    table.file,
                    line,
                )
            break
        parsed.append(value)
    numbers = parsed if len(parsed) == len(table.labels) else None
    if task == "auto":
        whole = numbers is not None and all(_is_int(t) for t in table.labels)
        task = "classification" if whole or numbers is None else "regression"
    if task == "regression" and numbers is not None:
        return "regression", None, np.array(numbers, dtype=np.float32).reshape(-1, 1)
    keys: list[Any]
    if numbers is not None:
        # Numbers as classes sort by value (2 before 10) and are named by that value.
        values: list[Any] = sorted(set(numbers))
        names = [str(int(v)) if v.is_integer() else f"{v:g}" for v in values]
        keys = numbers
    else:
        values = sorted(set(table.labels))
        names = list(values)
        keys = table.labels
    if len(values) > MAX_CLASSES:
        raise DatasetError(
            f"the label column '{table.label}' has {len(values):,} distinct values, more than "
            f"{MAX_CLASSES:,} classes (set task to regression for real-valued targets)",
            table.file,
        )
    index = {v: i for i, v in enumerate(values)}
    return "classification", names, np.array([index[k] for k in keys], dtype=np.int64)


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def load_csv(path: str, options: dict[str, Any], limits: Limits) -> Dataset:
    """Features [N, F] and labels from a CSV file with a header row."""
    file = existing_file(path, "csv", "a .csv file with a header row")
    limits.check_bytes(file.stat().st_size, file, "the file")
    try:
        table = read_table(file, options, limits)
    except UnicodeDecodeError as exc:
        raise DatasetError(f"is not UTF-8 text ({exc.reason})", file) from exc
    task, classes, y = classes_of(table, options["task"])
    x = np.concatenate(table.blocks)
    return Dataset("csv", task, x, y, classes, [1, x.shape[1]])
