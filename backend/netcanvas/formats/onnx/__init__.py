"""ONNX models in and out: the format's face (``reader`` and ``reader_ops`` import,
``writer``, ``build`` and ``ops/`` export).

Export builds a runnable model (opset 17, IR 8) with seeded weights; import reads any
model into registry types, keeping what it cannot map as opaque nodes with the shapes
ONNX infers (``load_file`` maps a local file of any size instead of reading it).
"""

from __future__ import annotations

from pathlib import Path
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


def load_file(path: Path, options: dict[str, Any] | None = None) -> Graph:
    """A local file of any size: mapped, not read, so weights the analysis never needs
    stay on disk; external data files are read from the model's folder only."""
    import mmap

    from netcanvas.formats.onnx.reader import import_model

    with path.open("rb") as file:
        empty = path.stat().st_size == 0
        # Not closed here: the lazy weights are views of it; it closes when none is left.
        mapped = b"" if empty else mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    return import_model(mapped, {**(options or {}), "folder": path.parent})


def dump(
    graph: Graph, options: dict[str, Any] | None = None, analysis: Analysis | None = None
) -> bytes:
    from netcanvas.formats.onnx.writer import export

    model = export(graph, options or {}, analysis)
    data: bytes = model.SerializeToString()
    return data
