"""Read an ONNX file's graph without reading its weights.

Analysis needs every tensor's shape and the values of a few small constants, never the
megabytes of a convolution's weights; protobuf, though, can only parse a whole message,
so parsing a 350 MB ViT costs its size again in memory and most of the time. This walks
the protobuf wire format (varints and length-delimited fields, nothing more) down to the
graph's initializers and leaves the large ones out of the bytes handed to protobuf: each
becomes a NumPy view of the file (``np.frombuffer`` over the buffer, or ``np.memmap`` of
an external data file inside the model's folder), read only if a value is ever needed.
No library does this lazily: ``onnx.load(load_external_data=False)`` still parses every
tensor stored in the file itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from onnx import TensorProto, helper

from netcanvas.formats.base import FormatError

LAZY_BYTES = 4096  # initializers whose data is at least this big stay in the file
_GRAPH, _INITIALIZER = 7, 5  # ModelProto.graph, GraphProto.initializer
_DIMS, _DATA_TYPE, _NAME, _RAW, _EXTERNAL, _LOCATION = 1, 2, 8, 9, 13, 14
_LEN, _VARINT, _I64, _I32 = 2, 0, 1, 5


@dataclass
class Skimmed:
    """The model's bytes without its large initializers, and those as lazy arrays."""

    skeleton: bytes
    lazy: dict[str, np.ndarray[Any, Any]] = field(default_factory=dict)


def skim(data: Any, folder: Path | None) -> Skimmed:
    """Split ``data`` (bytes or an mmap of a .onnx file); ``folder`` is where external
    data files may be read from (None: an upload, which carries no other file)."""
    view = memoryview(data)
    out = Skimmed(b"")
    parts: list[bytes | memoryview] = []
    for number, wire, start, end, tag in _fields(view, 0, len(view)):
        if number == _GRAPH and wire == _LEN:
            graph = _graph(view, start, end, out, folder)
            parts += [_key(_GRAPH, _LEN), _varint(len(graph)), graph]
        else:
            parts.append(view[tag:end])
    out.skeleton = b"".join(parts)
    return out


def _graph(view: memoryview, start: int, end: int, out: Skimmed, folder: Path | None) -> bytes:
    parts: list[bytes | memoryview] = []
    for number, wire, s, e, tag in _fields(view, start, end):
        if number == _INITIALIZER and wire == _LEN and _lazy(view, s, e, out, folder):
            continue
        parts.append(view[tag:e])
    return b"".join(parts)


def _lazy(view: memoryview, start: int, end: int, out: Skimmed, folder: Path | None) -> bool:
    """Record a large initializer as a view of its data; False to keep it as it is."""
    dims: list[int] = []
    name, elem, raw, external, location = "", 0, None, {}, 0
    for number, wire, s, e, _ in _fields(view, start, end):
        if number == _DIMS:
            dims += _ints(view, s, e) if wire == _LEN else [_decode(view, s)[0]]
        elif number == _DATA_TYPE:
            elem = _decode(view, s)[0]
        elif number == _NAME:
            name = bytes(view[s:e]).decode("utf-8", "replace")
        elif number == _RAW:
            raw = (s, e)
        elif number == _EXTERNAL:
            key = value = ""
            for n, _, ks, ke, _ in _fields(view, s, e):
                text = bytes(view[ks:ke]).decode("utf-8", "replace")
                key, value = (text, value) if n == 1 else (key, text)
            external[key] = value
        elif number == _LOCATION:
            location = _decode(view, s)[0]
    try:
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(elem))
    except Exception:
        return False  # strings and unknown types: small enough to parse, or not ours
    count = int(np.prod(dims)) if dims else 1
    if location == TensorProto.EXTERNAL:
        out.lazy[name] = _external(name, external, dtype, dims, count, folder)
        return True
    if (
        raw is None
        or raw[1] - raw[0] != count * dtype.itemsize
        or count * dtype.itemsize < LAZY_BYTES
    ):
        return False  # small, typed fields (float_data...), or a size that does not add up
    buffer: Any = view.obj  # the bytes or the mmap themselves: no copy
    out.lazy[name] = np.frombuffer(buffer, dtype, count, raw[0]).reshape(dims)
    return True


def _external(
    name: str, info: dict[str, str], dtype: Any, dims: list[int], count: int, folder: Path | None
) -> np.ndarray[Any, Any]:
    where = info.get("location", "")
    if folder is None:
        raise FormatError(
            f"tensor '{name}' is stored in the external data file '{where}'; an upload carries "
            "only the .onnx file: open it from its folder (netcanvas summary FILE, nc.load) "
            "or save the model with all tensors inside it"
        )
    root = folder.resolve()
    path = (root / where).resolve()
    if not where or not path.is_relative_to(root):
        raise FormatError(
            f"tensor '{name}': its external data file '{where}' is outside the model's folder"
        )
    offset = int(info.get("offset", 0) or 0)
    if not path.is_file() or path.stat().st_size < offset + count * dtype.itemsize:
        raise FormatError(
            f"tensor '{name}': the external data file '{where}' is missing or too short"
        )
    return np.memmap(path, dtype, "r", offset, tuple(dims) if dims else ())


def _fields(view: memoryview, start: int, end: int) -> Any:
    """(field number, wire type, value start, value end, tag start) of each field."""
    pos = start
    while pos < end:
        tag = pos
        key, pos = _decode(view, pos)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            _, after = _decode(view, pos)
            yield number, wire, pos, after, tag
            pos = after
        elif wire == _LEN:
            size, pos = _decode(view, pos)
            if pos + size > end:
                raise FormatError("not a readable ONNX model: a field runs past its message")
            yield number, wire, pos, pos + size, tag
            pos += size
        elif wire in (_I64, _I32):
            width = 8 if wire == _I64 else 4
            yield number, wire, pos, pos + width, tag
            pos += width
        else:
            raise FormatError(f"not a readable ONNX model: wire type {wire} at byte {tag}")
    if pos != end:
        raise FormatError("not a readable ONNX model: a message is cut short")


def _decode(view: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(view) or shift > 63:
            raise FormatError("not a readable ONNX model: a number is cut short")
        byte = view[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _ints(view: memoryview, start: int, end: int) -> list[int]:
    values, pos = [], start
    while pos < end:
        value, pos = _decode(view, pos)
        values.append(value)
    return values


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)
