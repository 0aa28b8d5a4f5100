"""Building a network on the canvas the way a person does it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import (
    centre,
    connect,
    drag,
    drop_from_palette,
    open_document,
    select,
    set_param,
    tid,
    with_test_hooks,
)

pytestmark = pytest.mark.e2e

CHAIN = {
    "netcanvas": 1,
    "name": "chain",
    "layers": [
        {"name": "data", "type": "Input", "shape": [1, 3, 32, 32]},
        {"name": "conv1", "type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
        {"name": "pool1", "type": "MaxPool2d", "kernel_size": 2},
        {"name": "conv2", "type": "Conv2d", "out_channels": 8, "kernel_size": 3},
    ],
    "view": {
        "positions": {"data": [0, 0], "conv1": [0, 110], "pool1": [0, 220], "conv2": [0, 330]}
    },
}


def torch_shape(module: object, shape: tuple[int, ...]) -> str:
    """The shape PyTorch itself produces, written the way the editor writes shapes."""
    import torch

    with torch.no_grad():
        out = module(torch.zeros(*shape))  # type: ignore[operator]
    return "×".join(str(d) for d in out.shape)


def test_drop_from_palette_lands_under_the_pointer_at_any_zoom(page: Page) -> None:
    canvas = tid(page, "canvas")
    box = canvas.bounding_box()
    assert box is not None
    # Zoom in around an off-centre point, then pan: the view is far from the default.
    page.mouse.move(box["x"] + 300, box["y"] + 200)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -400)
    page.keyboard.up("Control")
    drag(page, (box["x"] + 500, box["y"] + 500), (box["x"] + 430, box["y"] + 560))
    zoom = float(canvas.get_attribute("data-zoom") or "1")
    assert zoom > 1.3

    target = (box["x"] + 640, box["y"] + 330)
    drop_from_palette(page, "Conv2d", *target)
    node = tid(page, "node-conv2d1")
    expect(node).to_be_visible()
    # Measure after the analysis has drawn the layer's error: that redraw replaces the box.
    expect(tid(page, "node-error-conv2d1")).to_be_visible()
    # The box itself (an unconnected layer also shows its error beside the box).
    rect = page.locator('[data-testid="node-conv2d1"] .node-box').bounding_box()
    assert rect is not None
    x, y = rect["x"] + rect["width"] / 2, rect["y"] + rect["height"] / 2
    assert abs(x - target[0]) <= 2 and abs(y - target[1]) <= 2, (x, y, target)

    drop_from_palette(page, "Conv2d", box["x"] + 300, box["y"] + 500)
    expect(tid(page, "node-conv2d2")).to_be_visible()
    drop_from_palette(page, "MaxPool2d", box["x"] + 900, box["y"] + 500)
    expect(tid(page, "node-maxpool2d1")).to_be_visible()


def test_wire_two_layers_and_see_the_shape(page: Page) -> None:
    import torch

    box = tid(page, "canvas").bounding_box()
    assert box is not None
    x, y = centre(page, "node-data")
    drop_from_palette(page, "Conv2d", x, y + 160)
    expect(tid(page, "shape-conv2d1")).to_have_text("?")
    connect(page, "data", "conv2d1")
    expect(tid(page, "edge-data-conv2d1")).to_be_attached()
    expected = torch_shape(torch.nn.Conv2d(3, 64, 3), (1, 3, 224, 224))
    expect(tid(page, "shape-conv2d1")).to_have_text(expected)
    params = sum(p.numel() for p in torch.nn.Conv2d(3, 64, 3).parameters())
    expect(tid(page, "stats-params")).to_have_attribute("data-value", str(params))


def test_wire_by_dropping_on_the_layer_body(page: Page) -> None:
    """A wire let go anywhere on a layer's box goes to its input, not only on the port."""
    import torch

    x, y = centre(page, "node-data")
    drop_from_palette(page, "Conv2d", x, y + 160)
    expect(tid(page, "node-error-conv2d1")).to_be_visible()  # settled: no redraw mid-drag
    rect = page.locator('[data-testid="node-conv2d1"] .node-box').bounding_box()
    assert rect is not None
    body = (rect["x"] + rect["width"] * 0.3, rect["y"] + rect["height"] / 2)
    drag(page, centre(page, "port-out-data-0"), body)
    expect(tid(page, "edge-data-conv2d1")).to_be_attached()
    expected = torch_shape(torch.nn.Conv2d(3, 64, 3), (1, 3, 224, 224))
    expect(tid(page, "shape-conv2d1")).to_have_text(expected)


def test_change_a_parameter_and_shapes_update_downstream(page: Page) -> None:
    import torch

    open_document(page, CHAIN)
    select(page, "conv1")
    expect(tid(page, "inspector")).to_contain_text("Conv2d")
    set_param(page, "out_channels", "24")
    set_param(page, "stride", "2")
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 24, 3, stride=2, padding=1),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(24, 8, 3),
    )
    expect(tid(page, "shape-conv1")).to_have_text(torch_shape(net[0], (1, 3, 32, 32)))
    expect(tid(page, "shape-pool1")).to_have_text(torch_shape(net[:2], (1, 3, 32, 32)))
    expect(tid(page, "shape-conv2")).to_have_text(torch_shape(net, (1, 3, 32, 32)))
    params = sum(p.numel() for p in net.parameters())
    expect(tid(page, "stats-params")).to_have_attribute("data-value", str(params))

    # An invalid value is refused on the field and never reaches the document.
    set_param(page, "out_channels", "0")
    expect(tid(page, "param-out_channels")).to_have_class(re.compile("invalid"))
    expect(tid(page, "shape-conv2")).to_have_text(torch_shape(net, (1, 3, 32, 32)))


def test_a_shape_error_sits_on_its_node_and_undo_redo_move_it(page: Page) -> None:
    open_document(page, CHAIN)
    for name in ("data", "conv1", "pool1", "conv2"):
        expect(tid(page, f"node-error-{name}")).to_be_hidden()
    select(page, "pool1")
    set_param(page, "kernel_size", "40")  # a 40×40 window on a 32×32 map
    error = tid(page, "node-error-pool1")
    expect(error).to_be_visible()
    message = error.text_content() or ""
    assert "40" in message or "kernel" in message.lower() or "window" in message.lower(), message
    expect(tid(page, "node-error-conv1")).to_be_hidden()
    expect(tid(page, "node-error-conv2")).to_be_hidden()  # downstream is unknown, not wrong

    tid(page, "undo").click()
    expect(error).to_be_hidden()
    expect(tid(page, "shape-conv2")).to_have_text("1×8×14×14")
    tid(page, "redo").click()
    expect(tid(page, "node-error-pool1")).to_be_visible()
    tid(page, "canvas").focus()
    page.keyboard.press("Control+z")
    expect(tid(page, "node-error-pool1")).to_be_hidden()
    page.keyboard.press("Control+Shift+z")
    expect(tid(page, "node-error-pool1")).to_be_visible()


def test_a_cycle_is_refused_while_dragging(page: Page) -> None:
    open_document(page, CHAIN)
    start = centre(page, "port-out-conv2-0")
    end = centre(page, "port-in-conv1-0")
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=10)
    # The refusal shows while the wire is still in the hand, before letting go.
    expect(tid(page, "toast")).to_contain_text("cycle")
    page.mouse.up()
    expect(tid(page, "edge-conv2-conv1")).to_have_count(0)
    expect(tid(page, "edge-data-conv1")).to_have_count(1)
    expect(tid(page, "node-error-conv1")).to_be_hidden()


def test_a_merge_takes_several_inputs(page: Page) -> None:
    import torch

    doc = {
        "name": "merge",
        "layers": [
            {"name": "data", "type": "Input", "shape": [1, 4, 8, 8]},
            {"name": "left", "type": "Conv2d", "out_channels": 6, "kernel_size": 1},
            {
                "name": "right",
                "type": "Conv2d",
                "out_channels": 6,
                "kernel_size": 3,
                "padding": 1,
                "inputs": ["data"],
            },
            {"name": "sum", "type": "Add", "inputs": []},
        ],
        "view": {
            "positions": {
                "data": [100, 0],
                "left": [0, 120],
                "right": [220, 120],
                "sum": [100, 260],
            }
        },
    }
    open_document(page, doc)
    connect(page, "left", "sum", dst_port=0)
    expect(tid(page, "edge-left-sum")).to_be_attached()
    connect(page, "right", "sum", dst_port=1)
    expect(tid(page, "edge-right-sum")).to_be_attached()
    left = torch.nn.Conv2d(4, 6, 1)(torch.zeros(1, 4, 8, 8))
    right = torch.nn.Conv2d(4, 6, 3, padding=1)(torch.zeros(1, 4, 8, 8))
    expected = "×".join(str(d) for d in (left + right).shape)
    expect(tid(page, "shape-sum")).to_have_text(expected)
    expect(tid(page, "node-error-sum")).to_be_hidden()


def test_keyboard_shortcuts(page: Page) -> None:
    with_test_hooks(page)
    open_document(page, CHAIN)
    select(page, "conv2")
    before = tid(page, "node-conv2").bounding_box()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    after = tid(page, "node-conv2").bounding_box()
    assert before and after and after["x"] > before["x"] + 5

    page.keyboard.press("Control+d")
    expect(tid(page, "node-conv2_1")).to_be_visible()
    page.keyboard.press("Delete")
    expect(tid(page, "node-conv2_1")).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(tid(page, "node-conv2_1")).to_be_visible()

    select(page, "conv2")
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(tid(page, "node-conv2_2")).to_be_visible()

    select(page, "pool1")
    page.keyboard.press("F2")
    rename = tid(page, "rename")
    expect(rename).to_be_focused()
    rename.fill("pool")
    rename.press("Enter")
    expect(tid(page, "node-pool")).to_be_visible()
    expect(tid(page, "edge-pool-conv2")).to_be_attached()

    tid(page, "canvas").focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    expect(page.locator(".node")).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(page.locator(".node")).to_have_count(6)

    # L lays the graph out again: the copies pasted on top of each other move apart.
    page.keyboard.press("l")
    page.wait_for_function(
        "() => { const p = window.__netcanvasTest.store.doc.view.positions;"
        " return String(p.conv2_1) !== String(p.conv2_2); }"
    )
    # F brings every node back on screen after panning them all out of sight.
    canvas = tid(page, "canvas").bounding_box()
    assert canvas
    page.mouse.move(canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2)
    page.mouse.wheel(0, 3000)
    page.wait_for_timeout(100)
    assert not page.evaluate(ALL_ON_SCREEN)
    page.keyboard.press("f")
    page.wait_for_function(ALL_ON_SCREEN)


ALL_ON_SCREEN = """() => {
  const c = document.querySelector('[data-testid=canvas]').getBoundingClientRect();
  return [...document.querySelectorAll('.node')].every((n) => {
    const r = n.getBoundingClientRect();
    return r.top >= c.top && r.bottom <= c.bottom && r.left >= c.left && r.right <= c.right;
  });
}"""


def test_box_select_then_delete(page: Page) -> None:
    open_document(page, CHAIN)
    a = tid(page, "node-conv1").bounding_box()
    b = tid(page, "node-pool1").bounding_box()
    assert a and b
    page.keyboard.down("Shift")
    drag(page, (a["x"] - 20, a["y"] - 10), (b["x"] + b["width"] + 20, b["y"] + b["height"] + 5))
    page.keyboard.up("Shift")
    page.keyboard.press("Delete")
    expect(tid(page, "node-conv1")).to_have_count(0)
    expect(tid(page, "node-pool1")).to_have_count(0)
    expect(tid(page, "node-data")).to_have_count(1)
    expect(tid(page, "node-conv2")).to_have_count(1)


def test_palette_is_generated_searchable_and_documented(page: Page) -> None:
    expect(tid(page, "palette-item-Conv2d")).to_be_visible()
    tid(page, "palette-search").fill("maxpool")
    expect(tid(page, "palette-item-MaxPool2d")).to_be_visible()
    expect(tid(page, "palette-item-Conv2d")).to_be_hidden()
    tid(page, "palette-item-MaxPool2d").hover()
    expect(page.locator(".palette-doc")).to_contain_text("Output shape")
