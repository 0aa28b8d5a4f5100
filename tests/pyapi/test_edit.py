"""Document.edit(): a real server started on a free port, then reused; the design it
saved is the document."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import netcanvas as nc
from netcanvas import editing

TEMPLATES = Path(__file__).resolve().parents[2] / "backend" / "netcanvas" / "templates"


@pytest.fixture()
def port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free: int = s.getsockname()[1]
    # the server it starts keeps its designs in this test's folder
    monkeypatch.setenv("NETCANVAS_DATABASE_URL", f"sqlite:///{tmp_path / 'designs.db'}")
    yield free
    started = editing.STARTED.pop(free, None)
    if started is not None:
        started.terminate()
        started.wait(timeout=10)


def test_edit_starts_a_server_then_reuses_it(port: int) -> None:
    doc = nc.load(TEMPLATES / "lenet5.yaml")
    url = doc.edit(port=port, browser=False)
    assert url.startswith(f"http://127.0.0.1:{port}/d/")
    server = editing.STARTED[port]
    design = url.rsplit("/", 1)[1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/designs/{design}") as reply:
        saved = json.loads(reply.read())
    assert saved["document"] == json.loads(json.dumps(doc.to_dict()))
    with urllib.request.urlopen(url) as page:
        assert page.status == 200
    second = doc.edit(port=port, browser=False)
    assert second != url and editing.STARTED[port] is server  # no second server
