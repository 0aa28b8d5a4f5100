"""The netcanvas document as JSON: the same document as the YAML, another encoding."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netcanvas.graph.model import Graph

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis

NAME = "json"
EXTENSIONS = (".json",)
MEDIA_TYPE = "application/json"


def sniff(name: str, head: bytes) -> bool:
    return name.lower().endswith(EXTENSIONS) or (head.lstrip()[:1] == b"{" and b'"layers"' in head)


def load(data: bytes | str, options: dict[str, Any] | None = None) -> Graph:
    # JSON is read by the YAML parser so every key keeps its line and column.
    from netcanvas.formats import native

    return native.load(data)


def dump(
    graph: Graph, options: dict[str, Any] | None = None, analysis: Analysis | None = None
) -> bytes:
    from netcanvas.formats.native.document import to_document
    from netcanvas.formats.native.writer import to_json

    return to_json(to_document(graph)).encode()
