"""Bounded work on a real server: hostile input is refused quickly, a job past its time
limit or whose client left is stopped, and the server itself stays small and answers
/healthz at once throughout."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import Server

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from residual import residual_yaml  # noqa: E402

onnx = pytest.importorskip("onnx")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def folding_bomb() -> bytes:
    """155 bytes or so: a constant shape made positive by Abs, then ConstantOfShape."""
    from onnx import TensorProto, helper

    shape = helper.make_tensor("s", TensorProto.INT64, [2], [-20000, -20000])
    nodes = [
        helper.make_node("Constant", [], ["s0"], value=shape),
        helper.make_node("Abs", ["s0"], ["s1"]),
        helper.make_node("ConstantOfShape", ["s1"], ["big"]),
        helper.make_node("Add", ["x", "big"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "bomb",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("bounded") / "b.db"
    running = Server(
        db,
        env={
            "NETCANVAS_WORK_PROCESSES": "1",
            "NETCANVAS_WORK_SECONDS": "4",
            "NETCANVAS_BODY_SECONDS": "1",
        },
    )
    tiny = {"netcanvas": 1, "layers": [{"name": "x", "type": "Input", "shape": [1, 4]}]}
    # The first answer waits for the work process to start: not part of any measurement.
    assert httpx.post(f"{running.url}/api/analyze", json=tiny, timeout=120).status_code == 200
    yield running
    running.stop()


class Heartbeat:
    """/healthz asked every 20 ms in the background; the slowest answer is kept."""

    def __init__(self, url: str) -> None:
        self.url, self.worst, self.done = url, 0.0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with httpx.Client() as client:
            while not self.done.is_set():
                started = time.monotonic()
                assert client.get(f"{self.url}/healthz", timeout=5).status_code == 200
                self.worst = max(self.worst, time.monotonic() - started)
                time.sleep(0.02)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(5)


def test_the_folding_bomb_is_refused_and_the_server_stays_small(server: Server) -> None:
    bomb = folding_bomb()
    assert len(bomb) < 200
    with Heartbeat(server.url) as beat:
        started = time.monotonic()
        answer = httpx.post(f"{server.url}/api/import?format=onnx", content=bomb, timeout=30)
        took = time.monotonic() - started
    if answer.status_code == 200:  # read, the 400,000,000-value constant left unfolded
        layers = {layer["name"]: layer for layer in answer.json()["document"]["layers"]}
        assert layers["big"]["output_shapes"] == [[20000, 20000]]
    else:
        assert 400 <= answer.status_code < 500 and answer.json()["detail"]["message"]
    assert took < 2.5, f"answered after {took:.1f} s"
    assert beat.worst < 0.1, f"/healthz took {beat.worst * 1000:.0f} ms"
    assert _rss_mb(server.process.pid) < 400


def test_a_huge_png_is_refused_at_once(server: Server) -> None:
    doc = {"netcanvas": 1, "layers": [{"name": "x", "type": "Input", "shape": [1, 3, 8, 8]}]}
    with Heartbeat(server.url) as beat:
        answer = httpx.post(f"{server.url}/api/export/png?dpi=1200&width=60in", json=doc)
    assert answer.status_code == 422 and "Mpx" in answer.json()["detail"]["message"]
    assert beat.worst < 0.1


def test_work_past_its_time_limit_is_stopped_and_the_next_job_runs(tmp_path: Path) -> None:
    # Its SVG takes ~5 s here (20,000 layers took 4 s, then 1.9 s once the writer got
    # faster): a limit of 1 s stays far below it on any machine.
    slow = residual_yaml(60_000).encode()
    strict = Server(
        tmp_path / "t.db", env={"NETCANVAS_WORK_PROCESSES": "1", "NETCANVAS_WORK_SECONDS": "1"}
    )
    try:
        small = {"netcanvas": 1, "layers": [{"name": "x", "type": "Input", "shape": [1, 4]}]}
        assert httpx.post(f"{strict.url}/api/analyze", json=small, timeout=120).status_code == 200
        with Heartbeat(strict.url) as beat:
            started = time.monotonic()
            answer = httpx.post(f"{strict.url}/api/export/svg", content=slow, timeout=60)
            took = time.monotonic() - started
        assert answer.status_code == 503
        assert "NETCANVAS_WORK_SECONDS" in answer.json()["detail"]["message"]
        assert took < 4
        assert beat.worst < 0.1
        assert httpx.post(f"{strict.url}/api/analyze", json=small, timeout=30).status_code == 200
    finally:
        strict.stop()


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _busy(pids: set[int]) -> set[int]:
    """The processes among ``pids`` using a CPU over the next half second."""

    def ticks(pid: int) -> int:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return -1
        return int(fields[11]) + int(fields[12])

    before = {pid: ticks(pid) for pid in pids}
    time.sleep(0.5)
    return {pid for pid in pids if ticks(pid) - before[pid] > 10}


def test_a_client_that_leaves_stops_its_work(tmp_path: Path) -> None:
    patient = Server(
        tmp_path / "p.db", env={"NETCANVAS_WORK_PROCESSES": "1", "NETCANVAS_WORK_SECONDS": "120"}
    )
    try:
        tiny = {"netcanvas": 1, "layers": [{"name": "y", "type": "Input", "shape": [1, 4]}]}
        assert httpx.post(f"{patient.url}/api/analyze", json=tiny, timeout=120).status_code == 200
        # Its SVG takes ~5 s: still running when the client leaves after 1.5 s (20,000
        # layers, 1.9 s once the writer got faster, could finish first).
        slow = residual_yaml(60_000).encode()
        client = threading.Thread(
            target=lambda: pytest.raises(
                httpx.TimeoutException,
                httpx.post, f"{patient.url}/api/export/svg", content=slow, timeout=1.5,
            ),
            daemon=True,
        )  # fmt: skip
        client.start()
        time.sleep(1.0)
        working = _busy(_children(patient.process.pid))
        assert len(working) == 1, "the job runs in one work process"
        client.join(5)
        time.sleep(1.0)  # noticed within a quarter of a second, then killed
        assert not (working & _children(patient.process.pid)), "the abandoned job still runs"
    finally:
        patient.stop()


def test_analyses_are_cached_by_etag(server: Server) -> None:
    layers = [
        {"name": "x", "type": "Input", "shape": [1, 4]},
        {"name": "fc", "type": "Linear", "out_features": 2},
    ]
    doc = {"netcanvas": 1, "layers": layers}
    first = httpx.post(f"{server.url}/api/analyze", json=doc)
    tag = first.headers["etag"]
    again = httpx.post(f"{server.url}/api/analyze", json=doc, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    other = httpx.post(f"{server.url}/api/analyze", json={**doc, "name": "other"})
    assert other.headers["etag"] != tag and other.json()["totals"]["params"] == 10


def test_a_body_trickling_in_is_cut_off(server: Server) -> None:
    """A client sending its body a byte at a time gets 408 once its allowance is spent,
    instead of holding a connection and a buffer open for as long as it likes."""
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(server.url)
    head = (
        f"POST /api/analyze HTTP/1.1\r\nHost: {url.hostname}\r\n"
        "Content-Type: application/json\r\nContent-Length: 400\r\n\r\n"
    )
    with Heartbeat(server.url) as beat, socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(head.encode())
        sock.settimeout(0.1)
        started, answer = time.monotonic(), b""
        while not answer and time.monotonic() - started < 8:
            try:
                sock.sendall(b" ")
                answer = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
        elapsed = time.monotonic() - started
        sock.settimeout(2)
        try:
            while chunk := sock.recv(4096):  # the rest of the answer, until the server closes
                answer += chunk
        except ConnectionResetError:
            # A byte we sent after the server's last read is unread when it closes, so its
            # kernel resets instead of a clean close; what it sent before is already here.
            pass
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"NETCANVAS_BODY_SECONDS" in answer
    assert 0.9 < elapsed < 3, elapsed
    assert beat.worst < 0.1
