"""Every net of the Caffe corpus renders in every style, and the ResNet-152 PDF reads
back. Skips only while the prototxt format is not registered."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from netcanvas.graph.model import Graph
from netcanvas.render import export_figure
from netcanvas.render.catalogue import STYLE_NAMES, THEME_NAMES
from netcanvas.render.options import FigureOptions
from tests.conftest import CORPUS
from tests.render.svgcheck import parse

STYLES = STYLE_NAMES
THEMES = THEME_NAMES
FILES = sorted(p.name for p in (CORPUS / "caffe").glob("*.prototxt"))


def _read(path: Path) -> Graph:
    from netcanvas import formats

    if "prototxt" not in formats.BY_NAME:
        pytest.skip("the prototxt format is not registered yet")
    return formats.read(path.read_bytes(), path.name)


@pytest.mark.parametrize("name", FILES)
def test_corpus_net_renders_in_every_style(caffe_corpus: Path, name: str) -> None:
    graph = _read(caffe_corpus / name)
    k = FILES.index(name)
    for i, style in enumerate(STYLES):
        # Themes rotate over the files so every style meets every theme on real nets.
        options = FigureOptions(style=style, theme=THEMES[(k + i) % 5], fold=k % 2 == 0)
        fig = parse(export_figure(graph, "svg", options))
        if style == "graph":
            drawn = set(fig.nodes)
            assert drawn and drawn <= graph.names()


def test_resnet152_pdf_is_one_page_whose_layer_names_read_back(
    caffe_corpus: Path, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    graph = _read(caffe_corpus / "resnet152_deploy.prototxt")
    data = export_figure(graph, "pdf", FigureOptions(stack=True))
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) == 1
    assert max(pages[0].mediabox.width, pages[0].mediabox.height) <= 14400  # Acrobat's limit
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "resnet152.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    words = set(text.decode().split())
    # Stacked, each box is named after its first layer: every conv and merge is there.
    expected = {n.name for n in graph.nodes if n.type in ("Conv2d", "Add", "Linear")}
    assert len(expected) > 150
    assert expected <= words, sorted(expected - words)[:10]
