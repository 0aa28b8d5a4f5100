"""Keras code: the format's face (a Keras 3 functional model in a ``.keras.py`` file; the
work is in ``keras_writer``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netcanvas.graph.model import Graph

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis

NAME = "keras"
EXTENSIONS = (".keras.py",)
MEDIA_TYPE = "text/x-python"


def sniff(name: str, head: bytes) -> bool:
    return False


def dump(
    graph: Graph, options: dict[str, Any] | None = None, analysis: Analysis | None = None
) -> bytes:
    from netcanvas.formats.code.keras_writer import generate

    return generate(graph, analysis).encode()
