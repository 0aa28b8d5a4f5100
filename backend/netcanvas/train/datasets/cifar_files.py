"""CIFAR-10 from the user's python-version batches (data_batch_1..5, test_batch, batches.meta)."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from netcanvas.train.datasets import settings as s
from netcanvas.train.datasets.dataset import Dataset
from netcanvas.train.datasets.errors import (
    DatasetError,
    Limits,
    existing_folder,
    listing,
    read_bytes,
)
from netcanvas.train.datasets.safe_pickle import Refused, RefusedGlobal, safe_loads

CIFAR10_CLASSES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]
ROW = 3 * 32 * 32  # one image: 1024 red, then 1024 green, then 1024 blue bytes, row-major
SUBFOLDER = "cifar-10-batches-py"  # what the distributed archive unpacks to

SETTINGS = {
    "path": s.path(f"folder holding data_batch_1..5, test_batch and batches.meta ({SUBFOLDER})"),
    "part": s.choice(
        "train", ["train", "test", "both"], "which batches: data_batch_*, test_batch or both"
    ),
}


def unpickle(path: Path, limits: Limits) -> Any:
    """The object in a pickle file, built by the restricted unpickler."""
    data = read_bytes(path, limits)
    try:
        return safe_loads(data)
    except RefusedGlobal as exc:
        raise DatasetError(
            f"refused to unpickle: it asks for {exc.module}.{exc.name}, and only NumPy arrays "
            "and plain containers are allowed (the file is not a CIFAR batch, or is malicious)",
            path,
        ) from exc
    except Refused as exc:
        raise DatasetError(
            f"refused to unpickle: it asks for {exc}, which a CIFAR batch never does", path
        ) from exc
    except (pickle.UnpicklingError, EOFError) as exc:
        raise DatasetError(
            f"is truncated or not a pickle file ({exc or 'ends early'})", path
        ) from exc
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, OverflowError) as exc:
        raise DatasetError(f"is not a valid pickle file ({exc})", path) from exc
    except (RecursionError, MemoryError) as exc:
        raise DatasetError(f"is too deeply nested or too large to unpickle ({exc})", path) from exc


def field(batch: dict[Any, Any], key: str) -> Any:
    """``batch[key]`` whether the pickle spells its keys as bytes (Python 2) or text."""
    if key.encode() in batch:
        return batch[key.encode()]
    return batch.get(key)


def batch_files(folder: Path, part: str) -> list[Path]:
    """The batch files of ``part`` that the folder holds, in order."""
    train = sorted(
        (p for p in folder.iterdir() if re.fullmatch(r"data_batch_\d+", p.name)),
        key=lambda p: int(p.name.rsplit("_", 1)[1]),
    )
    test = [folder / "test_batch"] if (folder / "test_batch").is_file() else []
    files = {"train": train, "test": test, "both": train + test}[part]
    if not files:
        wanted = {
            "train": "data_batch_1..5",
            "test": "test_batch",
            "both": "data_batch_* or test_batch",
        }
        raise DatasetError(f"no {wanted[part]} here ({listing(folder)})", folder)
    return files


def read_batch(
    path: Path, classes: int, limits: Limits
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Images [N, 3, 32, 32] (uint8) and labels [N] of one batch file, checked."""
    batch = unpickle(path, limits)
    if not isinstance(batch, dict):
        raise DatasetError(f"holds a {type(batch).__name__}, not a CIFAR batch dict", path)
    data, labels = field(batch, "data"), field(batch, "labels")
    if data is None or labels is None:
        keys = ", ".join(
            sorted(k.decode(errors="replace") if isinstance(k, bytes) else str(k) for k in batch)
        )
        hint = (
            " (CIFAR-100 batches are not supported)"
            if field(batch, "fine_labels") is not None
            else ""
        )
        raise DatasetError(f"has no 'data' and 'labels' entries (entries: {keys}){hint}", path)
    if (
        not isinstance(data, np.ndarray)
        or data.dtype != np.uint8
        or data.ndim != 2
        or data.shape[1] != ROW
    ):
        found = (
            f"{data.dtype} array of shape {list(data.shape)}"
            if isinstance(data, np.ndarray)
            else type(data).__name__
        )
        raise DatasetError(f"'data' must be a uint8 array of shape [N, {ROW}], found {found}", path)
    try:
        label_array = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise DatasetError(f"'labels' are not a list of integers ({exc})", path) from exc
    if label_array.ndim != 1 or label_array.shape[0] != data.shape[0]:
        raise DatasetError(f"has {label_array.size:,} labels for {data.shape[0]:,} images", path)
    bad = np.flatnonzero((label_array < 0) | (label_array >= classes))
    if bad.size:
        raise DatasetError(
            f"label {label_array[bad[0]]} (image {bad[0]}) is not a class 0..{classes - 1}", path
        )
    return data.reshape(-1, 3, 32, 32), label_array


def class_names(folder: Path, limits: Limits) -> list[str]:
    """Names from ``batches.meta`` when the folder has it, else CIFAR-10's published ones."""
    meta_path = folder / "batches.meta"
    if not meta_path.is_file():
        return list(CIFAR10_CLASSES)
    meta = unpickle(meta_path, limits)
    names = field(meta, "label_names") if isinstance(meta, dict) else None
    if not isinstance(names, list | tuple) or not names:
        raise DatasetError("has no 'label_names' list", meta_path)
    out: list[str] = []
    for name in names:
        if isinstance(name, bytes):
            name = name.decode("utf-8", errors="replace")
        if not isinstance(name, str):
            raise DatasetError(f"'label_names' holds {name!r}, not a name", meta_path)
        out.append(name)
    return out


def load_cifar10(path: str, options: dict[str, Any], limits: Limits) -> Dataset:
    """CIFAR-10 images [N, 3, 32, 32] in 0..1 from the batches in the folder ``path``."""
    folder = existing_folder(path, "cifar10", "data_batch_1..5 and test_batch")
    if not (folder / "test_batch").exists() and (folder / SUBFOLDER).is_dir():
        folder = folder / SUBFOLDER
    files = batch_files(folder, options["part"])
    # The whole set is checked against the byte cap before the first batch is read; the
    # pixels become float32, four bytes for each byte of the files.
    limits.check_bytes(4 * sum(f.stat().st_size for f in files), folder, "the batch files")
    classes = class_names(folder, limits)
    parts = [read_batch(f, len(classes), limits) for f in files]
    images = np.concatenate([p[0] for p in parts])
    limits.check_samples(images.shape[0], folder)
    x = images.astype(np.float32)
    x /= np.float32(255.0)
    return Dataset(
        name="cifar10",
        task="classification",
        x=x,
        y=np.concatenate([p[1] for p in parts]),
        classes=classes,
        input_shape=[1, 3, 32, 32],
    )
