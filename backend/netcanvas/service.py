"""Open a model, write it, draw it: the one path the CLI, the HTTP API and the Python API
share, so the three can never disagree (one rule for input shapes, one analysis per
file, one rule merging a document's ``view.style`` with explicit figure options).

Imports stay inside the functions that need them: ``netcanvas summary`` never loads the
renderer, and ``netcanvas render`` of a prototxt never loads onnx.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcanvas.formats.base import FormatError, UnsupportedError

if TYPE_CHECKING:
    from netcanvas.analysis import Analysis
    from netcanvas.formats.code.pytorch_state import StateFile
    from netcanvas.graph.model import Graph
    from netcanvas.render.options import FigureOptions

__all__ = [
    "Figure",
    "FormatError",
    "InputShapeError",
    "UnsupportedError",
    "export_model",
    "export_weights",
    "figure",
    "figure_options",
    "open_file",
    "open_model",
    "open_python",
    "set_input_shapes",
]


class InputShapeError(ValueError):
    """An input shape names no layer, or is not a list of positive sizes."""


def open_model(
    data: bytes,
    name: str = "",
    format: str | None = None,
    phase: str = "TEST",
    input_shapes: Mapping[str, list[int]] | None = None,
) -> tuple[Graph, Analysis]:
    """Read a model file's bytes and analyse it once.

    ``name`` (a file name) and the first bytes pick the format unless ``format`` names it;
    ``phase`` picks Caffe's TRAIN or TEST layers; ``input_shapes`` sets or overrides the
    shapes of input layers (data layers whose file does not say them). Raises
    FormatError (unreadable, with its line and column), UnsupportedError (a format that
    cannot be read) or InputShapeError.
    """
    from netcanvas import formats

    module = formats.reader(data, name, format).load_module()
    return _opened(module, module.load(data, {"phase": phase}), input_shapes)


def open_file(
    path: Path,
    format: str | None = None,
    phase: str = "TEST",
    input_shapes: Mapping[str, list[int]] | None = None,
) -> tuple[Graph, Analysis]:
    """:func:`open_model` of a local file. A format that can map a file instead of reading
    it (ONNX: weights the analysis never needs stay on disk, external data is found
    beside the model) is given the path; OSError if the file cannot be read."""
    from netcanvas import formats

    with path.open("rb") as file:
        head = file.read(4096)
    module = formats.reader(head, str(path), format).load_module()
    load_file = getattr(module, "load_file", None)
    if load_file is None:
        return open_model(path.read_bytes(), str(path), format, phase, input_shapes)
    return _opened(module, load_file(path, {"phase": phase}), input_shapes)


def _opened(
    module: Any, graph: Graph, input_shapes: Mapping[str, list[int]] | None
) -> tuple[Graph, Analysis]:
    from netcanvas.analysis import analyze

    set_input_shapes(graph, input_shapes or {})
    return graph, analyze(graph, getattr(module, "settle", None))


def open_python(target: str, inputs: Sequence[str] = ()) -> tuple[Graph, Analysis]:
    """Import ``FILE.py:NAME`` (running the user's own code), build the module in eval
    mode and trace it on inputs of the given shapes (``1,3,224,224``, ``1,64:int64``), or
    on the example inputs its builder returned. Raises torchtrace.target.TargetError."""
    from netcanvas.torchtrace import from_torch
    from netcanvas.torchtrace.target import TargetError, example, load, parse_input

    specs = [parse_input(text) for text in inputs]
    model, given = load(target)
    examples = example(specs) if specs else given
    if not examples:
        raise TargetError(f"{target}: give the input shape (--input-shape 1,3,224,224)")
    doc = from_torch(model.eval(), *examples)
    return doc.graph, doc.analysis


def set_input_shapes(graph: Graph, shapes: Mapping[str, list[int]]) -> None:
    """Give input layers the shapes a user chose (others get a declared output shape)."""
    for name, shape in shapes.items():
        if not shape or any(not isinstance(d, int) or d <= 0 for d in shape):
            raise InputShapeError(f"the shape of '{name}' must be positive sizes, got {shape}")
        try:
            node = graph.node(name)
        except KeyError:
            raise InputShapeError(f"there is no layer named '{name}'") from None
        if node.type == "Input":
            node.params["shape"] = list(shape)
        else:
            node.output_shapes = [list(shape)]


def export_model(
    graph: Graph,
    format: str,
    options: dict[str, Any] | None = None,
    analysis: Analysis | None = None,
) -> bytes:
    """The graph as a model file (yaml, json, prototxt, onnx, pytorch, keras)."""
    from netcanvas import formats

    return formats.write(graph, format, options, analysis)


def export_weights(graph: Graph, analysis: Analysis | None = None) -> StateFile | None:
    """The original weights of a model read from an ONNX file in this process as the
    state_dict of its PyTorch code (``formats/code/pytorch_state.py``): written with
    torch.save (``.pt``), or NumPy (``.npz``) without torch; the keys are the generated
    module's names, and ``fresh`` names the layers it leaves freshly initialised. None when
    the graph carries no weights (a document, a Caffe prototxt)."""
    from netcanvas.formats.code.pytorch_state import state_file

    return state_file(graph, analysis)


def figure_options(graph: Graph, chosen: Mapping[str, Any]) -> FigureOptions:
    """Figure settings: ``chosen`` ones over the document's ``view.style`` over defaults.

    ``view.style`` names the style ``name`` (DESIGN 4); its keys that are not figure
    settings are left alone. A stale or hand-edited saved value never blocks a figure:
    it falls back to the default. Raises pydantic's ValidationError on a bad ``chosen``.
    """
    from pydantic import ValidationError

    from netcanvas.render.options import FigureOptions

    FigureOptions(**chosen)  # the caller's own mistakes are errors, before anything else
    saved = graph.view.get("style") if isinstance(graph.view, dict) else None
    base: dict[str, Any] = {}
    if isinstance(saved, dict):
        fields = FigureOptions.model_fields
        for key, value in saved.items():
            key = "style" if key == "name" else str(key)
            if key in fields and key not in chosen:
                try:
                    FigureOptions(**{key: value})
                except ValidationError:
                    continue
                base[key] = value
    return FigureOptions(**{**base, **chosen})


@dataclass(frozen=True)
class Figure:
    data: bytes
    media_type: str
    extension: str
    warnings: list[str]


def figure(
    graph: Graph,
    format: str,
    chosen: Mapping[str, Any] | None = None,
    analysis: Analysis | None = None,
) -> Figure:
    """The graph drawn as svg, pdf or png with the merged options (see figure_options),
    and what was asked for but not done (a style that cannot fold, say)."""
    from netcanvas.render import export_figure
    from netcanvas.render.catalogue import FIGURE_FORMATS, ignored_options

    kinds = {name: (ext, media) for name, ext, media, _ in FIGURE_FORMATS}
    if format not in kinds:
        raise UnsupportedError(f"unknown figure format '{format}' (formats: {', '.join(kinds)})")
    options = figure_options(graph, chosen or {})
    data = export_figure(graph, format, options, analysis)
    extension, media = kinds[format]
    return Figure(
        data, media, extension, ignored_options(options.style, options.fold, options.stack)
    )
