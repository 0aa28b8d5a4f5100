"""Caffe prototxt: the format's face.

``syntax`` reads and writes protobuf text format; ``reader`` turns a NetParameter into a
Graph (phases, in-place layers, V1 files, data layers) with the per-type rules of
``layers``, ``blocks`` and ``detection``; ``writer`` goes back. Reading and writing load
on first use, so naming the format costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netcanvas.graph.model import Graph, Node
from netcanvas.graph.shapes import Shape

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis

NAME = "prototxt"
EXTENSIONS = (".prototxt", ".pt")
MEDIA_TYPE = "text/plain"


def sniff(name: str, head: bytes) -> bool:
    text = head[:4096].decode("utf-8", "replace")
    return "layer {" in text or "layers {" in text or "input_dim" in text or "layer{" in text


def load(data: bytes, options: dict[str, Any] | None = None) -> Graph:
    """Parse prototxt bytes into a graph (options: ``phase`` TRAIN|TEST, ``stages``)."""
    from netcanvas.formats.caffe.reader import load as read

    return read(data, options or {})


def settle(node: Node, inputs: list[Shape | None]) -> None:
    """Settle what Caffe leaves to the input shape (see reader.settle), during analysis."""
    from netcanvas.formats.caffe.reader import settle as settle_node

    settle_node(node, inputs)


def dump(
    graph: Graph, options: dict[str, Any] | None = None, analysis: Analysis | None = None
) -> bytes:
    """Write the graph as `layer {}` prototxt; UnsupportedError lists what cannot be."""
    from netcanvas.formats.caffe.writer import Exporter

    return Exporter(graph).run().encode("utf-8")
