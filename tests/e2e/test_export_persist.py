"""Exports (each download checked by a real parser), saving, sharing, autosave, templates."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .helpers import centre, drop_from_palette, export, open_document, tid

pytestmark = pytest.mark.e2e

SMALL: dict[str, Any] = {
    "netcanvas": 1,
    "name": "small net",
    "layers": [
        {"name": "data", "type": "Input", "shape": [1, 3, 16, 16]},
        {"name": "conv1", "type": "Conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
        {"name": "pool1", "type": "MaxPool2d", "kernel_size": 2},
        {"name": "flat", "type": "Flatten"},
        {"name": "fc", "type": "Linear", "out_features": 10},
    ],
}


def css_px(length: str) -> float:
    """An SVG length ('412', '412px', '3.3in', '240pt') in CSS px."""
    match = re.fullmatch(r"([\d.]+)([a-z]*)", length)
    assert match, length
    units = {"": 1.0, "px": 1.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "pt": 96 / 72}
    return float(match.group(1)) * units[match.group(2)]


def test_export_figures(page: Page) -> None:
    from pypdf import PdfReader

    open_document(page, SMALL)
    name, svg = export(page, "svg")
    assert name == "small_net.svg"
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"conv1" in svg
    # The figure's size in CSS px (96 per inch), which the PDF and PNG are drawn at.
    width, height = (css_px(root.attrib[key]) for key in ("width", "height"))

    name, pdf = export(page, "pdf")
    assert name == "small_net.pdf"
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(width * 0.75, abs=1)  # 72 pt per 96 px
    assert float(box.height) == pytest.approx(height * 0.75, abs=1)

    name, png = export(page, "png")
    assert name == "small_net.png"
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # 96 dpi: one pixel per CSS px.
    assert int.from_bytes(png[16:20], "big") == round(width)
    assert int.from_bytes(png[20:24], "big") == round(height)


def test_export_models(page: Page) -> None:
    import yaml

    from netcanvas.formats import read

    open_document(page, SMALL)
    name, text = export(page, "yaml")
    assert name == "small_net.yaml"
    doc = yaml.safe_load(text)
    assert [layer["name"] for layer in doc["layers"]] == [x["name"] for x in SMALL["layers"]]

    name, text = export(page, "prototxt")
    assert name == "small_net.prototxt"
    graph = read(text, name, None, {})
    assert "conv1" in {node.name for node in graph.nodes}


def test_export_onnx_and_pytorch_run(page: Page) -> None:
    import numpy as np
    import onnx
    import onnxruntime
    import torch

    open_document(page, SMALL)
    name, data = export(page, "onnx")
    assert name == "small_net.onnx"
    model = onnx.load_from_string(data)
    onnx.checker.check_model(model)
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: np.zeros((1, 3, 16, 16), dtype=np.float32)}
    (out,) = session.run(None, feed)
    assert out.shape == (1, 10)

    name, code = export(page, "pytorch")
    assert name.endswith(".py")
    namespace: dict[str, object] = {}
    exec(compile(code, name, "exec"), namespace)  # the generated module, run by torch
    modules = [
        v
        for v in namespace.values()
        if isinstance(v, type) and issubclass(v, torch.nn.Module) and v is not torch.nn.Module
    ]
    assert modules, "no nn.Module in the generated code"
    net = modules[-1]()
    assert tuple(net(torch.zeros(1, 3, 16, 16)).shape) == (1, 10)


def test_save_and_reopen_through_a_share_link(page: Page, browser: Any, server: str) -> None:
    open_document(page, SMALL)
    tid(page, "save").click()
    link = tid(page, "share-link")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    assert "/d/" in href
    expect(link).to_have_text(href[href.index("/d/") :])

    # Another person's browser: this one holds the edit key, and its owner may edit.
    visitor = browser.new_context(viewport={"width": 1400, "height": 900})
    other = visitor.new_page()
    other.goto(href)
    other.wait_for_selector("body[data-ready=true]")
    expect(tid(other, "readonly-banner")).to_be_visible()
    expect(tid(other, "node-fc")).to_be_attached()
    expect(tid(other, "shape-fc")).to_have_text("1×10")
    # Read-only: a drop does nothing.
    x, y = centre(other, "node-data")
    drop_from_palette(other, "Conv2d", x + 300, y)
    expect(tid(other, "node-conv2d1")).to_have_count(0)
    tid(other, "make-copy").click()
    expect(tid(other, "readonly-banner")).to_be_hidden()
    drop_from_palette(other, "Conv2d", x + 300, y)
    expect(tid(other, "node-conv2d1")).to_be_attached()
    assert "/d/" not in other.url
    visitor.close()

    # Saving again from the owner's page makes a new revision of the same design.
    tid(page, "save").click()
    expect(tid(page, "toast")).to_contain_text("revision 2")


def test_reload_finds_the_autosaved_work(page: Page) -> None:
    x, y = centre(page, "node-data")
    drop_from_palette(page, "Conv2d", x, y + 150)
    expect(tid(page, "node-conv2d1")).to_be_attached()
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(tid(page, "node-conv2d1")).to_be_attached()
    after = centre(page, "node-conv2d1")
    assert abs(after[1] - (y + 150)) < 80


def test_open_a_template(page: Page, server: str) -> None:
    import httpx

    listing = httpx.get(f"{server}/api/templates").json()
    assert listing, "the service lists no templates"
    slug = listing[0]["slug"]
    tid(page, "templates").click()
    tid(page, f"template-{slug}").click()
    expect(tid(page, "templates-dialog")).to_be_hidden()
    expected = httpx.get(f"{server}/api/templates/{slug}").json()
    document = expected.get("document", expected)
    first = document["layers"][0]["name"]
    expect(tid(page, f"node-{first}")).to_be_attached()
    expect(page.locator(".node")).to_have_count(len(document["layers"]))
    expect(tid(page, "stats-params")).to_have_attribute("data-value", str(expected["params"]))
    # One undoable step: undo brings back the design it replaced.
    page.keyboard.press("Control+z")
    expect(tid(page, "node-data")).to_be_attached()
    expect(page.locator(".node")).to_have_count(1)


def test_style_and_theme_switch_the_look(page: Page) -> None:
    open_document(page, SMALL)
    tid(page, "theme-select").select_option("dark")
    expect(tid(page, "canvas-wrap")).to_have_class("canvas-wrap theme-dark")
    tid(page, "style-select").select_option("blocks")
    preview = tid(page, "figure-preview")
    expect(preview).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=figure-preview] img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    saved = json.loads(page.evaluate("localStorage.getItem('netcanvas:autosave')"))
    assert saved["document"]["view"]["style"] == {"name": "blocks", "theme": "dark"}
