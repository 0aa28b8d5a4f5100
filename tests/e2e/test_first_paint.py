"""The editor works from its first paint: a click and a paste right after the page opens,
before the layer catalogue has arrived, are not lost."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .helpers import paste, tid

pytestmark = pytest.mark.e2e

PASTED = (
    "netcanvas: 1\nname: first-paint\nlayers:\n"
    "  - {name: pix, type: Input, shape: [1, 3, 16, 16]}\n"
    "  - {name: early, type: Conv2d, out_channels: 4, kernel_size: 3}\n"
)


def _click_source_and_paste(page: Any) -> None:
    tid(page, "tab-source").click()
    expect(tid(page, "source-editor")).to_be_visible(timeout=1000)
    paste(page, "source-editor", PASTED)


def _the_paste_arrives(page: Any, errors: list[str]) -> None:
    expect(tid(page, "shape-early")).to_have_text("1×4×14×14", timeout=10000)
    expect(tid(page, "node-pix")).to_be_attached()
    assert tid(page, "source-editor").input_value() == PASTED  # the text is kept as typed
    expect(tid(page, "tab-source")).to_have_attribute("aria-selected", "true")
    expect(tid(page, "palette-item-Conv2d")).to_be_attached()
    assert errors == []


@pytest.mark.parametrize("attempt", range(20))
def test_click_source_and_paste_right_after_goto(context: Any, server: str, attempt: int) -> None:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + "/")  # no wait for the editor to say it is ready
    _click_source_and_paste(page)
    _the_paste_arrives(page, errors)
    page.close()


def test_the_chrome_works_while_the_catalogue_is_still_on_its_way(
    context: Any, server: str
) -> None:
    """Hold /api/layers back (the real answer, delivered late) to make the race certain."""
    held: list[Any] = []
    page = context.new_page()
    page.route("**/api/layers", lambda route: held.append(route))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + "/")
    page.wait_for_function("() => true")
    assert held, "the editor asked for its catalogue"
    expect(tid(page, "palette")).to_contain_text("Loading layers")
    _click_source_and_paste(page)
    tid(page, "tab-palette").click()
    expect(tid(page, "tab-palette")).to_have_attribute("aria-selected", "true")
    tid(page, "tab-source").click()
    assert page.locator("body[data-ready=true]").count() == 0
    held[0].continue_()
    _the_paste_arrives(page, errors)
    page.close()
