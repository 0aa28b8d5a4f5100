"""A Keras model config -> Graph: Functional and Sequential models, nested models as scopes.

Keras 3 writes every call's input tensors with their shapes (``inbound_nodes`` ->
``__keras_tensor__`` with ``shape`` and ``keras_history``), so the reader knows each
tensor's rank and channels without running Keras. Tensors keep Keras's shape beside a
layout flag: ``cf`` when our shape is Keras's channels_last shape with the last axis moved
to 1 (what spatial layers give); layers that work on the last axis (Dense,
LayerNormalization) read Keras's order, and the reader inserts an explicit Permute where
one layout meets the other, so every shape and parameter count stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netcanvas.formats.base import FormatError
from netcanvas.graph.model import Graph, Node

MODELS = ("Functional", "Sequential", "Model")
KShape = tuple[int | None, ...]


@dataclass(slots=True)
class Tensor:
    ref: str
    shape: KShape | None  # Keras's own shape (batch first, channels last when so written)
    cf: bool = False  # our shape moves Keras's last axis to position 1

    @property
    def rank(self) -> int:
        if self.shape is None:
            raise FormatError(f"the shape of '{self.ref}' is not in the file")
        return len(self.shape)


def ours(shape: KShape, cf: bool) -> list[int]:
    """Our shape of a Keras tensor: unknown sizes (the batch) read as 1."""
    dims = [1 if d is None else int(d) for d in shape]
    if cf and len(dims) >= 3:
        dims = [dims[0], dims[-1], *dims[1:-1]]
    return dims


@dataclass
class Builder:
    graph: Graph = field(default_factory=Graph)
    permutes: dict[tuple[str, bool], str] = field(default_factory=dict)
    # Values Keras's count_params() counts that are no parameters here (moving statistics).
    buffers: int = 0

    def unique(self, name: str, scope: str) -> str:
        taken = self.graph.names()
        if name not in taken:
            return name
        base = f"{scope}.{name}" if scope else name
        candidate, n = base, 1
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        return candidate

    def add(self, node: Node) -> str:
        node.name = self.unique(node.name, node.scope)
        self.graph.nodes.append(node)
        return node.name

    def layout(self, t: Tensor, cf: bool, scope: str) -> str:
        """``t``'s reference in the wanted layout, through a (shared) Permute if needed."""
        if t.cf == cf or t.shape is None or len(t.shape) < 3:
            return t.ref
        key = (t.ref, cf)
        if key not in self.permutes:
            r = len(t.shape)
            # cf: our [N, C, *S] read in Keras's order [N, *S, C], or the way back.
            dims = [0, *range(2, r), 1] if t.cf else [0, r - 1, *range(1, r - 1)]
            suffix = "channels_last" if t.cf else "channels_first"
            node = Node(f"{t.ref}_{suffix}", "Permute", {"dims": dims}, [t.ref], scope=scope)
            self.permutes[key] = self.add(node)
        return self.permutes[key]


def build_graph(config: dict[str, Any]) -> Graph:
    from netcanvas.formats.keras.models import read_model

    if config.get("class_name") not in MODELS:
        raise FormatError(
            f"not a Keras model config: class_name is {config.get('class_name')!r} "
            f"(expected one of {', '.join(MODELS)})"
        )
    builder = Builder()
    inner = config.get("config")
    if not isinstance(inner, dict):
        raise FormatError("the model's 'config' is not an object")
    builder.graph.name = str(inner.get("name") or "keras_model")
    try:
        read_model(builder, config, "", None)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
        # The model's structure (not one layer's settings) is malformed.
        raise FormatError(f"malformed Keras model config: {err!r}"[:300]) from None
    except RecursionError:
        raise FormatError("Keras models nested too deeply") from None
    if builder.buffers:
        builder.graph.warnings.append(
            f"Keras's count_params() also counts {builder.buffers:,} non-trainable values "
            "(moving statistics of BatchNormalization, Normalization's mean and variance); "
            "they are buffers, not parameters, here as in PyTorch"
        )
    return builder.graph
