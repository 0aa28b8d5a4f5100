"""The editor as people really use it (issue 20): each defect a new user met, reproduced the way
they met it in Chromium, against the real service."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import open_document, select, tid, wait_analysed

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
