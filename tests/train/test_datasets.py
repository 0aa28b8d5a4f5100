"""The data-set catalogue, settings, built-in generators, splitting and the shape check."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_digits  # type: ignore[import-untyped]

from netcanvas.train.datasets import (
    DATASETS,
    Dataset,
    DatasetError,
    check_input_shape,
    list_datasets,
    load_dataset,
)

BUILTIN_2D = ["spiral", "moons", "circles", "xor", "blobs"]
FILES = ["mnist", "fashion-mnist", "cifar10", "imagefolder", "npz", "csv"]


# --- the catalogue -------------------------------------------------------------------------


def test_catalogue_lists_exactly_the_contract_objects() -> None:
    listed = list_datasets()
    assert [d["name"] for d in listed] == [*BUILTIN_2D, "digits", *FILES]
    for entry in listed:
        assert set(entry) == {"name", "kind", "task", "input_shape", "classes", "settings"}
        assert entry["kind"] in {"builtin", "files"}
        assert entry["task"] in {"classification", "regression"}
        json.dumps(entry)  # served as JSON as is
    kinds = {d["name"]: d["kind"] for d in listed}
    assert {n for n, k in kinds.items() if k == "builtin"} == {*BUILTIN_2D, "digits"}
    shapes = {d["name"]: d["input_shape"] for d in listed}
    assert shapes["spiral"] == [1, 2] and shapes["digits"] == [1, 1, 8, 8]
    assert shapes["mnist"] == [1, 1, 28, 28] and shapes["cifar10"] == [1, 3, 32, 32]
    assert shapes["npz"] is None and shapes["csv"] is None


def test_catalogue_settings_describe_each_setting() -> None:
    entries = {d["name"]: d for d in list_datasets()}
    samples = entries["spiral"]["settings"]["samples"]
    assert samples == {
        "type": "integer",
        "default": 1000,
        "minimum": 10,
        "maximum": 100000,
        "description": "number of points",
    }
    assert entries["spiral"]["settings"]["noise"]["type"] == "number"
    for name in FILES:
        assert entries[name]["settings"]["path"]["type"] == "string"
    assert entries["csv"]["settings"]["label"]["type"] == "string"
    assert entries["csv"]["settings"]["task"]["enum"] == ["auto", "classification", "regression"]
    assert entries["digits"]["settings"] == {}
    assert entries["cifar10"]["classes"][0] == "airplane"
    assert entries["fashion-mnist"]["classes"][9] == "Ankle boot"


def test_catalogue_listing_is_a_copy() -> None:
    first = list_datasets()
    first[0]["settings"]["samples"]["default"] = -1
    first[0]["classes"].append("junk")
    assert list_datasets()[0]["settings"]["samples"]["default"] == 1000
    assert DATASETS["spiral"].classes == ["arm 0", "arm 1"]


@pytest.mark.parametrize("name", [*BUILTIN_2D, "digits"])
def test_builtin_matches_its_catalogue_entry(name: str) -> None:
    entry = DATASETS[name]
    data = load_dataset(name)
    assert data.input_shape == entry.input_shape == [1, *data.x.shape[1:]]
    assert data.classes == entry.classes
    assert data.task == "classification"
    assert data.x.dtype == np.float32 and data.y.dtype == np.int64
    assert data.y.shape == (data.x.shape[0],)
    assert set(np.unique(data.y).tolist()) == set(range(len(entry.classes or [])))


# --- built-in data -------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTIN_2D)
def test_builtin_2d_is_deterministic_per_seed(name: str) -> None:
    a = load_dataset(name, settings={"samples": 200}, seed=3)
    b = load_dataset(name, settings={"samples": 200}, seed=3)
    c = load_dataset(name, settings={"samples": 200}, seed=4)
    assert a.x.shape == (200, 2) and a.y.shape == (200,)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    assert np.isfinite(a.x).all()


@pytest.mark.parametrize("name", BUILTIN_2D)
def test_noise_setting_moves_the_points(name: str) -> None:
    calm = load_dataset(name, settings={"samples": 300, "noise": 0.0}, seed=1)
    noisy = load_dataset(name, settings={"samples": 300, "noise": 0.5}, seed=1)
    assert not np.allclose(calm.x, noisy.x)


def test_moons_and_circles_are_scikit_learns() -> None:
    from sklearn.datasets import make_circles, make_moons

    x, y = make_moons(n_samples=150, noise=0.2, random_state=7)
    data = load_dataset("moons", settings={"samples": 150, "noise": 0.2}, seed=7)
    assert np.array_equal(data.x, x.astype(np.float32)) and np.array_equal(data.y, y)
    x, y = make_circles(n_samples=150, noise=0.1, factor=0.3, random_state=7)
    data = load_dataset("circles", settings={"samples": 150, "noise": 0.1, "factor": 0.3}, seed=7)
    assert np.array_equal(data.x, x.astype(np.float32)) and np.array_equal(data.y, y)


def test_spiral_arms_and_balance() -> None:
    data = load_dataset("spiral", settings={"samples": 301, "classes": 3, "noise": 0.0})
    assert data.classes == ["arm 0", "arm 1", "arm 2"]
    assert np.bincount(data.y).tolist() == [101, 100, 100]
    # Without noise each arm is a curve whose radius grows with its angle: distinct arms.
    radius = np.hypot(data.x[:, 0], data.x[:, 1])
    assert radius.max() == pytest.approx(1.0) and radius.min() >= 0.049


def test_xor_labels_follow_the_quadrants_without_noise() -> None:
    data = load_dataset("xor", settings={"samples": 500, "noise": 0.0}, seed=2)
    same = (data.x[:, 0] * data.x[:, 1] > 0).astype(np.int64)
    assert np.array_equal(data.y, same)
    assert 0.3 < data.y.mean() < 0.7


def test_blobs_classes_setting() -> None:
    data = load_dataset("blobs", settings={"samples": 120, "classes": 4})
    assert data.classes == ["blob 0", "blob 1", "blob 2", "blob 3"]
    assert sorted(np.unique(data.y).tolist()) == [0, 1, 2, 3]


def test_digits_equals_scikit_learns_data() -> None:
    reference = load_digits()
    data = load_dataset("digits")
    assert data.x.shape == (1797, 1, 8, 8)
    assert np.array_equal(data.x.reshape(1797, 64) * 16, reference.data.astype(np.float32))
    assert np.array_equal(data.y, reference.target)
    assert data.x.min() == 0.0 and data.x.max() == 1.0
    assert data.classes == [str(d) for d in range(10)]


# --- settings and arguments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "settings", "words"),
    [
        ("spiral", {"samples": 5}, "setting 'samples' must be at least 10, not 5"),
        ("spiral", {"samples": 10**6}, "must be at most 100000"),
        ("spiral", {"samples": "many"}, "setting 'samples' must be an integer"),
        ("spiral", {"samples": True}, "must be an integer"),
        ("spiral", {"noise": "loud"}, "setting 'noise' must be a number"),
        ("spiral", {"noise": float("nan")}, "not NaN"),
        ("spiral", {"colour": 1}, "unknown setting 'colour' (settings: samples, noise, classes)"),
        ("digits", {"samples": 10}, "unknown setting 'samples' (settings: none)"),
        ("imagefolder", {"color": "sepia"}, "must be one of rgb, grayscale, not 'sepia'"),
    ],
)
def test_bad_settings_name_the_setting(name: str, settings: dict[str, object], words: str) -> None:
    with pytest.raises(DatasetError) as caught:
        load_dataset(name, path="/nowhere", settings=settings)
    assert words in str(caught.value)


def test_integral_floats_count_as_integers() -> None:
    assert len(load_dataset("moons", settings={"samples": 40.0})) == 40


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(DatasetError) as caught:
        load_dataset("imagenet")
    message = str(caught.value)
    assert "unknown dataset 'imagenet'" in message
    assert all(name in message for name in [*BUILTIN_2D, "digits", *FILES])


def test_file_dataset_needs_a_path_and_builtin_refuses_one() -> None:
    with pytest.raises(DatasetError, match="mnist reads your files: give a path"):
        load_dataset("mnist")
    with pytest.raises(DatasetError, match="spiral is built in and takes no path"):
        load_dataset("spiral", path="/tmp")


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "7", True])
def test_bad_seed(seed: object) -> None:
    with pytest.raises(DatasetError, match="seed must be an integer"):
        load_dataset("moons", seed=seed)  # type: ignore[arg-type]


def test_missing_path_names_it(tmp_path: object) -> None:
    with pytest.raises(DatasetError) as caught:
        load_dataset("cifar10", path="/no/such/cifar")
    assert str(caught.value).startswith("cifar: does not exist")
    assert caught.value.path == "/no/such/cifar"


def test_error_text_and_json() -> None:
    error = DatasetError("'abc' in column 'f2' is not a number", "/data/data.csv", line=7)
    assert str(error) == "data.csv line 7: 'abc' in column 'f2' is not a number"
    assert error.to_json() == {"message": str(error), "path": "/data/data.csv", "line": 7}
    assert str(DatasetError("plain")) == "plain"


# --- splitting -----------------------------------------------------------------------------


def _toy(labels: list[int]) -> Dataset:
    y = np.array(labels, dtype=np.int64)
    x = np.arange(len(labels), dtype=np.float32)[:, None]
    return Dataset("toy", "classification", x, y, [str(c) for c in sorted(set(labels))], [1, 1])


def test_split_is_deterministic_disjoint_and_complete() -> None:
    data = load_dataset("spiral", settings={"samples": 400, "classes": 4})
    train, val = data.split(0.25, seed=5)
    again_train, again_val = data.split(0.25, seed=5)
    other_train, _ = data.split(0.25, seed=6)
    assert len(train) == 300 and len(val) == 100
    assert np.array_equal(train.x, again_train.x) and np.array_equal(val.y, again_val.y)
    assert not np.array_equal(train.x, other_train.x)
    rows = np.concatenate([train.x, val.x])
    assert np.array_equal(np.unique(rows, axis=0), np.unique(data.x, axis=0))
    assert train.classes == data.classes and val.input_shape == data.input_shape


def test_split_is_stratified() -> None:
    data = _toy([0] * 80 + [1] * 15 + [2] * 5)
    train, val = data.split(0.2, seed=0)
    assert np.bincount(val.y, minlength=3).tolist() == [16, 3, 1]
    assert np.bincount(train.y, minlength=3).tolist() == [64, 12, 4]


def test_split_keeps_every_class_in_training() -> None:
    data = _toy([0] * 9 + [1])
    train, val = data.split(0.5, seed=0)
    assert 1 in train.y.tolist() and 1 not in val.y.tolist()
    assert len(val) == 5


def test_split_regression_and_edges() -> None:
    x = np.arange(10, dtype=np.float32)[:, None]
    data = Dataset("r", "regression", x, x * 2, None, [1, 1])
    train, val = data.split(0.3, seed=1)
    assert len(train) == 7 and len(val) == 3
    assert np.array_equal(train.y, train.x * 2)
    empty_train, empty_val = data.split(0.0)
    assert len(empty_train) == 10 and len(empty_val) == 0
    for bad in (1.0, -0.1):
        with pytest.raises(DatasetError, match="validation fraction"):
            data.split(bad)


# --- the input-shape check -----------------------------------------------------------------


def test_check_input_shape() -> None:
    assert check_input_shape([1, 1, 8, 8], [1, 1, 8, 8]) is None
    assert check_input_shape([1, 2], [32, 2]) is None  # the batch dimension is not compared
    assert check_input_shape([1, 3, 32, 32], [1, 3, None, -1]) is None  # free dimensions
    assert check_input_shape(None, [1, 3, 224, 224]) is None  # shape known only after loading
    message = check_input_shape([1, 1, 8, 8], [1, 3, 224, 224])
    assert message is not None
    assert "1×8×8" in message and "3×224×224" in message
    assert "set the Input's shape to [1, 1, 8, 8]" in message
    flat = check_input_shape([1, 1, 8, 8], [1, 64])
    assert flat is not None and "same number of values" in flat
    assert check_input_shape([1, 2], [1, 2, 1]) is not None


def test_odd_arguments_are_dataset_errors() -> None:
    with pytest.raises(DatasetError, match="settings must be an object, not list"):
        load_dataset("moons", settings=[1])  # type: ignore[arg-type]
    with pytest.raises(DatasetError, match="unknown setting '3'"):
        load_dataset("moons", settings={3: 1})  # type: ignore[dict-item]
    with pytest.raises(DatasetError, match="validation fraction must be a number"):
        load_dataset("moons").split("0.2")  # type: ignore[arg-type]
