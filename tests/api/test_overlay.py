"""Per-layer values on the figure: the analysis's numbers, a profiler's CSV, Model
Explorer's node data, a training run's statistics; with a legend."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netcanvas import service, templates
from netcanvas.cli import main
from netcanvas.formats import FormatError
from netcanvas.render.overlay import VIRIDIS, Overlay, colour, read


def _fills(svg: str, box: str) -> list[str]:
    group = re.search(rf'<g id="node-{box}"[^>]*>(.*?)</g>', svg, re.S)
    assert group, box
    return re.findall(r'fill="(#[0-9A-Fa-f]{6})"', group.group(1))


def test_params_overlay_colours_by_value_with_a_legend() -> None:
    graph = templates.get("lenet5").graph()
    svg = service.figure(graph, "svg", {"overlay": "params"}).data.decode()
    assert ">parameters (log scale)</text>" in svg
    # c5 holds the most parameters (48,120): the top of the scale; tanh layers none.
    assert VIRIDIS[-1] in _fills(svg, "c5")
    assert not set(VIRIDIS) & set(_fills(svg, "c1_tanh"))
    plain = service.figure(graph, "svg").data.decode()
    assert "parameters (log scale)" not in plain


def test_a_profilers_csv_and_model_explorer_json(tmp_path: Path) -> None:
    source = tmp_path / "lenet.yaml"
    source.write_text(templates.get("lenet5").text)
    csv = tmp_path / "latency.csv"
    csv.write_text("node,latency_ms\nc1,0.5\nc3,2.0\nc5,1.0\n")
    out = tmp_path / "lat.svg"
    assert main(["render", str(source), "-o", str(out), "--overlay", str(csv)]) == 0
    svg = out.read_text()
    assert ">latency_ms (log scale)</text>" in svg and VIRIDIS[-1] in _fills(svg, "c3")
    node_data = {
        "results": {"c1": {"value": 1}, "c3": {"value": 7, "bgColor": "#FF0000"}},
        "thresholds": [{"value": 5, "bgColor": "#00FF00"}, {"value": 10, "bgColor": "#0000FF"}],
    }
    explorer = tmp_path / "data.json"
    explorer.write_text(json.dumps(node_data))
    assert main(["render", str(source), "-o", str(out), "--overlay", str(explorer)]) == 0
    svg = out.read_text()
    assert "#FF0000" in _fills(svg, "c3")  # the file's own colour wins
    assert "#00FF00" in _fills(svg, "c1")  # 1 <= 5: the first threshold


def test_bad_overlay_files_are_located(tmp_path: Path) -> None:
    with pytest.raises(FormatError) as caught:
        read(b"node,value\nc1,abc\n", "x.csv")
    assert (caught.value.line, caught.value.column) == (2, 4)
    with pytest.raises(FormatError, match="needs a `results` object"):
        read(b'{"nodes": {}}', "x.json")


def test_a_runs_statistic_from_its_folder(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    source = tmp_path / "mlp.yaml"
    source.write_text(templates.get("mlp-2d").text)
    run = tmp_path / "run"
    assert main(["train", str(source), "--data", "moons", "--epochs", "2", "--out", str(run)]) == 0
    out = tmp_path / "grad.svg"
    assert main(["render", str(source), "-o", str(out), "--overlay", f"{run}:grad_norm"]) == 0
    svg = out.read_text()
    assert ">grad_norm (log scale)</text>" in svg
    assert set(VIRIDIS) & set(_fills(svg, "hidden1"))
    assert main(["render", str(source), "-o", str(out), "--overlay", f"{run}:nope"]) == 2


def test_the_editors_overlay_is_in_its_exported_figure(client) -> None:  # type: ignore[no-untyped-def]
    from netcanvas.formats import native

    document = native.to_document(templates.get("lenet5").graph())
    document.setdefault("view", {})["overlay"] = Overlay(
        "update_ratio", {"c1": 0.01, "c3": 0.1}
    ).to_view()
    svg = client.post("/api/export/svg", json=document).text
    assert ">update_ratio (log scale)</text>" in svg


def test_colour_scale_ends() -> None:
    overlay = Overlay("x", {"a": 1.0, "b": 100.0})
    assert colour(overlay, 1.0, (1.0, 100.0)) == VIRIDIS[0]
    assert colour(overlay, 100.0, (1.0, 100.0)) == VIRIDIS[-1]


def test_the_overlay_route_reads_a_profilers_csv_and_model_explorer_json(
    client: TestClient,
) -> None:
    answer = client.post(
        "/api/overlay?filename=latency.csv", content=b"node,latency_ms\nconv1,0.82\nfc1,nan\n"
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["overlay"] == {
        "label": "latency_ms",
        "values": {"conv1": 0.82},
        "log": True,
    }
    data = {"results": {"conv1": {"value": 3, "bgColor": "#ff0000"}, "pool1": {"value": 1}}}
    answer = client.post("/api/overlay?filename=data.json", content=json.dumps(data).encode())
    assert answer.status_code == 200, answer.text
    assert answer.json()["overlay"]["values"] == {"conv1": 3.0, "pool1": 1.0}
    assert answer.json()["overlay"]["colors"] == {"conv1": "#ff0000"}
    bad = client.post("/api/overlay?filename=t.csv", content=b"node,ms\nconv1,0.5\nfc1,fast\n")
    assert bad.status_code == 422
    detail = bad.json()["detail"]
    assert (detail["line"], detail["column"]) == (3, 5) and "t.csv" in detail["message"]
    empty = client.post("/api/overlay?filename=e.csv", content=b"node,ms\n")
    assert empty.status_code == 422
