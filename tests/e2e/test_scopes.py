"""Modules on the canvas (issue 16, item 3): a layer's `scope` (DESIGN 4) lets the editor
draw a whole module as one box with its sums; collapsing and expanding is one undoable
view change of the document (`view.collapsed`)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from .helpers import open_document, tid

pytestmark = pytest.mark.e2e


def _block(prefix: str, channels: int, source: str) -> list[dict[str, Any]]:
    return [
        {"name": f"{prefix}.conv1", "type": "Conv2d", "out_channels": channels,
         "kernel_size": 3, "padding": 1, "inputs": [source], "scope": prefix},
        {"name": f"{prefix}.relu", "type": "ReLU", "scope": prefix},
        {"name": f"{prefix}.conv2", "type": "Conv2d", "out_channels": channels,
         "kernel_size": 3, "padding": 1, "scope": prefix},
        {"name": f"{prefix}.add", "type": "Add", "inputs": [f"{prefix}.conv2", source],
         "scope": prefix},
    ]  # fmt: skip


DOC: dict[str, Any] = {
    "netcanvas": 1,
    "name": "scoped",
    "layers": [
        {"name": "x", "type": "Input", "shape": [1, 8, 16, 16]},
        *_block("layer1.0", 8, "x"),
        *_block("layer1.1", 8, "layer1.0.add"),
        *_block("layer2.0", 8, "layer1.1.add"),
        {"name": "pool", "type": "AdaptiveAvgPool2d", "output_size": 1},
    ],
    "view": {"scopes": {"layer1": {"type": "Sequential"}, "layer1.0": {"type": "BasicBlock"}}},
}


def _inside_visible(page: Page) -> bool:
    return tid(page, "node-layer1.1.conv2").is_visible()


def test_collapse_a_module_to_one_box_and_back_with_undo(page: Page, server: str) -> None:
    open_document(page, DOC)
    tid(page, "node-layer1.1.conv2").click()
    tid(page, "tab-inspector").click()
    buttons = tid(page, "collapse-scope")
    expect(buttons).to_have_count(2)  # layer1 and layer1.1
    tid(page, "collapse-scope").first.click()

    box = tid(page, "group-layer1")
    expect(box).to_be_visible()
    expect(box).to_contain_text("Sequential")
    page.screenshot(path="/tmp/scopes-collapsed.png")
    assert not _inside_visible(page)
    assert tid(page, "node-layer2.0.conv1").is_visible()
    # The box's sums are the service's per-layer counts added up.
    analysis = httpx.post(f"{server}/api/analyze", json=DOC, timeout=30).json()
    layer1 = [n for n in analysis["nodes"] if n["name"].startswith("layer1.")]
    assert box.get_attribute("data-params") == str(sum(n["params"] for n in layer1))
    assert box.get_attribute("data-macs") == str(sum(n["macs"] for n in layer1))

    page.keyboard.press("Control+z")  # one step undoes the collapse
    expect(box).to_have_count(0)
    expect(tid(page, "node-layer1.1.conv2")).to_be_visible()
    page.keyboard.press("Control+y")
    expect(tid(page, "group-layer1")).to_be_visible()

    tid(page, "group-layer1").dblclick()  # double-click opens it, also one step
    expect(tid(page, "group-layer1")).to_have_count(0)
    expect(tid(page, "node-layer1.1.conv2")).to_be_visible()
    page.keyboard.press("Control+z")
    expect(tid(page, "group-layer1")).to_be_visible()


def _in_view(page: Page, testid: str) -> bool:
    box = tid(page, testid).bounding_box()
    canvas = tid(page, "canvas").bounding_box()
    assert box is not None and canvas is not None
    return (
        canvas["x"] <= box["x"]
        and box["x"] + box["width"] <= canvas["x"] + canvas["width"]
        and canvas["y"] <= box["y"]
        and box["y"] + box["height"] <= canvas["y"] + canvas["height"]
    )


def test_find_a_layer_inside_a_collapsed_module_and_fly_to_it(page: Page) -> None:
    """The find box matches names, types and modules; choosing a result opens the
    collapsed module the layer sits in, selects it and pans the canvas to it."""
    doc = {**DOC, "view": {**DOC["view"], "collapsed": ["layer1"]}}
    open_document(page, {**doc, "layers": DOC["layers"]})
    expect(tid(page, "group-layer1")).to_be_visible()
    tid(page, "canvas").hover()
    page.mouse.wheel(0, -4000)  # pan far away: nothing in view
    assert not _in_view(page, "node-pool")
    tid(page, "find").fill("layer1.1.conv")
    results = tid(page, "find-result")
    expect(results.first).to_have_attribute("data-layer", "layer1.1.conv1")
    results.nth(1).click()
    expect(tid(page, "group-layer1")).to_have_count(0)
    expect(tid(page, "node-layer1.1.conv2")).to_be_visible()
    expect(tid(page, "node-layer1.1.conv2")).to_have_class(re.compile(r"\bselected\b"))
    assert _in_view(page, "node-layer1.1.conv2")
    page.keyboard.press("Control+z")  # opening the module was its own step
    expect(tid(page, "group-layer1")).to_be_visible()
