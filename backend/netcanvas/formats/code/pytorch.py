"""PyTorch code: the format's face (an ``nn.Module`` in a ``.py`` file; the work is in
``pytorch_writer``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netcanvas.graph.model import Graph

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis

NAME = "pytorch"
EXTENSIONS = (".py",)
MEDIA_TYPE = "text/x-python"


def sniff(name: str, head: bytes) -> bool:
    return False  # generated code is not read back


def dump(
    graph: Graph, options: dict[str, Any] | None = None, analysis: Analysis | None = None
) -> bytes:
    from netcanvas.formats.code.pytorch_writer import generate

    # ``weights_file``: the state_dict written beside the code (``model.pt``), which the
    # code's ``load_weights`` reads (pytorch_state.py).
    weights = (options or {}).get("weights_file")
    return generate(graph, analysis=analysis, weights=weights or None).encode()
