"""The one path from a file to a figure: the CLI and the API go through netcanvas.service,
so they read, analyse and draw the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netcanvas import analysis as engine
from netcanvas import service, templates, work
from netcanvas.cli import main
from netcanvas.formats import native
from netcanvas.graph.model import Graph

FIXTURES = Path(__file__).parent / "fixtures"


def test_options_come_from_view_style_unless_chosen() -> None:
    graph = Graph(view={"style": {"name": "blocks", "theme": "dark", "rankdir": "LR"}})
    merged = service.figure_options(graph, {})
    assert (merged.style, merged.theme, merged.rankdir) == ("blocks", "dark", "LR")
    asked = service.figure_options(graph, {"theme": "print"})
    assert (asked.style, asked.theme, asked.rankdir) == ("blocks", "print", "LR")


def test_a_stale_saved_setting_falls_back_and_keeps_the_rest() -> None:
    graph = Graph(view={"style": {"name": "nope", "theme": "dark", "fold": True}})
    merged = service.figure_options(graph, {})
    assert (merged.style, merged.theme, merged.fold) == ("graph", "dark", True)


def test_the_callers_own_bad_option_is_an_error() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        service.figure_options(Graph(), {"style": "nope"})


def _resnet_with_stack_and_fold() -> dict:  # type: ignore[type-arg]
    document = native.to_document(templates.get("resnet18").graph())
    document.setdefault("view", {})["style"] = {"name": "graph", "stack": True, "fold": True}
    return document


def test_editor_export_equals_render_with_stack_and_fold(
    client: TestClient, tmp_path: Path
) -> None:
    """The editor keeps Stack and Fold in view.style; its export must honour them exactly as
    `netcanvas render --stack --fold` does (before, the API dropped both)."""
    document = _resnet_with_stack_and_fold()
    exported = client.post("/api/export/svg", json=document)
    assert exported.status_code == 200, exported.text
    source = tmp_path / "net.yaml"
    source.write_bytes(native.dump(native.from_document(document)))
    plain = {**document, "view": {}}
    source_plain = tmp_path / "plain.yaml"
    source_plain.write_bytes(native.dump(native.from_document(plain)))
    out = tmp_path / "cli.svg"
    assert main(["render", str(source_plain), "-o", str(out), "--stack", "--fold"]) == 0
    assert exported.content == out.read_bytes()
    unstacked = tmp_path / "flat.svg"
    assert main(["render", str(source_plain), "-o", str(unstacked)]) == 0
    assert exported.content != unstacked.read_bytes()  # the options really changed the figure


def test_a_style_that_cannot_fold_says_so(client: TestClient, tmp_path: Path) -> None:
    document = native.to_document(templates.get("lenet5").graph())
    answer = client.post("/api/export/svg?style=fcnn&fold=true", json=document)
    assert answer.status_code == 200
    assert answer.headers["x-netcanvas-warnings"] == (
        "the fcnn style does not fold repeated blocks: fold is ignored"
    )


def _count_analyses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = engine.analyze

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "analyze", counting)
    return calls


def test_a_pasted_prototxt_costs_one_analysis(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Caffe leaves BatchNorm's rank to the input shape: it is settled inside the one
    analysis, not by analysing the file again and again."""
    text = (
        b'name: "bn"\ninput: "data"\ninput_shape { dim: 2 dim: 3 dim: 8 dim: 8 }\n'
        b'layer { name: "c" type: "Convolution" bottom: "data" top: "c"\n'
        b"  convolution_param { num_output: 4 kernel_size: 3 } }\n"
        b'layer { name: "bn" type: "BatchNorm" bottom: "c" top: "c" }\n'
        b'layer { name: "fc" type: "InnerProduct" bottom: "c" top: "fc"\n'
        b"  inner_product_param { num_output: 5 } }\n"
        b'layer { name: "bn2" type: "BatchNorm" bottom: "fc" top: "fc" }\n'
        b'layer { name: "p" type: "PReLU" bottom: "fc" top: "fc" }\n'
    )
    # The route runs netcanvas.work.import_file in a worker process: count it here.
    calls = _count_analyses(monkeypatch)
    answer = json.loads(work.import_file(text, "", "prototxt", "TEST", {}, True, None))
    assert len(calls) == 1
    assert client.post("/api/import?format=prototxt&analysis=true", content=text).json() == answer
    types = {n["name"]: n["type"] for n in answer["analysis"]["nodes"]}
    assert types["bn"] == "BatchNorm2d" and types["bn2"] == "BatchNorm1d"
    layers = {layer["name"]: layer for layer in answer["document"]["layers"]}
    assert layers["bn2"]["type"] == "BatchNorm1d"
    assert layers["p"]["num_parameters"] == 5
    assert answer["analysis"]["errors"] == []


def test_the_api_takes_input_shapes_like_the_cli(client: TestClient) -> None:
    text = (
        b'name: "d"\nlayer { name: "data" type: "Data" top: "data" top: "label"\n'
        b"  data_param { source: 'x' batch_size: 4 } }\n"
        b'layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"\n'
        b"  inner_product_param { num_output: 10 } }\n"
    )
    blind = client.post("/api/import?format=prototxt&analysis=true", content=text).json()
    assert blind["analysis"]["nodes"][-1]["output_shapes"] == [None]
    shaped = client.post(
        "/api/import?format=prototxt&analysis=true&input_shape=data=4,1,28,28", content=text
    )
    assert shaped.status_code == 200, shaped.text
    fc = shaped.json()["analysis"]["nodes"][-1]
    assert fc["output_shapes"] == [[4, 10]] and fc["params"] == 28 * 28 * 10 + 10
    wrong = client.post("/api/import?format=prototxt&input_shape=nope=1,2", content=text)
    assert wrong.status_code == 422
    assert wrong.json()["detail"]["message"] == "input_shape: there is no layer named 'nope'"
