"""What the screens of a large net, an error and dark mode show, asserted instead of
photographed: the whole net fits, zoomed-in boxes are readable, stacks sit in their boxes, a
revealed layer is centred, an error is drawn beside its box, and the themes change colours."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import (
    ALL_BOXES_ON_SCREEN,
    open_document,
    paste,
    select,
    set_param,
    tid,
    with_test_hooks,
)

pytestmark = pytest.mark.e2e

# Relative luminance (0 black .. 1 white) of an element's computed colour property.
LUMINANCE = """([selector, property]) => {
  const value = getComputedStyle(document.querySelector(selector))[property];
  const [r, g, b] = value.match(/\\d+/g).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}"""


def zoom(page: Page) -> float:
    return float(tid(page, "canvas").get_attribute("data-zoom") or "0")


def luminance(page: Page, selector: str, prop: str) -> float:
    return float(page.evaluate(LUMINANCE, [selector, prop]))


def inside(inner: dict[str, float], outer: dict[str, float], slack: float = 1) -> bool:
    return (
        outer["x"] - slack <= inner["x"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and outer["y"] - slack <= inner["y"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )


def test_resnet50_fits_reads_stacks_and_reveals(page: Page, caffe_corpus: Path) -> None:
    with_test_hooks(page)
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
    # Fit: all 229 boxes on screen at once.
    page.wait_for_function(ALL_BOXES_ON_SCREEN)
    assert page.locator(".node").count() == 229

    # Zoomed in on the top, the boxes are readable: names at least 10 px tall, on screen.
    canvas = tid(page, "canvas").bounding_box()
    assert canvas is not None
    page.mouse.move(canvas["x"] + canvas["width"] / 2, canvas["y"] + 40)
    page.keyboard.down("Control")
    for _ in range(6):
        page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    name = tid(page, "node-conv1").locator(".node-name").bounding_box()
    assert name is not None and name["height"] >= 10, name
    assert inside(name, canvas)

    # Stacked: conv + BatchNorm + Scale + ReLU read as one box each, and all fit again.
    tid(page, "stack-toggle").click()
    expect(tid(page, "stack-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".node.stack-row")).to_have_count(155)
    page.wait_for_function(ALL_BOXES_ON_SCREEN)

    # A revealed layer is selected and in the middle of the canvas.
    page.evaluate("() => window.__netcanvasTest.reveal('res2a_branch2a')")
    head = tid(page, "node-res2a_branch2a")
    expect(head).to_have_class(re.compile(r"\bstack-head\b.*\bselected\b"))
    box = head.locator(".node-box").bounding_box()
    assert box is not None
    middle = (canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2)
    # The middle of its own box, NODE_W/2 × NODE_H/2 in (frontend/src/view/metrics.js).
    assert abs(box["x"] + box["width"] / 2 - middle[0]) <= 2
    assert abs(box["y"] + 29 * zoom(page) - middle[1]) <= 2
    # Zoomed in around it, its stacked rows sit inside its box, and the box is on screen.
    page.mouse.move(*middle)
    page.keyboard.down("Control")
    while zoom(page) < 0.9:
        page.mouse.wheel(0, -200)
    page.keyboard.up("Control")
    box = head.locator(".node-box").bounding_box()
    assert box is not None and inside(box, canvas)
    for row in ["bn2a_branch2a", "scale2a_branch2a", "res2a_branch2a_relu"]:
        rect = tid(page, f"node-{row}").locator(".row-box").bounding_box()
        assert rect is not None and inside(rect, box), row

    # Dark interface and dark figure theme: a dark canvas with light text.
    light_bg = luminance(page, "[data-testid=canvas-wrap]", "backgroundColor")
    tid(page, "ui-theme").click()
    expect(page.locator("body")).to_have_class("dark")
    tid(page, "theme-select").select_option("dark")
    expect(tid(page, "canvas-wrap")).to_have_class("canvas-wrap theme-dark")
    assert light_bg > 0.9
    assert luminance(page, "[data-testid=canvas-wrap]", "backgroundColor") < 0.02
    assert luminance(page, "[data-testid=node-res2a_branch2a] .node-name", "fill") > 0.7
    tid(page, "ui-theme").click()
    tid(page, "theme-select").select_option("light")
    assert luminance(page, "[data-testid=canvas-wrap]", "backgroundColor") > 0.9
    assert page.page_errors == []  # type: ignore[attr-defined]


def test_an_error_is_drawn_beside_its_box_in_either_theme(page: Page) -> None:
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
    error = tid(page, "node-error-pool1")
    expect(error).to_be_visible()
    expect(tid(page, "node-pool1")).to_have_class(re.compile(r"\bhas-error\b"))
    expect(tid(page, "node-pool1").locator(".error-badge")).to_be_visible()
    box = tid(page, "node-pool1").locator(".node-box").bounding_box()
    message = error.bounding_box()
    canvas = tid(page, "canvas").bounding_box()
    assert box and message and canvas
    assert message["x"] >= box["x"] + box["width"], "beside the box, not over it"
    assert inside(message, canvas)
    # The error colour of each theme (app.css --c-error).
    expected = {"light": "rgb(198, 40, 40)", "dark": "rgb(255, 123, 114)"}
    fill = "(el) => getComputedStyle(el).fill"
    assert error.evaluate(fill) == expected["light"]
    tid(page, "ui-theme").click()
    tid(page, "theme-select").select_option("dark")
    expect(tid(page, "canvas-wrap")).to_have_class("canvas-wrap theme-dark")
    assert error.evaluate(fill) == expected["dark"]
    assert page.page_errors == []  # type: ignore[attr-defined]
