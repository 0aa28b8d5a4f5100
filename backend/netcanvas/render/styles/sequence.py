"""The layer sequence the NN-SVG styles draw: the longest input-to-output path, cut to
the layers that change the tensor (in-place followers, activations and the like add
nothing a reader of an FCNN, LeNet or AlexNet drawing looks for)."""

from __future__ import annotations

from dataclasses import dataclass

from netcanvas.analysis import Analysis
from netcanvas.graph.model import Graph, analyse_structure
from netcanvas.graph.shapes import Shape
from netcanvas.render.styles.common import category, key_settings

_OPS = {
    "convolution": "Convolution",
    "pooling": "Pooling",
    "linear": "Dense",
    "reshape": "Reshape",
    "recurrent": "Recurrent",
    "attention": "Attention",
}


_KEPT = ("convolution", "linear", "pooling", "recurrent", "attention")


@dataclass(slots=True)
class Step:
    """One drawn layer: its name, output shape, and the operation that made it."""

    name: str
    type: str
    shape: Shape
    op: str  # e.g. "Conv2d 5×5" (empty for the first layer)


def spine(graph: Graph, analysis: Analysis) -> list[Step]:
    structure = analyse_structure(graph)
    length: dict[str, int] = {}
    back: dict[str, str | None] = {}
    for name in structure.order:
        best, via = 0, None
        for ref in structure.refs.get(name, []):
            if ref is not None and ref.node in length and length[ref.node] > best:
                best, via = length[ref.node], ref.node
        length[name], back[name] = best + 1, via
    if not length:
        return []
    # The longest path; ties go to the node written last (the network's output).
    end = max(structure.order, key=lambda n: (length[n], structure.order.index(n)))
    path: list[str] = []
    cursor: str | None = end
    while cursor is not None:
        path.append(cursor)
        cursor = back[cursor]
    path.reverse()
    nodes = {n.name: n for n in graph.nodes}
    steps: list[Step] = []
    for name in path:
        result = analysis.get(name)
        shapes = result.output_shapes if result is not None else []
        shape = shapes[0] if shapes else None
        if shape is None or len(shape) < 2:  # a scalar loss or a label vector
            continue
        node = nodes[name]
        if steps and shape == steps[-1].shape and category(node.type) not in _KEPT:
            continue  # an activation, normalisation or dropout: nothing new to draw
        op = ""
        if steps:
            settings = key_settings(node)
            kind = _OPS.get(category(node.type), node.type)
            op = f"{kind} {settings.split(',')[0]}" if settings and kind != "Dense" else kind
        steps.append(Step(name, node.type, shape, op.strip()))
    return steps
