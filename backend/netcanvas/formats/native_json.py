"""The netcanvas document as JSON: the same document as the YAML, another encoding."""

from __future__ import annotations

from typing import Any

from netcanvas.formats import native
from netcanvas.graph.model import Graph

NAME = "json"
EXTENSIONS = (".json",)
MEDIA_TYPE = "application/json"


def sniff(name: str, head: bytes) -> bool:
    return name.lower().endswith(EXTENSIONS) or (head.lstrip()[:1] == b"{" and b'"layers"' in head)


def load(data: bytes | str, options: dict[str, Any] | None = None) -> Graph:
    # JSON is read by the YAML parser so every key keeps its line and column.
    return native.load(data)


def dump(graph: Graph, options: dict[str, Any] | None = None) -> bytes:
    return native.to_json(native.to_document(graph)).encode()
