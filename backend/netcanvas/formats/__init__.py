"""The table of formats: one line per format package, each with the same face.

Every face (see ``formats/base.py``) is light: its constants, ``sniff``, and ``load`` /
``dump`` that import the real work on first use, so building this table at start-up
costs nothing and rendering a prototxt never imports onnx.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import PurePath
from types import ModuleType
from typing import TYPE_CHECKING

from netcanvas.formats.base import FormatError, UnsupportedError
from netcanvas.graph.model import Graph

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis


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

    @classmethod
    def of(cls, module: str) -> Format:
        """A table line from the format module's own constants and functions."""
        face = importlib.import_module(f"netcanvas.formats.{module}")
        return cls(
            face.NAME,
            module,
            tuple(face.EXTENSIONS),
            face.MEDIA_TYPE,
            readable=hasattr(face, "load"),
            writable=hasattr(face, "dump"),
            binary=getattr(face, "BINARY", False),
        )


# One line per format: the module (its face names it and says what it can do).
FORMATS: tuple[Format, ...] = (
    Format.of("native"),
    Format.of("native.json"),
    Format.of("caffe"),
    Format.of("onnx"),
    Format.of("code.pytorch"),
    Format.of("code.keras"),
    Format.of("keras"),
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
    """Load a graph from bytes in the named format, or the one the name/bytes suggest.

    What the file leaves to the input shapes is settled here (one analysis); the service
    (``netcanvas.service.open_model``) does that in the analysis it makes anyway.
    """
    chosen = reader(data, filename, fmt)
    module = chosen.load_module()
    graph: Graph = module.load(data, options or {})
    settle = getattr(module, "settle", None)
    if settle is not None:
        from netcanvas.analysis import analyze

        analyze(graph, settle)
    return graph


def reader(data: bytes, filename: str = "", fmt: str | None = None) -> Format:
    """The readable format named, or the one the file's name and first bytes suggest."""
    chosen = get(fmt) if fmt else guess(filename, data[:4096])
    if not chosen.readable:
        raise UnsupportedError(f"netcanvas cannot read {chosen.name} files")
    return chosen


def write(
    graph: Graph,
    fmt: str,
    options: dict[str, object] | None = None,
    analysis: Analysis | None = None,
) -> bytes:
    """Dump a graph in the named format (an exporter reuses ``analysis`` if it is given)."""
    chosen = get(fmt)
    if not chosen.writable:
        raise UnsupportedError(f"netcanvas cannot write {chosen.name} files")
    data: bytes = chosen.load_module().dump(graph, options or {}, analysis)
    return data


__all__ = ["FORMATS", "Format", "FormatError", "UnsupportedError", "get", "guess", "read", "write"]
