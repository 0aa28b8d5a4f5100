"""Any per-layer values on the canvas (issue 14, item 5): a profiler's CSV loaded with the
overlay's "Values…" colours exactly the layers it names, in the colours the exported figure
uses (render/overlay.py is the oracle: the SVG the editor downloads draws the same fills);
the values live in the document (undo removes them); a bad file says where."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import tid, wait_analysed
from .test_export_persist import export

pytestmark = pytest.mark.e2e

HEAT = """() => Object.fromEntries([...document.querySelectorAll('.node[data-node]')].map(
    (n) => [n.dataset.node, n.style.getPropertyValue('--heat')]))"""
CSV = "node,latency_ms\nc1,0.5\nc3,2.0\nf6,0.1\n"


def load_values(page: Page, name: str, text: str) -> None:
    with page.expect_file_chooser() as chooser:
        tid(page, "overlay-load").click()
    chooser.value.set_files({"name": name, "mimeType": "text/csv", "buffer": text.encode()})


def test_values_from_a_file_colour_the_canvas_and_the_figure(page: Page) -> None:
    tid(page, "templates").click()
    tid(page, "template-lenet5").click()
    expect(tid(page, "node-c3")).to_be_attached()
    wait_analysed(page)
    tid(page, "overlay-toggle").click()

    load_values(page, "t.csv", "node,ms\nc1,0.5\nc3,fast\n")
    expect(page.locator(".overlay-note")).to_contain_text("line 3, column 4")

    load_values(page, "latency.csv", CSV)
    expect(page.locator("#overlay-stat")).to_have_value("file")
    expect(page.locator(".overlay-note")).to_contain_text("latency_ms from a file")
    page.wait_for_function(f"() => ({HEAT})().c3 !== ''")
    heat = page.evaluate(HEAT)
    coloured = {name for name, colour in heat.items() if colour}
    assert coloured == {"c1", "c3", "f6"}

    # The figure the editor exports draws the same colours, with the file's label.
    _, svg = export(page, "svg")
    text = svg.decode()
    assert "latency_ms" in text
    for name in ("c1", "c3", "f6"):
        group = re.search(rf'<g id="node-{name}"[^>]*>(.*?)</g>', text, re.S)
        assert group, name
        fills = {f.lower() for f in re.findall(r'fill="(#[0-9A-Fa-f]{6})"', group.group(1))}
        assert heat[name].strip().lower() in fills, (name, heat[name], fills)

    # In the document: undo takes the values away, redo brings them back.
    tid(page, "undo").click()
    page.wait_for_function(f"() => Object.values(({HEAT})()).every((c) => c === '')")
    tid(page, "redo").click()
    page.wait_for_function(f"() => ({HEAT})().c3 !== ''")
    assert vars(page)["page_errors"] == []
