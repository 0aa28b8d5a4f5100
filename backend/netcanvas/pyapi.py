"""The Python API's document (DESIGN 9): one model in hand, with the same analysis, figures
and exports as ``netcanvas summary | render | convert``, because every call goes through
``netcanvas.service`` (the path the CLI and the HTTP API take).

    >>> import netcanvas as nc
    >>> doc = nc.load(b"layers: [{type: Input, shape: [1, 4]}, {type: Linear, out_features: 2}]",
    ...               format="yaml")
    >>> doc.summary().to_dict()["totals"]["params"]
    10
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcanvas import service

if TYPE_CHECKING:
    from torch import nn

    from netcanvas.analysis import Analysis
    from netcanvas.graph.model import Graph

PathLike = str | os.PathLike[str]


class Summary:
    """The summary table of a document: ``str()`` is the table ``netcanvas summary``
    prints, ``to_dict()`` the object ``netcanvas summary --json`` prints.

        >>> print(doc.summary())
        >>> doc.summary().to_dict()["totals"]["macs"]
    """

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis

    def to_dict(self) -> dict[str, Any]:
        return self.analysis.to_json()

    def __str__(self) -> str:
        from netcanvas.cli import format_table

        return format_table(self.analysis)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from netcanvas.notebook import summary_html

        return summary_html(self.analysis)


class Document:
    """A network: its layer graph and the analysis of it (shapes, params, MACs, problems).

    Made by :func:`load` (a model file) or :func:`netcanvas.from_torch` (a live module).

        >>> doc = nc.load("resnet18.yaml")
        >>> doc.render("fig.pdf", style="graph", theme="print")
        >>> doc.save("resnet18.onnx")
    """

    def __init__(self, graph: Graph, analysis: Analysis | None = None) -> None:
        self.graph = graph
        self._analysis = analysis

    @property
    def analysis(self) -> Analysis:
        if self._analysis is None:
            from netcanvas.analysis import analyze

            self._analysis = analyze(self.graph)
        return self._analysis

    @property
    def name(self) -> str:
        return self.graph.name

    def summary(self) -> Summary:
        """Shapes, parameters and MACs per layer, with totals and problems.

        >>> print(doc.summary())
        """
        return Summary(self.analysis)

    def render(self, path: PathLike, **options: Any) -> Path:
        """Draw the figure into ``path`` (.svg, .pdf, .png or .tex by its extension).

        ``options`` are ``netcanvas render``'s, with the same names: ``style``, ``theme``,
        ``rankdir``, ``dpi``, ``fold``, ``stack``, ``width``, ``font_size``, ``title``,
        ``show_params``, ``show_macs``, ``show_shapes``, ``show_names``, ``azimuth``,
        ``elevation`` and ``overlay`` (``params``, ``macs``, ``memory`` or a CSV / Model
        Explorer file). Options left out follow the document's ``view.style``.

            >>> doc.render("fig.svg", style="blocks", theme="dark", fold=True)
        """
        target = Path(path)
        fmt = target.suffix.lower().lstrip(".")
        data = self.figure(fmt, **options)
        _write(target, data)
        return target

    def figure(self, format: str = "svg", **options: Any) -> bytes:
        """The figure's bytes (``svg``, ``pdf``, ``png`` or ``tex``) without writing a file."""
        chosen = {k: v for k, v in options.items() if v is not None}
        overlay = chosen.get("overlay")
        graph = self.graph
        if overlay is not None and overlay not in ("params", "macs", "memory"):
            # A file of per-layer values, read as `render --overlay FILE` reads it.
            from dataclasses import replace

            from netcanvas.render.overlay import read

            chosen.pop("overlay")
            drawn = read(Path(overlay).read_bytes(), str(overlay)).to_view()
            graph = replace(graph, view={**graph.view, "overlay": drawn})
        return service.figure(graph, format, chosen, self.analysis).data

    def save(self, path: PathLike, format: str | None = None, **options: Any) -> Path:
        """Write the model as a file: yaml, json, prototxt, onnx, PyTorch (.py) or Keras
        (.keras.py) code, by the extension or ``format``. ``dynamic_batch=True`` leaves
        ONNX's batch dimension symbolic, as ``convert --dynamic-batch`` does. A model read
        from an ONNX file keeps its weights in ONNX, and as PyTorch code gets them in a
        state_dict beside it (``net.pt``; ``net.npz`` without torch), as ``convert`` does.

            >>> doc.save("net.yaml"); doc.save("net.onnx")
        """
        from netcanvas import formats

        target = Path(path)
        chosen = formats.get(format) if format else formats.guess(target.name, writing=True)
        if not chosen.writable:
            raise service.UnsupportedError(f"netcanvas cannot write {chosen.name} files")
        settings = {"dynamic_batch": bool(options.pop("dynamic_batch", False)), **options}
        state = None
        if chosen.name == "pytorch" and self.graph.values:
            state = service.export_weights(self.graph, self.analysis)
            if state is not None:
                settings["weights_file"] = target.with_suffix(state.suffix).name
        _write(target, service.export_model(self.graph, chosen.name, settings, self.analysis))
        if state is not None:
            _write(target.with_suffix(state.suffix), state.data)
        return target

    convert = save

    def to_torch(self, weights: bool = True) -> nn.Module:
        """A live ``torch.nn.Module`` built from the document, the module ``netcanvas
        train`` trains: freshly initialised, but for a model read from an ONNX file, which
        gets the file's weights unless ``weights=False`` (the layers they cannot be matched
        to stay fresh, as ``convert`` to PyTorch says).

            >>> model = doc.to_torch(); y = model(torch.randn(1, 3, 224, 224))
        """
        from netcanvas.train.builder import build_module

        module = build_module(self.graph, self.analysis)
        if weights and self.graph.values:
            from netcanvas.formats.code.pytorch_state import collect, to_tensors

            state = collect(self.graph, self.analysis)
            if state is not None:
                module.load_state_dict(to_tensors(state.arrays), strict=False)
        return module

    def to_dict(self) -> dict[str, Any]:
        """The netcanvas document (DESIGN 4) as plain data."""
        from netcanvas.formats.native import to_document

        return to_document(self.graph)

    def edit(self, host: str = "127.0.0.1", port: int = 8000, browser: bool = True) -> str:
        """Open the editor on this document in the browser: the netcanvas server at
        ``host:port`` is reused when it answers, else one is started in the background.
        The document is saved there as a new design; returns its address.

            >>> doc.edit()
            'http://127.0.0.1:8000/d/3f2a...'
        """
        from netcanvas.editing import open_in_editor

        return open_in_editor(self.to_dict(), host, port, browser)

    def _repr_html_(self) -> str:
        """In a notebook: the figure at every depth of the module tree, with pan, zoom and
        hover (self-contained: no server, no network)."""
        from netcanvas.notebook import document_html

        return document_html(self)

    def _repr_svg_(self) -> str:
        # For renderers that run no script (GitHub, nbviewer's static view).
        return self.figure("svg").decode()

    def __repr__(self) -> str:
        a = self.analysis
        return f"<netcanvas.Document {self.name!r}: {len(a.nodes)} layers, {a.params:,} params>"


def load(
    source: PathLike | bytes,
    format: str | None = None,
    *,
    phase: str = "TEST",
    input_shapes: Mapping[str, list[int]] | None = None,
) -> Document:
    """Read a model file (prototxt, yaml, json, onnx) from a path or its bytes, as
    ``netcanvas summary FILE [--from FORMAT] [--phase] [--input-shape]`` reads it.

        >>> doc = nc.load("deploy.prototxt", input_shapes={"data": [1, 3, 224, 224]})
    """
    if isinstance(source, bytes | bytearray):
        graph, analysis = service.open_model(bytes(source), "", format, phase, input_shapes)
    else:  # a path: an ONNX file of any size is mapped, its external data found beside it
        graph, analysis = service.open_file(Path(source), format, phase, input_shapes)
    return Document(graph, analysis)


def _write(target: Path, data: bytes) -> None:
    """The whole file or nothing, as the CLI writes."""
    temp = target.with_name(f".{target.name}.part")
    try:
        temp.write_bytes(data)
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)
