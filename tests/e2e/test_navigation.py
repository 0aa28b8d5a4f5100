"""Finding your way in a big drawing (issue 20, item 4): the minimap shows the whole graph
and where the window is and moves the view; the context menu offers what a layer, a
module box or empty canvas can do, through the same undoable commands as the toolbar."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .helpers import export, open_document, tid
from .test_scopes import DOC as SCOPED

pytestmark = pytest.mark.e2e


def chain(n: int) -> dict[str, Any]:
    layers: list[dict[str, Any]] = [{"name": "x", "type": "Input", "shape": [1, 16]}]
    layers += [{"name": f"fc{i}", "type": "Linear", "out_features": 16} for i in range(n)]
    return {"netcanvas": 1, "name": "chain", "layers": layers}


def viewport(page: Page) -> str:
    return str(page.locator('[data-testid="canvas"] g.viewport').get_attribute("transform"))


def frame(page: Page) -> dict[str, float]:
    box = tid(page, "minimap-viewport").bounding_box()
    assert box is not None
    return box


def test_the_minimap_shows_the_window_and_moves_the_view(page: Page) -> None:
    open_document(page, chain(40))
    minimap = tid(page, "minimap")
    expect(minimap).to_be_visible()
    # The drawing is painted: some pixels of the map are not the background.
    painted = page.evaluate(
        """() => { const c = document.querySelector('[data-testid=minimap] canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1; return n; }"""
    )
    assert painted > 100
    wide = frame(page)
    map_box = minimap.bounding_box()
    assert map_box is not None
    # Zooming in shows less of the drawing: the window's rectangle shrinks.
    tid(page, "canvas").hover()
    page.keyboard.down("Control")
    page.mouse.wheel(0, -600)
    page.keyboard.up("Control")
    page.wait_for_function(
        "(w) => document.querySelector('[data-testid=minimap-viewport]')"
        ".getBoundingClientRect().width < w * 0.8",
        arg=wide["width"],
    )
    # A click near the map's bottom moves the view there (the last layers come on screen).
    before = viewport(page)
    page.mouse.click(map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] - 6)
    expect(page.locator('[data-testid="canvas"] g.viewport')).not_to_have_attribute(
        "transform", before
    )
    expect(tid(page, "node-fc39")).to_be_in_viewport()
    page.screenshot(path="/tmp/nav-minimap.png")
    # Hidden by its toggle, and still hidden after a reload.
    tid(page, "minimap-toggle").click()
    expect(minimap).to_be_hidden()
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(tid(page, "minimap-toggle")).to_be_visible()
    expect(tid(page, "minimap")).to_be_hidden()
    tid(page, "minimap-toggle").click()
    expect(tid(page, "minimap")).to_be_visible()


def selected(page: Page) -> set[str]:
    names = "(ns) => ns.map(n => n.dataset.node)"
    return set(page.eval_on_selector_all(".node.selected[data-node]", names))


def test_the_context_menu_acts_on_a_layer_through_undoable_commands(page: Page) -> None:
    open_document(page, SCOPED)
    menu = tid(page, "context-menu")
    tid(page, "node-layer1.1.conv1").click(button="right")
    expect(menu).to_be_visible()
    for item in ("rename", "duplicate", "delete", "select-upstream", "select-downstream"):
        expect(tid(page, f"menu-{item}")).to_be_visible()
    # The layer's modules, innermost first, can each be drawn as one box.
    expect(tid(page, "menu-collapse-scope")).to_have_count(2)
    expect(tid(page, "menu-collapse-scope").first).to_contain_text("layer1.1")
    page.screenshot(path="/tmp/nav-menu.png")

    tid(page, "menu-select-downstream").click()
    expect(menu).to_be_hidden()
    down = selected(page)
    assert "layer1.1.conv1" in down and "pool" in down and "layer1.0.conv1" not in down

    tid(page, "node-layer1.0.relu").click(button="right")
    assert selected(page) == {"layer1.0.relu"}  # outside the selection: that layer alone
    tid(page, "menu-select-upstream").click()
    assert selected(page) == {"x", "layer1.0.conv1", "layer1.0.relu"}

    # Duplicate and delete change the document; Ctrl+Z takes each back.
    count = page.locator(".node[data-node]").count()
    tid(page, "node-pool").click(button="right")
    tid(page, "menu-duplicate").click()
    expect(page.locator(".node[data-node]")).to_have_count(count + 1)
    page.keyboard.press("Control+z")
    expect(page.locator(".node[data-node]")).to_have_count(count)
    tid(page, "node-pool").click(button="right")
    tid(page, "menu-delete").click()
    expect(tid(page, "node-pool")).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(tid(page, "node-pool")).to_have_count(1)

    # Collapse from the menu; the module's box offers to open it again.
    tid(page, "node-layer1.0.relu").click(button="right")
    tid(page, "menu-collapse-scope").last.click()  # layer1, the outer module
    expect(tid(page, "group-layer1")).to_be_visible()
    tid(page, "group-layer1").click(button="right")
    tid(page, "menu-expand-scope").click()
    expect(tid(page, "group-layer1")).to_have_count(0)
    expect(tid(page, "node-layer1.0.relu")).to_be_visible()

    # Rename opens the name field; Input layers offer their shape.
    tid(page, "node-pool").click(button="right")
    tid(page, "menu-rename").click()
    expect(tid(page, "rename")).to_be_focused()
    tid(page, "node-x").click(button="right")
    expect(tid(page, "menu-set-input-shape")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()


def test_the_context_menu_on_empty_canvas_and_from_the_keyboard(page: Page) -> None:
    open_document(page, chain(3))
    canvas = tid(page, "canvas").bounding_box()
    assert canvas is not None
    page.mouse.click(canvas["x"] + canvas["width"] - 60, canvas["y"] + 40, button="right")
    expect(tid(page, "context-menu")).to_be_visible()
    expect(tid(page, "menu-delete")).to_have_count(0)
    # Inside the canvas whatever corner was clicked.
    box = tid(page, "context-menu").bounding_box()
    assert box is not None and box["x"] + box["width"] <= canvas["x"] + canvas["width"]
    # Arrow keys move through the items; Enter runs one.
    page.keyboard.press("ArrowDown")  # from the first item (Select all: no Paste yet)
    focused = str(page.locator(":focus").get_attribute("data-testid"))
    assert focused.startswith("menu-")
    tid(page, "menu-select-all").focus()
    page.keyboard.press("Enter")
    expect(tid(page, "context-menu")).to_be_hidden()
    assert selected(page) == {"x", "fc0", "fc1", "fc2"}
    # Shift+F10 (or the Menu key) opens it on the selection: the layer's items.
    page.keyboard.press("Shift+F10")
    expect(tid(page, "menu-select-downstream")).to_be_visible()
    expect(tid(page, "menu-select-all")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(tid(page, "context-menu")).to_be_hidden()


@pytest.mark.parametrize("kind", ["svg", "png"])
def test_copy_the_figure_to_the_clipboard(page: Page, server: str, kind: str) -> None:
    """The figure goes to the clipboard, to paste into slides: PNG as an image, SVG as its
    markup (and as an SVG image where the browser takes one)."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    open_document(page, chain(3))
    tid(page, "export-menu").locator("summary").click()
    tid(page, f"copy-{kind}").click()
    expect(tid(page, "toast")).to_contain_text(f"Copied the figure as {kind.upper()}")
    found = page.evaluate(
        """async () => { const out = {};
        for (const item of await navigator.clipboard.read()) for (const type of item.types) {
          const bytes = new Uint8Array(await (await item.getType(type)).arrayBuffer());
          out[type] = type === 'image/png' ? Array.from(bytes.slice(0, 8))
            : new TextDecoder().decode(bytes); }
        return out; }"""
    )
    if kind == "png":
        assert found["image/png"] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    else:
        assert "<svg" in found["text/plain"] and "fc2" in found["text/plain"]


def _onnx_bytes() -> list[int]:
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.zeros((4, 3, 3, 3), dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["y"], name="relu")],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [weight],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return list(model.SerializeToString())


@pytest.mark.parametrize("how", ["drop", "paste"])
def test_onnx_bytes_into_the_source_view_open_as_onnx(page: Page, how: str) -> None:
    """A model file dropped on (or pasted into) the Source view's text is opened as the file
    it is, found by its bytes when its name has no extension, not pasted as text."""
    tid(page, "tab-source").click()
    page.evaluate(
        """([bytes, how]) => {
        const file = new File([new Uint8Array(bytes)], 'model', {type: ''});
        const data = new DataTransfer(); data.items.add(file);
        const editor = document.querySelector('[data-testid=source-editor]');
        const init = {bubbles: true, cancelable: true};
        editor.dispatchEvent(how === 'drop'
          ? new DragEvent('drop', {...init, dataTransfer: data})
          : new ClipboardEvent('paste', {...init, clipboardData: data})); }""",
        [_onnx_bytes(), how],
    )
    expect(tid(page, "toast")).to_contain_text("Opened model")
    expect(tid(page, "shape-conv")).to_have_text("1×4×8×8")
    expect(tid(page, "node-relu")).to_be_attached()
    assert "\x08" not in tid(page, "source-editor").input_value()  # no bytes in the text


def test_compare_marks_what_changed_and_what_it_costs(page: Page) -> None:
    """Compare with the design as it was: each edit is compared again, the canvas marks
    added and changed layers, the panel lists every change with its params delta, totals
    equal the service's diff; a saved revision and a model file are the other baselines."""
    open_document(page, chain(3))
    tid(page, "compare").click()
    tid(page, "compare-snapshot").click()
    summary = tid(page, "compare-summary")
    expect(summary).to_have_text("No difference.")
    # fc1: 16 -> 32 outputs (+272 params: 16·16+16 -> 16·32+32), fc2 reads 32 now (+256).
    tid(page, "node-fc1").click()
    tid(page, "tab-inspector").click()
    tid(page, "param-out_features").fill("32")
    tid(page, "param-out_features").press("Enter")
    expect(summary).to_contain_text("2 changed")
    delta = (16 * 32 + 32) - (16 * 16 + 16) + (16 * 32 - 16 * 16)
    assert summary.get_attribute("data-params") == str(delta)
    expect(tid(page, "node-fc1")).to_have_class(re.compile("diff-changed"))
    expect(tid(page, "node-fc0")).not_to_have_class(re.compile("diff-"))
    expect(tid(page, "compare-row-fc1")).to_contain_text("out_features 16 → 32")
    # A new layer is marked as added; deleting one lists it as removed.
    tid(page, "node-fc2").click()
    page.keyboard.press("Delete")
    expect(tid(page, "compare-row-fc2")).to_contain_text("−")
    page.screenshot(path="/tmp/nav-compare.png")
    # Undo: the comparison follows the design back.
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    expect(summary).to_have_text("No difference.")
    tid(page, "compare-close").click()
    expect(tid(page, "compare-panel")).to_be_hidden()
    expect(page.locator(".node.diff-changed")).to_have_count(0)


def test_compare_with_a_model_file(page: Page, tmp_path: Any) -> None:
    open_document(page, chain(3))
    other = chain(4)
    other["layers"][2]["out_features"] = 8
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other))
    tid(page, "compare").click()
    with page.expect_file_chooser() as chooser:
        tid(page, "compare-file").click()
    chooser.value.set_files(str(path))
    # From the file (fc3 more, fc1 with 8 outputs) to the design: fc3 removed, fc1 changed.
    expect(tid(page, "compare-row-fc3")).to_contain_text("−")
    expect(tid(page, "compare-row-fc1")).to_contain_text("out_features 8 → 16")
    expect(tid(page, "compare-panel")).to_contain_text("other.json")


def test_the_export_menu_writes_tikz_for_latex_papers(page: Page) -> None:
    """A figure for a LaTeX paper (PlotNeuralNet users' way): the Export menu's TikZ is a
    .tex picture with the layers' names (tests/render/test_tikz.py compiles it)."""
    open_document(page, chain(3))
    name, data = export(page, "tex")
    assert name.endswith(".tex")
    text = data.decode()
    assert "\\begin{tikzpicture}" in text and "fc2" in text
