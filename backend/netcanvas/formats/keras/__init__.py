"""Keras models in: the format's face. A ``.keras`` file (Keras 3's zip holding
``config.json``) or a Keras JSON model config (``model.to_json()``), read with json and
zipfile alone: no TensorFlow or Keras import, and the weights are not needed (the
architecture settles every shape and parameter count). The work is in ``reader``.

A separate format from ``keras`` (the code exporter, ``.keras.py``): one reads Keras's
saved models, the other writes Python, and the format table picks by extension.
"""

from __future__ import annotations

from typing import Any

from netcanvas.graph.model import Graph

NAME = "keras-model"
EXTENSIONS = (".keras",)
MEDIA_TYPE = "application/zip"
BINARY = True


def sniff(name: str, head: bytes) -> bool:
    """A zip (``.keras`` under another name) or a JSON object naming a Keras model class."""
    if head.startswith(b"PK\x03\x04"):
        return b"config.json" in head or b"metadata.json" in head
    text = head.lstrip()[:2048]
    return (
        text.startswith(b"{")
        and b'"class_name"' in text
        and (b'"Functional"' in text or b'"Sequential"' in text or b'"Model"' in text)
    )


def load(data: bytes, options: dict[str, Any] | None = None) -> Graph:
    from netcanvas.formats.keras.archive import read_config
    from netcanvas.formats.keras.reader import build_graph

    return build_graph(read_config(data))
