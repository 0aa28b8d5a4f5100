"""Data sets for training: built-in generators and the user's files, torch-free.

``list_datasets()`` is the catalogue GET /api/datasets serves; ``load_dataset(name, path,
settings, seed)`` returns a :class:`Dataset` or raises :class:`DatasetError`.
"""

from netcanvas.train.datasets.catalogue import DATASETS, DatasetSpec, list_datasets, load_dataset
from netcanvas.train.datasets.dataset import Dataset, Task, check_input_shape
from netcanvas.train.datasets.errors import MAX_BYTES, MAX_SAMPLES, DatasetError, Limits

__all__ = [
    "DATASETS",
    "MAX_BYTES",
    "MAX_SAMPLES",
    "Dataset",
    "DatasetError",
    "DatasetSpec",
    "Limits",
    "Task",
    "check_input_shape",
    "list_datasets",
    "load_dataset",
]
