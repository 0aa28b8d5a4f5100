"""Registry type -> ONNX emitter: the one table of the ONNX export.

Each emitter writes the ONNX nodes of one layer, with its weights, and produces exactly
the output shapes our analysis gives (the tests hold every emitter to that through ONNX
shape inference and onnxruntime). Types ONNX cannot express are listed in
:data:`UNSUPPORTED` with the reason. A leaf module: the emitter modules of this package
fill the table.
"""

from __future__ import annotations

from netcanvas.formats.base import registrar
from netcanvas.formats.onnx.build import Emitter

EMITTERS: dict[str, Emitter] = {}

# Types with no inference-graph meaning in ONNX, and why.
UNSUPPORTED: dict[str, str] = {
    "CrossEntropyLoss": "a training loss, not part of an inference graph",
    "MSELoss": "a training loss, not part of an inference graph",
    "Accuracy": "a training metric, not part of an inference graph",
}


emits = registrar(EMITTERS)
