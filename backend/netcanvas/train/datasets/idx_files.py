"""MNIST and Fashion-MNIST from the user's IDX files (as distributed, gzipped or not)."""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from netcanvas.train.datasets import settings as s
from netcanvas.train.datasets.dataset import Dataset
from netcanvas.train.datasets.errors import DatasetError, Limits, existing_folder, listing

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
# Deflate cannot shrink data by more than about 1032:1, so a .gz file of n bytes holds at most
# this many times n bytes: a header declaring more is lying, and we refuse before allocating.
GZIP_MAX_RATIO = 1100

MNIST_CLASSES = [str(d) for d in range(10)]
FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
PARTS = {"train": ["train"], "test": ["t10k"], "both": ["train", "t10k"]}

SETTINGS = {
    "path": s.path(
        "folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-* (.gz or not)"
    ),
    "part": s.choice("train", list(PARTS), "which files to load: train, test (t10k) or both"),
}


def find(folder: Path, prefix: str, kind: str) -> Path:
    """The IDX file ``{prefix}-{kind}`` in any of its distributed spellings."""
    stem = {"images": "idx3-ubyte", "labels": "idx1-ubyte"}[kind]
    for name in (f"{prefix}-{kind}-{stem}", f"{prefix}-{kind}.{stem}"):
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    raise DatasetError(
        f"no {prefix}-{kind}-{stem} or {prefix}-{kind}-{stem}.gz here ({listing(folder)})",
        folder,
    )


def read_idx(path: Path, magic: int, what: str, limits: Limits) -> npt.NDArray[np.uint8]:
    """The unsigned-byte array of an IDX file, after checking its header against its size."""
    zipped = path.name.endswith(".gz")
    size = path.stat().st_size
    try:
        if zipped:
            with gzip.open(path, "rb") as unzipped:
                return _read(unzipped, path, magic, what, size, zipped, limits)
        with path.open("rb") as plain:
            return _read(plain, path, magic, what, size, zipped, limits)
    except (OSError, EOFError, zlib.error) as exc:
        if not zipped:
            raise DatasetError(f"cannot be read ({exc})", path) from exc
        raise DatasetError(f"is not a valid gzip file or is truncated ({exc})", path) from exc


class Readable(Protocol):
    """A binary stream: a plain file or a gzip one."""

    def read(self, size: int = -1, /) -> bytes: ...


def _read(
    handle: Readable, path: Path, magic: int, what: str, size: int, zipped: bool, limits: Limits
) -> npt.NDArray[np.uint8]:
    head = handle.read(4)
    if len(head) < 4:
        raise DatasetError(f"is truncated: {len(head)} bytes, shorter than an IDX header", path)
    found = int.from_bytes(head, "big")
    if found != magic:
        # A gzipped file without its .gz name is the usual cause: say so.
        hint = " (the file is gzip-compressed: name it .gz)" if head[:2] == b"\x1f\x8b" else ""
        raise DatasetError(f"expected magic number {magic} ({what}), found {found}{hint}", path)
    ndim = head[3]
    dims_raw = handle.read(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise DatasetError(f"is truncated inside its header ({ndim} dimensions declared)", path)
    dims = [int.from_bytes(dims_raw[i : i + 4], "big") for i in range(0, 4 * ndim, 4)]
    header = 4 + 4 * ndim
    payload = math.prod(dims)  # exact: Python ints do not overflow
    declared = f"{dims[0]:,} {what.split()[-1]}" + (f" of {dims[1]}×{dims[2]}" if ndim == 3 else "")
    limits.check_samples(dims[0], path)
    # Images become float32, four bytes per pixel: that is what the cap must bound.
    limits.check_bytes(payload * (4 if ndim == 3 else 1), path, f"the declared {declared}")
    if zipped and payload > GZIP_MAX_RATIO * size:
        raise DatasetError(
            f"declares {declared} ({payload:,} bytes), "
            f"more than a {size:,}-byte gzip file can hold",
            path,
        )
    if not zipped and header + payload > size:
        raise DatasetError(
            f"is truncated: the header declares {declared} ({header + payload:,} bytes) "
            f"but the file has {size:,} bytes",
            path,
        )
    data = handle.read(payload)
    if len(data) < payload:
        raise DatasetError(
            f"is truncated: the header declares {declared} ({payload:,} data bytes) "
            f"but only {len(data):,} follow it",
            path,
        )
    if handle.read(1):
        raise DatasetError(f"has bytes after the {declared} its header declares", path)
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def load_part(
    folder: Path, prefix: str, classes: int, limits: Limits
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Images [N, 1, H, W] as uint8 and labels [N] of one part (``train`` or ``t10k``)."""
    images_path = find(folder, prefix, "images")
    labels_path = find(folder, prefix, "labels")
    images = read_idx(images_path, IMAGES_MAGIC, "IDX images", limits)
    labels = read_idx(labels_path, LABELS_MAGIC, "IDX labels", limits)
    if labels.shape[0] != images.shape[0]:
        raise DatasetError(
            f"has {labels.shape[0]:,} labels but {images_path.name} has {images.shape[0]:,} images",
            labels_path,
        )
    bad = np.flatnonzero(labels >= classes)
    if bad.size:
        raise DatasetError(
            f"label {labels[bad[0]]} (sample {bad[0]}) is not a class 0..{classes - 1}",
            labels_path,
        )
    return images[:, np.newaxis], labels


def load_idx(
    name: str, classes: list[str], path: str, options: dict[str, Any], limits: Limits
) -> Dataset:
    """An MNIST-style data set from the IDX files in the folder ``path``."""
    folder = existing_folder(path, name, "train-images-idx3-ubyte and friends")
    parts = [load_part(folder, prefix, len(classes), limits) for prefix in PARTS[options["part"]]]
    shapes = {p[0].shape[1:] for p in parts}
    if len(shapes) > 1:
        raise DatasetError("the train and t10k images have different sizes", folder)
    images = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
    labels = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
    x = images.astype(np.float32)
    x /= np.float32(255.0)
    return Dataset(
        name=name,
        task="classification",
        x=x,
        y=labels.astype(np.int64),
        classes=list(classes),
        input_shape=[1, *x.shape[1:]],
    )


def load_mnist(path: str, options: dict[str, Any], limits: Limits) -> Dataset:
    """MNIST handwritten digits, [N, 1, 28, 28] in 0..1, classes "0".."9"."""
    return load_idx("mnist", MNIST_CLASSES, path, options, limits)


def load_fashion_mnist(path: str, options: dict[str, Any], limits: Limits) -> Dataset:
    """Fashion-MNIST clothing images, [N, 1, 28, 28] in 0..1, Zalando's ten class names."""
    return load_idx("fashion-mnist", FASHION_CLASSES, path, options, limits)
