"""ONNX models in and out: the format's face (``reader`` and ``reader_ops`` import,
``writer``, ``build`` and ``ops/`` export).

Export builds a runnable model (opset 17, IR 8) with seeded weights; import reads
any model within the size limit into registry types, keeping what it cannot map as
opaque nodes with the shapes ONNX infers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netcanvas.graph.model import Graph

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis

NAME = "onnx"
EXTENSIONS = (".onnx",)
MEDIA_TYPE = "application/onnx"
BINARY = True


def sniff(name: str, head: bytes) -> bool:
    # A serialized ModelProto starts with field 1 (ir_version, varint): byte 0x08.
    return name.lower().endswith(EXTENSIONS) or (head[:1] == b"\x08" and b"\x12" in head[:16])


def load(data: bytes, options: dict[str, Any] | None = None) -> Graph:
    from netcanvas.formats.onnx.reader import import_model

    return import_model(data, options or {})


def dump(
    graph: Graph, options: dict[str, Any] | None = None, analysis: Analysis | None = None
) -> bytes:
    from netcanvas.formats.onnx.writer import export

    model = export(graph, options or {}, analysis)
    data: bytes = model.SerializeToString()
    return data
