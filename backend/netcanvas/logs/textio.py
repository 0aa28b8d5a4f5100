"""What the text readers share: decoding, the "not a log" signal, and cell parsing."""

from __future__ import annotations

import json
import re
from pathlib import Path

from netcanvas.formats.base import FormatError, line_col
from netcanvas.logs.tabular import Cell

# Cells that mean "no value here": empty (Lightning, pandas), NA (Keras CSVLogger writes it
# for a metric missing from an epoch's logs), null / None (exports).
MISSING = frozenset({"", "na", "n/a", "nan?", "null", "none"})


class NotALog(FormatError):
    """Readable, but not a training log (a config JSON, an empty file).

    A directory walk skips such files; naming one on the command line is an error.
    """


def read_text(path: str) -> str:
    """The file as text (UTF-8, a byte-order mark ignored), or a located decoding error.

    >>> read_text("/nonexistent.csv")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    netcanvas.formats.base.FormatError: cannot read: No such file or directory
    """
    try:
        data = Path(path).read_bytes()
    except OSError as failure:
        raise FormatError(f"cannot read: {failure.strerror or failure}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        prefix = data[: bad.start].decode("utf-8", "replace")
        line, column = line_col(prefix, len(prefix))
        raise FormatError("not UTF-8 text", line, column) from None


def parse_cell(text: str) -> Cell:
    """A text cell as a number, ``None`` when empty or NA, else the text.

    >>> parse_cell("0.5"), parse_cell("NA"), parse_cell("nan"), parse_cell("abc")
    (0.5, None, nan, 'abc')
    """
    stripped = text.strip()
    if stripped.lower() in MISSING:
        return None
    try:
        return float(stripped)
    except ValueError:
        return stripped


def json_cell(value: object) -> Cell:
    """A JSON value as a cell: numbers as floats, ``null`` as None, anything else as text.

    >>> json_cell(3), json_cell(None), json_cell(True), json_cell("x")
    (3.0, None, 'true', 'x')
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | float):
        return float(value)
    return value if isinstance(value, str) else json.dumps(value)


class NonFinite(ValueError):
    """``NaN`` / ``Infinity`` met while parsing JSON: not JSON, reported where it stands."""


def reject_constant(name: str) -> float:
    """``json.loads``'s ``parse_constant`` hook: NaN and Infinity are refused.

    >>> json.loads("[1]", parse_constant=reject_constant)
    [1]
    """
    raise NonFinite(name)


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


def non_finite_error(text: str, first_line: int = 1) -> FormatError:
    """The located error for the first ``NaN``/``Infinity`` literal outside strings.

    >>> str(non_finite_error('{"loss": [0.5, NaN]}'))
    '1:16: NaN is not valid JSON (Python writes it for a diverged metric): use null'
    """
    for match in _TOKENS.finditer(text):
        if match.group(1):
            line, column = line_col(text, match.start(1))
            return FormatError(
                f"{match.group(1)} is not valid JSON (Python writes it for a diverged "
                "metric): use null",
                line + first_line - 1,
                column,
            )
    return FormatError("NaN or Infinity is not valid JSON", first_line, 1)


def key_position(text: str, key: str, start: int = 0) -> tuple[int, int]:
    r"""Line and column of ``"key"`` in a JSON text (1:1 when it cannot be found).

    >>> key_position('{\n  "loss": [1]}', "loss")
    (2, 3)
    """
    at = text.find(json.dumps(key), start)
    return line_col(text, at) if at >= 0 else (1, 1)
