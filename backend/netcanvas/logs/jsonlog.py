"""JSON training logs, one document per file.

Shapes read (the first that fits):

- Keras ``History.history`` as ``json.dump`` writes it: ``{"loss": [..], "val_loss": [..]}``,
  one value per epoch from 0 (also under a ``"history"`` key, with an optional ``"epoch"``
  list beside it);
- Hugging Face ``trainer_state.json``: ``{"log_history": [{"step", "epoch", ...}, ...]}``;
- netcanvas's run record (``GET /api/runs/{id}``): ``{"metrics": [{"epoch", "name",
  "value"}, ...]}``;
- a list of records ``[{"epoch": 0, "loss": ..}, ...]``, read like JSON lines.

``NaN`` and ``Infinity`` are not JSON and are an error at the literal (Python's
``json.dump`` writes them for a diverged metric: write ``null``, read as "not logged",
or use the CSV log, where ``nan`` is a number). Any other JSON document is not a log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netcanvas.formats.base import FormatError
from netcanvas.logs.model import Run
from netcanvas.logs.tabular import Record, build_runs, default_run_name
from netcanvas.logs.textio import (
    NonFinite,
    NotALog,
    json_cell,
    key_position,
    non_finite_error,
    read_text,
    reject_constant,
)

NAME = "json"
EXTENSIONS = (".json",)


def sniff(path: str, head: bytes) -> bool:
    """A ``.json`` name, or text starting with ``{`` or ``[`` that is not JSON lines.

    >>> sniff("history.json", b""), sniff("x", b'{"loss": [1.0]}')
    (True, True)
    """
    if Path(path).suffix.lower() in EXTENSIONS:
        return True
    start = head.lstrip()[:1]
    return start == b"[" or (start == b"{" and head.lstrip().count(b"\n{") == 0)


def read(path: str) -> list[Run]:
    """The run of one JSON log.

    >>> read("history.json")[0].metrics["loss"].steps  # doctest: +SKIP
    array([0, 1, 2])
    """
    text = read_text(path)
    doc = loads(text)
    records = to_records(doc)
    if records is None:
        raise NotALog(
            "not a training log: expected a Keras History {metric: [values]}, a list of "
            "records, or a trainer_state.json",
            1,
            1,
        )

    def locate(row: int, column: str) -> tuple[int, int]:
        return key_position(text, column)

    runs = build_runs(records, path, NAME, locate)
    return runs or [Run(default_run_name(path), path, {}, NAME)]


def loads(text: str, first_line: int = 1) -> Any:
    """Strict JSON: a syntax error or a NaN literal is a located :class:`FormatError`.

    >>> loads('{"a": [1, 2]}')
    {'a': [1, 2]}
    """
    try:
        return json.loads(text, parse_constant=reject_constant)
    except NonFinite:
        raise non_finite_error(text, first_line) from None
    except json.JSONDecodeError as bad:
        raise FormatError(f"not JSON: {bad.msg}", bad.lineno + first_line - 1, bad.colno) from None
    except RecursionError:
        raise FormatError("not JSON: nested too deeply", first_line, 1) from None


def to_records(doc: Any) -> list[Record] | None:
    """The rows of a JSON log document, or None when it is no log shape known here.

    >>> to_records({"loss": [0.5, 0.25]})
    [(0, {'loss': 0.5, 'epoch': 0.0}), (1, {'loss': 0.25, 'epoch': 1.0})]
    """
    if isinstance(doc, list):
        return _rows(doc)
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("log_history"), list):
        return _rows(doc["log_history"])
    if isinstance(doc.get("metrics"), list):
        return _rows(doc["metrics"])
    if isinstance(doc.get("history"), dict):
        history = dict(doc["history"])
        if isinstance(doc.get("epoch"), list) and "epoch" not in history:
            history["epoch"] = doc["epoch"]
        return _columns(history)
    return _columns(doc)


def _rows(items: list[Any]) -> list[Record] | None:
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    return [(i, {str(k): json_cell(v) for k, v in item.items()}) for i, item in enumerate(items)]


def _columns(history: dict[str, Any]) -> list[Record] | None:
    """Keras History: every value a list, one entry per epoch."""
    if not history or not all(isinstance(v, list) for v in history.values()):
        return None
    length = max(len(v) for v in history.values())
    records: list[Record] = []
    for epoch in range(length):
        cells = {k: json_cell(v[epoch]) for k, v in history.items() if epoch < len(v)}
        cells.setdefault("epoch", float(epoch))
        records.append((epoch, cells))
    return records
