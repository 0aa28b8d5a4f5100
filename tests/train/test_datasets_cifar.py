"""CIFAR-10 from pickle batches, and the restricted unpickler that reads them."""

from __future__ import annotations

import os
import pickle
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from netcanvas.train.datasets import DatasetError, Limits, load_dataset
from tests.train.writers import cifar_batch, python2_cifar_pickle, write_pickle

RNG = np.random.default_rng(1)


def _data(count: int) -> np.ndarray:
    return RNG.integers(0, 256, size=(count, 3072), dtype=np.uint8)


def _error(path: Path, **kwargs: Any) -> str:
    with pytest.raises(DatasetError) as caught:
        load_dataset("cifar10", str(path), **kwargs)
    return str(caught.value)


@pytest.fixture
def cifar(tmp_path: Path) -> tuple[Path, list[np.ndarray], list[list[int]]]:
    """A folder like cifar-10-batches-py: two train batches, a test batch and the meta file."""
    datas = [_data(4), _data(3), _data(2)]
    labels = [[0, 9, 3, 3], [1, 2, 5], [7, 8]]
    write_pickle(tmp_path / "data_batch_1", cifar_batch(datas[0], labels[0]))
    write_pickle(tmp_path / "data_batch_2", cifar_batch(datas[1], labels[1]), protocol=2)
    write_pickle(tmp_path / "test_batch", cifar_batch(datas[2], labels[2], text_keys=True))
    names = [f"thing {i}".encode() for i in range(10)]
    write_pickle(tmp_path / "batches.meta", {b"label_names": names, b"num_vis": 3072})
    return tmp_path, datas, labels


def test_round_trip_pixels_labels_and_names(cifar: tuple[Path, list[Any], list[Any]]) -> None:
    folder, datas, labels = cifar
    data = load_dataset("cifar10", str(folder))
    expected = np.concatenate(datas[:2]).reshape(7, 3, 32, 32)
    assert data.x.shape == (7, 3, 32, 32) and data.input_shape == [1, 3, 32, 32]
    assert np.array_equal(data.x, expected.astype(np.float32) / np.float32(255))
    assert data.y.tolist() == labels[0] + labels[1]
    assert data.classes == [f"thing {i}" for i in range(10)]
    test = load_dataset("cifar10", str(folder), {"part": "test"})
    assert test.y.tolist() == labels[2]
    assert len(load_dataset("cifar10", str(folder), {"part": "both"})) == 9


def test_channel_planes_are_red_green_blue(tmp_path: Path) -> None:
    row = np.zeros((1, 3072), dtype=np.uint8)
    row[0, :1024] = 255  # CIFAR rows: 1024 red bytes, then green, then blue
    row[0, 2048 + 32] = 128  # blue plane, second image row, first column
    write_pickle(tmp_path / "data_batch_1", cifar_batch(row, [4]))
    data = load_dataset("cifar10", str(tmp_path))
    assert np.all(data.x[0, 0] == 1.0) and np.all(data.x[0, 1] == 0.0)
    assert data.x[0, 2, 1, 0] == np.float32(128) / np.float32(255)
    assert data.x[0, 2].sum() == data.x[0, 2, 1, 0]


def test_python2_batch_as_distributed(tmp_path: Path) -> None:
    pixels = _data(3)
    (tmp_path / "data_batch_1").write_bytes(python2_cifar_pickle(pixels, [6, 0, 9]))
    data = load_dataset("cifar10", str(tmp_path))
    assert np.array_equal(np.rint(data.x * 255).astype(np.uint8).reshape(3, 3072), pixels)
    assert data.y.tolist() == [6, 0, 9]
    assert data.classes is not None and data.classes[0] == "airplane"  # no batches.meta


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_pickle_protocol(tmp_path: Path, protocol: int) -> None:
    pixels = _data(2)
    write_pickle(tmp_path / "data_batch_1", cifar_batch(pixels, [1, 2]), protocol=protocol)
    write_pickle(tmp_path / "batches.meta", {"label_names": list("abcdefghij")}, protocol)
    data = load_dataset("cifar10", str(tmp_path))
    assert np.array_equal(np.rint(data.x * 255).astype(np.uint8).reshape(2, 3072), pixels)
    assert data.classes == list("abcdefghij")


def test_archive_subfolder_is_found(tmp_path: Path) -> None:
    inner = tmp_path / "cifar-10-batches-py"
    write_pickle(inner / "data_batch_1", cifar_batch(_data(2), [1, 1]))
    write_pickle(inner / "test_batch", cifar_batch(_data(1), [2]))
    assert load_dataset("cifar10", str(tmp_path)).y.tolist() == [1, 1]


# --- malformed batches ---------------------------------------------------------------------


def test_truncated_batch(cifar: tuple[Path, list[Any], list[Any]]) -> None:
    folder, _, _ = cifar
    batch = folder / "data_batch_2"
    whole = batch.read_bytes()
    for cut in (0, 1, 40, len(whole) // 2, len(whole) - 1):
        batch.write_bytes(whole[:cut])
        assert _error(folder).startswith("data_batch_2: is truncated or not a pickle file")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ([1, 2, 3], "data_batch_1: holds a list, not a CIFAR batch dict"),
        ({b"data": _data(2)}, "data_batch_1: has no 'data' and 'labels' entries (entries: data)"),
        (
            {b"data": _data(2), b"fine_labels": [1, 2]},
            "CIFAR-100 batches are not supported",
        ),
        (
            {b"data": np.zeros((2, 100), np.uint8), b"labels": [1, 2]},
            "data_batch_1: 'data' must be a uint8 array of shape [N, 3072], found uint8 array",
        ),
        (
            {b"data": np.zeros((2, 3072), np.float64), b"labels": [1, 2]},
            "found float64 array of shape [2, 3072]",
        ),
        ({b"data": _data(3), b"labels": [1, 2]}, "data_batch_1: has 2 labels for 3 images"),
        ({b"data": _data(2), b"labels": [1, 10]}, "label 10 (image 1) is not a class 0..9"),
        ({b"data": _data(2), b"labels": ["cat", "dog"]}, "'labels' are not a list of integers"),
    ],
)
def test_malformed_batch(tmp_path: Path, content: Any, words: str) -> None:
    write_pickle(tmp_path / "data_batch_1", content)
    assert words in _error(tmp_path)


def test_bad_meta(cifar: tuple[Path, list[Any], list[Any]]) -> None:
    folder, _, _ = cifar
    write_pickle(folder / "batches.meta", {b"num_vis": 3072})
    assert _error(folder) == "batches.meta: has no 'label_names' list"
    write_pickle(folder / "batches.meta", {b"label_names": [b"a", b"b"]})
    assert "label 9 (image 1) is not a class 0..1" in _error(folder)


def test_no_batches(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("")
    message = _error(tmp_path)
    assert "no data_batch_1..5 here" in message and "notes.txt" in message


def test_byte_cap(cifar: tuple[Path, list[Any], list[Any]]) -> None:
    folder, _, _ = cifar
    assert "byte limit" in _error(folder, limits=Limits(max_bytes=5000))


# --- hostile pickles -----------------------------------------------------------------------


class _System:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (os.system, (f"touch {self.marker}",))


class _Popen:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (subprocess.Popen, (["touch", str(self.marker)],))


class _Eval:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (eval, (f"open({str(self.marker)!r}, 'w')",))


@pytest.mark.parametrize("attack", [_System, _Popen, _Eval])
def test_malicious_pickle_is_refused_without_running(tmp_path: Path, attack: type) -> None:
    marker = tmp_path / "pwned"
    payload = {b"data": _data(1), b"labels": attack(marker)}
    for protocol in (0, 2, pickle.HIGHEST_PROTOCOL):
        write_pickle(tmp_path / "data_batch_1", payload, protocol=protocol)
        message = _error(tmp_path)
        assert message.startswith("data_batch_1: refused to unpickle: it asks for ")
        assert "malicious" in message
    assert not marker.exists()


def test_malicious_meta_is_refused(cifar: tuple[Path, list[Any], list[Any]]) -> None:
    folder, _, _ = cifar
    marker = folder / "pwned"
    write_pickle(folder / "batches.meta", {b"label_names": _System(marker)})
    assert _error(folder).startswith("batches.meta: refused to unpickle: it asks for posix.system")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("opcodes", "words"),
    [
        # numpy.ndarray((10**12,)): an allocation bomb through an allowed class.
        (b"\x80\x02cnumpy\nndarray\n\x8a\x06\x00\x10\xa5\xd4\xe8\x00\x85\x85R.", "numpy.ndarray"),
        # bytes(10**12) through the allowed bytes type.
        (b"\x80\x02c__builtin__\nbytes\n\x8a\x06\x00\x10\xa5\xd4\xe8\x00\x85R.", "bytes(size)"),
        # _codecs.encode with a codec other than latin1.
        (b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x04\x00\x00\x00zlib\x86R.", "'zlib'"),
        # An array of Python objects.
        (b"\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00O8K\x00K\x01\x87R.", "Python objects"),
        # getattr is not a container.
        (b"\x80\x02cbuiltins\ngetattr\n.", "builtins.getattr"),
    ],
)
def test_allowed_names_cannot_be_abused(tmp_path: Path, opcodes: bytes, words: str) -> None:
    (tmp_path / "data_batch_1").write_bytes(opcodes)
    message = _error(tmp_path)
    assert message.startswith("data_batch_1: refused to unpickle")
    assert words in message
