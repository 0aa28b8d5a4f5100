"""Turning the 3-D figure with the mouse (issue 20, item 8): in the preview of the AlexNet
style a drag changes the view angles, shows them, redraws the preview, and on release keeps
them in the document's view.style (undoable), so the exported figure is the one seen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import export, open_document, tid

pytestmark = pytest.mark.e2e

DOC = {
    "netcanvas": 1,
    "name": "tiny",
    "layers": [
        {"name": "x", "type": "Input", "shape": [1, 3, 32, 32]},
        {"name": "conv1", "type": "Conv2d", "out_channels": 16, "kernel_size": 3},
        {"name": "pool", "type": "MaxPool2d", "kernel_size": 2},
        {"name": "conv2", "type": "Conv2d", "out_channels": 32, "kernel_size": 3},
    ],
}


def angles(page: Page) -> tuple[int, int]:
    label = tid(page, "view-angles")
    return int(label.get_attribute("data-azimuth")), int(label.get_attribute("data-elevation"))


def preview_src(page: Page) -> str:
    return str(tid(page, "figure-preview").locator("img").get_attribute("src"))


def test_drag_turns_the_3d_figure_and_the_document_keeps_the_angles(page: Page) -> None:
    open_document(page, DOC)
    expect(tid(page, "view-angles")).to_be_hidden()  # the graph style has no view angle
    tid(page, "style-select").select_option("alexnet")
    before_svg = export(page, "svg")[1].decode()
    preview = tid(page, "figure-preview")
    expect(preview).to_be_visible()
    expect(tid(page, "view-angles")).to_contain_text("azimuth -35° · elevation 20°")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=figure-preview] img').src.startsWith('blob:')"
    )
    first = preview_src(page)
    box = preview.locator(".preview-view").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y - 20, steps=6)
    # While turning, the numbers follow the drag.
    expect(tid(page, "view-angles")).not_to_contain_text("Drag to turn")
    assert angles(page) == (-5, 30)
    page.mouse.up()
    expect(tid(page, "view-angles")).to_contain_text("azimuth -5° · elevation 30°")
    # The preview was drawn again, and the document holds the angles.
    expect(preview.locator("img")).not_to_have_attribute("src", first)
    tid(page, "tab-source").click()
    tid(page, "source-format").select_option("yaml")
    editor = tid(page, "source-editor")
    expect(editor).to_have_value(re.compile(r"azimuth: -5"))
    assert "elevation: 30" in editor.input_value()
    page.screenshot(path="/tmp/turn-alexnet.png")
    # The exported figure is drawn from them (alexnet at -5° differs from the default view).
    turned = export(page, "svg")[1].decode()
    assert turned != before_svg and "<svg" in turned
    # One undo puts the angles back.
    tid(page, "undo").click()
    expect(tid(page, "view-angles")).to_contain_text("azimuth -35° · elevation 20°")
