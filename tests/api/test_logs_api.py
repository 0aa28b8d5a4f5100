"""Training logs through the API: imported runs join the runs list, and the editor's figure
of them is the file `netcanvas plot` writes from the logs themselves."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netcanvas.cli import main

KERAS_CSV = (
    "epoch,accuracy,loss,val_accuracy,val_loss\n"
    "0,0.5,0.9,0.55,0.8\n1,0.7,0.6,0.72,0.61\n2,0.8,0.4,0.79,0.45\n"
)


def _tensorboard_dir(root: Path) -> Path:
    torch = pytest.importorskip("torch")
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    for name, scale in (("baseline", 1.0), ("wide", 0.5)):
        writer = SummaryWriter(str(root / name))
        for step in range(20):
            writer.add_scalar("loss", scale / (step + 1), step)
            writer.add_scalar("val_loss", scale * 1.1 / (step + 1), step)
        writer.close()
    assert torch  # the writer is torch's own
    return root


def test_a_csv_log_becomes_an_imported_run(client: TestClient) -> None:
    answer = client.post("/api/logs?filename=history.csv", content=KERAS_CSV.encode())
    assert answer.status_code == 201, answer.text
    (run,) = answer.json()["runs"]
    assert run["name"] == "history"
    assert set(run["metrics"]) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    stored = client.get(f"/api/runs/{run['id']}").json()
    assert stored["status"] == "imported"
    values = {(m["epoch"], m["name"]): m["value"] for m in stored["metrics"]}
    assert values[(2, "val_loss")] == 0.45 and values[(0, "accuracy")] == 0.5
    assert run["id"] in {r["id"] for r in client.get("/api/runs").json()}


def test_a_zip_of_tensorboard_runs_imports_every_run(client: TestClient, tmp_path: Path) -> None:
    logs = _tensorboard_dir(tmp_path / "logs")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for file in logs.rglob("*"):
            if file.is_file():
                archive.write(file, file.relative_to(logs).as_posix())
    answer = client.post("/api/logs?filename=logs.zip", content=packed.getvalue())
    assert answer.status_code == 201, answer.text
    runs = answer.json()["runs"]
    assert sorted(r["name"] for r in runs) == ["baseline", "wide"]
    wide = next(r for r in runs if r["name"] == "wide")
    stored = client.get(f"/api/runs/{wide['id']}").json()
    losses = sorted((m["epoch"], m["value"]) for m in stored["metrics"] if m["name"] == "loss")
    assert len(losses) == 20 and losses[3] == (3, pytest.approx(0.5 / 4, rel=1e-6))


def test_the_editor_figure_is_the_cli_figure(client: TestClient, tmp_path: Path) -> None:
    log = tmp_path / "history.csv"
    log.write_text(KERAS_CSV)
    out = tmp_path / "cli.svg"
    assert main(["plot", str(log), "-o", str(out), "--theme", "print", "--width", "3.3in"]) == 0
    run_id = client.post("/api/logs?filename=history.csv", content=log.read_bytes())
    ids = [r["id"] for r in run_id.json()["runs"]]
    figure = client.post("/api/plot?format=svg&theme=print&width=3.3in", json={"runs": ids})
    assert figure.status_code == 200 and figure.headers["content-type"] == "image/svg+xml"
    assert figure.content == out.read_bytes()
    pdf = client.post("/api/plot?format=pdf&layout=loss,accuracy", json={"runs": ids})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("name", "body", "where"),
    [
        ("broken.csv", b"epoch,loss\n0,0.5\n1,abc\n", (3, 3)),
        ("nan.json", b'{"loss": [0.5, NaN]}', None),
    ],
)
def test_bad_logs_are_refused_with_their_place_and_nothing_imported(
    client: TestClient, name: str, body: bytes, where: tuple[int, int] | None
) -> None:
    before = len(client.get("/api/runs").json())
    answer = client.post(f"/api/logs?filename={name}", content=body)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail["message"].startswith(name + ":")
    if where:
        assert (detail["line"], detail["column"]) == where
    assert len(client.get("/api/runs").json()) == before


def test_a_zip_cannot_write_outside_its_folder(client: TestClient) -> None:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("../escape.csv", KERAS_CSV)
    answer = client.post("/api/logs?filename=evil.zip", content=packed.getvalue())
    assert answer.status_code == 422
    assert "outside its folder" in answer.json()["detail"]["message"]


def test_plotting_a_trained_run(client: TestClient) -> None:
    pytest.importorskip("torch")
    from netcanvas import templates
    from netcanvas.formats import native

    body = {
        "document": native.to_document(templates.get("mlp-2d").graph()),
        "data": {"name": "xor", "settings": {"samples": 200}},
        "config": {"epochs": 2, "batch_size": 16},
    }
    run_id = client.post("/api/runs", json=body).json()["id"]
    deadline = time.monotonic() + 120
    while client.get(f"/api/runs/{run_id}").json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    figure = client.post("/api/plot?format=png&x=epoch", json={"runs": [run_id]})
    assert figure.status_code == 200 and figure.content.startswith(b"\x89PNG")
    missing = client.post("/api/plot", json={"runs": ["nope"]})
    assert missing.status_code == 404
