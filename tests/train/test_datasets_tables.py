"""Arrays from .npz files (numpy.savez) and tables from CSV files (the csv module)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from netcanvas.train.datasets import DatasetError, Limits, load_dataset

RNG = np.random.default_rng(3)


def _error(name: str, path: Path, **kwargs: Any) -> str:
    with pytest.raises(DatasetError) as caught:
        load_dataset(name, str(path), **kwargs)
    return str(caught.value)


# --- npz -----------------------------------------------------------------------------------


def test_npz_classification_channels_first_as_given(tmp_path: Path) -> None:
    x = RNG.normal(size=(6, 3, 5, 5)).astype(np.float32)
    y = np.array([0, 2, 1, 2, 0, 1], dtype=np.int32)
    np.savez(tmp_path / "x.npz", x=x, y=y)
    data = load_dataset("npz", str(tmp_path / "x.npz"))
    assert data.task == "classification" and data.classes == ["0", "1", "2"]
    assert np.array_equal(data.x, x) and data.x.dtype == np.float32
    assert data.y.dtype == np.int64 and data.y.tolist() == y.tolist()
    assert data.input_shape == [1, 3, 5, 5]


def test_npz_channels_last_images_become_channels_first(tmp_path: Path) -> None:
    x = RNG.integers(0, 256, size=(4, 28, 28, 1), dtype=np.uint8)
    np.savez_compressed(tmp_path / "d.npz", x=x, y=np.arange(4))
    data = load_dataset("npz", str(tmp_path / "d.npz"))
    assert data.x.shape == (4, 1, 28, 28)
    assert np.array_equal(data.x[:, 0], x[..., 0].astype(np.float32))  # values as given
    kept = load_dataset("npz", str(tmp_path / "d.npz"), {"layout": "channels-first"})
    assert kept.x.shape == (4, 28, 28, 1)


def test_npz_regression_and_named_arrays(tmp_path: Path) -> None:
    x = RNG.normal(size=(5, 4))
    y = RNG.normal(size=5)
    y2 = RNG.normal(size=(5, 2)).astype(np.float32)
    np.savez(tmp_path / "r.npz", x_train=x, y_train=y, y2=y2)
    data = load_dataset("npz", str(tmp_path / "r.npz"), {"x": "x_train", "y": "y_train"})
    assert data.task == "regression" and data.classes is None
    assert data.y.shape == (5, 1) and data.y.dtype == np.float32
    assert np.array_equal(data.y[:, 0], y.astype(np.float32))
    assert np.array_equal(data.x, x.astype(np.float32))
    two = load_dataset("npz", str(tmp_path / "r.npz"), {"x": "x_train", "y": "y2"})
    assert np.array_equal(two.y, y2)


def test_npz_class_names_and_forced_task(tmp_path: Path) -> None:
    np.savez(
        tmp_path / "c.npz",
        x=np.zeros((3, 2)),
        y=np.array([1.0, 0.0, 1.0]),
        classes=np.array(["cat", "dog"]),
    )
    auto = load_dataset("npz", str(tmp_path / "c.npz"))
    assert auto.task == "regression"
    forced = load_dataset("npz", str(tmp_path / "c.npz"), {"task": "classification"})
    assert forced.classes == ["cat", "dog"] and forced.y.tolist() == [1, 0, 1]


def test_npz_fortran_order(tmp_path: Path) -> None:
    x = np.asfortranarray(RNG.normal(size=(4, 3)))
    np.savez(tmp_path / "f.npz", x=x, y=np.arange(4))
    assert np.array_equal(load_dataset("npz", str(tmp_path / "f.npz")).x, x.astype(np.float32))


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"a": np.zeros(2), "b": np.zeros(2)}, "x.npz: no array named 'x' (arrays: a, b)"),
        (
            {"x": np.zeros(2), "a": np.zeros(2), "b": np.zeros(2)},
            "x.npz: no array named 'y' (arrays: a, b, x)",
        ),
        (
            {"x": np.zeros((3, 2)), "y": np.zeros(2, int)},
            "x.npz: array 'x' has 3 samples but array 'y' has 2",
        ),
        (
            {"x": np.array([[1.0, np.nan]]), "y": np.zeros(1, int)},
            "x.npz: array 'x' has 1 values that are NaN or infinite (the first at index [0, 1])",
        ),
        (
            {"x": np.array(["a", "b"]), "y": np.zeros(2, int)},
            "x.npz: array 'x' has dtype <U1, not numbers",
        ),
        ({"x": np.zeros(2), "y": np.array([0, -1])}, "array 'y' holds -1 (sample 1)"),
        ({"x": np.zeros(1), "y": np.array(3)}, "array 'y' is a scalar"),
        (
            {"x": np.zeros(2), "y": np.zeros((2, 2), int)},
            "class labels must be one index per sample",
        ),
        (
            {"x": np.zeros(2), "y": np.zeros(2, complex)},
            "array 'y' has dtype complex128, not numbers",
        ),
    ],
)
def test_npz_bad_arrays(tmp_path: Path, arrays: dict[str, Any], message: str) -> None:
    np.savez(tmp_path / "x.npz", **arrays)
    assert message in _error("npz", tmp_path / "x.npz")


def test_npz_fractional_labels_for_classification(tmp_path: Path) -> None:
    np.savez(tmp_path / "x.npz", x=np.zeros(2), y=np.array([0.0, 0.5]))
    message = _error("npz", tmp_path / "x.npz", settings={"task": "classification"})
    assert message == (
        "x.npz: array 'y' holds 0.5 (sample 1), not a class index; "
        "use the regression task for real-valued targets"
    )


def test_npz_object_arrays_are_never_unpickled(tmp_path: Path) -> None:
    np.savez(tmp_path / "x.npz", x=np.array([{"a": 1}, None], dtype=object), y=np.zeros(2))
    assert "array 'x' holds Python objects, which only pickle can read" in _error(
        "npz", tmp_path / "x.npz"
    )


def test_npz_truncated_and_not_zip(tmp_path: Path) -> None:
    path = tmp_path / "x.npz"
    np.savez(path, x=np.zeros((50, 4)), y=np.zeros(50, int))
    whole = path.read_bytes()
    for cut in (0, 10, len(whole) // 2, len(whole) - 10):
        path.write_bytes(whole[:cut])
        assert _error("npz", path).startswith("x.npz: ")
    path.write_bytes(b"x,y\n1,2\n")
    assert _error("npz", path).startswith("x.npz: is not a readable .npz (zip) file")


def _npy(header_shape: tuple[int, ...], data: bytes) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f8", "fortran_order": False, "shape": header_shape}
    )
    return buffer.getvalue() + data


def test_npz_lying_header_is_refused_before_allocating(tmp_path: Path) -> None:
    path = tmp_path / "x.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", _npy((1_000_000, 1000), b"\x00" * 80))
        archive.writestr("y.npy", _npy((10,), b"\x00" * 80))
    message = _error("npz", path)
    assert "array 'x' [1000000, 1000] float64" in message and "8,000,000,000 bytes" in message
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", _npy((20,), b"\x00" * 80))
        archive.writestr("y.npy", _npy((10,), b"\x00" * 80))
    assert _error("npz", path) == (
        "x.npz: array 'x' is truncated: its header declares [20] float64 (160 bytes) "
        "but it holds 80"
    )
    assert "3-sample limit" in _error("npz", path, limits=Limits(max_samples=3))


def test_npz_path_must_be_a_file(tmp_path: Path) -> None:
    assert _error("npz", tmp_path).endswith("is not a file (npz expects an .npz file)")


# --- csv -----------------------------------------------------------------------------------


def _write_csv(path: Path, rows: list[list[Any]], delimiter: str = ",") -> Path:
    with path.open("w", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def test_csv_string_labels_become_sorted_classes(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["f1", "species", "f2"],
        [1.5, "setosa", -2],
        [0.25, "virginica", 3e-3],
        [7, "versicolor", 1],
    ]
    path = _write_csv(tmp_path / "iris.csv", rows)
    data = load_dataset("csv", str(path), {"label": "species"})
    assert data.task == "classification"
    assert data.classes == ["setosa", "versicolor", "virginica"]
    assert data.y.tolist() == [0, 2, 1]
    assert data.x.tolist() == [[1.5, -2.0], [0.25, np.float32(3e-3)], [7.0, 1.0]]
    assert data.x.dtype == np.float32 and data.input_shape == [1, 2]


def test_csv_label_defaults_to_the_last_column_and_task_is_inferred(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "d.csv", [["a", "b", "k"], [1, 2, 10], [3, 4, 2], [5, 6, 10]])
    data = load_dataset("csv", str(path))
    assert data.task == "classification"
    assert data.classes == ["2", "10"]  # numbers sort by value
    assert data.y.tolist() == [1, 0, 1]
    path = _write_csv(tmp_path / "r.csv", [["a", "price"], [1, 2.5], [2, 3.75]])
    data = load_dataset("csv", str(path))
    assert data.task == "regression" and data.classes is None
    assert data.y.tolist() == [[2.5], [3.75]] and data.y.dtype == np.float32
    forced = load_dataset("csv", str(tmp_path / "d.csv"), {"task": "regression"})
    assert forced.y.tolist() == [[10.0], [2.0], [10.0]]


def test_csv_delimiter_blank_lines_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text("\ufeffx;y;label\n1;2;a\n\n3;4;b\n", encoding="utf-8")
    data = load_dataset("csv", str(path), {"delimiter": ";"})
    assert data.x.tolist() == [[1, 2], [3, 4]] and data.classes == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "settings", "message"),
    [
        (
            "f1,f2,label\n1,2,a\n1,2,a\n1,2,a\n1,2,a\n1,2,a\n1,abc,b\n",
            {},
            "data.csv line 7: 'abc' in column 'f2' is not a number",
        ),
        ("f1,f2,label\n1,2,a\n1,,b\n", {}, "data.csv line 3: '' in column 'f2' is not a number"),
        (
            "f1,f2,label\n1,2,a\n1,2\n",
            {},
            "data.csv line 3: 2 values, but the header has 3 columns",
        ),
        (
            "f1,f2,label\n1,inf,a\n",
            {},
            "data.csv line 2: 'inf' in column 'f2' is not a finite number",
        ),
        ("f1,f2,label\n1,2,\n", {}, "data.csv line 2: the label column 'label' is empty"),
        (
            "f1,f2,label\n1,2,a\n",
            {"label": "y"},
            "data.csv: no column named 'y' (columns: f1, f2, label)",
        ),
        ("", {}, "data.csv: is empty; expected a header row naming the columns"),
        ("f1,f2,label\n", {}, "data.csv: has a header but no data rows"),
        ("label\nA\n", {}, "data.csv: has only the label column 'label'; no features"),
        ("a,a,label\n1,2,3\n", {}, "data.csv line 1: the header names column 'a' twice"),
        (
            "f1,label\n1,2.5\n2,x\n",
            {"task": "regression"},
            "data.csv line 3: label 'x' in column 'label' is not a finite number "
            "(the task is regression)",
        ),
        ('f1,label\n1,"open quote\n', {}, "data.csv line 2: is not valid CSV"),
    ],
)
def test_csv_errors_name_file_line_and_column(
    tmp_path: Path, text: str, settings: dict[str, Any], message: str
) -> None:
    path = tmp_path / "data.csv"
    path.write_text(text)
    assert _error("csv", path, settings=settings).startswith(message)


def test_csv_not_utf8_and_caps(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"f1,label\n1,caf\xe9\n")
    assert _error("csv", path).startswith("data.csv: is not UTF-8 text")
    _write_csv(path, [["f", "label"], *[[i, i % 2] for i in range(10)]])
    assert "5-sample limit" in _error("csv", path, limits=Limits(max_samples=5))
    assert "byte limit" in _error("csv", path, limits=Limits(max_bytes=10))


def test_csv_too_many_classes_suggests_regression(tmp_path: Path) -> None:
    _write_csv(tmp_path / "data.csv", [["f", "id"], *[[0, i] for i in range(10_001)]])
    message = _error("csv", tmp_path / "data.csv")
    assert "10,001 distinct values" in message and "regression" in message


def test_path_may_come_as_a_setting_or_a_path_object(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "d.csv", [["a", "label"], [1, "x"], [2, "y"]])
    via_settings = load_dataset("csv", settings={"path": str(path), "label": "label"})
    via_object = load_dataset("csv", path)
    assert via_settings.classes == via_object.classes == ["x", "y"]
    assert np.array_equal(via_settings.x, via_object.x)
    with pytest.raises(DatasetError, match="the path must be a string, not int"):
        load_dataset("csv", 7)  # type: ignore[arg-type]


def test_no_samples_is_an_error(tmp_path: Path) -> None:
    np.savez(tmp_path / "e.npz", x=np.zeros((0, 3)), y=np.zeros(0, int))
    assert _error("npz", tmp_path / "e.npz") == "e.npz: holds no samples"
