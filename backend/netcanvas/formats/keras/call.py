"""What a converter sees of one Keras layer call (``Call``), the table converters fill,
and the helpers they share.

The one-to-one names (activations, merges) are the Keras exporter's own table read
backwards (``code/keras_table``). Spatial layers read their input channels-first (our
layout); layers on the last axis (Dense, LayerNormalization) read Keras's order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from netcanvas.formats.base import registrar
from netcanvas.formats.code.keras_table import ACTIVATIONS, MERGES
from netcanvas.formats.keras.reader import Builder, KShape, Tensor, ours
from netcanvas.graph.model import Node

# Keras activation name -> registry type (the exporter's table reversed, plus aliases).
FROM_ACTIVATION = {keras: ours for ours, keras in ACTIVATIONS.items()} | {
    "swish": "SiLU", "hard_silu": "Hardswish", "elu": "ELU", "softplus": "Softplus",
    "gelu": "GELU", "exponential": "Exp", "leaky_relu": "LeakyReLU", "celu": "CELU",
}  # fmt: skip
FROM_MERGE = {keras: ours for ours, keras in MERGES.items()}


@dataclass
class Call:
    """One Keras layer call: its config, input tensors and the Keras shapes it outputs."""

    b: Builder
    cls: str
    cfg: dict[str, Any]
    name: str
    scope: str
    ins: list[Tensor]
    outs: list[KShape | None]
    consts: list[float] = field(default_factory=list)  # numbers among the arguments
    made: list[str] = field(default_factory=list)

    def emit(self, type_: str, params: dict[str, Any], inputs: list[str]) -> str:
        """A node; the layer's last node takes its name, earlier ones a suffix."""
        label = f"{self.name}_{type_.lower().split('.')[-1]}"
        node = Node(label, type_, params, inputs, scope=self.scope)
        self.made.append(self.b.add(node))
        return self.made[-1]

    def cf(self, t: Tensor) -> str:
        return self.b.layout(t, True, self.scope)

    def keras(self, t: Tensor) -> str:
        return self.b.layout(t, False, self.scope)

    def spatial(self, t: Tensor) -> tuple[str, bool]:
        """The input as a spatial layer reads it, and whether its output is ``cf``."""
        last = self.cfg.get("data_format", "channels_last") != "channels_first"
        return (self.cf(t) if last else self.keras(t)), last

    def channels(self, t: Tensor) -> int:
        shape = t.shape or ()
        last = self.cfg.get("data_format", "channels_last") != "channels_first"
        size = shape[-1] if last else shape[1] if len(shape) > 1 else None
        if size is None:
            from netcanvas.formats.base import FormatError

            raise FormatError(f"layer '{self.name}': its input's channels are not in the file")
        return int(size)

    def axis(self, t: Tensor, axis: int) -> int:
        """Our axis for Keras's ``axis`` of ``t``."""
        r = t.rank
        a = axis % r
        if not t.cf or r < 3:
            return a
        return 0 if a == 0 else 1 if a == r - 1 else a + 1

    def out(self, ref: str, cf: bool, index: int = 0) -> Tensor:
        shape = self.outs[index] if index < len(self.outs) else None
        return Tensor(ref, shape, cf)

    def warn(self, message: str) -> None:
        self.b.graph.warnings.append(f"layer '{self.name}' ({self.cls}): {message}")

    def activation(self, ref: str, cf: bool, rank: int) -> str:
        """A fused ``activation=`` setting as its own node (none for 'linear')."""
        act = self.cfg.get("activation")
        if act in (None, "linear"):
            return ref
        return activation_node(self, act, ref, 1 if cf else rank - 1)


Converter = Callable[[Call], list[Tensor]]
CONVERTERS: dict[str, Converter] = {}
converts = registrar(CONVERTERS)


def activation_node(call: Call, act: Any, ref: str, channel_axis: int) -> str:
    name = act if isinstance(act, str) else (act or {}).get("config", {}).get("name")
    if name in (None, "linear"):
        return ref
    if name in ("softmax", "log_softmax"):
        return call.emit("Softmax" if name == "softmax" else "LogSoftmax", {"dim": -1}, [ref])
    type_ = FROM_ACTIVATION.get(str(name))
    if type_ is None:
        call.warn(f"activation '{name}' has no registry type: kept as an opaque node")
        return call.emit(f"activation.{name}", {}, [ref])
    params: dict[str, Any] = {}
    if type_ == "GELU":
        params["approximate"] = "none"  # keras.activations.gelu's default is exact
    if type_ == "LeakyReLU":
        params["negative_slope"] = 0.2  # Keras's default slope (torch's is 0.01)
    return call.emit(type_, params, [ref])


def per_axis(value: Any, rank: int) -> list[int]:
    return [int(value)] * rank if isinstance(value, int) else [int(v) for v in value]


def same_padding(
    call: Call, t: Tensor, kernel: list[int], stride: list[int]
) -> tuple[list[int], list[int]]:
    """Keras's 'same' pooling pads to ceil(n / s) outputs, the odd pixel at the end."""
    last = call.cfg.get("data_format", "channels_last") != "channels_first"
    sizes = ours(t.shape or (), last)[2:]
    begin, end = [], []
    for n, k, s in zip(sizes, kernel, stride, strict=False):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        begin.append(total // 2)
        end.append(total - total // 2)
    return begin, end
