"""The Keras code exporter's table: registry type -> emitter, and the types it refuses.

A leaf module: ``keras_layers`` fills it, ``keras_writer`` reads it.
"""

from __future__ import annotations

from collections.abc import Callable

from netcanvas.formats.base import registrar
from netcanvas.formats.frame import Step

# What an emitter sees (the shared exporter frame's context), by its old short name.
K = Step
CF = 'data_format="channels_first"'

# An emitter returns the layer calls, in order: each a constructor expression applied
# to the previous result (the first to the layer's inputs).
Emitter = Callable[[K], list[str]]
EMITTERS: dict[str, Emitter] = {}
UNSUPPORTED: dict[str, str] = {
    "CrossEntropyLoss": "a training loss",
    "MSELoss": "a training loss",
    "Accuracy": "a training metric",
    "BCEWithLogitsLoss": "a training loss",
    "ContrastiveLoss": "a training loss",
    "DetectionOutput": "SSD post-processing has no Keras layer",
    "Proposal": "Faster R-CNN's proposals (anchors, NMS) have no Keras layer",
    "PriorBox": "SSD prior boxes have no Keras layer",
    "ROIPooling": "region pooling has no Keras layer",
    "MaxUnpool2d": "needs pooling indices, which Keras pooling does not output",
    "ArgMax": "Caffe's flattened top-k with values is not mapped",
    "InnerProduct": "Caffe's axis-flattening fully connected layer is not mapped (use Linear)",
    "Scale": "Caffe's broadcast scale with a learned or second-input factor is not mapped",
    "Bias": "Caffe's broadcast bias is not mapped",
    "ConstantTensor": "a tensor held outside any layer needs a custom Keras layer; not mapped yet",
    "StridedSlice": "not mapped yet (its axes are channels-first; Keras's are channels-last)",
    "Reduction": "Caffe's flattened reductions are not mapped",
    "Normalize": "Caffe's SSD L2 normalisation with learned scales is not mapped",
    "MVN": "Caffe's mean-variance normalisation is not mapped",
    "Interp": "Caffe's align-corners interpolation has no Keras layer",
    "InstanceNorm1d": "not mapped yet (Keras has no instance normalisation layer)",
    "InstanceNorm2d": "not mapped yet (Keras has no instance normalisation layer)",
    "RMSNorm": "not mapped yet (LayerNormalization(rms_scaling=True) scales differently)",
    "LocalResponseNorm": "Keras has no local response normalisation layer",
    "PixelShuffle": "Keras has no pixel shuffle in channels-first layout",
    "PixelUnshuffle": "Keras has no pixel unshuffle in channels-first layout",
}


# The one-to-one pairs of registry type and Keras name, read both ways: the exporter
# writes them, the .keras reader (formats/keras) maps them back.
# Registry type -> the name keras.layers.Activation takes.
ACTIVATIONS = {
    "ReLU": "relu", "ReLU6": "relu6", "SELU": "selu", "SiLU": "silu", "Mish": "mish",
    "Sigmoid": "sigmoid", "Tanh": "tanh", "Hardswish": "hard_swish", "Hardsigmoid": "hard_sigmoid",
    "Softsign": "softsign",
}  # fmt: skip
# Registry merge type -> its keras.layers class.
MERGES = {"Add": "Add", "Multiply": "Multiply", "Subtract": "Subtract",
          "Maximum": "Maximum", "Minimum": "Minimum"}  # fmt: skip


emits = registrar(EMITTERS)
