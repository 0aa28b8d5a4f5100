"""Checks shared by the array-based loaders (npz, csv): finite values and class indices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from netcanvas.train.datasets.errors import MAX_CLASSES, DatasetError

TASKS = ["auto", "classification", "regression"]


def check_finite(values: npt.NDArray[Any], path: Path, what: str) -> None:
    """Refuse NaN and infinities: one of them turns every loss into NaN at the first step."""
    bad = ~np.isfinite(values)
    if bad.any():
        first = np.unravel_index(int(np.argmax(bad)), values.shape)
        raise DatasetError(
            f"{what} has {int(bad.sum()):,} values that are NaN or infinite "
            f"(the first at index {list(map(int, first))})",
            path,
        )


def class_indices(y: npt.NDArray[Any], path: Path, what: str) -> npt.NDArray[np.int64]:
    """Labels as int64 class indices [N]: whole numbers from 0 to MAX_CLASSES - 1."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DatasetError(
            f"{what} has shape {list(y.shape)}; class labels must be one index per sample", path
        )
    if y.dtype.kind == "f":
        check_finite(y, path, what)
        fractional = np.flatnonzero(y != np.round(y))
        if fractional.size:
            i = int(fractional[0])
            raise DatasetError(
                f"{what} holds {y[i]} (sample {i}), not a class index; "
                "use the regression task for real-valued targets",
                path,
            )
    if y.size and (y.min() < 0 or y.max() >= MAX_CLASSES):
        i = int(np.argmin(y)) if y.min() < 0 else int(np.argmax(y))
        raise DatasetError(
            f"{what} holds {y[i]} (sample {i}); class indices run from 0 to {MAX_CLASSES - 1}",
            path,
        )
    return y.astype(np.int64)


def regression_targets(y: npt.NDArray[Any], path: Path, what: str) -> npt.NDArray[np.float32]:
    """Targets as float32 [N, k], finite."""
    targets = y.reshape(y.shape[0], -1).astype(np.float32)
    check_finite(targets, path, what)
    return targets
