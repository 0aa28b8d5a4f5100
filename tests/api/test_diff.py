"""Comparing two networks: `netcanvas diff` and POST /api/diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netcanvas import templates
from netcanvas.cli import main
from netcanvas.diff import diff
from netcanvas.formats import native
from netcanvas.graph.model import Graph, Node


def _net(width: int, extra: bool = False, rename: bool = False) -> Graph:
    nodes = [
        Node("x", "Input", {"shape": [1, 8]}),
        Node("fc1", "Linear", {"out_features": width}, ["x"]),
        Node("act" if not rename else "relu", "ReLU", {}, ["fc1"]),
        Node("out", "Linear", {"out_features": 2}, ["act" if not rename else "relu"]),
    ]
    if extra:
        nodes.append(Node("drop", "Dropout", {"p": 0.5}, ["out"]))
    return Graph("mlp", nodes)


def test_a_wider_layer_and_an_added_one() -> None:
    d = diff(_net(16), _net(32, extra=True))
    by = {c.name: c for c in d.changes}
    assert by["fc1"].status == "changed" and by["fc1"].settings == {"out_features": [16, 32]}
    assert by["fc1"].params == (8 * 32 + 32) - (8 * 16 + 16)
    assert by["fc1"].shape == [[1, 16], [1, 32]]
    assert by["out"].params == 32 * 2 - 16 * 2 and by["out"].settings == {}
    assert by["drop"].status == "added" and by["drop"].params == 0
    totals = d.to_json()["totals"]
    assert totals["params"] == d.b.params - d.a.params == by["fc1"].params + by["out"].params
    assert by["act"].shape == [[1, 16], [1, 32]]  # its settings are the same
    assert (totals["added"], totals["changed"], totals["removed"]) == (1, 3, 0)


def test_a_rename_is_a_rename() -> None:
    d = diff(_net(16), _net(16, rename=True))
    statuses = {c.name: (c.status, c.renamed_from) for c in d.changes}
    assert statuses["relu"] == ("renamed", "act")
    assert "act" not in statuses  # not also a removal
    assert statuses["out"][0] == "changed"  # its input's name changed


def test_the_same_network_is_no_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "a.yaml"
    source.write_text(templates.get("lenet5").text)
    assert main(["diff", str(source), str(source)]) == 0
    assert capsys.readouterr().out.endswith(": no difference\n")


def test_cli_json_and_exit_1_when_they_differ(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_bytes(native.dump(_net(16)))
    b.write_bytes(native.dump(_net(32, extra=True)))
    assert main(["diff", str(a), str(b), "--json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["totals"]["params"] == 144 + 32 and answer["totals"]["added"] == 1
    assert main(["diff", str(a), str(b)]) == 1
    out = capsys.readouterr().out
    assert "~ fc1 (Linear)  params +144" in out and "+ drop (Dropout)" in out
    assert main(["diff", str(a), str(tmp_path / "missing.yaml")]) == 2


def test_the_api_compares_two_documents(client) -> None:  # type: ignore[no-untyped-def]
    body = {"a": native.to_document(_net(16)), "b": native.to_document(_net(32))}
    answer = client.post("/api/diff", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == json.loads(json.dumps(diff(_net(16), _net(32)).to_json()))
    assert client.post("/api/diff", json={"a": body["a"]}).status_code == 422
