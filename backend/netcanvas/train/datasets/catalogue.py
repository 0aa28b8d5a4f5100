"""The data-set catalogue (GET /api/datasets) and ``load_dataset``, the one way to load."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from netcanvas.train.datasets import (
    builtin,
    cifar_files,
    csv_files,
    idx_files,
    image_folder,
    npz_files,
)
from netcanvas.train.datasets.dataset import Dataset, Task
from netcanvas.train.datasets.errors import DatasetError, Limits
from netcanvas.train.datasets.settings import Schema, resolve

BuiltinLoader = Callable[[dict[str, Any], int], Dataset]
FileLoader = Callable[[str, dict[str, Any], Limits], Dataset]


@dataclass(frozen=True)
class DatasetSpec:
    """One catalogue entry: what the data set is, what it takes, and how it is loaded.

    ``input_shape`` and ``classes`` are those of the default settings (None when they depend
    on the user's files). Exactly one of ``generate`` (built in) and ``read`` (files) is set.
    """

    name: str
    kind: Literal["builtin", "files"]
    task: Task
    input_shape: list[int] | None
    classes: list[str] | None
    settings: Schema
    generate: BuiltinLoader | None = None
    read: FileLoader | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as GET /api/datasets lists it."""
        return {
            "name": self.name,
            "kind": self.kind,
            "task": self.task,
            "input_shape": None if self.input_shape is None else list(self.input_shape),
            "classes": None if self.classes is None else list(self.classes),
            "settings": copy.deepcopy(self.settings),
        }


def _builtin(
    name: str, schema: Schema, classes: list[str], loader: BuiltinLoader, shape: list[int]
) -> DatasetSpec:
    return DatasetSpec(name, "builtin", "classification", shape, classes, schema, generate=loader)


def _files(
    name: str,
    schema: Schema,
    loader: FileLoader,
    shape: list[int] | None,
    classes: list[str] | None,
) -> DatasetSpec:
    # npz and csv may turn out to be regression: their `task` setting says so; the listing
    # shows the common case.
    return DatasetSpec(name, "files", "classification", shape, classes, schema, read=loader)


_ENTRIES = [
    _builtin("spiral", builtin.SPIRAL, builtin.arm_names(2), builtin.load_spiral, [1, 2]),
    _builtin("moons", builtin.MOONS, builtin.MOON_CLASSES, builtin.load_moons, [1, 2]),
    _builtin("circles", builtin.CIRCLES, builtin.CIRCLE_CLASSES, builtin.load_circles, [1, 2]),
    _builtin("xor", builtin.XOR, builtin.XOR_CLASSES, builtin.load_xor, [1, 2]),
    _builtin("blobs", builtin.BLOBS, builtin.blob_names(3), builtin.load_blobs, [1, 2]),
    _builtin("digits", {}, builtin.DIGIT_CLASSES, builtin.load_digits_8x8, [1, 1, 8, 8]),
    _files(
        "mnist", idx_files.SETTINGS, idx_files.load_mnist, [1, 1, 28, 28], idx_files.MNIST_CLASSES
    ),
    _files(
        "fashion-mnist",
        idx_files.SETTINGS,
        idx_files.load_fashion_mnist,
        [1, 1, 28, 28],
        idx_files.FASHION_CLASSES,
    ),
    _files(
        "cifar10",
        cifar_files.SETTINGS,
        cifar_files.load_cifar10,
        [1, 3, 32, 32],
        cifar_files.CIFAR10_CLASSES,
    ),
    _files(
        "imagefolder", image_folder.SETTINGS, image_folder.load_image_folder, [1, 3, 32, 32], None
    ),
    _files("npz", npz_files.SETTINGS, npz_files.load_npz, None, None),
    _files("csv", csv_files.SETTINGS, csv_files.load_csv, None, None),
]

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in _ENTRIES}
"""Every data set by name, in the order the editor lists them."""


def list_datasets() -> list[dict[str, Any]]:
    """The catalogue as GET /api/datasets serves it (fresh objects: callers may mutate them)."""
    return [spec.to_json() for spec in DATASETS.values()]


def load_dataset(
    name: str,
    path: str | os.PathLike[str] | None = None,
    settings: dict[str, Any] | None = None,
    seed: int = 0,
    *,
    limits: Limits | None = None,
) -> Dataset:
    """Load a data set by catalogue name.

    ``path`` is the folder or file of a file data set (``settings["path"]`` is accepted too);
    ``settings`` are checked against the entry's schema, missing ones take their defaults;
    ``seed`` makes generated data reproducible; ``limits`` caps the bytes and samples untrusted
    files may make us read (default: MAX_BYTES and MAX_SAMPLES). Any problem with the input is
    a DatasetError that says which file and what is wrong; nothing else escapes.
    """
    spec = DATASETS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise DatasetError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}")
    location = _location(name, path, settings)
    if settings is not None and not isinstance(settings, dict):
        raise DatasetError(f"{name}: settings must be an object, not {type(settings).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise DatasetError(f"the seed must be an integer from 0 to {2**32 - 1}, not {seed!r}")
    options = resolve(name, spec.settings, settings)
    try:
        if spec.generate is not None:
            if location is not None:
                raise DatasetError(f"{name} is built in and takes no path (given {location!r})")
            dataset = spec.generate(options, seed)
        else:
            assert spec.read is not None
            if not location:
                raise DatasetError(
                    f"{name} reads your files: give a path ({spec.settings['path']['description']})"
                )
            dataset = spec.read(location, options, limits or Limits())
    except DatasetError:
        raise
    except Exception as exc:  # the contract: bad input is only ever a DatasetError
        raise DatasetError(
            f"could not load {name} ({type(exc).__name__}: {exc})", location
        ) from exc
    if len(dataset) == 0:
        raise DatasetError("holds no samples" if location else f"{name} holds no samples", location)
    return dataset


def _location(name: str, path: object, settings: object) -> str | None:
    """The path as text: the argument (a str or a path object), else ``settings["path"]``."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if path is not None and not isinstance(path, str):
        raise DatasetError(f"{name}: the path must be a string, not {type(path).__name__}")
    if path is None and isinstance(settings, dict) and isinstance(settings.get("path"), str):
        return str(settings["path"])
    return path
