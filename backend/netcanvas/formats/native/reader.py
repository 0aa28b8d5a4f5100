"""Reading YAML/JSON text safely into plain data, keeping marks when an error needs them.

Only safe YAML is read; aliases may not expand the document past a bound (no "billion
laughs"), nesting is bounded before anything recursive sees it, and every failure is a
FormatError with a line and column. The fast paths (JSON, and the YAML netcanvas writes,
``fastyaml.py``) are here; libyaml's reading, for everything else, is in ``libyaml.py``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from netcanvas.formats.base import FormatError
from netcanvas.formats.native.fastyaml import split_layers

MAX_EXPANDED_NODES = 2_000_000
# Deeper nesting is refused before anything recursive sees it: libyaml's composer
# recurses on the C stack (a few thousand levels crash the process), and the located
# constructor and the JSON module recurse in Python. A real document nests ~5 deep.
MAX_DEPTH = 100


class Located(dict[Any, Any]):
    """A mapping that remembers where it, its keys and its values were written."""

    __slots__ = ("mark", "key_marks", "value_marks")

    def __init__(self) -> None:
        super().__init__()
        self.mark: tuple[int, int] = (1, 1)
        self.key_marks: dict[Any, tuple[int, int]] = {}
        self.value_marks: dict[Any, tuple[int, int]] = {}


class LocatedList(list[Any]):
    __slots__ = ("mark", "item_marks")

    def __init__(self) -> None:
        super().__init__()
        self.mark: tuple[int, int] = (1, 1)
        self.item_marks: list[tuple[int, int]] = []


def parse(data: bytes | str, located: bool = False) -> Any:
    """YAML/JSON text -> plain data (with marks if ``located``); failures are FormatErrors."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as bad:
            line = data.count(b"\n", 0, bad.start) + 1
            raise FormatError("the file is not UTF-8 text", line, 1) from None
    else:
        text = data
    if "\x00" in text:
        raise FormatError("the file contains NUL bytes: is it binary?", 1, 1)
    if not located and text.lstrip().startswith("{"):
        try:  # JSON (the API's body): the json module is far faster than any YAML parser
            data = json.loads(text, object_pairs_hook=_unique_keys)
        except (ValueError, RecursionError):
            pass  # the YAML reader below reports where it went wrong
        else:
            if _depth_within(data, MAX_DEPTH):
                _check_surrogates(text, data)
                return data
    if not located and "layers:" in text:
        fast = split_layers(text, parse, _unique_keys)
        if fast is not None:
            return fast
    # Anything else is libyaml's, loaded only now: a file the fast paths read whole (the
    # YAML netcanvas writes) never imports PyYAML (~10 ms of every `netcanvas render`).
    from netcanvas.formats.native.libyaml import read

    return read(text, located)


# A \uXXXX escape of half a UTF-16 pair with no other half: JSON and YAML both let it
# through, but it is not a character and no UTF-8 answer or file can hold it.
_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _check_surrogates(text: str, data: Any) -> None:
    """Refuse strings holding lone surrogates, at the escape that wrote one."""
    found = _LONE_SURROGATE.search(text) if "\\u" in text or "\\U" in text else None
    if found is None or not _holds_surrogate(data):
        return
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - text.rfind("\n", 0, found.start())
    raise FormatError(f"'{found.group()}' is half of a UTF-16 pair, not a character", line, column)


def _holds_surrogate(data: Any) -> bool:
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if any("\ud800" <= c <= "\udfff" for c in value):
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _inside(text: str, line: int, column: int) -> tuple[int, int]:
    """Clamp a position to the text: libyaml marks the end of a file without a final
    line break one line past it, a line no editor can show."""
    lines = _YAML_BREAK.split(text)
    if line > len(lines):
        return len(lines), len(lines[-1]) + 1
    return line, min(column, len(lines[line - 1]) + 1)


# What YAML counts as a line break (the marks count lines the same way).
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _depth_within(data: Any, limit: int) -> bool:
    """Whether plain data nests at most ``limit`` containers deep (no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return False
        for item in value:
            if type(item) is dict or type(item) is list or isinstance(item, dict | list):
                stack.append((item, depth + 1))
    return True


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key")
    return out
