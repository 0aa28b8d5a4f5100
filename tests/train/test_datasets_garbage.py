"""Whatever bytes sit where a data set expects its files, load_dataset raises only DatasetError."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from netcanvas.train.datasets import DATASETS, DatasetError, load_dataset
from netcanvas.train.datasets.catalogue import DatasetSpec

# Where each file data set looks, relative to the path it is given (None: the path itself).
TARGETS = {
    "mnist": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "fashion-mnist": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "cifar10": ("data_batch_1", "batches.meta"),
    "imagefolder": ("a/x.png", "b/y.jpg"),
}
FILE_TARGETS = {"npz": "data.npz", "csv": "data.csv"}


def _samples(seed: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    random = rng.integers(0, 256, size=int(rng.integers(0, 3000)), dtype=np.uint8).tobytes()
    headers = [
        bytes([0, 0, 8, 3]) + random[:12],
        b"\x80\x04" + random[:50],
        b"PK\x03\x04" + random[:100],
        b"\x89PNG\r\n\x1a\n" + random[:60],
        b"\x1f\x8b\x08" + random[:40],
        pickle.dumps({b"data": random, b"labels": [1]}),
        random.decode("latin1").encode("utf-8"),
    ]
    return [random, *headers]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", [*TARGETS, *FILE_TARGETS])
def test_garbage_gives_only_dataset_errors(tmp_path: Path, name: str, seed: int) -> None:
    for i, blob in enumerate(_samples(seed)):
        root = tmp_path / f"case{i}"
        if name in FILE_TARGETS:
            root.mkdir()
            target = root / FILE_TARGETS[name]
            target.write_bytes(blob)
            path = target
        else:
            for relative in TARGETS[name]:
                file = root / relative
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_bytes(blob)
            path = root
        try:
            load_dataset(name, str(path))
        except DatasetError as error:
            assert str(error)  # a message, never an empty one
        # A blob can happen to be valid (a one-row CSV); then it loaded: nothing to check.


def test_unexpected_failures_are_wrapped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(path: str, options: object, limits: object) -> None:
        raise KeyError("surprise")

    spec = DATASETS["csv"]
    monkeypatch.setitem(
        DATASETS,
        "csv",
        DatasetSpec(spec.name, spec.kind, spec.task, None, None, spec.settings, read=broken),  # type: ignore[arg-type]
    )
    with pytest.raises(DatasetError) as caught:
        load_dataset("csv", str(tmp_path / "data.csv"))
    assert str(caught.value) == "data.csv: could not load csv (KeyError: 'surprise')"
    assert isinstance(caught.value.__cause__, KeyError)


def _valid_files() -> dict[str, tuple[str, str, bytes]]:
    """Small valid files: (data set, where the file goes, bytes)."""
    import io

    from PIL import Image

    from tests.train.writers import cifar_batch, idx_bytes, python2_cifar_pickle

    rng = np.random.default_rng(9)
    pixels = rng.integers(0, 256, size=(2, 3072), dtype=np.uint8)
    plain, packed, png = io.BytesIO(), io.BytesIO(), io.BytesIO()
    np.savez(plain, x=rng.normal(size=(3, 2)), y=np.arange(3))
    np.savez_compressed(packed, x=rng.normal(size=(3, 2)), y=np.arange(3))
    Image.fromarray(rng.integers(0, 256, (5, 5, 3), dtype=np.uint8)).save(png, "PNG")
    images = rng.integers(0, 256, size=(2, 4, 4), dtype=np.uint8)
    return {
        "npz": ("npz", "data.npz", plain.getvalue()),
        "npz compressed": ("npz", "data.npz", packed.getvalue()),
        "cifar": ("cifar10", "data_batch_1", pickle.dumps(cifar_batch(pixels, [1, 2]))),
        "cifar python 2": ("cifar10", "data_batch_1", python2_cifar_pickle(pixels, [1, 2])),
        "png": ("imagefolder", "a/x.png", png.getvalue()),
        "idx": ("mnist", "train-images-idx3-ubyte", idx_bytes(images)),
    }


@pytest.mark.parametrize("case", list(_valid_files()))
def test_corrupted_files_get_a_specific_diagnosis(tmp_path: Path, case: str) -> None:
    """Flipped bytes in valid files: a DatasetError naming the file, never the generic fallback."""
    from tests.train.writers import idx_bytes

    name, relative, valid = _valid_files()[case]
    rng = np.random.default_rng(len(case))
    target = tmp_path / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.array([1, 2], np.uint8)))
    path = target if name == "npz" else tmp_path
    failures = 0
    for _ in range(40):
        blob = bytearray(valid)
        for position in rng.integers(0, len(blob), size=int(rng.integers(1, 4))):
            blob[position] = int(rng.integers(0, 256))
        target.write_bytes(bytes(blob))
        try:
            load_dataset(name, str(path), settings={"size": 5} if name == "imagefolder" else None)
        except DatasetError as error:
            failures += 1
            assert "could not load" not in str(error), str(error)
    assert failures > 0  # the flips did break something, so the check above ran
