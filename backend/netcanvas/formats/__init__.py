"""The table of formats: one line per format module, imported only when used.

Every module has the same face (see ``formats/base.py``). Keeping the imports lazy
keeps ``netcanvas`` start-up fast: rendering a prototxt never imports onnx.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import PurePath
from types import ModuleType

from netcanvas.formats.base import FormatError, UnsupportedError
from netcanvas.graph.model import Graph


@dataclass(frozen=True)
class Format:
    name: str
    module: str
    extensions: tuple[str, ...]
    media_type: str
    readable: bool
    writable: bool
    binary: bool = False

    def load_module(self) -> ModuleType:
        return importlib.import_module(f"netcanvas.formats.{self.module}")


FORMATS: tuple[Format, ...] = (
    Format("yaml", "native", (".yaml", ".yml"), "application/yaml", True, True),
    Format("json", "native_json", (".json",), "application/json", True, True),
    Format("prototxt", "caffe", (".prototxt", ".pt"), "text/plain", True, True),
    Format("onnx", "onnx", (".onnx",), "application/onnx", True, True, binary=True),
    Format("pytorch", "pytorch", (".py",), "text/x-python", False, True),
    Format("keras", "keras", (".keras.py",), "text/x-python", False, True),
)

BY_NAME = {f.name: f for f in FORMATS}


def get(name: str) -> Format:
    try:
        return BY_NAME[name]
    except KeyError:
        known = ", ".join(BY_NAME)
        raise UnsupportedError(f"unknown format '{name}' (formats: {known})") from None


def guess(filename: str, head: bytes = b"", *, writing: bool = False) -> Format:
    """Pick a format by extension (the longest that matches: ``.keras.py`` before ``.py``),
    then by sniffing the first bytes."""
    name = PurePath(filename).name.lower()
    candidates = [f for f in FORMATS if (f.writable if writing else f.readable)]
    matches = [(len(ext), f) for f in candidates for ext in f.extensions if name.endswith(ext)]
    if matches:
        return max(matches, key=lambda match: match[0])[1]
    if not writing:
        for fmt in candidates:
            if fmt.load_module().sniff(filename, head):
                return fmt
    known = ", ".join(ext for f in candidates for ext in f.extensions)
    raise UnsupportedError(f"cannot tell the format of '{filename}' (known: {known})")


def read(
    data: bytes,
    filename: str = "",
    fmt: str | None = None,
    options: dict[str, object] | None = None,
) -> Graph:
    """Load a graph from bytes in the named format, or the one the name/bytes suggest."""
    chosen = get(fmt) if fmt else guess(filename, data[:4096])
    if not chosen.readable:
        raise UnsupportedError(f"netcanvas cannot read {chosen.name} files")
    graph: Graph = chosen.load_module().load(data, options or {})
    return graph


def write(graph: Graph, fmt: str, options: dict[str, object] | None = None) -> bytes:
    """Dump a graph in the named format."""
    chosen = get(fmt)
    if not chosen.writable:
        raise UnsupportedError(f"netcanvas cannot write {chosen.name} files")
    data: bytes = chosen.load_module().dump(graph, options or {})
    return data


__all__ = ["FORMATS", "Format", "FormatError", "UnsupportedError", "get", "guess", "read", "write"]
