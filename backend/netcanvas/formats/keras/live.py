"""``nc.from_keras(model)``: a live Keras 3 model through the same reader as a ``.keras``
file, by its own JSON config (``model.to_json()``); netcanvas never imports Keras here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netcanvas.pyapi import Document


def from_keras(model: Any) -> Document:
    """The document of a Keras 3 model (Functional or Sequential, built).

        >>> import keras, netcanvas as nc
        >>> doc = nc.from_keras(keras.applications.ResNet50(weights=None))
        >>> doc.summary().to_dict()["totals"]["params"]   # trainable, as PyTorch counts
        25583592

    Shapes are channels-first (``[N, C, H, W]``) like every netcanvas document; Keras's
    non-trainable values (BatchNormalization's moving statistics) are named in a warning.
    """
    from netcanvas import service
    from netcanvas.pyapi import Document

    to_json = getattr(model, "to_json", None)
    if not callable(to_json):
        raise TypeError(f"from_keras takes a Keras model, not {type(model).__name__}")
    data = to_json().encode()
    graph, analysis = service.open_model(data, "", "keras-model", "TEST", None)
    return Document(graph, analysis)
