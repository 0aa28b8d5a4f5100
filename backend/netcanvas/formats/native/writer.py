"""Writing the netcanvas document: readable YAML (one flow mapping per layer) and JSON."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./\-]*$")
_KEYWORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        # YAML 1.1 reads "1e-05" as a string: its floats need a dot before the exponent.
        if "e" in text and "." not in text:
            text = text.replace("e", ".0e", 1)
        return text
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _KEYWORDS:
        return text
    # JSON's quoting is YAML's double-quoted style, except that YAML also breaks lines
    # at NEL/LS/PS and refuses C1 controls: escape those too.
    return _YAML_UNSAFE.sub(_escape, json.dumps(text, ensure_ascii=False))


_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _block(value: Any, indent: int) -> Iterable[str]:
    pad = " " * indent
    for key, item in value.items():
        if isinstance(item, dict) and item:
            yield f"{pad}{_scalar(key)}:"
            yield from _block(item, indent + 2)
        else:
            yield f"{pad}{_scalar(key)}: {_flow(item)}"


def to_yaml(doc: dict[str, Any]) -> str:
    """Readable YAML: block style at the top, one flow mapping per layer."""
    lines: list[str] = []
    for key, value in doc.items():
        if key == "layers":
            lines.append("layers:")
            lines.extend(f"  - {_flow(layer)}" for layer in value)
        elif isinstance(value, dict) and value:
            lines.append(f"{key}:")
            lines.extend(_block(value, 2))
        else:
            lines.append(f"{key}: {_flow(value)}")
    return "\n".join(lines) + "\n"


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
