"""Deeply nested documents are refused with a location, never a crash or a RecursionError.

libyaml's composer recurses on the C stack: before the depth check a 60 kB body of
``[[[[...`` killed the whole process with SIGSEGV, and a deep JSON body answered 500.

These tests assert behaviour, not wording: since PyYAML 6.0.4 libyaml refuses deep flow
YAML itself, in its own words, and either refusal is right as long as it is a located
FormatError at the bracket that goes too deep.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netcanvas.formats import FormatError, native

ROOT = Path(__file__).resolve().parents[2]
DEEP = 30_000


def _nested(kind: str, depth: int) -> str:
    if kind == "json-list":
        return '{"netcanvas": 1, "layers": ' + "[" * depth + "]" * depth + "}"
    if kind == "json-view":
        return (
            '{"netcanvas": 1, "layers": [], "view": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
        )
    if kind == "yaml-flow":
        return "netcanvas: 1\nlayers: " + "[" * depth + "]" * depth
    if kind == "yaml-block":
        return "netcanvas: 1\nlayers:\n" + "- " * depth + "1"
    return "netcanvas: 1\nlayers: []\nview: " + "{a: " * depth + "1" + "}" * depth


KINDS = ["json-list", "json-view", "yaml-flow", "yaml-block", "yaml-view"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("depth", [150, 1_200, DEEP])
def test_deep_nesting_is_a_located_format_error(kind: str, depth: int) -> None:
    text = _nested(kind, depth)
    with pytest.raises(FormatError) as caught:
        native.load(text.encode())
    _assert_at_an_opening(text, caught.value.line, caught.value.column)


def _assert_at_an_opening(text: str, line: int | None, column: int | None) -> None:
    """The error points at a bracket (or block dash) deeper than any real document nests."""
    assert line is not None and column is not None
    row = text.splitlines()[line - 1]
    assert 1 <= column <= len(row)
    assert row[column - 1] in "[{-"
    before = "\n".join(text.splitlines()[: line - 1] + [row[: column - 1]])
    assert sum(before.count(c) for c in "[{-") >= 99


def test_deep_json_is_refused_in_our_words_whatever_pyyaml_does() -> None:
    # JSON is checked before libyaml sees it, so the message does not depend on PyYAML.
    text = _nested("json-list", 1_200)
    with pytest.raises(FormatError) as caught:
        native.load(text.encode())
    assert caught.value.message == "the document is nested more than 100 levels deep"
    assert (caught.value.line, caught.value.column) == (1, text.index("[") + 100)


def test_moderate_nesting_in_view_still_reads() -> None:
    graph = native.load(_nested("json-view", 50).encode())
    depth, value = 0, graph.view
    while isinstance(value, dict):
        value, depth = value["a"], depth + 1
    assert depth == 50 and value == 1


def test_deep_yaml_does_not_crash_the_process() -> None:
    # In a child process: if the crash comes back, this test fails instead of pytest dying.
    code = (
        "import sys; from netcanvas.formats import native, FormatError\n"
        f"text = 'netcanvas: 1\\nlayers: ' + '[' * {DEEP * 3} + ']' * {DEEP * 3}\n"
        "try:\n    native.load(text)\nexcept FormatError:\n    sys.exit(0)\nsys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-500:]


@pytest.mark.parametrize("kind", KINDS)
def test_api_answers_422_to_deep_bodies(client: TestClient, kind: str) -> None:
    text = _nested(kind, DEEP)
    response = client.post("/api/analyze", content=text.encode())
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail["message"]
    _assert_at_an_opening(text, detail["line"], detail["column"])
