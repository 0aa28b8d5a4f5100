"""Every layer family, imported by name so what registers is visible here.

Adding a family: write ``layers/<family>.py`` and add it to this list; a test checks
that no module in this folder is forgotten.
"""

from netcanvas.layers import (  # noqa: F401  (imported for registration)
    activation,
    attention,
    conv,
    detection,
    dropout,
    elementwise,
    extra_losses,
    io,
    linear,
    losses,
    merge,
    normalization,
    pooling,
    recurrent,
    reshape,
    tensor_ops,
)
from netcanvas.layers.registry import REGISTRY, Cost, InferContext, Layer, catalogue, lookup

FAMILIES = (
    "activation",
    "attention",
    "conv",
    "detection",
    "dropout",
    "elementwise",
    "extra_losses",
    "io",
    "linear",
    "losses",
    "merge",
    "normalization",
    "pooling",
    "recurrent",
    "reshape",
    "tensor_ops",
)

__all__ = ["FAMILIES", "REGISTRY", "Cost", "InferContext", "Layer", "catalogue", "lookup"]
