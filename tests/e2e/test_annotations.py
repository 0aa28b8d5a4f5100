"""Annotations on the canvas (issue 20, item 5): a note, an arrow, a box and a highlight made
from the selected layers, stored in view.annotations, undoable, edited by a double-click or
the context menu, kept over a reload, and drawn in the exported figure."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import export, open_document, tid

pytestmark = pytest.mark.e2e

DOC = {
    "netcanvas": 1,
    "name": "notes",
    "layers": [
        {"name": "x", "type": "Input", "shape": [1, 16]},
        {"name": "fc0", "type": "Linear", "out_features": 16},
        {"name": "fc1", "type": "Linear", "out_features": 16},
        {"name": "fc2", "type": "Linear", "out_features": 4},
    ],
}


def annotate(page: Page, kind: str, layers: list[str], text: str | None) -> None:
    tid(page, f"node-{layers[0]}").click()
    for name in layers[1:]:
        tid(page, f"node-{name}").click(modifiers=["Shift"])
    tid(page, f"annotate-{kind}").click()
    expect(tid(page, "annotate-form")).to_be_visible()
    if text:
        tid(page, "annotate-input").fill(text)
    tid(page, "annotate-input").press("Enter")
    expect(tid(page, "annotate-form")).to_be_hidden()


def test_annotations_are_made_edited_undone_kept_and_exported(page: Page) -> None:
    open_document(page, DOC)
    # The tools need the selection their kind joins: an arrow two layers.
    tid(page, "node-fc0").click()
    expect(tid(page, "annotate-text")).to_be_enabled()
    expect(tid(page, "annotate-arrow")).to_be_disabled()

    annotate(page, "text", ["fc0"], "bottleneck")
    expect(tid(page, "annotation-0")).to_have_text("bottleneck")
    annotate(page, "arrow", ["fc2", "fc0"], "feedback")
    expect(tid(page, "annotation-1")).to_be_attached()
    annotate(page, "highlight", ["fc1", "fc2"], "head")
    expect(tid(page, "annotation-2")).to_be_visible()
    annotate(page, "rect", ["x"], None)
    expect(tid(page, "annotation-3")).to_be_visible()
    # The highlight is drawn around both layers.
    region = tid(page, "annotation-2").bounding_box()
    fc2 = tid(page, "node-fc2").bounding_box()
    assert region and fc2 and region["y"] + region["height"] > fc2["y"] + fc2["height"] / 2
    page.screenshot(path="/tmp/notes-light.png")

    tid(page, "undo").click()
    expect(tid(page, "annotation-3")).to_have_count(0)
    tid(page, "redo").click()
    expect(tid(page, "annotation-3")).to_be_visible()

    # A double-click edits a note's text; the context menu deletes an annotation.
    tid(page, "annotation-0").dblclick()
    expect(tid(page, "annotate-input")).to_have_value("bottleneck")
    tid(page, "annotate-input").fill("narrow")
    tid(page, "annotate-input").press("Enter")
    expect(tid(page, "annotation-0")).to_have_text("narrow")
    box = tid(page, "annotation-3").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 1, button="right")  # its outline
    tid(page, "menu-delete-annotation").click()
    expect(page.locator("[data-annotation]")).not_to_have_count(0)
    expect(tid(page, "annotation-3")).to_have_count(0)

    # The exported figure draws them (its text is the notes' text).
    svg = export(page, "svg")[1].decode()
    assert "narrow" in svg and "feedback" in svg and "head" in svg

    # Renaming a layer keeps its note on it; a reload keeps them all.
    tid(page, "node-fc0").click()
    page.keyboard.press("F2")
    tid(page, "rename").fill("squeeze")
    tid(page, "rename").press("Enter")
    expect(tid(page, "annotation-0")).to_have_text("narrow")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(tid(page, "annotation-0")).to_have_text("narrow")
    expect(tid(page, "annotation-2")).to_be_visible()
    tid(page, "theme-select").select_option("dark")
    page.screenshot(path="/tmp/notes-dark.png")
