"""Screenshots for a person to look at: a large net, an error, dark mode (not compared)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import open_document, paste, select, set_param, tid

pytestmark = pytest.mark.e2e


def test_screens(page: Page, caffe_corpus: Path, screenshots: Path) -> None:
    text = (caffe_corpus / "resnet50_deploy.prototxt").read_text()
    tid(page, "tab-source").click()
    tid(page, "source-format").select_option("prototxt")
    paste(page, "source-editor", text)
    expect(tid(page, "shape-prob")).to_have_text("1×1000", timeout=20000)
    # Published: 25.56M parameters (Netscope, corpus REFERENCE.md). The Caffe file's conv1
    # carries a bias that torchvision's does not, so the exact torchvision count is not the oracle.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stats-params]').dataset.value !== '0'"
    )
    params = int(tid(page, "stats-params").get_attribute("data-value") or "0")
    assert round(params / 1e6, 2) == 25.56, params
    tid(page, "tab-palette").click()
    page.keyboard.press("Escape")
    tid(page, "canvas").focus()
    page.keyboard.press("f")
    page.screenshot(path=str(screenshots / "resnet50-fit.png"))
    # Zoom in on the top so the boxes are readable.
    box = tid(page, "canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 40)
    page.keyboard.down("Control")
    for _ in range(6):
        page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.screenshot(path=str(screenshots / "resnet50-zoomed.png"))
    # Stacked: conv + BatchNorm + Scale + ReLU read as one box each.
    tid(page, "stack-toggle").click()
    expect(tid(page, "stack-toggle")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=str(screenshots / "resnet50-stacked-fit.png"))
    page.evaluate("() => window.netcanvas.reveal('res2a_branch2a')")
    canvas = tid(page, "canvas").bounding_box()
    assert canvas is not None
    page.mouse.move(canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2)
    page.keyboard.down("Control")
    while float(tid(page, "canvas").get_attribute("data-zoom") or "1") < 0.9:
        page.mouse.wheel(0, -200)
    page.keyboard.up("Control")
    page.screenshot(path=str(screenshots / "resnet50-stacked.png"))
    tid(page, "ui-theme").click()
    tid(page, "theme-select").select_option("dark")
    page.screenshot(path=str(screenshots / "resnet50-stacked-dark.png"))
    tid(page, "ui-theme").click()
    tid(page, "theme-select").select_option("light")

    open_document(
        page,
        {
            "name": "with an error",
            "layers": [
                {"name": "data", "type": "Input", "shape": [1, 3, 32, 32]},
                {"name": "conv1", "type": "Conv2d", "out_channels": 16, "kernel_size": 3},
                {"name": "pool1", "type": "MaxPool2d", "kernel_size": 2},
                {"name": "fc", "type": "Linear", "out_features": 10},
            ],
            "view": {
                "positions": {"data": [0, 0], "conv1": [0, 110], "pool1": [0, 220], "fc": [0, 330]}
            },
        },
    )
    select(page, "pool1")
    set_param(page, "kernel_size", "64")
    expect(tid(page, "node-error-pool1")).to_be_visible()
    page.screenshot(path=str(screenshots / "error.png"))

    tid(page, "ui-theme").click()
    tid(page, "theme-select").select_option("dark")
    page.screenshot(path=str(screenshots / "dark.png"))
