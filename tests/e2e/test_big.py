"""Graphs of today's size in the editor (issue 17): a transformer export opens with its modules
collapsed, a found layer is flown to with its module opened, and undo / redo know about it;
a graph of thousands of layers keeps only what is in sight in the DOM, and paints the rest
on the far canvas when zoomed out."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import open_document, paste, tid, with_test_hooks

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_big import bert_onnx, scoped_yaml  # noqa: E402

pytestmark = pytest.mark.e2e

SOFTMAX = "/encoder/layers.7/self_attn/Softmax"


def _layers(page: Page) -> str:
    return str(page.evaluate("() => JSON.stringify(window.__netcanvasTest.store.doc.layers)"))


def _collapsed(page: Page) -> list[str]:
    return list(page.evaluate("() => window.__netcanvasTest.store.doc.view.collapsed ?? []"))


def test_a_bert_sized_onnx_opens_collapsed_and_a_found_layer_is_flown_to(
    page: Page, tmp_path: Path
) -> None:
    # BERT-base's graph (12 encoder layers, 437 layers once imported) with narrow tensors,
    # so the file is small: the editor's work depends on the graph, not on the weights.
    model = tmp_path / "bert.onnx"
    bert_onnx(model, dim=64, heads=4)
    with_test_hooks(page)
    tid(page, "open-file").set_input_files(str(model))
    expect(tid(page, "group-encoder.layers.7")).to_be_visible(timeout=30000)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=canvas]').dataset.screen === 'complete'"
    )
    # Opened as a screenful of modules: each encoder layer one box, not 437 boxes.
    collapsed = _collapsed(page)
    assert [f"encoder.layers.{i}" for i in range(12)] == sorted(
        (s for s in collapsed if s.startswith("encoder.layers.")),
        key=lambda s: int(s.split(".")[-1]),
    )
    assert page.locator(".node:not(.folded)").count() < 40
    expect(tid(page, f"node-{SOFTMAX}")).not_to_be_visible()
    # The box says what it holds.
    params = int(tid(page, "group-encoder.layers.7").get_attribute("data-params"))
    assert params == 4 * 64 * 64 + 4 * 64 + 2 * 64 * 256 + 256 + 64 + 4 * 64
    layers = _layers(page)

    # Find it by name: its module opens, it is selected, in the middle, readable.
    tid(page, "find").fill("layers.7/self_attn/softmax")
    results = tid(page, "find-result")
    expect(results.first).to_have_attribute("data-layer", SOFTMAX)
    results.first.click()
    node = tid(page, f"node-{SOFTMAX}")
    expect(node).to_be_visible()
    expect(node).to_have_class(re.compile(r"\bselected\b"))
    assert "encoder.layers.7" not in _collapsed(page)
    assert float(tid(page, "canvas").get_attribute("data-zoom")) >= 0.6
    canvas = tid(page, "canvas").bounding_box()
    box = node.locator(".node-box").bounding_box()
    assert canvas and box
    assert abs(box["x"] + box["width"] / 2 - (canvas["x"] + canvas["width"] / 2)) < 3
    assert abs(box["y"] + box["height"] / 2 - (canvas["y"] + canvas["height"] / 2)) < 3
    expect(tid(page, f"shape-{SOFTMAX}")).to_have_text("1×4×128×128")
    # Nothing else changed: the layers are as opened.
    assert _layers(page) == layers

    # Opening the module is one step of the history.
    tid(page, "undo").click()
    expect(tid(page, "group-encoder.layers.7")).to_be_visible()
    assert "encoder.layers.7" in _collapsed(page)
    tid(page, "redo").click()
    expect(tid(page, "group-encoder.layers.7")).to_have_count(0)
    expect(tid(page, f"node-{SOFTMAX}")).to_be_visible()
    assert _layers(page) == layers
    assert page.page_errors == []


def test_a_big_graph_keeps_only_what_is_in_sight_in_the_dom(page: Page) -> None:
    with_test_hooks(page)
    text = scoped_yaml(3000)
    tid(page, "tab-source").click()
    tid(page, "source-format").select_option("yaml")
    paste(page, "source-editor", text)
    page.wait_for_function(
        "() => window.__netcanvasTest.store.doc.layers.length > 3000"
        " && document.querySelector('[data-testid=canvas]').dataset.screen === 'complete'",
        timeout=60000,
    )
    # It opened collapsed to its stages; open every module: 3,000 layers, all far out.
    tid(page, "canvas").click(button="right", position={"x": 10, "y": 400})
    tid(page, "menu-expand-all-scopes").click()
    page.evaluate("() => window.__netcanvasTest.run('zoom-fit')")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=canvas]').dataset.screen === 'complete'"
    )
    zoom = float(tid(page, "canvas").get_attribute("data-zoom"))
    assert zoom < 0.3
    # Far out: no node in the DOM; the far canvas holds the picture, with colour in it.
    expect(page.locator(".node")).to_have_count(0)
    far = tid(page, "far-layer")
    expect(far).to_be_visible()
    painted = page.evaluate(
        """() => { const c = document.querySelector('[data-testid=far-layer]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1; return n; }"""
    )
    assert painted > 1000
    # Zoomed in: the nodes in sight are SVG with their shapes, a few dozen, not 3,000.
    page.evaluate("() => window.__netcanvasTest.reveal('b200_conv1')")
    node = tid(page, "node-b200_conv1")
    expect(node).to_be_visible()
    expect(tid(page, "shape-b200_bn1")).to_have_text("1×16×8×8")
    count = page.locator(".node").count()
    assert 5 < count < 200
    expect(far).to_be_hidden()
    # A pan far down the chain brings that part into the DOM and lets the first part go.
    y = page.evaluate("() => window.__netcanvasTest.store.session.viewport.y")
    page.evaluate(
        "(dy) => { const s = window.__netcanvasTest.store;"
        " s.setViewport({...s.session.viewport, y: dy}); }",
        y - 30000,
    )
    expect(tid(page, "node-b200_conv1")).to_have_count(0)
    assert 5 < page.locator(".node").count() < 200
    saved = json.loads(
        page.evaluate("() => JSON.stringify(window.__netcanvasTest.store.doc.view.collapsed)")
    )
    assert saved == []
    assert page.page_errors == []


def test_a_bookmarked_view_is_kept_with_the_design_and_flown_back_to(page: Page) -> None:
    doc = {
        "netcanvas": 1,
        "name": "marks",
        "layers": [
            {"name": "x", "type": "Input", "shape": [1, 4]},
            {"name": "fc", "type": "Linear", "out_features": 2},
        ],
    }
    open_document(page, doc)
    with_test_hooks(page)
    viewport = "() => window.__netcanvasTest.store.session.viewport"
    marked = page.evaluate(viewport)
    tid(page, "bookmarks").click()
    tid(page, "bookmark-add").click()
    expect(tid(page, "bookmark-0")).to_have_text("View 1")
    # Elsewhere, then back by the bookmark, also after a reload.
    page.evaluate("() => window.__netcanvasTest.store.setViewport({x: 900, y: -700, zoom: 2.5})")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    tid(page, "bookmarks").click()
    tid(page, "bookmark-0").click()
    expect(tid(page, "bookmark-menu")).to_be_hidden()
    now = page.evaluate(viewport)
    assert now["zoom"] == marked["zoom"]
    assert abs(now["x"] - marked["x"]) <= 1 and abs(now["y"] - marked["y"]) <= 1
    tid(page, "bookmarks").click()
    tid(page, "bookmark-delete-0").click()
    expect(tid(page, "bookmark-0")).to_have_count(0)
    assert page.page_errors == []
