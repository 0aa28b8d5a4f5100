"""Training over HTTP with the real worker process: queue, live events, files, cancel,
sweeps, refusals before any work, and a server killed mid-run."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from netcanvas import templates
from netcanvas.api.app import create_app
from netcanvas.api.settings import Settings
from netcanvas.formats import native
from tests.api.conftest import Server

pytest.importorskip("torch")
pytestmark = pytest.mark.oracle

DATASETS = {"spiral", "moons", "circles", "xor", "blobs", "digits", "mnist", "fashion-mnist",
            "cifar10", "imagefolder", "npz", "csv"}  # fmt: skip


def _document(slug: str = "mlp-2d") -> dict[str, Any]:
    return native.to_document(templates.get(slug).graph())


def _body(**config: Any) -> dict[str, Any]:
    config = {"epochs": 3, "batch_size": 32, "lr": 0.01, **config}
    return {
        "document": _document(),
        "design": None,
        "data": {"name": "moons", "settings": {"samples": 400}},
        "config": config,
    }


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[TestClient]:
    """One app (so one worker process, torch imported once) for the module."""
    db = tmp_path_factory.mktemp("runs") / "runs.db"
    settings = Settings(database_url=f"sqlite:///{db}", data_dir=data_dir)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _events(client: Any, run_id: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    with client.stream("GET", f"/api/runs/{run_id}/events", timeout=120) as stream:
        kind = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind:
                out.append((kind, json.loads(line[6:])))
    return out


def _wait(client: Any, run_id: str, statuses: tuple[str, ...], timeout: float = 120) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["status"] in statuses:
            return run  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} stayed {run['status']}")


def test_the_data_set_catalogue(api: TestClient) -> None:
    listed = api.get("/api/datasets").json()
    assert {d["name"] for d in listed} == DATASETS
    for entry in listed:
        assert set(entry) == {"name", "kind", "task", "input_shape", "classes", "settings"}
    moons = next(d for d in listed if d["name"] == "moons")
    assert moons["kind"] == "builtin" and moons["input_shape"] == [1, 2]


def test_a_run_streams_its_epochs_and_leaves_its_files(api: TestClient) -> None:
    started = api.post("/api/runs", json=_body())
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    assert started.json()["status"] == "queued"
    events = _events(api, run_id)
    kinds = [k for k, _ in events]
    assert kinds[-1] == "status" and events[-1][1]["status"] == "done"
    assert "progress" in kinds
    epochs = [p for k, p in events if k == "metrics"]
    assert [m["epoch"] for m in epochs] == [1, 2, 3]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"} <= set(epochs[0])
    boundaries = [p for k, p in events if k == "boundary"]
    assert [b["epoch"] for b in boundaries] == [1, 2, 3]
    assert len(boundaries[-1]["classes"]) == 48 * 48 and set(boundaries[-1]["classes"]) == {0, 1}
    assert len(boundaries[0]["points"]) == 300 and "points" not in boundaries[1]
    layer_events = [p for k, p in events if k == "layers"]
    assert [e["epoch"] for e in layer_events] == [1, 2, 3]
    progress = next(p for k, p in events if k == "progress")
    assert set(progress) == {"epoch", "step", "steps", "seconds", "eta"}
    run = api.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "done" and run["error"] is None
    assert sorted(run["artifacts"]) == ["metrics.csv", "model.onnx", "model.pt", "train.py"]
    stored = {(m["epoch"], m["name"]): m["value"] for m in run["metrics"]}
    assert stored[(3, "val_accuracy")] == epochs[-1]["val_accuracy"]
    model = api.get(f"/api/runs/{run_id}/artifacts/model.onnx")
    assert model.status_code == 200 and model.headers["content-type"] == "application/onnx"
    onnx = pytest.importorskip("onnx")
    onnx.checker.check_model(onnx.load_from_string(model.content))
    assert run_id in {r["id"] for r in api.get("/api/runs").json()}
    # a finished run replays its story to a late listener
    replay = _events(api, run_id)
    assert [k for k, _ in replay] == ["status", "metrics", "metrics", "metrics"]
    layers = api.get(f"/api/runs/{run_id}/layers").json()
    assert layers["epoch"] == 3 and set(layers["layers"]) >= {"hidden1", "relu1", "logits"}
    assert layers["layers"]["hidden1"]["stats"]["grad_norm"] > 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"data": {"name": "digits"}}, "the document's Input takes 2"),
        ({"data": {"name": "nope"}}, "nope"),
        ({"config": {"epochs": 0}}, "config.epochs"),
        ({"data": {"name": "npz", "path": "../outside.npz"}}, "outside the server's data folder"),
        ({"data": {"name": "npz", "path": "broken.npz"}}, "broken.npz"),
    ],
)
def test_what_cannot_train_is_refused_before_any_work(
    api: TestClient, data_dir: Path, change: dict[str, Any], reason: str
) -> None:
    (data_dir / "broken.npz").write_bytes(b"PK\x03\x04 this is not a zip")
    before = len(api.get("/api/runs").json())
    answer = api.post("/api/runs", json={**_body(), **change})
    assert answer.status_code == 422, answer.text
    assert reason in answer.json()["detail"]["message"]
    assert len(api.get("/api/runs").json()) == before  # nothing queued


def test_a_graph_with_errors_or_without_parameters_is_refused(api: TestClient) -> None:
    broken = _document()
    broken["layers"][3]["inputs"] = ["ghost"]  # hidden2 reads a layer that is not there
    answer = api.post("/api/runs", json={**_body(), "document": broken})
    assert answer.status_code == 422
    assert answer.json()["detail"]["message"].startswith("the network has errors: hidden2:")
    layers = [{"name": "x", "type": "Input", "shape": [1, 2]}, {"name": "r", "type": "ReLU"}]
    bare = {"netcanvas": 1, "name": "bare", "layers": layers}
    answer = api.post("/api/runs", json={**_body(), "document": bare})
    assert answer.status_code == 422
    assert "no learnable parameters" in answer.json()["detail"]["message"]


def test_cancel_stops_the_run_and_frees_the_worker(api: TestClient) -> None:
    long = api.post("/api/runs", json=_body(epochs=1000)).json()["id"]
    _wait(api, long, ("running",))
    time.sleep(0.5)
    assert api.post(f"/api/runs/{long}/cancel").json()["status"] == "cancelling"
    cancelled = _wait(api, long, ("cancelled",), timeout=30)
    assert cancelled["note"] == "stopped by request"
    after = api.post("/api/runs", json=_body(epochs=1)).json()["id"]
    assert _wait(api, after, ("done", "failed"))["status"] == "done"


def test_a_sweep_runs_the_grid(api: TestClient) -> None:
    answer = api.post("/api/runs", json={**_body(epochs=1), "sweep": {"lr": [0.001, 0.01]}})
    assert answer.status_code == 202
    ids = answer.json()["sweep"]
    assert len(ids) == 2
    runs = [_wait(api, i, ("done", "failed")) for i in ids]
    assert [r["config"]["lr"] for r in runs] == [0.001, 0.01]
    assert all(r["status"] == "done" for r in runs)


def test_a_nan_loss_fails_the_run_with_its_reason(api: TestClient) -> None:
    doc = _document()
    doc["layers"].append({"name": "log", "type": "Log"})
    run_id = api.post("/api/runs", json={**_body(), "document": doc}).json()["id"]
    run = _wait(api, run_id, ("failed", "done"))
    assert run["status"] == "failed"
    assert run["error"].startswith("the loss became nan in epoch 1")
    assert api.get("/healthz").status_code == 200


@pytest.mark.slow
def test_a_server_killed_mid_run_marks_it_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "kill.db"
    server = Server(db)
    try:
        done = httpx.post(f"{server.url}/api/runs", json=_body(epochs=1), timeout=60).json()["id"]
        deadline = time.monotonic() + 120
        while httpx.get(f"{server.url}/api/runs/{done}").json()["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        model = httpx.get(f"{server.url}/api/runs/{done}/artifacts/model.pt").content
        going = httpx.post(f"{server.url}/api/runs", json=_body(epochs=1000), timeout=60)
        going_id = going.json()["id"]
        while httpx.get(f"{server.url}/api/runs/{going_id}").json()["status"] != "running":
            time.sleep(0.1)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(10)
    finally:
        server.stop()
    again = Server(db)
    try:
        run = httpx.get(f"{again.url}/api/runs/{going_id}").json()
        assert run["status"] == "interrupted"
        finished = httpx.get(f"{again.url}/api/runs/{done}").json()
        assert finished["status"] == "done" and len(finished["metrics"]) >= 5
        assert httpx.get(f"{again.url}/api/runs/{done}/artifacts/model.pt").content == model
    finally:
        again.stop()


def test_feature_maps_of_a_finished_run_and_of_its_onnx(api: TestClient) -> None:
    body = {
        "document": _document("lenet-digits"),
        "data": {"name": "digits"},
        "config": {"epochs": 1, "batch_size": 32, "lr": 0.003},
    }
    run_id = api.post("/api/runs", json=body).json()["id"]
    assert _wait(api, run_id, ("done", "failed"))["status"] == "done"
    answer = api.post(f"/api/runs/{run_id}/activations", json={"sample": 2})
    assert answer.status_code == 200, answer.text
    maps = answer.json()
    assert maps["layers"]["conv1"]["shape"] == [16, 8, 8]
    assert maps["images"]["conv1.png"].startswith("iVBOR")  # base64 of a PNG
    assert sum(maps["probabilities"]) == pytest.approx(1.0)
    model = api.get(f"/api/runs/{run_id}/artifacts/model.onnx").content
    onnx_maps = api.post("/api/inspect", content=model)
    assert onnx_maps.status_code == 200 and onnx_maps.json()["images"]
    assert api.post("/api/runs/nope/activations", json={}).status_code == 404
    assert api.post("/api/inspect", content=b"not onnx").status_code == 422


def test_without_torch_the_api_says_how_to_enable_training(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    answer = api.post("/api/runs", json=_body())
    assert answer.status_code == 501
    assert "install the `train` extra" in answer.json()["detail"]["message"]
