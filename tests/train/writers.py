"""Writers of small data-set files in exactly the formats the real data sets are shipped in."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path
from typing import Any

import numpy as np

IDX_IMAGES = bytes([0, 0, 0x08, 3])  # unsigned bytes, 3 dimensions: magic number 2051
IDX_LABELS = bytes([0, 0, 0x08, 1])  # unsigned bytes, 1 dimension: magic number 2049


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes, as yann.lecun.com distributed MNIST."""
    magic = IDX_IMAGES if array.ndim == 3 else IDX_LABELS
    dims = struct.pack(f">{array.ndim}I", *array.shape)
    return magic + dims + array.astype(np.uint8).tobytes()


def write_mnist(
    folder: Path,
    images: np.ndarray,
    labels: np.ndarray,
    prefix: str = "train",
    gz: bool = False,
    dot: bool = False,
) -> tuple[Path, Path]:
    """Write ``{prefix}-images-idx3-ubyte`` and ``{prefix}-labels-idx1-ubyte`` (.gz if asked)."""
    folder.mkdir(parents=True, exist_ok=True)
    sep = "." if dot else "-"
    paths = []
    for kind, stem, array in (("images", "idx3", images), ("labels", "idx1", labels)):
        name = f"{prefix}-{kind}{sep}{stem}-ubyte" + (".gz" if gz else "")
        data = idx_bytes(array)
        path = folder / name
        path.write_bytes(gzip.compress(data) if gz else data)
        paths.append(path)
    return paths[0], paths[1]


def cifar_batch(data: np.ndarray, labels: list[int], text_keys: bool = False) -> dict[Any, Any]:
    """A CIFAR-10 batch dict as the python version holds it."""
    if text_keys:
        return {"batch_label": "testing batch", "labels": labels, "data": data, "filenames": []}
    return {
        b"batch_label": b"training batch 1 of 5",
        b"labels": labels,
        b"data": data,
        b"filenames": [b"x.png"] * len(labels),
    }


def write_pickle(path: Path, obj: Any, protocol: int = pickle.DEFAULT_PROTOCOL) -> Path:
    """pickle.dump ``obj`` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(obj, handle, protocol=protocol)
    return path


def python2_cifar_pickle(data: np.ndarray, labels: list[int]) -> bytes:
    """A batch pickled the way the real CIFAR files were: Python 2 cPickle, NumPy 1, protocol 2.

    Python 2 strings are SHORT_BINSTRING / BINSTRING, the array comes from
    ``numpy.core.multiarray._reconstruct`` with its state set by BUILD.
    """

    def text(raw: bytes) -> bytes:
        return (
            b"U" + bytes([len(raw)]) + raw
            if len(raw) < 256
            else b"T" + struct.pack("<I", len(raw)) + raw
        )

    def integer(n: int) -> bytes:
        return b"K" + bytes([n]) if 0 <= n < 256 else b"J" + struct.pack("<i", n)

    rows, width = data.shape
    out = b"\x80\x02}("  # PROTO 2, EMPTY_DICT, MARK
    out += text(b"data")
    out += b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
    out += integer(0) + b"\x85" + text(b"b") + b"\x87R"  # _reconstruct(ndarray, (0,), 'b')
    out += b"(" + integer(1)  # the array state: (1, shape, dtype, fortran, raw)
    out += b"J" + struct.pack("<i", rows) + b"J" + struct.pack("<i", width) + b"\x86"
    out += b"cnumpy\ndtype\n" + text(b"u1") + integer(0) + integer(1) + b"\x87R"
    out += b"(" + integer(3) + text(b"|") + b"NNN" + integer(-1) + integer(-1) + integer(0) + b"tb"
    out += b"\x89" + text(data.astype(np.uint8).tobytes()) + b"tb"
    out += text(b"labels") + b"](" + b"".join(integer(v) for v in labels) + b"e"
    out += b"u."  # SETITEMS, STOP
    return out


def png_with_size(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width``×``height`` (its pixel data is for 1×1)."""
    import io
    import zlib

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="PNG")
    raw = bytearray(buffer.getvalue())
    # IHDR follows the 8-byte signature: length(4) "IHDR"(4) width(4) height(4) ...; CRC after 13.
    raw[16:24] = struct.pack(">II", width, height)
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])))
    return bytes(raw)
