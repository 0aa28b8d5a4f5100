"""The one error type of the data-set loaders, the size caps, and bounded file helpers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_BYTES = 2 * 1024**3
"""Default cap on the bytes one array of a data set may take, read or as float32 (2 GiB)."""

MAX_SAMPLES = 5_000_000
"""Default cap on the number of samples one data set may declare."""

MAX_CLASSES = 10_000
"""Class indices above this are refused: a label of 4e9 must not allocate 4e9 class names."""


class DatasetError(Exception):
    """A data set that cannot be loaded: what is wrong and, when known, in which file and line.

    ``str()`` starts with the file's name (``train-labels-idx1-ubyte: ...``,
    ``data.csv line 7: ...``); ``path`` keeps the full path for callers that want it.
    """

    def __init__(
        self, message: str, path: str | os.PathLike[str] | None = None, line: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = Path(self.path).name or self.path
        if self.line is not None:
            where = f"{where} line {self.line}"
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        """The error as a JSON object (``message``, ``path``, ``line``) for the API."""
        return {"message": str(self), "path": self.path, "line": self.line}


@dataclass(frozen=True)
class Limits:
    """Caps on the work an untrusted file may cause, checked before anything is allocated."""

    max_bytes: int = MAX_BYTES
    max_samples: int = MAX_SAMPLES

    def check_bytes(self, count: int, path: Path, what: str) -> None:
        """Refuse ``count`` bytes of ``what`` when they exceed ``max_bytes``."""
        if count > self.max_bytes:
            raise DatasetError(
                f"{what} would take {count:,} bytes, more than the {self.max_bytes:,}-byte limit",
                path,
            )

    def check_samples(self, count: int, path: Path) -> None:
        """Refuse ``count`` samples when they exceed ``max_samples``."""
        if count > self.max_samples:
            raise DatasetError(
                f"declares {count:,} samples, more than the {self.max_samples:,}-sample limit",
                path,
            )


def existing_folder(path: str, dataset: str, expected: str) -> Path:
    """The folder at ``path``, or a DatasetError saying what the data set expects there."""
    folder = Path(path).expanduser()
    if not folder.exists():
        raise DatasetError(
            f"does not exist ({dataset} expects a folder holding {expected})", folder
        )
    if not folder.is_dir():
        raise DatasetError(
            f"is not a folder ({dataset} expects a folder holding {expected})", folder
        )
    return folder


def existing_file(path: str, dataset: str, expected: str) -> Path:
    """The regular file at ``path``, or a DatasetError saying what the data set expects."""
    file = Path(path).expanduser()
    if not file.exists():
        raise DatasetError(f"does not exist ({dataset} expects {expected})", file)
    if not file.is_file():
        raise DatasetError(f"is not a file ({dataset} expects {expected})", file)
    return file


def read_bytes(path: Path, limits: Limits) -> bytes:
    """The whole file, after checking its size against the byte cap."""
    size = path.stat().st_size
    limits.check_bytes(size, path, "the file")
    with path.open("rb") as handle:
        return handle.read()


def listing(folder: Path, limit: int = 12) -> str:
    """A short, sorted listing of a folder's entries for error messages."""
    names = sorted(entry.name for entry in folder.iterdir())
    if not names:
        return "the folder is empty"
    shown = ", ".join(names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"found: {shown}{more}"
