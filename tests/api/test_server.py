"""Against a real `netcanvas serve` on 127.0.0.1: racing saves, the body limit, a restart.

One test, two server starts: starting a server costs seconds on a busy machine.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from tests.api.conftest import Server, doc


def race(url: str, key: str) -> dict[str, int]:
    """Two PUTs on revision 1 released together; their status codes by writer name."""
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def put(name: str) -> None:
        with httpx.Client() as client:
            barrier.wait()
            answer = client.put(
                url, json={"revision": 1, "document": doc(name)}, headers={"X-Edit-Key": key}
            )
            statuses[name] = answer.status_code

    threads = [threading.Thread(target=put, args=(n,)) for n in ("left", "right")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return statuses


def test_real_server(tmp_path: Path) -> None:
    db = tmp_path / "designs.db"
    first = Server(db)
    try:
        made = httpx.post(f"{first.url}/api/designs", json={"document": doc("base")}).json()
        url = f"{first.url}/api/designs/{made['id']}"

        # Two concurrent PUTs on the same revision: one wins, one 409, both kept in order.
        statuses = race(url, made["edit_key"])
        assert sorted(statuses.values()) == [200, 409]
        winner = next(n for n, code in statuses.items() if code == 200)
        history = httpx.get(f"{url}/revisions").json()["revisions"]
        assert [(r["number"], r["name"]) for r in history] == [(1, "base"), (2, winner)]

        big = b"x" * (20 * 1024 * 1024 + 1)
        assert httpx.post(f"{first.url}/api/analyze", content=big, timeout=30).status_code == 413
    finally:
        first.stop()

    second = Server(db)  # a restart over the same file
    try:
        url = f"{second.url}/api/designs/{made['id']}"
        answer = httpx.get(url)
        assert answer.status_code == 200
        assert answer.json()["revision"] == 2 and answer.json()["document"]["name"] == winner
        page = httpx.get(f"{second.url}/d/{made['id']}")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    finally:
        second.stop()


def test_a_json_body_that_does_not_decode_is_a_422_not_a_400(client: TestClient) -> None:
    bad = client.post(
        "/api/plot", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 422, bad.text
    assert "not valid JSON" in bad.json()["detail"]["message"]
