"""A document in a notebook: self-contained HTML whose script runs in Chromium (hover
shows a layer's numbers, the depth choice shows the collapsed figure)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import netcanvas as nc  # noqa: E402


def model() -> nn.Module:
    return nn.Sequential(
        nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()),
        nn.Sequential(nn.Conv2d(8, 8, 3), nn.ReLU()),
        nn.Flatten(),
        nn.Linear(8 * 12 * 12, 10),
    ).eval()


def test_the_html_fetches_nothing() -> None:
    page = nc.from_torch(model(), torch.randn(1, 3, 16, 16))._repr_html_()
    assert "<script" in page
    # namespaces name a URL but load nothing; no source, link or stylesheet does
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "url(http" not in page and "@import" not in page


def test_summary_html_is_a_table_with_the_numbers() -> None:
    m = model()
    table = nc.from_torch(m, torch.randn(1, 3, 16, 16)).summary()._repr_html_()
    assert table.count("<tr>") >= 6 and f"{sum(p.numel() for p in m.parameters()):,}" in table


def test_hover_and_depth_in_chromium(tmp_path: Path, chromium: Any) -> None:
    m = model()
    doc = nc.from_torch(m, torch.randn(1, 3, 16, 16))
    saved = tmp_path / "view.html"
    saved.write_text(f"<!doctype html><meta charset='utf-8'><body>{doc._repr_html_()}</body>")
    page = chromium.new_page()
    try:
        page.goto(saved.as_uri())
        page.hover('.nc-pane:not([hidden]) g[id="node-3"]')  # the Linear layer
        tip = page.locator(".nc-tip")
        assert tip.is_visible()
        assert f"params {(8 * 12 * 12 + 1) * 10:,}" in tip.inner_text()
        page.select_option(".nc-depth", "1")
        page.hover('.nc-pane:not([hidden]) g[id="node-0"]')  # the first Sequential, one box
        assert "(Sequential)" in tip.inner_text()
        assert f"params {3 * 8 * 9 + 8:,}" in tip.inner_text()
    finally:
        page.close()
