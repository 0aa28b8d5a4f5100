"""The loaded data set: arrays plus what they mean, a stratified split, and a shape check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from netcanvas.train.datasets.errors import DatasetError

Task = Literal["classification", "regression"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Samples ready for training.

    ``x`` is float32, channels-first, ``[N, ...]``. ``y`` holds int64 class indices ``[N]`` for
    classification (indices into ``classes``) and float32 targets ``[N, k]`` for regression.
    ``input_shape`` is one sample's shape with the batch dimension as 1 (``[1, 1, 8, 8]``).
    """

    name: str
    task: Task
    x: npt.NDArray[np.float32]
    y: npt.NDArray[np.int64] | npt.NDArray[np.float32]
    classes: list[str] | None
    input_shape: list[int]

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def subset(self, indices: npt.NDArray[np.int64]) -> Dataset:
        """The samples at ``indices``, in that order, with the same meaning."""
        return replace(self, x=self.x[indices], y=self.y[indices])

    def split(self, val_fraction: float, seed: int = 0) -> tuple[Dataset, Dataset]:
        """Split into (train, validation), the same way for the same seed.

        About ``val_fraction`` of the samples go to validation. Classification splits are
        stratified: each class contributes in proportion, and a class with a single sample
        stays in training. Both parts keep the original sample order.
        """
        if isinstance(val_fraction, bool) or not isinstance(val_fraction, int | float):
            raise DatasetError(f"the validation fraction must be a number, not {val_fraction!r}")
        if not 0.0 <= val_fraction < 1.0:
            raise DatasetError(f"the validation fraction must be in [0, 1), not {val_fraction}")
        count = len(self)
        rng = np.random.default_rng(seed)
        if self.task == "classification":
            labels = np.asarray(self.y, dtype=np.int64)
            groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
        else:
            groups = [np.arange(count)]
        quotas = _quotas([len(g) for g in groups], val_fraction, count)
        picked = [
            rng.permutation(group)[:quota] for group, quota in zip(groups, quotas, strict=True)
        ]
        val_mask = np.zeros(count, dtype=bool)
        if picked:
            val_mask[np.concatenate(picked)] = True
        return self.subset(np.flatnonzero(~val_mask)), self.subset(np.flatnonzero(val_mask))


def _quotas(sizes: list[int], fraction: float, total: int) -> list[int]:
    """How many of each group go to validation: round(total·fraction) spread by largest remainder.

    Every group keeps at least one sample for training, so no class disappears from it.
    """
    target = min(round(total * fraction), max(total - 1, 0))
    exact = [size * fraction for size in sizes]
    caps = [max(size - 1, 0) for size in sizes]
    quotas = [min(int(e), cap) for e, cap in zip(exact, caps, strict=True)]
    # Hand the remaining places to the groups whose exact share lost the most to rounding down;
    # ties go to the earlier group so the result depends on nothing but the sizes.
    order = sorted(range(len(sizes)), key=lambda i: (-(exact[i] - quotas[i]), i))
    missing = target - sum(quotas)
    for i in order:
        if missing <= 0:
            break
        if quotas[i] < caps[i]:
            quotas[i] += 1
            missing -= 1
    return quotas


def shape_text(shape: Sequence[int]) -> str:
    """A shape as people read it: ``3×32×32``."""
    return "×".join(str(d) for d in shape) if shape else "a scalar"


def check_input_shape(
    dataset_input_shape: Sequence[int] | None, document_input_shape: Sequence[int | None] | None
) -> str | None:
    """None when the data fits the document's Input; otherwise a sentence saying what to change.

    Both shapes include the batch dimension, which is not compared. A document dimension that
    is None or not positive is free (any size fits). A data set whose shape depends on its files
    (``None``) cannot be checked here and fits.
    """
    if dataset_input_shape is None or document_input_shape is None:
        return None
    data = list(dataset_input_shape[1:])
    doc = list(document_input_shape[1:])
    fits = len(data) == len(doc) and all(
        d is None or d <= 0 or d == s for s, d in zip(data, doc, strict=True)
    )
    if fits:
        return None
    wanted = [1, *data]
    doc_text = "×".join("?" if d is None or d <= 0 else str(d) for d in doc) or "a scalar"
    sentence = (
        f"The data set's samples are {shape_text(data)} but the document's Input takes "
        f"{doc_text}: set the Input's shape to {wanted}, or choose a data set whose samples "
        f"are {doc_text}."
    )
    known = [d for d in doc if d is not None and d > 0]
    if len(known) == len(doc) and int(np.prod(known)) == int(np.prod(data)):
        sentence += " (They hold the same number of values; the data is not reshaped for you.)"
    return sentence
