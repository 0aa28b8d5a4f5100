"""The export menu, the figure selects and the Open dialog come from the service's catalogues
(GET /api/formats, GET /api/figures): what the service offers, the editor offers, with no
change of its own, and from the first paint on."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from .helpers import open_document, tid

pytestmark = pytest.mark.e2e

# A convolution and its ReLU three times over: the service folds it into one box ×3.
REPEATS: dict[str, Any] = {
    "name": "repeats",
    "layers": [{"name": "data", "type": "Input", "shape": [1, 4, 8, 8]}]
    + [
        layer
        for i in range(3)
        for layer in (
            {"name": f"c{i}", "type": "Conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
            {"name": f"r{i}", "type": "ReLU"},
        )
    ],
}


def menu_items(page: Page) -> list[str]:
    items = page.locator('[data-testid=export-menu] [data-testid^="export-"]')
    return [str(item.get_attribute("data-testid")) for item in items.all()]


def options(page: Page, testid: str) -> list[str]:
    return [
        str(v)
        for v in tid(page, testid)
        .locator("option")
        .evaluate_all("(all) => all.map((o) => o.value)")
    ]


def test_the_menu_and_selects_are_the_services_catalogues(page: Page, server: str) -> None:
    formats = httpx.get(f"{server}/api/formats").json()
    figures = httpx.get(f"{server}/api/figures").json()
    exported = [f["name"] for f in formats if f["kind"] == "figure"]
    exported += [f["name"] for f in formats if f["kind"] == "model" and f["writable"]]
    assert menu_items(page) == [f"export-{name}" for name in exported]
    assert len(exported) == 10  # svg pdf png tex, yaml json prototxt onnx pytorch keras
    assert options(page, "style-select") == [s["name"] for s in figures["styles"]]
    assert options(page, "theme-select") == [t["name"] for t in figures["themes"]]
    labels = tid(page, "style-select").locator("option").all_text_contents()
    assert labels == [s["label"] for s in figures["styles"]]
    readable = [ext for f in formats if f["readable"] for ext in f["extensions"]]
    assert tid(page, "open-file").get_attribute("accept") == ",".join(readable)


def test_a_new_style_and_format_need_no_editor_change(page: Page, server: str) -> None:
    """The service answers one more style and one more format: the editor offers both."""

    def add_style(route: Route) -> None:
        answer = json.loads(httpx.get(f"{server}/api/figures").text)
        answer["styles"].append(
            {"name": "sketch", "label": "Sketch", "description": "Hand-drawn boxes",
             "folds": False, "stacks": True, "options": []}
        )  # fmt: skip
        route.fulfill(json=answer)

    def add_format(route: Route) -> None:
        answer = json.loads(httpx.get(f"{server}/api/formats").text)
        answer.append(
            {"name": "tflite", "kind": "model", "extensions": [".tflite"],
             "media_type": "application/octet-stream", "readable": True, "writable": True,
             "binary": True}
        )  # fmt: skip
        route.fulfill(json=answer)

    page.route("**/api/figures", add_style)
    page.route("**/api/formats", add_format)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert menu_items(page)[-1] == "export-tflite"
    assert tid(page, "export-tflite").text_content() == "Model · tflite"
    assert options(page, "style-select")[-1] == "sketch"
    assert tid(page, "open-file").get_attribute("accept").endswith(",.tflite")
    tid(page, "style-select").select_option("sketch")
    saved = json.loads(page.evaluate("localStorage.getItem('netcanvas:autosave')"))
    assert saved["document"]["view"]["style"] == {"name": "sketch", "theme": "light"}


def test_a_toggle_the_style_ignores_says_so(page: Page) -> None:
    open_document(page, REPEATS)
    stack, fold = tid(page, "stack-toggle"), tid(page, "fold-toggle")
    stack_title = stack.get_attribute("title")
    stack.click()
    fold.click()
    expect(fold).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".group-box .node-name")).to_have_text("c0–c2 ×3")
    for toggle in (stack, fold):
        expect(toggle).not_to_have_class(re.compile("ineffective"))

    # FCNN figures neither stack nor fold (GET /api/figures): both toggles say so.
    tid(page, "style-select").select_option("fcnn")
    expect(stack).to_have_class(re.compile(r"\bineffective\b"))
    expect(stack).to_have_attribute("data-effect", "none")
    expect(stack).to_have_attribute("title", re.compile(r"^Stack has no effect in the FCNN style"))
    expect(fold).to_have_attribute("title", re.compile(r"^Fold has no effect in the FCNN style"))
    # Blocks figures fold (so Fold is honoured) but draw in-place layers their own way.
    tid(page, "style-select").select_option("blocks")
    expect(fold).not_to_have_class(re.compile("ineffective"))
    expect(stack).to_have_class(re.compile(r"\bineffective\b"))
    # A toggle that is off has nothing to say.
    stack.click()
    expect(stack).to_have_attribute("aria-pressed", "false")
    expect(stack).not_to_have_class(re.compile("ineffective"))
    expect(stack).to_have_attribute("title", stack_title or "")

    # Style changes and toggles undo like edits, and the selects follow.
    tid(page, "canvas").focus()
    page.keyboard.press("Control+z")  # the unstack
    expect(stack).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Control+z")  # blocks
    expect(tid(page, "style-select")).to_have_value("fcnn")
    page.keyboard.press("Control+z")  # fcnn
    expect(tid(page, "style-select")).to_have_value("graph")
    expect(stack).not_to_have_class(re.compile("ineffective"))
    page.keyboard.press("Control+z")  # the fold
    expect(fold).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".group-box")).to_have_count(0)
    assert page.page_errors == []  # type: ignore[attr-defined]


def test_the_selects_work_before_the_catalogues_arrive(context: Any, server: str) -> None:
    held: list[Route] = []
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready=true]")
    saved = {
        "document": {**REPEATS, "view": {"style": {"name": "blocks", "theme": "dark"}}},
        "design": None,
    }
    page.evaluate("(t) => localStorage.setItem('netcanvas:autosave', t)", json.dumps(saved))
    page.route("**/api/figures", lambda route: held.append(route))
    page.route("**/api/formats", lambda route: held.append(route))
    page.reload()
    expect(tid(page, "node-c2")).to_be_attached()
    assert len(held) == 2
    # The settings in force are shown, and the rest says it is loading.
    expect(tid(page, "style-select")).to_have_value("blocks")
    expect(tid(page, "theme-select")).to_have_value("dark")
    expect(tid(page, "style-select")).to_be_enabled()
    expect(tid(page, "style-select").locator("option[disabled]")).to_have_text("Loading styles…")
    expect(tid(page, "canvas-wrap")).to_have_class("canvas-wrap theme-dark")
    page.locator("[data-testid=export-menu] > summary").click()
    expect(tid(page, "export-menu")).to_contain_text("Loading formats…")
    assert menu_items(page) == []
    assert page.locator("body[data-ready=true]").count() == 0
    for route in held:
        route.continue_()
    page.wait_for_selector("body[data-ready=true]")
    expect(tid(page, "export-svg")).to_be_visible()
    assert options(page, "style-select") == ["graph", "blocks", "fcnn", "lenet", "alexnet"]
    expect(tid(page, "style-select")).to_have_value("blocks")
    assert errors == []
    page.close()
