"""Annotations of the document (view.annotations) are drawn in every exported figure."""

from __future__ import annotations

import pytest

from netcanvas import service, templates
from netcanvas.render.tikz import escape


def _annotated() -> object:
    graph = templates.get("lenet5").graph()
    graph.view["annotations"] = [
        {"type": "highlight", "layers": ["c1", "c1_tanh", "s2"], "label": "feature stage 1"},
        {"type": "text", "text": "classifier head", "near": "f6"},
        {"type": "arrow", "from": "output", "to": "c3", "text": "look here"},
        {"type": "rect", "layers": ["ghost"]},  # names no layer: skipped
        "not a note",
    ]
    return graph


@pytest.mark.parametrize("style", ["graph", "blocks"])
def test_svg_draws_every_annotation(style: str) -> None:
    svg = service.figure(_annotated(), "svg", {"style": style}).data.decode()  # type: ignore[arg-type]
    for text in ("feature stage 1", "classifier head", "look here"):
        assert f">{text}</text>" in svg
    assert 'stroke-dasharray="6 4"' in svg  # the highlighted region


def test_pdf_and_tikz_carry_them_too() -> None:
    graph = _annotated()
    pdf = service.figure(graph, "pdf").data  # type: ignore[arg-type]
    assert pdf.startswith(b"%PDF")
    tex = service.figure(graph, "tex").data.decode()  # type: ignore[arg-type]
    assert escape("feature stage 1") in tex and "look here" in tex


def test_without_annotations_the_figure_is_unchanged() -> None:
    plain = templates.get("lenet5").graph()
    noted = templates.get("lenet5").graph()
    noted.view["annotations"] = [{"type": "text", "text": "x", "near": "nowhere"}]
    assert service.figure(plain, "svg").data == service.figure(noted, "svg").data
