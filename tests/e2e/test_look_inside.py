"""Look inside from the editor (issue 14, item 4): train the LeNet digits template for one
epoch, then see sample 2's feature maps, probabilities and saliency; the conv1 grid shown is
the one `netcanvas inspect` draws for the same run folder; clicking a layer's maps shows it
on the canvas; and an ONNX file with weights (the run's own export) opens its maps too."""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import tid, wait_analysed

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="training needs torch"),
]


def test_feature_maps_of_a_trained_run_and_of_an_onnx_file(
    page: Page, server: str, tmp_path: Path
) -> None:
    tid(page, "templates").click()
    tid(page, "template-lenet-digits").click()
    expect(tid(page, "node-conv1")).to_be_attached()
    wait_analysed(page)
    tid(page, "tab-train").click()
    select = tid(page, "train-dataset")
    expect(select).to_be_enabled(timeout=10000)
    select.select_option("digits")
    expect(tid(page, "maps-show")).to_be_disabled()  # no weights yet
    tid(page, "train-epochs").fill("1")
    tid(page, "train-start").click()
    expect(tid(page, "train-status")).to_have_text("done", timeout=60000)
    run_id = str(page.locator(".run-row.shown").get_attribute("data-run"))

    expect(tid(page, "maps-show")).to_be_enabled(timeout=10000)
    tid(page, "maps-sample").fill("2")
    tid(page, "maps-show").click()
    expect(tid(page, "map-conv1")).to_be_visible(timeout=30000)
    probabilities = tid(page, "maps-probabilities").locator("li")
    expect(probabilities).to_have_count(10)
    expect(tid(page, "maps-probabilities").locator("li.truth")).to_have_count(1)
    assert int(tid(page, "maps").get_attribute("data-layers")) >= 2
    expect(tid(page, "map-conv1").locator("figcaption")).to_contain_text("conv1 · 16×8×8")

    # The grid drawn is the one `netcanvas inspect` writes for the run's folder.
    run = json.loads(page.request.get(f"{server}/api/runs/{run_id}").text())
    folder = tmp_path / "run"
    folder.mkdir()
    weights = page.request.get(f"{server}/api/runs/{run_id}/artifacts/model.pt").body()
    (folder / "model.pt").write_bytes(weights)
    template = json.loads(page.request.get(f"{server}/api/templates/lenet-digits").text())
    spec = {"document": template["document"], "data": run["data"], "config": run["config"]}
    (folder / "run.json").write_text(json.dumps(spec))
    done = subprocess.run(
        [sys.executable, "-m", "netcanvas", "inspect", str(folder), "--sample", "2",
         "-o", str(tmp_path / "maps")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    src = tid(page, "map-conv1").locator("img").get_attribute("src")
    shown = base64.b64decode(src.removeprefix("data:image/png;base64,"))
    assert shown == (tmp_path / "maps" / "conv1.png").read_bytes()

    # A layer's maps lead to the layer.
    tid(page, "map-conv1").click()
    expect(tid(page, "node-conv1")).to_have_class(re.compile(r"\bselected\b"))

    # The run's ONNX export, handed over as a file: its maps with its own weights.
    onnx_file = tmp_path / "model.onnx"
    onnx_file.write_bytes(
        page.request.get(f"{server}/api/runs/{run_id}/artifacts/model.onnx").body()
    )
    with page.expect_file_chooser() as chooser:
        tid(page, "maps-onnx").click()
    chooser.value.set_files(str(onnx_file))
    expect(page.locator(".maps-note")).to_have_text("model.onnx on a random input", timeout=30000)
    figures = tid(page, "maps").locator("figure[data-layer]")
    assert figures.count() >= 2
    done = subprocess.run(
        [sys.executable, "-m", "netcanvas", "inspect", str(onnx_file),
         "-o", str(tmp_path / "onnx")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    listing = json.loads((tmp_path / "onnx" / "maps.json").read_text())
    drawn = [n for n, entry in listing["layers"].items() if entry.get("file")]
    assert sorted(figures.evaluate_all("(fs) => fs.map((f) => f.dataset.layer)")) == sorted(drawn)
    first = tid(page, f"map-{drawn[0]}").locator("img").get_attribute("src")
    expected = (tmp_path / "onnx" / listing["layers"][drawn[0]]["file"]).read_bytes()
    assert base64.b64decode(first.removeprefix("data:image/png;base64,")) == expected
    assert page_errors(page) == []


def page_errors(page: Page) -> list[str]:
    errors: list[str] = vars(page)["page_errors"]
    return errors
