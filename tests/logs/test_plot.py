"""Figures: SVG, PDF and PNG of the exact width, selectable PDF text with the legend,
mono told apart by dashes, byte-identical output, panels by metric family."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from netcanvas.logs import PlotError, PlotOptions, Run, Series, plot_bytes, read_logs
from netcanvas.logs.panels import plan
from tests.logs.conftest import LightningLog, TensorBoardLogs

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def runs(tb_logs: TensorBoardLogs) -> list[Run]:
    return read_logs([tb_logs.root])


def pdf_reader(data: bytes):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


def test_pdf_one_page_exact_width_selectable_legend(runs: list[Run]) -> None:
    for width, points in (("3.3in", 237.6), ("8.5cm", 240.94), ("240pt", 240.0)):
        data = plot_bytes(runs, "pdf", PlotOptions(width=width, layout=["loss", "accuracy"]))
        reader = pdf_reader(data)
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert abs(float(box.width) - points) <= 1.0, width
    text = reader.pages[0].extract_text()
    for label in ("baseline (train)", "baseline (validation)", "wide (train)", "wide (validation)"):
        assert label in text
    assert "loss" in text and "accuracy" in text and "step" in text
    for font in reader.pages[0]["/Resources"]["/Font"].get_object().values():
        # pdf.fonttype 42: TrueType outlines (a CID-keyed Type0 font over CIDFontType2 with
        # an embedded FontFile2), never Type 3 bitmaps-as-procedures.
        font = font.get_object()
        assert font["/Subtype"] == "/Type0" and "DejaVuSans" in font["/BaseFont"]
        (descendant,) = [d.get_object() for d in font["/DescendantFonts"]]
        assert descendant["/Subtype"] == "/CIDFontType2"
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()


def test_png_and_svg_are_produced(runs: list[Run], tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    png = plot_bytes(runs, "png", PlotOptions(width="3.3in", dpi=100))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size[0] == 330
    assert len(np.unique(np.asarray(image.convert("L")))) > 10  # something was drawn
    svg = plot_bytes(runs, "svg", PlotOptions(title="Training"))
    root = ET.fromstring(svg)
    assert root.get("width") == "496.8pt"  # 6.9in: two panels by default
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Training" in texts and "baseline (validation)" in texts


def test_mono_uses_dashes_not_colours(runs: list[Run]) -> None:
    svg = plot_bytes(runs, "svg", PlotOptions(theme="mono", metrics=["loss", "val_loss"]))
    styles = [p.get("style", "") for p in ET.fromstring(svg).iter(f"{SVG}path")]
    strokes = {m for s in styles for m in re.findall(r"stroke: *#([0-9a-fA-F]{6})", s)}
    assert strokes and all(s[0:2] == s[2:4] == s[4:6] for s in strokes), strokes  # greys only
    curves = [s for s in styles if "stroke-linecap: square" in s or "stroke-dasharray" in s]
    dashes = {m for s in curves for m in re.findall(r"stroke-dasharray: *([0-9.,\s]+)", s)}
    assert len(dashes) >= 3  # four series: solid + three distinct dash patterns
    colour = plot_bytes(runs, "svg", PlotOptions(theme="light", metrics=["loss", "val_loss"]))
    light = {m.lower() for m in re.findall(r"stroke: *(#[0-9a-fA-F]{6})", colour.decode())}
    assert {"#4e79a7", "#e15759"} <= light  # the light theme's first two accents


def test_same_input_same_bytes(runs: list[Run], tb_logs: TensorBoardLogs) -> None:
    again = read_logs([tb_logs.root])
    options = PlotOptions(smooth=0.6, legend="outside", title="t", theme="colorblind")
    for fmt in ("svg", "pdf", "png"):
        assert plot_bytes(runs, fmt, options) == plot_bytes(again, fmt, options), fmt


def test_layout_puts_train_and_validation_in_one_panel(runs: list[Run]) -> None:
    panels = plan(runs, PlotOptions(layout=["loss", "accuracy"]))
    assert [p.family for p in panels] == ["loss", "accuracy"]
    assert [(e.run.name, e.metric) for e in panels[0].entries] == [
        ("baseline", "loss"), ("baseline", "val_loss"), ("wide", "loss"), ("wide", "val_loss"),
    ]  # fmt: skip
    assert plan(runs, PlotOptions(metrics=["lr"]))[0].family == "lr"
    assert [p.family for p in plan(runs, PlotOptions(layout=["acc", "learning_rate"]))] == [
        "accuracy", "lr",
    ]  # fmt: skip


def test_options_that_cannot_be_drawn(runs: list[Run]) -> None:
    with pytest.raises(PlotError, match="no run logs 'f1'"):
        plot_bytes(runs, "svg", PlotOptions(metrics=["f1"]))
    with pytest.raises(PlotError, match="--layout: no metric of family 'f1'"):
        plot_bytes(runs, "svg", PlotOptions(layout=["loss", "f1"]))
    with pytest.raises(PlotError, match="logs no epochs"):
        plot_bytes(runs, "svg", PlotOptions(x="epoch"))
    with pytest.raises(PlotError, match="--width"):
        plot_bytes(runs, "svg", PlotOptions(width="wide"))
    with pytest.raises(PlotError, match="--smooth"):
        plot_bytes(runs, "svg", PlotOptions(smooth=1.0))


def test_time_axis_and_log_scale(runs: list[Run]) -> None:
    svg = plot_bytes(runs, "svg", PlotOptions(x="time", log_y=True, metrics=["loss"]))
    texts = [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "wall time (s)" in texts
    assert any("10" in t for t in texts)  # log-scale decade labels


def test_epoch_axis_from_the_log() -> None:
    series = Series(np.array([9, 19]), np.array([1.0, 0.5]), np.array([0.0, 1.0]))
    run = Run("r", "r.csv", {"loss": series})
    svg = plot_bytes([run], "svg", PlotOptions(x="epoch"))
    assert b">epoch<" in svg


def test_per_step_points_spread_through_their_epoch(lightning_log: LightningLog) -> None:
    from netcanvas.logs.smoothing import x_values

    (run,) = read_logs([lightning_log.path])
    steps = x_values(run, run.metrics["loss_step"], "epoch")
    # epoch 0 holds steps 0..3 (first logged row: step 1), epoch 1 steps 4..7
    assert steps.tolist() == [0.0, 0.5, 1.0, 1.5]
    assert x_values(run, run.metrics["val_loss"], "epoch").tolist() == [0.0, 1.0]
