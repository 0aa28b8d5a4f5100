"""The layer registry; each family file (``layers/<family>.py``) registers its types.

Families are imported when one of their types is first looked up, through the
generated ``index.py`` (``make docs`` rewrites it; a test keeps it current). Adding a
family: write ``layers/<family>.py`` and run ``make docs``. ``REGISTRY`` here is the
whole registry, every family loaded.
"""

from __future__ import annotations

from typing import Any

from netcanvas.layers.index import FAMILIES
from netcanvas.layers.registry import Cost, InferContext, Layer, catalogue, load_all, lookup


def __getattr__(name: str) -> Any:
    if name == "REGISTRY":
        return load_all()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FAMILIES",
    "REGISTRY",
    "Cost",
    "InferContext",
    "Layer",
    "catalogue",
    "load_all",
    "lookup",
]
