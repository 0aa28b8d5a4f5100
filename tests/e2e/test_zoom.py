"""Zooming the way people do it: a trackpad pinch and a two-finger pinch on a touch screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .helpers import open_document, tid

pytestmark = pytest.mark.e2e

SMALL = {
    "name": "small",
    "layers": [
        {"name": "data", "type": "Input", "shape": [1, 3, 32, 32]},
        {"name": "conv1", "type": "Conv2d", "out_channels": 8, "kernel_size": 3},
    ],
    "view": {"positions": {"data": [0, 0], "conv1": [0, 110]}},
}


def zoom(page: Page) -> float:
    return float(tid(page, "canvas").get_attribute("data-zoom") or "0")


def test_trackpad_pinch_zooms_around_the_fingers(page: Page) -> None:
    open_document(page, SMALL)
    box = tid(page, "node-conv1").bounding_box()
    assert box
    x, y = box["x"] + 10, box["y"] + 10
    before = zoom(page)
    # Chromium delivers a trackpad pinch as ctrl+wheel events of a few pixels each.
    page.mouse.move(x, y)
    page.keyboard.down("Control")
    for _ in range(20):
        page.mouse.wheel(0, -4)
    page.keyboard.up("Control")
    page.wait_for_function(
        "(z) => Number(document.querySelector('[data-testid=canvas]').dataset.zoom) > z",
        arg=before * 1.5,
    )
    after = tid(page, "node-conv1").bounding_box()
    assert after
    # The canvas point under the fingers stays under them: the node's corner, 10 screen px
    # up and left of the pointer before, is now 10 * (new zoom / old zoom) px away.
    scale = zoom(page) / before
    assert after["x"] == pytest.approx(x - 10 * scale, abs=2)
    assert after["y"] == pytest.approx(y - 10 * scale, abs=2)


def test_two_finger_pinch_on_a_touch_screen(page: Page) -> None:
    open_document(page, SMALL)
    canvas = tid(page, "canvas").bounding_box()
    assert canvas
    cx, cy = canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2
    cdp = page.context.new_cdp_session(page)
    before = zoom(page)

    def touch(kind: str, spread: float) -> None:
        points = [{"x": cx - spread, "y": cy, "id": 1}, {"x": cx + spread, "y": cy, "id": 2}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", 40)
    for spread in range(50, 130, 10):
        touch("touchMove", spread)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    # Fingers spread from 80 px to 240 px apart: three times the zoom (within the bounds).
    assert zoom(page) == pytest.approx(min(4.0, before * 3), rel=0.05)
