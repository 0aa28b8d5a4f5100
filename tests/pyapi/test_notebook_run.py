"""A real notebook, executed by a Jupyter kernel (nbclient), displays a document: the saved
notebook holds self-contained HTML (nothing fetched) beside an SVG fallback, and that HTML,
opened from disk in Chromium with every network request refused, runs its script: hovering
a layer shows its numbers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

BACKEND = Path(__file__).resolve().parents[2] / "backend"

# Two scoped blocks, so the view embeds a depth chooser as well as all layers.
DOCUMENT = """
name: notebook-net
layers:
  - {name: data, type: Input, shape: [1, 3, 16, 16]}
  - {name: conv1, type: Conv2d, out_channels: 8, kernel_size: 3, scope: block1}
  - {name: relu1, type: ReLU, scope: block1}
  - {name: conv2, type: Conv2d, out_channels: 8, kernel_size: 3, scope: block2}
  - {name: relu2, type: ReLU, scope: block2}
  - {name: flat, type: Flatten}
  - {name: fc, type: Linear, out_features: 10}
"""


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("notebook")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"import sys\nsys.path.insert(0, {str(BACKEND)!r})"),
        nbformat.v4.new_code_cell(
            f"import netcanvas as nc\ndoc = nc.load({DOCUMENT.encode()!r}, format='yaml')\ndoc"
        ),
        nbformat.v4.new_code_cell("doc.summary()"),
    ]
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    saved = folder / "view.ipynb"
    nbformat.write(nb, saved)
    return saved


def _outputs(saved: Path, cell: int) -> dict[str, str]:
    nb = nbformat.read(saved, as_version=4)
    outputs = nb.cells[cell].outputs
    assert [o.output_type for o in outputs] == ["execute_result"], outputs
    data: dict[str, str] = outputs[0].data
    return data


def test_the_saved_notebook_holds_a_self_contained_view(executed: Path) -> None:
    data = _outputs(executed, 1)
    page = data["text/html"]
    assert "<script" in page and "nc-view" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "url(http" not in page and "@import" not in page
    assert data["image/svg+xml"].lstrip().startswith(("<svg", "<?xml"))
    params = (3 * 9 * 8 + 8) + (8 * 9 * 8 + 8) + (8 * 12 * 12 + 1) * 10
    assert f"{params:,} params" in page
    table = _outputs(executed, 2)["text/html"]
    assert "<table" in table and f"{params:,}" in table


def test_the_saved_html_runs_in_chromium(executed: Path, tmp_path: Path, chromium: Any) -> None:
    from playwright.sync_api import Route

    page_html = tmp_path / "view.html"
    body = _outputs(executed, 1)["text/html"]
    page_html.write_text(f"<!doctype html><meta charset='utf-8'><body>{body}</body>")
    asked: list[str] = []

    def refuse(route: Route) -> None:
        asked.append(route.request.url)
        route.abort()

    page = chromium.new_page()  # the run's one Chromium (tests/conftest.py)
    errors: list[str] = []
    try:
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.route(re.compile(r"^(?!file:).*"), refuse)
        page.goto(page_html.as_uri())
        page.hover('.nc-pane:not([hidden]) g[id="node-fc"]')  # the Linear layer
        tip = page.locator(".nc-tip")
        assert tip.is_visible()
        assert f"params {(8 * 12 * 12 + 1) * 10:,}" in tip.inner_text()
        page.select_option(".nc-depth", "1")
        page.hover('.nc-pane:not([hidden]) g[id="node-block1"]')  # the scope as one box
        assert "block1" in tip.inner_text()
    finally:
        page.close()
    assert errors == [] and asked == []
