"""TikZ export: a LaTeX document that compiles with pdflatex and draws what the SVG draws."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from netcanvas import service, templates
from netcanvas.cli import main
from netcanvas.graph.model import Graph, Node
from netcanvas.render.catalogue import BY_STYLE
from netcanvas.render.tikz import escape


def _compile(tex: Path) -> str:
    """pdflatex the file; the PDF's text (pdftotext)."""
    if not shutil.which("pdflatex") or not shutil.which("pdftotext"):
        pytest.skip("pdflatex / pdftotext are not installed (make test installs them as root)")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tex.parent, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    pdf = tex.with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "Pages:           1" in info.stdout
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_resnet50_folded_compiles_with_its_layer_names(tmp_path: Path) -> None:
    source = tmp_path / "resnet50.yaml"
    source.write_text(templates.get("resnet50").text)
    tex = tmp_path / "resnet50.tex"
    assert main(["render", str(source), "-o", str(tex), "--fold"]) == 0
    text = _compile(tex)
    for name in ("conv1_conv", "layer1_0_a_conv", "fc"):
        assert name in text, name
    assert "×3" in text  # the fold legend


@pytest.mark.parametrize("style", ["graph", "blocks", "alexnet"])
def test_each_style_compiles(style: str, tmp_path: Path) -> None:
    assert style in BY_STYLE
    drawn = service.figure(templates.get("lenet5").graph(), "tex", {"style": style})
    assert drawn.media_type == "application/x-tex" and drawn.extension == ".tex"
    tex = tmp_path / f"lenet-{style}.tex"
    tex.write_bytes(drawn.data)
    text = _compile(tex)
    assert "c1" in text


def test_names_with_latex_specials_are_escaped(tmp_path: Path) -> None:
    graph = Graph(
        "odd",
        [
            Node("in_1#%$&", "Input", {"shape": [1, 4]}),
            Node("fc{x}~^", "Linear", {"out_features": 2}, ["in_1#%$&"]),
        ],  # fmt: skip
    )
    assert escape("a_b#c%") == r"a\_b\#c\%"
    tex = tmp_path / "odd.tex"
    tex.write_bytes(service.figure(graph, "tex").data)
    text = _compile(tex)
    assert "in_1#%$&" in text and "fc{x}~^" in text
