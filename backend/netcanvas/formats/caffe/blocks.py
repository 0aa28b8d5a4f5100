"""What every Caffe import rule reads through: a ``*_param`` block that remembers its use.

Fields a rule reads are marked used; the rest (fillers, engines, fork switches) stay
as extras and are written back verbatim on export.
"""

from __future__ import annotations

from typing import Any

from netcanvas.formats.caffe.syntax import as_list

Params = dict[str, Any]


class Block:
    """One ``*_param`` block, read field by field; unread fields stay as extras."""

    def __init__(self, layer: dict[str, Any], key: str) -> None:
        value = layer.get(key)
        self.key = key
        self.data: dict[str, Any] = value if isinstance(value, dict) else {}
        self.used: set[str] = set()

    def get(self, name: str, default: Any = None) -> Any:
        self.used.add(name)
        value = self.data.get(name)
        if isinstance(value, list):
            value = value[-1]  # protobuf keeps the last value of a repeated scalar field
        return default if value is None else value

    def values(self, name: str) -> list[Any]:
        self.used.add(name)
        return as_list(self.data.get(name))

    def has(self, name: str) -> bool:
        return name in self.data

    def rest(self) -> dict[str, Any]:
        return {k: v for k, v in self.data.items() if k not in self.used}


class Unmapped(Exception):
    """Keep this layer as an opaque node; the message (if any) says which setting."""
