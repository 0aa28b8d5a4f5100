"""Built-in data sets: TensorFlow-Playground-style 2-D points and scikit-learn's digits.

Every generator is deterministic for a seed: the same settings and seed give the same arrays.
scikit-learn is imported inside the loaders that use it: importing it takes seconds, and the
catalogue (GET /api/datasets, the CLI) must not pay that to list names.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from netcanvas.train.datasets import settings as s
from netcanvas.train.datasets.dataset import Dataset

SAMPLES = s.integer(1000, 10, 100_000, "number of points")


def noise(default: float, maximum: float = 2.0) -> dict[str, Any]:
    """The noise setting: standard deviation of Gaussian noise added to each coordinate."""
    return s.number(default, 0.0, maximum, "standard deviation of the Gaussian noise")


SPIRAL = {
    "samples": SAMPLES,
    "noise": noise(0.05),
    "classes": s.integer(2, 2, 10, "number of interleaved arms (one class each)"),
}
MOONS = {"samples": SAMPLES, "noise": noise(0.1)}
CIRCLES = {
    "samples": SAMPLES,
    "noise": noise(0.05),
    "factor": s.number(0.5, 0.1, 0.9, "inner circle radius over outer circle radius"),
}
XOR = {"samples": SAMPLES, "noise": noise(0.05)}
BLOBS = {
    "samples": SAMPLES,
    "noise": noise(1.0, maximum=5.0),
    "classes": s.integer(3, 2, 10, "number of blobs (one class each)"),
}

MOON_CLASSES = ["upper moon", "lower moon"]
CIRCLE_CLASSES = ["outer circle", "inner circle"]
XOR_CLASSES = ["opposite signs", "same signs"]
DIGIT_CLASSES = [str(d) for d in range(10)]


def arm_names(count: int) -> list[str]:
    """Class names of the spiral's arms."""
    return [f"arm {i}" for i in range(count)]


def blob_names(count: int) -> list[str]:
    """Class names of the blobs."""
    return [f"blob {i}" for i in range(count)]


def _points(name: str, x: npt.NDArray[Any], y: npt.NDArray[Any], classes: list[str]) -> Dataset:
    return Dataset(
        name=name,
        task="classification",
        x=np.ascontiguousarray(x, dtype=np.float32),
        y=np.asarray(y, dtype=np.int64),
        classes=classes,
        input_shape=[1, 2],
    )


def load_spiral(options: dict[str, Any], seed: int) -> Dataset:
    """Interleaved spiral arms, one class per arm, shuffled."""
    total, arms, sigma = options["samples"], options["classes"], options["noise"]
    rng = np.random.default_rng(seed)
    xs: list[npt.NDArray[np.float64]] = []
    ys: list[npt.NDArray[np.int64]] = []
    for arm in range(arms):
        # Spread the remainder over the first arms so exactly `total` points come out.
        count = total // arms + (1 if arm < total % arms else 0)
        radius = np.linspace(0.05, 1.0, count)
        # 1.75 turns per arm, as TensorFlow Playground draws it; arms are evenly rotated.
        angle = 1.75 * 2 * math.pi * radius + 2 * math.pi * arm / arms
        points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
        xs.append(points + rng.normal(0.0, sigma, size=points.shape))
        ys.append(np.full(count, arm, dtype=np.int64))
    order = rng.permutation(total)
    return _points("spiral", np.concatenate(xs)[order], np.concatenate(ys)[order], arm_names(arms))


def load_xor(options: dict[str, Any], seed: int) -> Dataset:
    """Points in [-1, 1]², class "same signs" when x·y > 0, in the four quadrants."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-1.0, 1.0, size=(options["samples"], 2))
    # A small margin off the axes keeps the noiseless problem cleanly separable.
    points += np.where(points >= 0, 0.05, -0.05)
    labels = (points[:, 0] * points[:, 1] > 0).astype(np.int64)
    points += rng.normal(0.0, options["noise"], size=points.shape)
    return _points("xor", points, labels, XOR_CLASSES)


def load_moons(options: dict[str, Any], seed: int) -> Dataset:
    """scikit-learn's two interleaving half circles."""
    from sklearn.datasets import make_moons  # type: ignore[import-untyped]

    x, y = make_moons(n_samples=options["samples"], noise=options["noise"], random_state=seed)
    return _points("moons", x, y, MOON_CLASSES)


def load_circles(options: dict[str, Any], seed: int) -> Dataset:
    """scikit-learn's circle inside a circle."""
    from sklearn.datasets import make_circles

    x, y = make_circles(
        n_samples=options["samples"],
        noise=options["noise"],
        factor=options["factor"],
        random_state=seed,
    )
    return _points("circles", x, y, CIRCLE_CLASSES)


def load_blobs(options: dict[str, Any], seed: int) -> Dataset:
    """scikit-learn's isotropic Gaussian blobs, centres drawn in [-5, 5]²."""
    from sklearn.datasets import make_blobs

    x, y = make_blobs(
        n_samples=options["samples"],
        centers=options["classes"],
        cluster_std=options["noise"],
        center_box=(-5.0, 5.0),
        random_state=seed,
    )
    return _points("blobs", x, y, blob_names(options["classes"]))


def load_digits_8x8(options: dict[str, Any], seed: int) -> Dataset:
    """scikit-learn's 1,797 handwritten digits as [N, 1, 8, 8] in 0..1 (the files ship with it)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    # The 8×8 images hold counts 0..16 (pixels of a 32×32 bitmap per block).
    x = (np.asarray(digits.data, dtype=np.float32) / np.float32(16.0)).reshape(-1, 1, 8, 8)
    return Dataset(
        name="digits",
        task="classification",
        x=x,
        y=np.asarray(digits.target, dtype=np.int64),
        classes=list(DIGIT_CLASSES),
        input_shape=[1, 1, 8, 8],
    )
