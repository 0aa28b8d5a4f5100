"""Deeply nested documents are refused with a location, never a crash or a RecursionError.

libyaml's composer recurses on the C stack: before the depth check a 60 kB body of
``[[[[...`` killed the whole process with SIGSEGV, and a deep JSON body answered 500.
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
    error = caught.value
    assert "nested more than" in error.message
    assert error.line is not None and error.column is not None
    line = text.splitlines()[error.line - 1]
    assert 1 <= error.column <= len(line)
    assert line[error.column - 1] in "[{-"


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
    response = client.post("/api/analyze", content=_nested(kind, DEEP).encode())
    assert response.status_code == 422, response.text
    assert "nested" in response.json()["detail"]["message"]
