"""MNIST and Fashion-MNIST from IDX files written byte for byte as distributed."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from netcanvas.train.datasets import DatasetError, Limits, load_dataset
from tests.train.writers import idx_bytes, write_mnist

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(12, 28, 28), dtype=np.uint8)
LABELS = RNG.integers(0, 10, size=12, dtype=np.uint8)


def test_writer_uses_the_real_magic_numbers() -> None:
    assert int.from_bytes(idx_bytes(IMAGES)[:4], "big") == 2051
    assert int.from_bytes(idx_bytes(LABELS)[:4], "big") == 2049
    assert idx_bytes(IMAGES)[4:16] == bytes([0, 0, 0, 12, 0, 0, 0, 28, 0, 0, 0, 28])


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dot", [False, True])
def test_mnist_round_trips_pixels_and_labels(tmp_path: Path, gz: bool, dot: bool) -> None:
    write_mnist(tmp_path, IMAGES, LABELS, gz=gz, dot=dot)
    data = load_dataset("mnist", path=str(tmp_path))
    assert data.x.shape == (12, 1, 28, 28) and data.x.dtype == np.float32
    assert data.input_shape == [1, 1, 28, 28]
    assert np.array_equal(data.x[:, 0], IMAGES.astype(np.float32) / np.float32(255))
    assert np.array_equal(np.rint(data.x[:, 0] * 255).astype(np.uint8), IMAGES)
    assert data.y.dtype == np.int64 and data.y.tolist() == LABELS.tolist()
    assert data.classes == [str(d) for d in range(10)]
    assert data.x.min() >= 0.0 and data.x.max() <= 1.0


def test_parts_train_test_both(tmp_path: Path) -> None:
    test_images = np.full((3, 28, 28), 7, dtype=np.uint8)
    write_mnist(tmp_path, IMAGES, LABELS, gz=True)
    write_mnist(tmp_path, test_images, np.array([1, 2, 3]), prefix="t10k")
    assert len(load_dataset("mnist", str(tmp_path))) == 12
    test = load_dataset("mnist", str(tmp_path), {"part": "test"})
    assert test.y.tolist() == [1, 2, 3] and np.all(test.x == np.float32(7) / np.float32(255))
    both = load_dataset("mnist", str(tmp_path), {"part": "both"})
    assert both.y.tolist() == [*LABELS.tolist(), 1, 2, 3]


def test_fashion_mnist_names_its_classes(tmp_path: Path) -> None:
    write_mnist(tmp_path, IMAGES, LABELS)
    data = load_dataset("fashion-mnist", str(tmp_path))
    assert data.classes is not None
    assert data.classes[0] == "T-shirt/top" and data.classes[9] == "Ankle boot"
    assert data.y.tolist() == LABELS.tolist()


def _error(tmp_path: Path, **kwargs: object) -> str:
    with pytest.raises(DatasetError) as caught:
        load_dataset("mnist", str(tmp_path), **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def test_swapped_files_name_the_magic_number(tmp_path: Path) -> None:
    images, labels = write_mnist(tmp_path, IMAGES, LABELS)
    labels.write_bytes(idx_bytes(IMAGES))
    assert _error(tmp_path) == (
        "train-labels-idx1-ubyte: expected magic number 2049 (IDX labels), found 2051"
    )
    images.write_bytes(idx_bytes(LABELS))
    assert _error(tmp_path) == (
        "train-images-idx3-ubyte: expected magic number 2051 (IDX images), found 2049"
    )


def test_gzipped_file_without_gz_name_gets_a_hint(tmp_path: Path) -> None:
    images, _ = write_mnist(tmp_path, IMAGES, LABELS)
    images.write_bytes(gzip.compress(idx_bytes(IMAGES)))
    assert _error(tmp_path).endswith("(the file is gzip-compressed: name it .gz)")


def test_truncated_file(tmp_path: Path) -> None:
    images, _ = write_mnist(tmp_path, IMAGES, LABELS)
    images.write_bytes(idx_bytes(IMAGES)[:-100])
    message = _error(tmp_path)
    assert message.startswith("train-images-idx3-ubyte: is truncated")
    assert "12 images of 28×28" in message
    images.write_bytes(b"\x00\x00")
    assert _error(tmp_path).startswith("train-images-idx3-ubyte: is truncated")
    images.write_bytes(idx_bytes(IMAGES)[:9])
    assert "inside its header" in _error(tmp_path)


def test_truncated_and_broken_gzip(tmp_path: Path) -> None:
    images, _ = write_mnist(tmp_path, IMAGES, LABELS, gz=True)
    whole = images.read_bytes()
    images.write_bytes(whole[: len(whole) // 2])
    assert _error(tmp_path).startswith("train-images-idx3-ubyte.gz: ")
    # A complete gzip stream whose content stops early.
    images.write_bytes(gzip.compress(idx_bytes(IMAGES)[:-5]))
    assert "is truncated" in _error(tmp_path)
    images.write_bytes(b"this is not gzip at all")
    assert _error(tmp_path).startswith("train-images-idx3-ubyte.gz: is not a valid gzip file")


def test_extra_bytes_after_the_data(tmp_path: Path) -> None:
    _, labels = write_mnist(tmp_path, IMAGES, LABELS)
    labels.write_bytes(idx_bytes(LABELS) + b"\x01")
    assert _error(tmp_path).startswith("train-labels-idx1-ubyte: has bytes after")


def test_label_count_differs_from_image_count(tmp_path: Path) -> None:
    write_mnist(tmp_path, IMAGES, LABELS[:11])
    assert _error(tmp_path) == (
        "train-labels-idx1-ubyte: has 11 labels but train-images-idx3-ubyte has 12 images"
    )


def test_label_outside_the_classes(tmp_path: Path) -> None:
    labels = LABELS.copy()
    labels[4] = 10
    write_mnist(tmp_path, IMAGES, labels)
    assert _error(tmp_path) == "train-labels-idx1-ubyte: label 10 (sample 4) is not a class 0..9"


def test_missing_files_list_the_folder(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hi")
    message = _error(tmp_path)
    assert "no train-images-idx3-ubyte or train-images-idx3-ubyte.gz here" in message
    assert "readme.txt" in message
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="the folder is empty"):
        load_dataset("mnist", str(empty))
    with pytest.raises(DatasetError, match="is not a folder"):
        load_dataset("mnist", str(tmp_path / "readme.txt"))


def test_lying_headers_are_refused_before_allocating(tmp_path: Path) -> None:
    images, _ = write_mnist(tmp_path, IMAGES, LABELS)
    # 4 billion images of 65535×65535 declared in a 16-byte file.
    huge = bytes([0, 0, 8, 3]) + (4_000_000_000).to_bytes(4, "big") + bytes([0, 0, 255, 255]) * 2
    images.write_bytes(huge)
    assert "more than the 5,000,000-sample limit" in _error(tmp_path)
    # A plausible count, but far more bytes than the file holds.
    images.write_bytes(bytes([0, 0, 8, 3, 0, 1, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]))
    assert "declares 65,536 images of 28×28" in _error(tmp_path)
    # Gzipped, the same lie is caught by deflate's maximum ratio, without decompressing.
    images.unlink()
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(bytes([0, 0, 8, 3, 0, 1, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]))
    )
    assert "gzip file can hold" in _error(tmp_path)


def test_byte_cap_is_settable(tmp_path: Path) -> None:
    write_mnist(tmp_path, IMAGES, LABELS)
    message = _error(tmp_path, limits=Limits(max_bytes=1000))
    assert "more than the 1,000-byte limit" in message
    assert "train-images-idx3-ubyte" in message
    assert "3-sample limit" in _error(tmp_path, limits=Limits(max_samples=3))


def test_every_truncation_is_a_dataset_error(tmp_path: Path) -> None:
    images, _ = write_mnist(tmp_path, IMAGES[:2], LABELS[:2], gz=True)
    whole = images.read_bytes()
    for cut in range(0, len(whole), max(1, len(whole) // 25)):
        images.write_bytes(whole[:cut])
        assert _error(tmp_path).startswith("train-images-idx3-ubyte.gz: ")
