"""The ONNX export's emitters, one module per family, all filing into ``table``."""

from __future__ import annotations

from netcanvas.formats.onnx.ops import (  # noqa: F401  (each fills the table)
    activation,
    attention,
    caffe,
    detection,
    layers,
    proposal,
    tensor,
)
from netcanvas.formats.onnx.ops.table import EMITTERS, UNSUPPORTED

__all__ = ["EMITTERS", "UNSUPPORTED"]
