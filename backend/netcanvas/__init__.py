"""netcanvas: design, analyse, convert and draw neural-network architectures.

The Python API (DESIGN 9)::

    import netcanvas as nc
    doc = nc.load("net.prototxt")          # or nc.from_torch(model, torch.randn(1, 3, 224, 224))
                                           # or nc.from_keras(keras_model), nc.load("m.keras")
    print(doc.summary())
    doc.render("fig.pdf", theme="print")
    doc.save("net.onnx")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from netcanvas.formats.base import FormatError, UnsupportedError
    from netcanvas.formats.keras.live import from_keras
    from netcanvas.pyapi import Document, Summary, load
    from netcanvas.torchtrace import from_torch

__all__ = [
    "Document", "FormatError", "Summary", "from_keras", "from_torch", "UnsupportedError",
    "__version__", "load",
]  # fmt: skip

# Loaded on first use: `netcanvas summary` imports this package and must start fast.
_LAZY = {
    "Document": "netcanvas.pyapi",
    "Summary": "netcanvas.pyapi",
    "load": "netcanvas.pyapi",
    "from_torch": "netcanvas.torchtrace",
    "from_keras": "netcanvas.formats.keras.live",
    "FormatError": "netcanvas.formats.base",
    "UnsupportedError": "netcanvas.formats.base",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
