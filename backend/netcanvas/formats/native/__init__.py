"""The netcanvas document (DESIGN 4) as YAML: the format's face.

``reader`` turns text into located plain data, ``document`` maps the document to and
from a Graph, ``writer`` writes it back; ``json`` is the same document as JSON.
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING, Any

from netcanvas.formats.base import FormatError
from netcanvas.graph.model import Graph

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis
    from netcanvas.formats.native.document import from_document, location, to_document
    from netcanvas.formats.native.reader import parse
    from netcanvas.formats.native.writer import to_json, to_yaml

NAME = "yaml"
EXTENSIONS = (".yaml", ".yml")
MEDIA_TYPE = "application/yaml"

__all__ = [
    "NAME", "EXTENSIONS", "MEDIA_TYPE", "sniff", "load", "dump", "parse", "location",
    "from_document", "to_document", "to_yaml", "to_json",
]  # fmt: skip


# The reader (PyYAML) and the document mapping load on first use: the table of formats
# imports every face, and `netcanvas render net.prototxt` never reads YAML.
_LAZY = {
    "parse": "reader",
    "location": "document",
    "from_document": "document",
    "to_document": "document",
    "to_yaml": "writer",
    "to_json": "writer",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sniff(name: str, head: bytes) -> bool:
    if name.lower().endswith(EXTENSIONS):
        return True
    return re.search(rb"^(netcanvas\s*:|layers\s*:)", head, re.MULTILINE) is not None


def load(data: bytes | str, options: dict[str, Any] | None = None) -> Graph:
    """Read a netcanvas YAML or JSON document.

    The fast path builds plain data; only when the document turns out to be wrong is it
    read again keeping every mark, so the error can name its line and column.
    """
    from netcanvas.formats.native.document import from_document
    from netcanvas.formats.native.reader import parse

    try:
        return from_document(parse(data))
    except FormatError:
        return from_document(parse(data, located=True))


def dump(
    graph: Graph, options: dict[str, Any] | None = None, analysis: Analysis | None = None
) -> bytes:
    """Write the graph as netcanvas YAML, one flow mapping per layer."""
    from netcanvas.formats.native.document import to_document
    from netcanvas.formats.native.writer import to_yaml

    return to_yaml(to_document(graph)).encode()
