"""Training from the editor (issue 13, item 4) and the health overlay (issue 14, items 2-3):
train a template on moons, stop, train again, compare the runs, download the trained ONNX,
replay the run on the canvas; and see a deep sigmoid net's vanishing gradient flagged."""

from __future__ import annotations

import importlib.util
import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import paste, tid, wait_analysed

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="training needs torch"),
]

POINTS = "(id) => Number(document.querySelector(`[data-testid=${id}]`).dataset.points)"
PROGRESS = "() => Number(document.querySelector('[data-testid=train-progress]').dataset.value)"
# Every node's overlay colour (the --heat variable the overlay sets; "" = neutral).
HEAT = """() => Object.fromEntries([...document.querySelectorAll('.node[data-node]')].map(
    (n) => [n.dataset.node, n.style.getPropertyValue('--heat')]))"""


def watch_console(page: Page) -> list[str]:
    """Console errors from here on (a CSP refusal is one), after a reload that keeps the page."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    return errors


def page_errors(page: Page) -> list[str]:
    """The uncaught errors the `page` fixture collected (conftest.py)."""
    errors: list[str] = vars(page)["page_errors"]
    return errors


def open_train_tab(page: Page, dataset: str = "moons") -> None:
    tid(page, "tab-train").click()
    select = tid(page, "train-dataset")
    expect(select).to_be_enabled(timeout=10000)  # "Loading data sets…" until they arrive
    assert dataset in select.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
    select.select_option(dataset)


def start(page: Page, epochs: int) -> str:
    """Start a run; answers its id (the row shown in the runs list)."""
    tid(page, "train-epochs").fill(str(epochs))
    before = page.evaluate("() => document.querySelector('.run-row.shown')?.dataset.run ?? null")
    tid(page, "train-start").click()
    # The first run of a server imports torch, which can take a few seconds ("Starting…").
    page.wait_for_function(
        "(before) => { const row = document.querySelector('.run-row.shown');"
        " return row && row.dataset.run !== before; }",
        arg=before,
        timeout=30000,
    )
    return str(page.locator(".run-row.shown").get_attribute("data-run"))


def set_epoch(page: Page, epoch: int) -> None:
    page.evaluate(
        """(epoch) => { const s = document.querySelector('#overlay-epoch');
        s.value = String(epoch); s.dispatchEvent(new Event('input', {bubbles: true})); }""",
        epoch,
    )


def test_train_stop_retrain_compare_download_and_replay(page: Page) -> None:
    console = watch_console(page)
    tid(page, "templates").click()
    tid(page, "template-mlp-2d").click()
    expect(tid(page, "node-hidden1")).to_be_attached()
    wait_analysed(page)
    open_train_tab(page)

    # A long run: the charts and the progress bar move while it trains, then it is stopped.
    first = start(page, 200)
    expect(tid(page, "train-status")).to_have_text("running", timeout=15000)
    page.wait_for_function(f"() => ({POINTS})('chart-loss') >= 3", timeout=20000)
    points, done = page.evaluate(POINTS, "chart-loss"), page.evaluate(PROGRESS)
    page.wait_for_function(
        f"([p, d]) => ({POINTS})('chart-loss') > p && ({PROGRESS})() > d", arg=[points, done]
    )
    assert 0 < page.evaluate(PROGRESS) < 1
    expect(page.locator(".train-progress-text")).to_contain_text("epoch")
    expect(page.locator(".train-boundary canvas")).to_be_visible()  # moons is 2-D
    tid(page, "train-stop").click()
    expect(tid(page, "train-status")).to_have_text("cancelled", timeout=15000)
    stopped_at = page.evaluate(POINTS, "chart-loss")
    assert 3 <= stopped_at < 200

    # A short run to the end.
    second = start(page, 5)
    assert second != first
    expect(tid(page, "train-status")).to_have_text("done", timeout=30000)
    expect(tid(page, "chart-loss")).to_have_attribute("data-points", "5")
    expect(tid(page, "chart-accuracy")).to_have_attribute("data-points", "5")
    expect(tid(page, "train-progress")).to_have_attribute("data-value", "1")

    # Both runs are listed; ticking both draws both on the charts.
    for run_id in (first, second):
        expect(tid(page, f"run-{run_id}")).to_be_visible()
    expect(tid(page, f"run-{first}").locator(".run-status")).to_have_text("cancelled")
    expect(tid(page, f"run-{second}").locator(".run-acc")).to_contain_text("%")
    tid(page, f"run-{first}").locator("input[type=checkbox]").check()
    tid(page, f"run-{second}").locator("input[type=checkbox]").check()
    expect(tid(page, "chart-loss")).to_have_attribute("data-series", "2")
    expect(tid(page, "chart-loss")).to_have_attribute("data-points", str(max(stopped_at, 5)))
    expect(tid(page, "chart-accuracy")).to_have_attribute("data-series", "2")

    # The trained network as ONNX: a protobuf ModelProto the checker accepts.
    link = tid(page, f"run-{second}").locator("a[data-file='model.onnx']")
    expect(link).to_be_visible(timeout=10000)
    with page.expect_download() as info:
        link.click()
    data = open(info.value.path(), "rb").read()
    assert data[:1] == b"\x08", "an ONNX file starts with field 1 (ir_version)"
    onnx = pytest.importorskip("onnx")
    onnx.checker.check_model(onnx.load_from_string(data))

    # The overlay colours the layers by the shown run's gradient norm, and replays it.
    assert page.evaluate(HEAT) == dict.fromkeys(page.evaluate(HEAT), "")
    tid(page, "overlay-toggle").click()
    expect(tid(page, "overlay-toggle")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(
        "() => ['hidden1', 'hidden2', 'logits'].every((n) => document.querySelector("
        "`[data-testid=node-${n}]`).style.getPropertyValue('--heat'))"
    )
    last = page.evaluate(HEAT)
    assert last["points"] == "" and last["relu1"] == "", "layers without weights stay neutral"
    expect(page.locator(".legend-lo")).not_to_have_text("")
    set_epoch(page, 1)
    expect(page.locator(".overlay-epoch-value")).to_have_text("1/5")
    page.wait_for_function(
        f"(last) => JSON.stringify(({HEAT})()) !== JSON.stringify(last)", arg=last
    )
    first_epoch = page.evaluate(HEAT)
    assert all(first_epoch[n] for n in ("hidden1", "hidden2", "logits"))

    # With a layer selected, the inspector shows its histograms per epoch.
    tid(page, "tab-inspector").click()
    tid(page, "node-hidden1").click(position={"x": 20, "y": 14})
    expect(page.locator(".layer-hist canvas")).to_have_count(3, timeout=10000)

    # Off again: the plain canvas.
    tid(page, "overlay-toggle").click()
    page.wait_for_function(f"() => Object.values(({HEAT})()).every((c) => c === '')")
    assert not [e for e in console if "Content Security Policy" in e or "Refused" in e], console
    assert page_errors(page) == []


def deep_sigmoid_yaml(depth: int = 20) -> str:
    lines = [
        "netcanvas: 1",
        "name: deep-sigmoid",
        "layers:",
        "  - {name: x, type: Input, shape: [1, 2]}",
    ]
    for i in range(1, depth + 1):
        lines.append(f"  - {{name: fc{i}, type: Linear, out_features: 32}}")
        lines.append(f"  - {{name: sig{i}, type: Sigmoid}}")
    lines.append("  - {name: out, type: Linear, out_features: 2}")
    return "\n".join(lines) + "\n"


def test_a_deep_sigmoid_net_has_its_vanishing_gradient_flagged(page: Page) -> None:
    tid(page, "tab-source").click()
    tid(page, "source-format").select_option("yaml")
    paste(page, "source-editor", deep_sigmoid_yaml())
    expect(tid(page, "node-fc20")).to_be_attached(timeout=10000)
    wait_analysed(page)

    open_train_tab(page)
    start(page, 3)
    expect(tid(page, "train-status")).to_have_text("done", timeout=40000)
    tid(page, "overlay-toggle").click()
    badge = tid(page, "flag-fc1")
    expect(badge).to_be_visible(timeout=10000)
    assert "gradient" in str(badge.get_attribute("title"))
    assert "gradient" in str(badge.locator("title").text_content())
    # The first layers are flagged, the last one (next to the loss) is not.
    expect(tid(page, "flag-out")).to_have_count(0)
    expect(page.locator(".overlay-note")).to_contain_text("flagged")
    assert page_errors(page) == []


def test_a_network_that_cannot_train_on_the_data_says_why_in_the_panel(page: Page) -> None:
    tid(page, "templates").click()
    tid(page, "template-mlp-2d").click()
    expect(tid(page, "node-hidden1")).to_be_attached()
    open_train_tab(page, "digits")  # 1×1×8×8 images into a 1×2 input
    tid(page, "train-start").click()
    error = page.locator(".train-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("cannot train")
    expect(tid(page, "train-status")).not_to_have_text("queued")  # no run was made
    expect(tid(page, "toast")).to_be_hidden()  # in the panel, not a popup


def test_a_saved_design_links_each_run_to_the_revision_it_trained(page: Page) -> None:
    tid(page, "templates").click()
    tid(page, "template-mlp-2d").click()
    expect(tid(page, "node-hidden1")).to_be_attached()
    tid(page, "save").click()
    expect(tid(page, "share-link")).to_be_visible()
    design = str(tid(page, "share-link").get_attribute("href")).rstrip("/").rsplit("/", 1)[-1]
    open_train_tab(page)
    run_id = start(page, 2)
    expect(tid(page, "train-status")).to_have_text("done", timeout=30000)
    link = tid(page, f"run-{run_id}").locator(".run-links a", has_text="design r1")
    expect(link).to_have_attribute("href", f"/d/{design}?revision=1")

    # A later edit is a new revision; the run's link still opens the one it trained.
    tid(page, "tab-source").click()
    tid(page, "source-format").select_option("yaml")
    # The YAML text arrives from the server after the switch: read it once it is there.
    expect(tid(page, "source-editor")).to_have_value(re.compile("out_features: 16"))
    text = (
        tid(page, "source-editor").input_value().replace("out_features: 16", "out_features: 8", 1)
    )
    paste(page, "source-editor", text)
    expect(tid(page, "shape-hidden1")).to_have_text("1×8")
    tid(page, "save").click()
    expect(tid(page, "toast")).to_contain_text("revision 2")
    page.goto(page.url.split("/d/")[0].rstrip("/") + str(link.get_attribute("href")))
    page.wait_for_selector("body[data-ready=true]")
    expect(tid(page, "readonly-banner")).to_be_visible()
    expect(tid(page, "shape-hidden1")).to_have_text("1×16")
