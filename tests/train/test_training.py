"""Training the drawn network: accuracy on the built-in data, trained weights out (checked
by onnxruntime), the standalone DDP script under torchrun, the same seed the same curves,
and every reason a pair cannot train said before any work."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from netcanvas import templates  # noqa: E402
from netcanvas.cli import main  # noqa: E402
from netcanvas.graph.model import Graph, Node  # noqa: E402
from netcanvas.train import artifacts  # noqa: E402
from netcanvas.train.datasets import load_dataset  # noqa: E402
from netcanvas.train.runner import TrainConfig, train  # noqa: E402
from netcanvas.train.setup import TrainError, prepare  # noqa: E402

pytestmark = pytest.mark.oracle


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # as the worker does: tiny models train fastest so


def _train(slug: str, data: str, **config: object) -> tuple[object, object, object]:
    graph = templates.get(slug).graph()
    dataset = load_dataset(data, settings={"samples": 1000} if data != "digits" else None)
    cfg = TrainConfig(**config)  # type: ignore[arg-type]
    prepared = prepare(graph, dataset, cfg.batch_size)
    return train(prepared, dataset, cfg), prepared, dataset


def test_mlp_2d_learns_moons() -> None:
    started = time.monotonic()
    result, _, _ = _train("mlp-2d", "moons", epochs=30, lr=0.01)
    assert result.history[-1]["val_accuracy"] >= 0.97  # type: ignore[attr-defined]
    assert time.monotonic() - started < 60


def test_lenet_learns_digits_in_ten_epochs() -> None:
    started = time.monotonic()
    result, _, _ = _train("lenet-digits", "digits", epochs=10, lr=0.003)
    history = result.history  # type: ignore[attr-defined]
    assert len(history) == 10 and history[-1]["val_accuracy"] >= 0.95
    assert time.monotonic() - started < 60


def test_the_same_seed_gives_the_same_curves() -> None:
    first, _, _ = _train("mlp-2d", "moons", epochs=3, seed=7)
    again, _, _ = _train("mlp-2d", "moons", epochs=3, seed=7)
    other, _, _ = _train("mlp-2d", "moons", epochs=3, seed=8)

    def curve(result: object) -> list[float]:
        return [h["loss"] for h in result.history]  # type: ignore[attr-defined]

    assert curve(first) == curve(again)
    assert curve(first) != curve(other)


def test_trained_onnx_predicts_as_torch_does() -> None:
    ort = pytest.importorskip("onnxruntime")
    result, prepared, dataset = _train("lenet-digits", "digits", epochs=3, lr=0.003)
    model = result.model.eval()  # type: ignore[attr-defined]
    session = ort.InferenceSession(
        artifacts.onnx_bytes(model, prepared),
        providers=["CPUExecutionProvider"],  # type: ignore[arg-type]
    )
    held_out = dataset.split(0.2, 0)[1].x[:200]  # type: ignore[attr-defined]
    theirs = session.run(None, {"input": held_out})[0]
    batch = 32
    ours = []
    with torch.no_grad():
        for start in range(0, 200, batch):
            chunk = torch.from_numpy(held_out[start : start + batch])
            real = len(chunk)
            padded = torch.cat([chunk, chunk.new_zeros((batch - real, *chunk.shape[1:]))])
            ours.append(model(padded)[:real].numpy())
    ours_all = np.concatenate(ours)
    assert theirs.shape == (200, 10)
    assert np.abs(theirs - ours_all).max() < 1e-4
    assert (theirs.argmax(1) == ours_all.argmax(1)).all()
    state = torch.load(io.BytesIO(artifacts.state_dict_bytes(model)))
    assert set(state) == set(model.state_dict())


def test_cli_writes_every_file_and_one_json_line_per_epoch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "mlp.yaml"
    source.write_text(templates.get("mlp-2d").text)
    out = tmp_path / "run"
    code = main(["train", str(source), "--data", "moons", "--epochs", "3", "--json",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["epoch"] for line in lines[:-1]] == [1, 2, 3]
    assert set(lines[0]) >= {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"}
    assert lines[-1] == {"status": "done", "out": str(out)}
    names = {p.name for p in out.iterdir()}
    assert names == {"metrics.csv", "model.onnx", "model.pt", "train.py", "run.json", "layers.json"}
    rows = (out / "metrics.csv").read_text().splitlines()
    assert rows[0].split(",")[:6] == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert len(rows) == 4


def test_cli_refuses_a_data_set_of_the_wrong_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "lenet.yaml"
    source.write_text(templates.get("lenet-digits").text)
    assert main(["train", str(source), "--data", "moons", "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "netcanvas train: The data set's samples are 2 but the document's Input takes 1×8×8: "
        "set the Input's shape to [1, 2], or choose a data set whose samples are 1×8×8.\n"
    )
    assert not list(tmp_path.glob("runs"))


def _graph(*nodes: Node) -> Graph:
    return Graph("g", list(nodes))


@pytest.mark.parametrize(
    ("graph", "reason"),
    [
        (
            _graph(
                Node("x", "Input", {"shape": [1, 3]}),
                Node("fc", "Linear", {"out_features": 2}, ["x"]),
            ),
            "the document's Input takes 3",
        ),
        (
            _graph(
                Node("x", "Input", {"shape": [1, 2]}),
                Node("fc", "Linear", {"out_features": 5}, ["x"]),
            ),
            "'fc' gives 16×5 per batch; moons has 2 classes: make the last layer give N×2",
        ),
        (
            _graph(
                Node("x", "Input", {"shape": [1, 2]}),
                Node("c", "Conv2d", {"out_channels": 2, "kernel_size": 3}, ["x"]),
            ),
            "the network has errors: c:",
        ),
    ],
)
def test_pairs_that_cannot_train_say_why(graph: Graph, reason: str) -> None:
    dataset = load_dataset("moons", settings={"samples": 100})
    with pytest.raises(TrainError) as caught:
        prepare(graph, dataset, 16)
    assert reason in str(caught.value)


def test_a_network_without_parameters_cannot_train() -> None:
    graph = _graph(Node("x", "Input", {"shape": [1, 2]}), Node("r", "ReLU", {}, ["x"]))
    dataset = load_dataset("moons", settings={"samples": 100})
    from netcanvas.train.setup import build

    with pytest.raises(TrainError, match="no learnable parameters"):
        build(prepare(graph, dataset, 16))


def test_a_nan_loss_stops_with_a_clear_message() -> None:
    # The log of a negative number: the loss is NaN from the first step.
    graph = _graph(
        Node("x", "Input", {"shape": [1, 2]}),
        Node("fc", "Linear", {"out_features": 2}, ["x"]),
        Node("log", "Log", {}, ["fc"]),
    )
    dataset = load_dataset("moons", settings={"samples": 200})
    prepared = prepare(graph, dataset, 16)
    with pytest.raises(TrainError, match="the loss became nan in epoch 1: training stopped"):
        train(prepared, dataset, TrainConfig(epochs=3, batch_size=16))


def _free_port() -> int:
    """A port nobody listens on now: a fixed one may still be held by an earlier run."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_train_py_under_torchrun_trains_to_the_same_band(tmp_path: Path) -> None:
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun is not installed beside this Python")
    result, prepared, _ = _train("mlp-2d", "moons", epochs=20, lr=0.01)
    in_app = result.history[-1]["val_accuracy"]  # type: ignore[attr-defined]
    script = tmp_path / "train.py"
    data = {"name": "moons", "settings": {"samples": 1000}}
    script.write_bytes(
        artifacts.train_script(prepared, data, TrainConfig(epochs=20, lr=0.01))  # type: ignore[arg-type]
    )
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    started = time.monotonic()
    done = subprocess.run(
        [str(torchrun), "--nproc_per_node", "2", "--master_port", str(_free_port()), str(script)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    # Both ends of stderr: a worker's own error comes first, torchrun's summary last.
    assert done.returncode == 0, done.stderr[:3000] + "\n...\n" + done.stderr[-1500:]
    epochs = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(epochs) == 20
    assert abs(epochs[-1]["val_accuracy"] - in_app) <= 0.05 and epochs[-1]["val_accuracy"] >= 0.95
    assert (tmp_path / "model.pt").exists()
    assert time.monotonic() - started < 120
    shutil.rmtree(tmp_path / "__pycache__", ignore_errors=True)
