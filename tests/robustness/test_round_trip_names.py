"""Names, settings and view data that YAML treats specially survive a YAML round trip.

Before: a name holding U+2028 (LINE SEPARATOR) or U+0085 (NEL) was written raw inside
double quotes, where YAML folds it to a space; the written file did not read back.
Lone surrogate escapes in a JSON body were accepted and crashed the encoder (500).
"""

from __future__ import annotations

import json

import pytest
import yaml
from fastapi.testclient import TestClient

from netcanvas.formats import FormatError, native
from netcanvas.graph.model import Graph, Node

ODD = [
    "yes", "no", "null", "~", "1e3", "0x1F", "0o17", "1_000", "-", "- x", "#x", "a #b",
    "a: b", ":", "?", "[a]", "{a}", "*a", "&a", "!t", "%x", "@x", "`x", "'q'", '"q"', "a\\b",
    "tab\tx", "nl\nx", "cr\rx", "\u2028ls", "\u2029ps", "\x85nel", "\x9fc1", "\x7fdel",
    " lead", "trail ", "é", "🙂", "=", "<<", ".inf", ".nan", "True", "off", "y", "2024-01-01",
    "12:30", "1:2", "\ufeffbom", "\x07bell", "\x1b[31m", "a,b", "|", ">", "---", "...",
]  # fmt: skip


def odd_graph() -> Graph:
    nodes = [Node("in", "Input", {"shape": [1, 3]})]
    for name in ODD:
        nodes.append(Node(name, "ReLU", {}, [nodes[-1].name], meta={"note": name}))
    view = {"positions": {name: [1.5, -2] for name in ODD}, "labels": ODD}
    return Graph("".join(ODD[:12]), nodes, view=view, meta={"all": ODD})


def test_odd_strings_survive_the_yaml_writer() -> None:
    graph = odd_graph()
    text = native.dump(graph, {})
    # The outside reader agrees with ours on every string.
    assert yaml.safe_load(text)["meta"]["all"] == ODD
    back = native.load(text)
    assert [(n.name, n.inputs, n.meta) for n in back.nodes] == [
        (n.name, n.inputs, n.meta) for n in graph.nodes
    ]
    assert (back.name, back.view, back.meta) == (graph.name, graph.view, graph.meta)


def test_odd_strings_survive_the_json_writer() -> None:
    graph = odd_graph()
    back = native.load(native.to_json(native.to_document(graph)).encode())
    assert [n.name for n in back.nodes] == [n.name for n in graph.nodes]
    assert back.meta == graph.meta


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "x\\ud83d", "\\ude00y", "\\ud83d\\ud83d"])
def test_lone_surrogates_are_format_errors(escape: str) -> None:
    body = '{"netcanvas": 1, "name": "' + escape + '", "layers": []}'
    with pytest.raises(FormatError) as caught:
        native.load(body.encode())
    assert caught.value.line == 1 and 1 <= caught.value.column <= len(body)


def test_surrogate_pairs_and_escaped_backslashes_still_read() -> None:
    body = r'{"netcanvas": 1, "name": "\ud83d\ude00 \\ud800", "layers": []}'
    assert native.load(body.encode()).name == "\U0001f600 \\ud800"


@pytest.mark.parametrize("route", ["/api/analyze", "/api/export/yaml", "/api/designs"])
def test_api_refuses_lone_surrogates_with_422(client: TestClient, route: str) -> None:
    document = '{"netcanvas": 1, "layers": [{"name": "x\\udfff", "type": "Input", "shape": [1]}]}'
    body = document if route != "/api/designs" else '{"document": ' + document + "}"
    answer = client.post(route, content=body.encode())
    assert answer.status_code == 422, answer.text
    json.loads(answer.text)
