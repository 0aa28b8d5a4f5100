"""SVG, PDF and PNG files as their readers see them, every style in every theme, and the
`netcanvas render` command."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from netcanvas.cli import main
from netcanvas.render import FigureError, export_figure
from netcanvas.render.catalogue import STYLE_NAMES, THEME_NAMES
from netcanvas.render.options import FigureOptions
from tests.render import nets
from tests.render.svgcheck import parse

STYLES = STYLE_NAMES
THEMES = THEME_NAMES


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("theme", THEMES)
def test_every_style_and_theme_renders(style: str, theme: str) -> None:
    for net in (nets.tiny_resnet(), nets.lenet()):
        svg = export_figure(net, "svg", FigureOptions(style=style, theme=theme))
        root = parse(svg).root
        assert root.get("viewBox")
        assert len(list(root.iter())) > 10


def test_png_width_doubles_from_96_to_192_dpi() -> None:
    graph = nets.tiny_resnet()
    w96, h96 = png_size(export_figure(graph, "png", FigureOptions(dpi=96)))
    w192, h192 = png_size(export_figure(graph, "png", FigureOptions(dpi=192)))
    svg = parse(export_figure(graph, "svg", FigureOptions())).root
    assert w96 == round(float(svg.get("width").removesuffix("px")))
    assert (w192, h192) == (2 * w96, 2 * h96)


def test_width_sets_the_physical_size() -> None:
    graph = nets.lenet()
    svg = parse(export_figure(graph, "svg", FigureOptions(width="3.3in"))).root
    assert svg.get("width") == "3.3in"
    w, _ = png_size(export_figure(graph, "png", FigureOptions(width="3.3in", dpi=300)))
    assert w == 990  # 3.3 in at 300 dpi
    w_cm, _ = png_size(export_figure(graph, "png", FigureOptions(width="2.54cm", dpi=100)))
    assert w_cm == 100


def test_pdf_is_one_page_with_selectable_layer_names(tmp_path: Path) -> None:
    from pypdf import PdfReader

    graph = nets.resnet((2, 2))
    data = export_figure(graph, "pdf", FigureOptions(stack=True))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "fig.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    words = set(text.decode().split())
    assert {"res2a_branch2a", "res3b_branch2c", "pool5", "fc"} <= words


@pytest.mark.parametrize("width", ["3 inches", "0in", "-2cm", "12"])
def test_bad_width_is_rejected(width: str) -> None:
    with pytest.raises(ValidationError):
        FigureOptions(width=width)


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(FigureError):
        export_figure(nets.mlp(), "gif", FigureOptions())


def test_cli_render(tmp_path: Path) -> None:
    src = tmp_path / "net.yaml"
    src.write_text(
        "netcanvas: 1\nname: cli\nlayers:\n"
        "  - {name: data, type: Input, shape: [1, 3, 32, 32]}\n"
        "  - {name: conv1, type: Conv2d, out_channels: 8, kernel_size: 3}\n"
        "  - {name: fc, type: Linear, out_features: 10}\n"
    )
    out = tmp_path / "fig.png"
    args = [str(src), "-o", str(out), "--theme", "dark", "--dpi", "192", "--width", "2in"]
    assert main(["render", *args]) == 0
    assert png_size(out.read_bytes())[0] == 384
    svg = tmp_path / "fig.svg"
    assert main(["render", str(src), "-o", str(svg), "--style", "blocks", "--no-names"]) == 0
    assert "conv1" not in parse(svg.read_text()).texts()


def test_cli_render_rejects_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "net.yaml"
    src.write_text("netcanvas: 1\nlayers:\n  - {name: data, type: Input, shape: [1, 4]}\n")
    assert main(["render", str(src), "-o", str(tmp_path / "x.svg"), "--width", "wide"]) == 2
    assert "--width" in capsys.readouterr().err
    assert main(["render", str(src), "-o", str(tmp_path / "x.gif")]) == 2
    assert not (tmp_path / "x.gif").exists()


def test_render_process_imports_stay_lazy() -> None:
    code = (
        "import sys, netcanvas.render; "
        "print(any(m in sys.modules for m in ('igraph', 'svgwrite', 'cairosvg', 'cairocffi')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("style", STYLES)
def test_title_sits_above_the_figure_in_every_style(style: str) -> None:
    from netcanvas.render import build_scene
    from netcanvas.render.scene import Text

    scene = build_scene(nets.lenet(), FigureOptions(style=style, title="LeNet-5 on MNIST"))
    title = next(t for t in scene.over if isinstance(t, Text) and t.text == "LeNet-5 on MNIST")
    assert title.x == pytest.approx(scene.width / 2)
    others = [t for t in scene.over if isinstance(t, Text) and t is not title]
    others += [t for b in scene.nodes for t in b.items if isinstance(t, Text)]
    assert all(t.y > title.y for t in others)


def test_png_of_a_very_long_net_is_scaled_to_cairos_limit() -> None:
    from netcanvas.render.raster import MAX_PNG_SIDE

    graph = nets.residual_chain(400)  # about 43,000 px tall at 96 dpi
    width, height = png_size(export_figure(graph, "png", FigureOptions()))
    assert height == MAX_PNG_SIDE and 0 < width < height


def test_document_view_style_is_the_default_and_flags_win(tmp_path: Path) -> None:
    src = tmp_path / "net.yaml"
    src.write_text(
        "netcanvas: 1\nname: styled\nlayers:\n"
        "  - {name: data, type: Input, shape: [1, 3, 32, 32]}\n"
        "  - {name: conv1, type: Conv2d, out_channels: 8, kernel_size: 3}\n"
        "view:\n  style: {name: graph, theme: dark, rankdir: LR}\n"
    )
    out = tmp_path / "a.svg"
    assert main(["render", str(src), "-o", str(out)]) == 0
    background = parse(out.read_text()).root.find("{http://www.w3.org/2000/svg}rect")
    assert background is not None and background.get("fill") == "#1E1F24"  # dark
    edge = next(iter(parse(out.read_text()).edges.values()))
    assert edge[-1][0] > edge[0][0]  # left to right
    assert main(["render", str(src), "-o", str(out), "--theme", "print", "--rankdir", "TB"]) == 0
    fig = parse(out.read_text())
    assert fig.root.find("{http://www.w3.org/2000/svg}rect").get("fill") == "#FFFFFF"
    edge = next(iter(fig.edges.values()))
    assert edge[-1][1] > edge[0][1]  # top to bottom


def test_first_renders_in_concurrent_threads_do_not_break_cairo_imports() -> None:
    # A server renders SVG and PNG side by side; the first SVG imports igraph with cairo
    # hidden, which must never make a concurrent PNG's cairo import fail.
    code = """
from concurrent.futures import ThreadPoolExecutor
from netcanvas.graph.model import Graph, Node
from netcanvas.render import FigureOptions, export_figure
from netcanvas.render.catalogue import STYLE_NAMES, THEME_NAMES
g = Graph("t", [Node("x", "Input", {"shape": [1, 4]}), Node("y", "ReLU", {}, ["x"])])
with ThreadPoolExecutor(8) as pool:
    jobs = [pool.submit(export_figure, g, fmt, FigureOptions()) for fmt in ("svg", "png") * 8]
    print(all(job.result() for job in jobs))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
