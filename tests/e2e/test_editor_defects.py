"""The editor as people really use it (issue 20): each defect a new user met, reproduced the way
they met it in Chromium, against the real service."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .helpers import centre, open_document, paste, select, tid, wait_analysed
from .test_export_persist import export

pytestmark = pytest.mark.e2e

CHAIN = {
    "netcanvas": 1,
    "name": "chain",
    "layers": [
        {"name": "data", "type": "Input", "shape": [1, 3, 32, 32]},
        {"name": "conv1", "type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
        {"name": "relu1", "type": "ReLU"},
    ],
    "view": {"positions": {"data": [0, 0], "conv1": [0, 110], "relu1": [0, 220]}},
}


@pytest.mark.parametrize("how", ["f2-enter", "field-tab"])
def test_rename_follows_the_selection_and_throws_nothing(page: Page, how: str) -> None:
    open_document(page, CHAIN)
    select(page, "conv1")
    if how == "f2-enter":
        page.keyboard.press("F2")
        expect(tid(page, "rename")).to_be_focused()
        page.keyboard.type("stem")
        page.keyboard.press("Enter")
    else:
        tid(page, "rename").fill("stem")
        tid(page, "rename").press("Tab")
    expect(tid(page, "node-stem")).to_be_attached()
    expect(tid(page, "node-conv1")).to_have_count(0)
    # The inspector shows the renamed layer, and the selection is it.
    expect(tid(page, "rename")).to_have_value("stem")
    expect(tid(page, "node-stem")).to_have_class(re.compile(r"\bselected\b"))
    # Edges follow the name.
    expect(tid(page, "edge-data-stem")).to_be_attached()
    wait_analysed(page)
    # Delete acts on the renamed layer.
    tid(page, "canvas").focus()
    page.keyboard.press("Delete")
    expect(tid(page, "node-stem")).to_have_count(0)
    assert vars(page)["page_errors"] == []


# Every message the toast shows, even for a moment, in the order shown.
RECORD_TOASTS = """() => { window.__toasts = [];
  const toast = document.querySelector('[data-testid=toast]');
  new MutationObserver(() => { if (!toast.hidden) window.__toasts.push(toast.textContent); })
    .observe(toast, {childList: true, characterData: true, subtree: true, attributes: true}); }"""


def test_a_wire_drag_leaving_its_own_node_is_not_refused(page: Page) -> None:
    open_document(page, CHAIN)
    page.evaluate(RECORD_TOASTS)
    x, y = centre(page, "port-out-conv1-0")
    box = tid(page, "node-conv1").bounding_box()
    assert box is not None
    # Up through the node's own body first (as a hand does), out to empty canvas beside it,
    # and down to relu1's input.
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=6)
    page.mouse.move(box["x"] + box["width"] + 120, y + 40, steps=6)
    page.mouse.move(*centre(page, "port-in-relu1-0"), steps=6)
    page.mouse.up()
    expect(tid(page, "edge-conv1-relu1")).to_be_attached()
    assert not [t for t in page.evaluate("() => window.__toasts") if "Refused" in t]
    # Letting go on its own node is a wire to nowhere: nothing, and nothing to complain about.
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 30, box["y"] + 10, steps=6)
    page.mouse.up()
    assert not [t for t in page.evaluate("() => window.__toasts") if "Refused" in t]
    # A real cycle is still refused, with its reason.
    page.mouse.move(*centre(page, "port-out-relu1-0"))
    page.mouse.down()
    page.mouse.move(*centre(page, "port-in-conv1-0"), steps=10)
    page.mouse.up()
    expect(tid(page, "toast")).to_contain_text("would make a cycle")
    assert vars(page)["page_errors"] == []


LENET_PROTOTXT = """name: "LeNet"
layer { name: "data" type: "Input" top: "data"
  input_param { shape: { dim: 1 dim: 1 dim: 28 dim: 28 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 20 kernel_size: 5 stride: 1 } }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2"
  convolution_param { num_output: 50 kernel_size: 5 stride: 1 } }
layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2"
  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1"
  inner_product_param { num_output: 500 } }
layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
  inner_product_param { num_output: 10 } }
layer { name: "prob" type: "Softmax" bottom: "ip2" top: "prob" }
"""

# For [src, dst] pairs: [src box bottom, dst box top] in page pixels.
EDGE_SPANS = """(pairs) => pairs.map(([src, dst]) => {
  const box = (n) => document.querySelector(`[data-testid="node-${n}"] .node-box`)
    .getBoundingClientRect();
  return [src, dst, box(src).bottom, box(dst).top];
})"""
LENET_CHAIN = ["data", "conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2", "prob"]


def test_a_pasted_model_is_laid_out_fresh(page: Page) -> None:
    tid(page, "templates").click()
    tid(page, "template-alexnet").click()
    expect(tid(page, "node-fc8")).to_be_attached()
    tid(page, "tab-source").click()
    tid(page, "source-format").select_option("prototxt")
    paste(page, "source-editor", LENET_PROTOTXT)
    expect(tid(page, "node-prob")).to_be_attached()
    expect(tid(page, "node-fc8")).to_have_count(0)
    wait_analysed(page)
    pairs = list(zip(LENET_CHAIN, LENET_CHAIN[1:], strict=False))
    for src, dst in pairs:
        expect(tid(page, f"edge-{src}-{dst}")).to_be_attached()
    spans = page.evaluate(EDGE_SPANS, pairs)
    # A chain laid out fresh runs top to bottom: every wire goes down, none behind a box.
    for src, dst, bottom, top in spans:
        assert top > bottom, f"{dst} is not below {src}"
    assert vars(page)["page_errors"] == []


# For each edge path: its points (sampled along it, in page pixels) that fall inside a drawn box
# it does not belong to. `ends` maps an edge's testid to its [src, dst].
WIRES_BEHIND_BOXES = """(ends) => {
  const boxes = [...document.querySelectorAll('.node:not(.folded)')].map((n) => [
    n.dataset.node, n.querySelector('.node-box').getBoundingClientRect()]);
  const out = {};
  for (const [id, [src, dst]] of Object.entries(ends)) {
    const path = document.querySelector(`[data-testid="${id}"]`);
    const m = path.getScreenCTM();
    const length = path.getTotalLength();
    const hits = [];
    for (let i = 0; i <= 60; i += 1) {
      const p = path.getPointAtLength((length * i) / 60).matrixTransform(m);
      for (const [name, r] of boxes) {
        if (name === src || name === dst) continue;
        if (p.x > r.left + 1 && p.x < r.right - 1 && p.y > r.top + 1 && p.y < r.bottom - 1)
          hits.push(name);
      }
    }
    if (hits.length) out[id] = [...new Set(hits)];
  }
  return out;
}"""


def template_edges(slug: str) -> dict[str, list[str]]:
    """Every edge of a template by testid: [src, dst] (inputs default to the previous layer)."""
    import yaml

    from netcanvas.templates import __file__ as where

    doc = yaml.safe_load((Path(where).parent / f"{slug}.yaml").read_text())
    ends: dict[str, list[str]] = {}
    previous = None
    for layer in doc["layers"]:
        inputs = layer.get("inputs", [previous] if previous and layer["type"] != "Input" else [])
        for ref in [inputs] if isinstance(inputs, str) else inputs:
            src = ref.rsplit(":", 1)[0] if ref.rsplit(":", 1)[-1].isdigit() else ref
            ends[f"edge-{src}-{layer['name']}"] = [src, layer["name"]]
        previous = layer["name"]
    return ends


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_resnet_skip_connections_run_beside_the_column(page: Page, theme: str) -> None:
    tid(page, "templates").click()
    tid(page, "template-resnet18").click()
    expect(tid(page, "node-fc")).to_be_attached()
    wait_analysed(page)
    ends = template_edges("resnet18")
    skips = {k: v for k, v in ends.items() if v[1].endswith("_add") and "_bn" not in v[0]}
    skips.update({k: v for k, v in ends.items() if v[1].endswith("down_conv")})
    assert len(skips) == 8, skips  # 5 identity shortcuts, 3 into a downsampling branch
    behind = page.evaluate(WIRES_BEHIND_BOXES, ends)
    assert behind == {}, f"wires behind boxes they do not belong to: {behind}"
    if theme == "dark":
        tid(page, "ui-theme").click()
        tid(page, "theme-select").select_option("dark")
    page.screenshot(path=f"/tmp/resnet18-canvas-{theme}.png")
    # Closer, around the first downsampling block, as a person reads it.
    x, y = centre(page, "node-layer2_0_add")
    page.mouse.move(x, y)
    page.keyboard.down("Control")
    for _ in range(6):
        page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_timeout(200)
    assert page.evaluate(WIRES_BEHIND_BOXES, ends) == {}
    page.screenshot(path=f"/tmp/resnet18-canvas-{theme}-zoom.png")


def design_count(page: Page) -> int:
    return int(page.evaluate("async () => (await (await fetch('/api/designs')).json()).count"))


def test_a_shared_page_cannot_save_and_its_owner_can_edit_it(
    page: Page, browser: Any, server: str
) -> None:
    open_document(page, CHAIN)
    tid(page, "save").click()
    expect(tid(page, "share-link")).to_be_visible()
    href = str(tid(page, "share-link").get_attribute("href"))
    expect(tid(page, "toast")).to_contain_text("revision 1")
    saved = design_count(page)

    # Someone else (another browser, no edit key): read-only, and Save does not save.
    visitor = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        other = visitor.new_page()
        errors: list[str] = []
        other.on("pageerror", lambda error: errors.append(str(error)))
        other.goto(href)
        other.wait_for_selector("body[data-ready=true]")
        expect(tid(other, "readonly-banner")).to_be_visible()
        expect(tid(other, "save")).to_be_disabled()
        tid(other, "save").click(force=True)
        tid(other, "canvas").focus()
        other.keyboard.press("Control+s")
        other.wait_for_timeout(300)
        assert design_count(other) == saved, "a read-only page made a new design"
        expect(tid(other, "readonly-banner")).to_be_visible()
        # Make a copy: the copy is the visitor's, and saves as a design of their own.
        tid(other, "make-copy").click()
        expect(tid(other, "save")).to_be_enabled()
        tid(other, "save").click()
        expect(tid(other, "toast")).to_contain_text("revision 1")
        assert design_count(other) == saved + 1
        assert errors == []
    finally:
        visitor.close()

    # The owner (this browser holds the edit key) opening their own link can edit and save it.
    page.goto(href)
    page.wait_for_selector("body[data-ready=true]")
    expect(tid(page, "node-relu1")).to_be_attached()
    expect(tid(page, "readonly-banner")).to_be_hidden()
    select(page, "relu1")
    tid(page, "canvas").focus()
    page.keyboard.press("Delete")
    expect(tid(page, "node-relu1")).to_have_count(0)
    tid(page, "save").click()
    expect(tid(page, "toast")).to_contain_text("revision 2")
    assert design_count(page) == saved + 1
    assert vars(page)["page_errors"] == []


BROKEN_YAML = (
    "netcanvas: 1\nname: broken\nlayers:\n  - {name: data, type: Input, shape: [1, 3, 8, 8]}\n"
    "  - {name: c, type: Conv2d, out_channels: [4}\n  - {name: r, type: ReLU}\n"
)
# Where the error band is, and the textarea's line 5, in page pixels.
ERROR_MARK = """() => {
  const editor = document.querySelector('[data-testid=source-editor]');
  const mark = document.querySelector('[data-testid=source-error-line]');
  const style = getComputedStyle(editor);
  const line = parseFloat(style.lineHeight);
  const top = editor.getBoundingClientRect().top + parseFloat(style.paddingTop)
    + parseFloat(style.borderTopWidth) + (Number(mark.dataset.line) - 1) * line - editor.scrollTop;
  const r = mark.getBoundingClientRect();
  return {line: Number(mark.dataset.line), top: r.top, expected: top, height: r.height,
          lineHeight: line, visible: !mark.hidden && r.height > 0};
}"""


def test_the_source_view_reads_what_was_pasted_and_keeps_what_was_typed(page: Page) -> None:
    open_document(page, CHAIN)
    tid(page, "tab-source").click()
    tid(page, "source-format").select_option("yaml")
    expect(tid(page, "source-editor")).to_have_value(re.compile("conv1"))
    # Prototxt pasted while the format says YAML: read as prototxt, and said so.
    paste(page, "source-editor", LENET_PROTOTXT)
    expect(tid(page, "source-format")).to_have_value("prototxt")
    expect(page.locator(".source-status")).to_contain_text("prototxt")
    expect(tid(page, "node-prob")).to_be_attached()
    expect(tid(page, "source-error")).to_be_hidden()
    # The text is the design: switching the format converts it.
    tid(page, "source-format").select_option("yaml")
    expect(tid(page, "source-editor")).to_have_value(re.compile(r"netcanvas: 1"))

    # Typed text that does not read: its error marks its line, and switching the format by hand
    # never replaces it with the design.
    tid(page, "source-editor").fill(BROKEN_YAML)
    expect(tid(page, "source-error")).to_contain_text("line 5")
    mark = page.evaluate(ERROR_MARK)
    assert mark["visible"] and mark["line"] == 5, mark
    assert abs(mark["top"] - mark["expected"]) < 2, mark
    assert mark["height"] >= mark["lineHeight"] - 1, mark
    tid(page, "source-format").select_option("json")
    expect(tid(page, "source-error")).to_be_visible()
    assert tid(page, "source-editor").input_value() == BROKEN_YAML
    tid(page, "source-format").select_option("yaml")
    assert tid(page, "source-editor").input_value() == BROKEN_YAML
    # Mended, the mark goes.
    tid(page, "source-editor").fill(BROKEN_YAML.replace("[4}", "4}"))
    expect(tid(page, "node-r")).to_be_attached()
    expect(tid(page, "source-error-line")).to_be_hidden()
    assert vars(page)["page_errors"] == []


TRAIN_VAL = """name: "tv"
layer { name: "mnist" type: "Data" top: "data" top: "label" include { phase: TRAIN }
  data_param { source: "train_lmdb" batch_size: 64 backend: LMDB } }
layer { name: "mnist" type: "Data" top: "data" top: "label" include { phase: TEST }
  data_param { source: "test_lmdb" batch_size: 100 backend: LMDB } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 20 kernel_size: 5 } }
layer { name: "ip1" type: "InnerProduct" bottom: "conv1" top: "ip1"
  inner_product_param { num_output: 10 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip1" bottom: "label" top: "loss" }
"""


def set_input_shape(page: Page, name: str, text: str) -> None:
    select(page, name)
    tid(page, "tab-inspector").click()
    expect(tid(page, "input-shape-note")).to_be_visible()
    tid(page, "param-shape").fill(text)


def test_a_train_val_data_layer_gets_its_shape_per_phase(page: Page) -> None:
    tid(page, "tab-source").click()
    tid(page, "source-format").select_option("prototxt")
    paste(page, "source-editor", TRAIN_VAL)
    expect(tid(page, "node-conv1")).to_be_attached()
    wait_analysed(page)
    expect(tid(page, "shape-conv1")).to_have_text("?")
    # The totals do not pass for complete: they say shapes are unknown, and are a lower bound.
    expect(tid(page, "stats-errors")).to_contain_text("shapes unknown")
    expect(tid(page, "stats-params")).to_contain_text("≥")
    # The inspector says the file does not give the shape, and takes it (phase TEST).
    # A banner on the canvas names the input and takes the person to its shape field.
    expect(tid(page, "shape-banner")).to_be_visible()
    expect(tid(page, "shape-banner")).to_contain_text("mnist")
    tid(page, "shape-banner-set").click()
    expect(tid(page, "param-shape")).to_be_focused()
    # Its warning names this form, not the command line's --input-shape.
    expect(tid(page, "inspector")).to_contain_text("the shape field in this form")
    expect(tid(page, "inspector")).not_to_contain_text("--input-shape")
    set_input_shape(page, "mnist", "100,1,28,28")
    expect(tid(page, "input-shape-note")).to_contain_text("TEST")
    expect(tid(page, "shape-conv1")).to_have_text("100×20×24×24")
    expect(tid(page, "stats-errors")).to_have_text("no errors")
    expect(tid(page, "shape-banner")).to_be_hidden()
    # TRAIN reads the file's TRAIN layers: its input is set on its own.
    tid(page, "tab-source").click()
    tid(page, "phase-select").select_option("TRAIN")
    expect(tid(page, "shape-conv1")).to_have_text("?")
    set_input_shape(page, "mnist", "64,1,28,28")
    expect(tid(page, "input-shape-note")).to_contain_text("TRAIN")
    expect(tid(page, "shape-conv1")).to_have_text("64×20×24×24")
    # Switching back and forth keeps what was set in each phase.
    tid(page, "tab-source").click()
    tid(page, "phase-select").select_option("TEST")
    expect(tid(page, "shape-conv1")).to_have_text("100×20×24×24")
    tid(page, "phase-select").select_option("TRAIN")
    expect(tid(page, "shape-conv1")).to_have_text("64×20×24×24")
    # An edit of the text (same phase) keeps it too.
    text = tid(page, "source-editor").input_value().replace("num_output: 20", "num_output: 8")
    paste(page, "source-editor", text)
    expect(tid(page, "shape-conv1")).to_have_text("64×8×24×24")
    assert vars(page)["page_errors"] == []


# Ctrl and the key at Y on a Cyrillic layout, as Chromium reports it: key "н", code "KeyY".
CYRILLIC_CTRL_Y = """() => document.body.dispatchEvent(new KeyboardEvent('keydown',
    {key: 'н', code: 'KeyY', ctrlKey: true, bubbles: true, cancelable: true}))"""


@pytest.mark.parametrize("redo", ["Control+y", "Control+Shift+z", "cyrillic"])
def test_ctrl_y_redoes(page: Page, redo: str) -> None:
    open_document(page, CHAIN)
    select(page, "relu1")
    page.keyboard.press("Delete")
    expect(tid(page, "node-relu1")).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(tid(page, "node-relu1")).to_be_attached()
    if redo == "cyrillic":
        page.evaluate(CYRILLIC_CTRL_Y)
    else:
        page.keyboard.press(redo)
    expect(tid(page, "node-relu1")).to_have_count(0)
    assert vars(page)["page_errors"] == []


def test_ctrl_y_redoes_while_a_field_has_focus(page: Page) -> None:
    open_document(page, CHAIN)
    select(page, "conv1")
    field = tid(page, "param-out_channels")
    field.fill("8")
    expect(tid(page, "shape-conv1")).to_have_text("1×8×32×32")
    # Still in the field, as after typing: the keys undo and redo the design's edit.
    expect(field).to_be_focused()
    page.keyboard.press("Control+z")
    expect(tid(page, "shape-conv1")).to_have_text("1×16×32×32")
    expect(field).to_have_value("16")
    page.keyboard.press("Control+y")
    expect(tid(page, "shape-conv1")).to_have_text("1×8×32×32")
    expect(field).to_have_value("8")
    # The source text keeps its own undo.
    tid(page, "tab-source").click()
    tid(page, "source-editor").press("Control+y")
    expect(tid(page, "shape-conv1")).to_have_text("1×8×32×32")
    assert vars(page)["page_errors"] == []


def test_palette_help_reads_the_docstring_markup(page: Page) -> None:
    tid(page, "palette-item-Linear").hover()
    doc = page.locator(".palette-doc")
    expect(doc).to_contain_text("[*, in_features]")
    assert "``" not in str(doc.text_content())
    expect(doc.locator("code", has_text="[*, in_features]")).to_be_visible()
    assert "``" not in str(tid(page, "palette-item-Linear").get_attribute("title"))


def test_a_template_asks_before_it_replaces_work(page: Page) -> None:
    open_document(page, CHAIN)  # work from an earlier session, not a template
    tid(page, "templates").click()
    # Each template says its size and cost (the gallery's own counts).
    expect(tid(page, "template-facts-resnet50")).to_have_text(
        re.compile(r"\d+ layers · 25\.56 M params · 4\.\d\d G MACs")
    )
    # And shows its figure.
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=template-thumb-lenet5]');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    tid(page, "template-lenet5").click()
    expect(tid(page, "template-confirm")).to_be_visible()
    expect(tid(page, "template-confirm")).to_contain_text("chain")
    expect(tid(page, "node-conv1")).to_be_attached()
    tid(page, "template-cancel").click()
    expect(tid(page, "template-confirm")).to_be_hidden()
    expect(tid(page, "node-conv1")).to_be_attached()
    tid(page, "template-lenet5").click()
    tid(page, "template-replace").click()
    expect(tid(page, "templates-dialog")).to_be_hidden()
    expect(tid(page, "node-c3")).to_be_attached()
    # A template just opened is no loss: the next one replaces it at once.
    tid(page, "templates").click()
    tid(page, "template-alexnet").click()
    expect(tid(page, "node-fc8")).to_be_attached()
    expect(tid(page, "templates-dialog")).to_be_hidden()
    # Edited, it is work again.
    select(page, "fc8")
    page.keyboard.press("Delete")
    expect(tid(page, "node-fc8")).to_have_count(0)
    tid(page, "templates").click()
    tid(page, "template-lenet5").click()
    expect(tid(page, "template-confirm")).to_be_visible()
    assert vars(page)["page_errors"] == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_pasted_googlenet_wires_run_clear_of_other_boxes(
    page: Page, caffe_corpus: Path, theme: str
) -> None:
    text = (caffe_corpus / "googlenet_deploy.prototxt").read_text()
    tid(page, "tab-source").click()
    paste(page, "source-editor", text)
    expect(tid(page, "shape-prob")).to_be_attached(timeout=15000)
    wait_analysed(page)
    ends = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.edge')].map((e) => {
            const id = e.dataset.testid; return [id, null]; }))"""
    )
    # The editor's own edge list names each edge's ends (names hold '/' but never '-').
    ends = {k: k[len("edge-") :].split("-", 1) for k in ends}
    assert len(ends) > 150
    if theme == "dark":
        tid(page, "ui-theme").click()
        tid(page, "theme-select").select_option("dark")
    assert page.evaluate(WIRES_BEHIND_BOXES, ends) == {}
    x, y = centre(page, "node-inception_3b/output")
    page.mouse.move(x, y)
    page.keyboard.down("Control")
    for _ in range(5):
        page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_timeout(200)
    page.screenshot(path=f"/tmp/googlenet-canvas-{theme}.png")


def test_an_unclosed_brace_is_marked_where_it_shows(page: Page) -> None:
    # LeNet with conv1's convolution_param left open (line 5): the next layer, line 6, says so.
    lines = LENET_PROTOTXT.splitlines()
    assert lines[4].endswith("} }")
    lines[4] = lines[4][: -len(" }")]
    tid(page, "tab-source").click()
    paste(page, "source-editor", "\n".join(lines) + "\n")
    expect(tid(page, "source-error")).to_contain_text("line 6, column 1")
    expect(tid(page, "source-error")).to_contain_text("line 4")
    expect(tid(page, "source-error-line")).to_have_attribute("data-line", "6")
    expect(tid(page, "source-error-line")).to_be_visible()


def test_stack_says_why_a_pytorch_style_design_has_nothing_to_stack(page: Page) -> None:
    tid(page, "templates").click()
    tid(page, "template-resnet18").click()
    expect(tid(page, "node-fc")).to_be_attached()
    before = tid(page, "node-layer1_0_a_bn").get_attribute("transform")
    tid(page, "stack-toggle").click()
    expect(tid(page, "toast")).to_contain_text("Nothing to stack")
    expect(tid(page, "stack-toggle")).to_have_attribute("aria-pressed", "true")
    assert tid(page, "node-layer1_0_a_bn").get_attribute("transform") == before
    assert vars(page)["page_errors"] == []


def test_dashed_unknown_type_boxes_have_a_legend(page: Page) -> None:
    mystery = {"name": "mystery", "type": "MyCustomOp", "inputs": ["relu1"]}
    doc = {**CHAIN, "layers": [*CHAIN["layers"], mystery]}
    open_document(page, doc)
    expect(tid(page, "canvas-legend")).to_be_visible()
    expect(tid(page, "canvas-legend")).to_contain_text("does not know")
    select(page, "mystery")
    page.keyboard.press("Delete")
    expect(tid(page, "canvas-legend")).to_be_hidden()


def test_undo_history_survives_a_reload(page: Page) -> None:
    open_document(page, CHAIN)
    select(page, "relu1")
    page.keyboard.press("Delete")
    expect(tid(page, "node-relu1")).to_have_count(0)
    select(page, "conv1")
    tid(page, "param-out_channels").fill("8")
    expect(tid(page, "shape-conv1")).to_have_text("1×8×32×32")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(tid(page, "shape-conv1")).to_have_text("1×8×32×32")
    expect(tid(page, "undo")).to_be_enabled()
    tid(page, "undo").click()
    expect(tid(page, "shape-conv1")).to_have_text("1×16×32×32")
    tid(page, "undo").click()
    expect(tid(page, "node-relu1")).to_be_attached()
    expect(tid(page, "undo")).to_be_disabled()
    tid(page, "redo").click()
    expect(tid(page, "node-relu1")).to_have_count(0)
    assert vars(page)["page_errors"] == []


def test_the_preview_zooms_and_leaves_most_of_the_canvas(page: Page) -> None:
    tid(page, "templates").click()
    tid(page, "template-resnet18").click()
    expect(tid(page, "node-fc")).to_be_attached()
    tid(page, "preview-toggle").click()
    preview = tid(page, "figure-preview")
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=figure-preview] img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    canvas = tid(page, "canvas").bounding_box()
    box = preview.bounding_box()
    assert canvas and box and box["width"] <= canvas["width"] * 0.34, (box, canvas)
    img = preview.locator("img")
    before = img.bounding_box()
    assert before is not None
    # The wheel zooms around the pointer: the figure grows, the point under it stays.
    page.mouse.move(before["x"] + before["width"] / 2, before["y"] + 100)
    page.mouse.wheel(0, -600)
    expect(preview).not_to_have_attribute("data-zoom", "1.00")
    after = img.bounding_box()
    assert after and after["width"] > before["width"] * 2
    tid(page, "preview-fit").click()
    expect(preview).to_have_attribute("data-zoom", "1.00")
    # The left edge drags wider.
    handle = tid(page, "preview-resize").bounding_box()
    assert handle is not None
    drag_to = handle["x"] - 200
    page.mouse.move(handle["x"] + 2, handle["y"] + 200)
    page.mouse.down()
    page.mouse.move(drag_to, handle["y"] + 200, steps=5)
    page.mouse.up()
    wider = preview.bounding_box()
    assert wider and wider["width"] > box["width"] + 150
    page.screenshot(path="/tmp/preview.png")
    assert vars(page)["page_errors"] == []


# For each [src, dst]: src box right edge and dst box left edge, in page pixels.
EDGE_SPANS_LR = """(pairs) => pairs.map(([src, dst]) => {
  const box = (n) => document.querySelector(`[data-testid="node-${n}"] .node-box`)
    .getBoundingClientRect();
  return [src, dst, box(src).right, box(dst).left];
})"""


def test_left_to_right_from_the_toolbar(page: Page) -> None:
    tid(page, "templates").click()
    tid(page, "template-resnet18").click()
    expect(tid(page, "node-fc")).to_be_attached()
    wait_analysed(page)
    tid(page, "rankdir-toggle").click()
    expect(tid(page, "rankdir-toggle")).to_have_attribute("aria-pressed", "true")
    ends = template_edges("resnet18")
    page.wait_for_timeout(300)
    # Every wire runs rightwards, into the left edge of its target, and none behind a box.
    for src, dst, right, left in page.evaluate(EDGE_SPANS_LR, list(ends.values())):
        assert left > right, f"{dst} is not right of {src}"
    port = tid(page, "port-in-layer1_0_a_conv-0").bounding_box()
    box = tid(page, "node-layer1_0_a_conv").locator(".node-box").bounding_box()
    assert port and box and abs(port["x"] + port["width"] / 2 - box["x"]) < 2
    assert page.evaluate(WIRES_BEHIND_BOXES, ends) == {}
    canvas = tid(page, "canvas").bounding_box()
    assert canvas is not None
    page.mouse.move(canvas["x"] + 200, canvas["y"] + canvas["height"] / 2)
    page.keyboard.down("Control")
    for _ in range(6):
        page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_timeout(200)
    page.screenshot(path="/tmp/resnet18-lr.png")
    # The exported figure follows (the document's view.style.rankdir): wider than tall.
    _, svg = export(page, "svg")
    size = re.search(rb'<svg[^>]*width="([\d.]+)[^"]*"[^>]*height="([\d.]+)', svg)
    assert size and float(size.group(1)) > float(size.group(2)), size
    # Undo is top to bottom again.
    tid(page, "undo").click()
    expect(tid(page, "rankdir-toggle")).to_have_attribute("aria-pressed", "false")
    pairs = [["conv1_conv", "conv1_bn"], ["conv1_bn", "conv1_relu"]]
    for _, _, bottom, top in page.evaluate(EDGE_SPANS, pairs):
        assert top > bottom
    assert vars(page)["page_errors"] == []
