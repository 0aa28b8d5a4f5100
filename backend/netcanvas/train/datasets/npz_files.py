"""Arrays from a NumPy ``.npz`` file: ``x`` (inputs) and ``y`` (labels or targets).

The arrays are read from the zip members directly, never through pickle, after their
``.npy`` headers have been checked against the members' sizes and the caps.
"""

from __future__ import annotations

import math
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.lib.format as npy
import numpy.typing as npt

from netcanvas.train.datasets import settings as s
from netcanvas.train.datasets.dataset import Dataset
from netcanvas.train.datasets.errors import DatasetError, Limits, existing_file
from netcanvas.train.datasets.labels import TASKS, check_finite, class_indices, regression_targets

NUMERIC = "biuf"  # bool, signed, unsigned, float

SETTINGS = {
    "path": s.path("an .npz file (numpy.savez) holding an input array and a label array"),
    "x": s.text("x", "name of the input array, [N, ...]"),
    "y": s.text("y", "name of the label array: integers = classes, floats = regression targets"),
    "task": s.choice("auto", TASKS, "auto: integer labels classify, real-valued ones regress"),
    "layout": s.choice(
        "auto",
        ["auto", "channels-first", "channels-last"],
        "auto turns [N, H, W, C] images with C of 1, 3 or 4 into [N, C, H, W]",
    ),
}


def read_member(
    archive: zipfile.ZipFile, name: str, path: Path, limits: Limits
) -> npt.NDArray[Any]:
    """The array ``name`` of the archive, read after its header is checked."""
    info = archive.getinfo(f"{name}.npy")
    with archive.open(info) as handle:
        shape, fortran, dtype, header = read_header(handle, name, path)
        if dtype.kind not in NUMERIC + "US":
            raise DatasetError(f"array '{name}' has dtype {dtype}, not numbers", path)
        nbytes = math.prod(shape) * dtype.itemsize
        if shape:
            limits.check_samples(shape[0], path)
        # The array is read as stored, then converted to 4-byte float32: bound the larger.
        needed = math.prod(shape) * max(dtype.itemsize, 4)
        limits.check_bytes(needed, path, f"array '{name}' {list(shape)} {dtype}")
        if header + nbytes != info.file_size:
            state = "is truncated" if header + nbytes > info.file_size else "has extra bytes"
            raise DatasetError(
                f"array '{name}' {state}: its header declares {list(shape)} {dtype} "
                f"({nbytes:,} bytes) but it holds {info.file_size - header:,}",
                path,
            )
        data = handle.read(nbytes)
    if len(data) != nbytes:
        raise DatasetError(f"array '{name}' is truncated", path)
    flat = np.frombuffer(data, dtype=dtype)
    if fortran:
        return flat.reshape(shape[::-1]).transpose()
    return flat.reshape(shape)


def read_header(
    handle: IO[bytes], name: str, path: Path
) -> tuple[tuple[int, ...], bool, np.dtype[Any], int]:
    """Shape, Fortran order, dtype and header length of a .npy stream."""
    try:
        version = npy.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = npy.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, fortran, dtype = npy.read_array_header_2_0(handle)
        else:
            raise DatasetError(f"array '{name}' uses .npy version {version}, unsupported", path)
    except ValueError as exc:
        raise DatasetError(f"array '{name}' has a bad .npy header ({exc})", path) from exc
    if dtype.hasobject:
        raise DatasetError(
            f"array '{name}' holds Python objects, which only pickle can read (unsafe); "
            "save plain numeric arrays",
            path,
        )
    return tuple(int(d) for d in shape), bool(fortran), dtype, handle.tell()


def channels_first(x: npt.NDArray[Any], layout: str) -> npt.NDArray[Any]:
    """``x`` with channels second: moved there when stored last, as the layout setting says."""
    if x.ndim < 3 or layout == "channels-first":
        return x
    images_last = x.ndim == 4 and x.shape[-1] in (1, 3, 4) and x.shape[1] not in (1, 3, 4)
    if layout == "channels-last" or images_last:
        return np.moveaxis(x, -1, 1)
    return x


def load_npz(path: str, options: dict[str, Any], limits: Limits) -> Dataset:
    """Inputs and labels from the arrays of an .npz file (names set by the x / y settings)."""
    file = existing_file(path, "npz", "an .npz file")
    limits.check_bytes(file.stat().st_size, file, "the file")
    try:
        with zipfile.ZipFile(file) as archive:
            arrays = sorted(n[:-4] for n in archive.namelist() if n.endswith(".npy"))
            for key in ("x", "y"):
                if options[key] not in arrays:
                    found = ", ".join(arrays) or "none"
                    raise DatasetError(f"no array named '{options[key]}' (arrays: {found})", file)
            x = read_member(archive, options["x"], file, limits)
            y = read_member(archive, options["y"], file, limits)
            names = read_member(archive, "classes", file, limits) if "classes" in arrays else None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise DatasetError(
            f"is not a readable .npz (zip) file or is truncated ({exc})", file
        ) from exc
    return build(file, options, x, y, names)


def build(
    file: Path,
    options: dict[str, Any],
    x: npt.NDArray[Any],
    y: npt.NDArray[Any],
    names: npt.NDArray[Any] | None,
) -> Dataset:
    """The Dataset from the raw arrays, after checking that they fit together."""
    xname, yname = f"array '{options['x']}'", f"array '{options['y']}'"
    for array, what in ((x, xname), (y, yname)):
        if array.ndim == 0:
            raise DatasetError(f"{what} is a scalar; it needs one entry per sample", file)
        if array.dtype.kind not in NUMERIC:
            raise DatasetError(f"{what} has dtype {array.dtype}, not numbers", file)
    if x.shape[0] != y.shape[0]:
        raise DatasetError(
            f"{xname} has {x.shape[0]:,} samples but {yname} has {y.shape[0]:,}", file
        )
    inputs = channels_first(x if x.ndim > 1 else x[:, np.newaxis], options["layout"])
    inputs = np.ascontiguousarray(inputs, dtype=np.float32)
    check_finite(inputs, file, xname)
    task = options["task"]
    if task == "auto":
        task = "regression" if y.dtype.kind == "f" else "classification"
    if task == "regression":
        return Dataset(
            "npz",
            "regression",
            inputs,
            regression_targets(y, file, yname),
            None,
            [1, *inputs.shape[1:]],
        )
    labels = class_indices(y, file, yname)
    count = int(labels.max()) + 1 if labels.size else 0
    classes = [str(i) for i in range(count)]
    if names is not None:
        if names.ndim != 1 or names.dtype.kind not in "US" or names.shape[0] < count:
            raise DatasetError(
                f"array 'classes' must list at least {count} names (one per class index)", file
            )
        classes = [
            n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n) for n in names.tolist()
        ]
    return Dataset("npz", "classification", inputs, labels, classes, [1, *inputs.shape[1:]])
