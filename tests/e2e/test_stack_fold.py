"""Readable at scale: stacked in-place layers and folded repeated blocks on the canvas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import ALL_BOXES_ON_SCREEN, drag, paste, tid, with_test_hooks

pytestmark = pytest.mark.e2e


def caffe_layers(text: str) -> tuple[int, int]:
    """(layers, in-place layers) read straight from the prototxt: bottom == top."""
    blocks = re.findall(r"layer\s*\{(.*?)\n\}", text, re.S)
    inplace = 0
    for block in blocks:
        bottoms = re.findall(r'bottom:\s*"([^"]+)"', block)
        tops = re.findall(r'top:\s*"([^"]+)"', block)
        if len(bottoms) == 1 and bottoms == tops:
            inplace += 1
    return len(blocks), inplace


def paste_prototxt(page: Page, text: str, last: str, shape: str) -> None:
    tid(page, "tab-source").click()
    tid(page, "source-format").select_option("prototxt")
    paste(page, "source-editor", text)
    expect(tid(page, f"shape-{last}")).to_have_text(shape, timeout=20000)
    tid(page, "tab-palette").click()


def zoom_in_on(page: Page, name: str) -> None:
    """Ctrl+wheel over a node until the canvas is at 100 % or more."""
    page.keyboard.down("Control")
    for _ in range(12):
        if float(tid(page, "canvas").get_attribute("data-zoom") or "1") >= 1:
            break
        box = tid(page, f"node-{name}").bounding_box()
        assert box
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 5)
        page.mouse.wheel(0, -300)
    page.keyboard.up("Control")


def boxes(page: Page) -> int:
    """Boxes a person sees: nodes that are not rows inside a stack (and not folded away)."""
    return int(page.locator(".node:not(.stack-row):not(.folded)").count())


def test_stacking_draws_resnet50_as_one_box_per_layer_and_its_in_place_followers(
    page: Page, caffe_corpus: Path
) -> None:
    text = (caffe_corpus / "resnet50_deploy.prototxt").read_text()
    layers, inplace = caffe_layers(text)
    assert (layers, inplace) == (228, 155)
    paste_prototxt(page, text, "prob", "1×1000")
    drawn = page.locator(".node").count()
    assert drawn == layers + 1  # the `input:` declaration is a layer of its own
    assert boxes(page) == drawn

    toggle = tid(page, "stack-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    # Every in-place layer of this file follows a single-consumer producer: it becomes a row.
    expect(page.locator(".node.stack-row")).to_have_count(inplace)
    assert boxes(page) == layers + 1 - inplace
    # Members keep their hooks: node, shape (published conv1 blob 64×112×112), ports.
    for name in ["bn_conv1", "scale_conv1", "conv1_relu"]:
        expect(tid(page, f"node-{name}")).to_have_class(re.compile(r"\bstack-row\b"))
        expect(tid(page, f"shape-{name}")).to_have_text("1×64×112×112")
    zoom_in_on(page, "conv1")
    # The rows sit inside their head's box, in order.
    head = tid(page, "node-conv1").locator(".node-box").bounding_box()
    members = ["bn_conv1", "scale_conv1", "conv1_relu"]
    rows = [tid(page, f"node-{n}").locator(".row-box").bounding_box() for n in members]
    assert head and all(rows)
    for row in rows:
        assert row is not None
        assert head["x"] - 1 <= row["x"]
        assert row["x"] + row["width"] <= head["x"] + head["width"] + 1
        assert head["y"] <= row["y"] and row["y"] + row["height"] <= head["y"] + head["height"] + 8
    assert [r["y"] for r in rows if r] == sorted(r["y"] for r in rows if r)

    # Clicking a row selects that layer: the inspector edits it.
    tid(page, "canvas").focus()
    box = tid(page, "node-scale_conv1").bounding_box()
    assert box
    page.mouse.click(box["x"] + 30, box["y"] + box["height"] / 2)
    expect(tid(page, "node-scale_conv1")).to_have_class(re.compile(r"\bselected\b"))
    expect(tid(page, "rename")).to_have_value("scale_conv1")

    # Dragging a row drags the whole stack; the rows stay inside.
    before = tid(page, "node-conv1").bounding_box()
    assert before
    drag(page, (box["x"] + 30, box["y"] + 8), (box["x"] + 130, box["y"] + 48))
    after = tid(page, "node-conv1").bounding_box()
    row_after = tid(page, "node-scale_conv1").bounding_box()
    assert after and row_after
    assert after["x"] > before["x"] + 20
    assert abs((row_after["x"] - after["x"]) - (box["x"] - before["x"])) < 2

    # The setting is part of the document (view.style.stack), saved with it.
    saved = json.loads(page.evaluate("localStorage.getItem('netcanvas:autosave')"))
    assert saved["document"]["view"]["style"]["stack"] is True

    # Undo the drag and the stacking: every layer is its own box again.
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".node.stack-row")).to_have_count(0)
    assert boxes(page) == drawn


def test_fold_shows_resnet50_stages_as_boxes_that_open(page: Page) -> None:
    with_test_hooks(page)
    tid(page, "templates").click()
    tid(page, "template-resnet50").click()
    expect(tid(page, "shape-fc")).to_have_text("1×1000", timeout=20000)
    groups = page.evaluate(
        "async () => (await (await fetch('/api/layout?fold=true', {method: 'POST',"
        " headers: {'Content-Type': 'application/json'},"
        " body: JSON.stringify(window.__netcanvasTest.store.doc)})).json()).groups"
    )
    # torchvision's ResNet-50 has 3, 4, 6, 3 bottleneck blocks per stage; the first of each
    # has a projection shortcut, so the repeats are 2, 3, 5, 2 blocks of 10 layers.
    assert [(len(g["copies"]), len(g["copies"][0])) for g in groups] == [
        (2, 10),
        (3, 10),
        (5, 10),
        (2, 10),
    ]
    flat = boxes(page)
    tid(page, "fold-toggle").click()
    expect(tid(page, "fold-toggle")).to_have_attribute("aria-pressed", "true")
    labels = page.locator(".group-box .node-name").all_text_contents()
    counts = [int(label.rsplit("×", 1)[1]) for label in labels]
    assert counts == [2, 3, 5, 2], labels
    # Folded to fit: every box is on screen at once.
    page.wait_for_function(ALL_BOXES_ON_SCREEN)
    # One box per group in place of its copies' layers (boxes() counts the group boxes).
    hidden = sum(len(copy) for g in groups for copy in g["copies"])
    assert boxes(page) == flat - hidden + len(groups)
    # Everything a group hides is folded away; one edge runs into each box (single entry)
    # and out of it to the next stage's first block (its branch and its projection
    # shortcut), or to the pooling after the last stage.
    for group in groups:
        for copy in group["copies"]:
            for name in copy:
                expect(tid(page, f"node-{name}")).to_be_hidden()
    outs = []
    for group in groups:
        box_id = f"group:{group['name']}"
        assert page.locator(f'[data-testid^="edge-"][data-testid$="-{box_id}"]').count() == 1
        outs.append(page.locator(f'[data-testid^="edge-{box_id}-"]').count())
    assert outs == [2, 2, 2, 1]

    # Zoomed in on a box, its label is readable (at least 80 %).
    first = groups[0]
    group = tid(page, f"group-{first['name']}")
    page.keyboard.down("Control")
    for _ in range(12):
        if float(tid(page, "canvas").get_attribute("data-zoom") or "1") >= 0.8:
            break
        box = group.bounding_box()
        assert box
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    assert float(tid(page, "canvas").get_attribute("data-zoom") or "0") >= 0.8
    expect(group.locator(".node-name")).to_have_text(f"{first['name']} ×2")
    expect(group).to_be_in_viewport()
    # Double-click opens a group: its layers are shown again.
    group.dblclick()
    expect(tid(page, f"group-{first['name']}")).to_have_count(0)
    for name in first["copies"][1]:
        expect(tid(page, f"node-{name}")).to_be_visible()
    # Opening is undone like an edit, and so is folding.
    page.keyboard.press("Control+z")
    expect(tid(page, f"group-{first['name']}")).to_have_count(1)
    page.keyboard.press("Control+z")
    expect(tid(page, "fold-toggle")).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".group-box")).to_have_count(0)
    page.keyboard.press("Control+Shift+z")
    expect(page.locator(".group-box")).to_have_count(4)
    tid(page, "fold-toggle").click()
    expect(page.locator(".group-box")).to_have_count(0)
    assert boxes(page) == flat
    assert page.page_errors == []  # type: ignore[attr-defined]
