"""What a person does in the editor, as small steps shared by the end-to-end tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

# True when every visible box (folded-away layers aside) lies inside the canvas.
ALL_BOXES_ON_SCREEN = """() => {
  const c = document.querySelector('[data-testid=canvas]').getBoundingClientRect();
  return [...document.querySelectorAll('.node:not(.folded)')].every((n) => {
    const r = n.querySelector('.node-box').getBoundingClientRect();
    return r.top >= c.top - 1 && r.bottom <= c.bottom + 1
      && r.left >= c.left - 1 && r.right <= c.right + 1;
  });
}"""


def tid(page: Page, testid: str) -> Any:
    return page.locator(f'[data-testid="{testid}"]')


def centre(page: Page, testid: str) -> tuple[float, float]:
    # A load may be drawn a moment after its nodes exist (big loads wait for their
    # analysis): measure what a person would see, once it is shown.
    expect(tid(page, testid)).to_be_visible()
    box = tid(page, testid).bounding_box()
    assert box is not None, f"{testid} is not on screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def open_document(page: Page, doc: dict[str, Any]) -> None:
    """Start from a document, as if it had been autosaved by an earlier session."""
    payload = json.dumps({"document": doc, "design": None})
    page.evaluate("(text) => localStorage.setItem('netcanvas:autosave', text)", payload)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    for layer in doc["layers"]:
        expect(tid(page, f"node-{layer['name']}")).to_be_attached()
    wait_analysed(page)


def with_test_hooks(page: Page) -> None:
    """Open the editor again with its test hook, window.__netcanvasTest (frontend/src/testhook.js).

    The hook is there only when the address asks for it (`?test-hooks`); a reload keeps it.
    """
    url = page.url.split("#")[0].split("?")[0]
    page.goto(f"{url}?test-hooks")
    page.wait_for_selector("body[data-ready=true]")
    assert page.evaluate("() => typeof window.__netcanvasTest === 'object'")


def wait_analysed(page: Page) -> None:
    """Wait until the latest edit has been analysed (no shape label says '…')."""
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.node-shape')].some(e => e.textContent === '…')"
    )


def drag(page: Page, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=steps)
    page.mouse.up()


def drop_from_palette(page: Page, layer_type: str, x: float, y: float) -> None:
    drag(page, centre(page, f"palette-item-{layer_type}"), (x, y), steps=12)


def connect(page: Page, src: str, dst: str, src_port: int = 0, dst_port: int = 0) -> None:
    drag(
        page, centre(page, f"port-out-{src}-{src_port}"), centre(page, f"port-in-{dst}-{dst_port}")
    )


def select(page: Page, name: str) -> None:
    box = tid(page, f"node-{name}").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 20, box["y"] + 14)


def set_param(page: Page, key: str, text: str) -> None:
    field = tid(page, f"param-{key}")
    field.fill(text)


def shape_text(page: Page, name: str) -> str:
    return str(tid(page, f"shape-{name}").text_content())


def paste(page: Page, testid: str, text: str) -> None:
    """Paste text into a field: one input event, as a clipboard paste makes."""
    tid(page, testid).focus()
    page.evaluate(
        """([id, text]) => { const el = document.querySelector(`[data-testid="${id}"]`);
        el.value = text;
        el.dispatchEvent(new InputEvent('input',
            {bubbles: true, inputType: 'insertFromPaste'})); }""",
        [testid, text],
    )


def export(page: Page, fmt: str) -> tuple[str, bytes]:
    """Download the design through the Export menu: (suggested file name, bytes)."""
    page.locator("[data-testid=export-menu] > summary").click()
    with page.expect_download() as info:
        tid(page, f"export-{fmt}").click()
    download = info.value
    path = download.path()
    assert path is not None, download.failure()
    return download.suggested_filename, Path(path).read_bytes()
