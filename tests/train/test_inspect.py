"""Looking inside: feature maps of a trained run and of an ONNX file, checked against the
intermediate outputs torch and onnxruntime compute themselves."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from netcanvas import templates  # noqa: E402
from netcanvas.cli import main  # noqa: E402
from netcanvas.train.inspect import inspect_onnx, inspect_run  # noqa: E402

pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("inspect")
    source = folder / "lenet.yaml"
    source.write_text(templates.get("lenet-digits").text)
    out = folder / "run"
    code = main(["train", str(source), "--data", "digits", "--epochs", "2", "--lr", "0.003",
                 "--out", str(out), "--json"])  # fmt: skip
    assert code == 0
    return out


def _torch_model(run_dir: Path) -> torch.nn.Module:
    """The oracle: the generated PyTorch code (not our builder) with the trained weights."""
    import types

    from netcanvas.formats import native
    from netcanvas.formats.code.pytorch_writer import generate

    run = json.loads((run_dir / "run.json").read_text())
    graph = native.from_document(run["document"])
    graph.node("digit").params["shape"] = [run["config"]["batch_size"], 1, 8, 8]
    module = types.ModuleType("generated")
    exec(generate(graph), module.__dict__)  # noqa: S102  (our exporter's output, in a test)
    model = module.Network()
    model.load_state_dict(torch.load(run_dir / "model.pt", weights_only=True))
    return model.eval()


def _tile(png: bytes, index: int, shape: tuple[int, int], columns: int) -> np.ndarray:
    from PIL import Image

    sheet = np.asarray(Image.open(io.BytesIO(png)))
    h, w = shape
    scale = max(1, 64 // max(h, w))
    r, c = divmod(index, columns)
    y, x = r * (h * scale + 2), c * (w * scale + 2)
    return sheet[y : y + h * scale : scale, x : x + w * scale : scale].astype(np.float64) / 255


def test_a_runs_conv_maps_are_torchs(run_dir: Path) -> None:
    from netcanvas.train.datasets import load_dataset

    answer = inspect_run(run_dir, sample=7)
    digits = load_dataset("digits")
    batch = json.loads((run_dir / "run.json").read_text())["config"]["batch_size"]
    x = torch.zeros((batch, 1, 8, 8))
    x[0] = torch.from_numpy(digits.x[7])
    model = _torch_model(run_dir)
    with torch.no_grad():
        want = model.conv1(x)[0].numpy()
    entry = answer["layers"]["conv1"]
    assert entry["shape"] == [16, 8, 8] and entry["channels"] == 16
    for channel in (0, 5, 15):
        low, high = entry["ranges"][channel]
        assert low == pytest.approx(float(want[channel].min()), abs=1e-5)
        assert high == pytest.approx(float(want[channel].max()), abs=1e-5)
        tile = _tile(answer["images"]["conv1.png"], channel, (8, 8), 4)
        expected = (want[channel] - low) / (high - low)
        assert np.abs(tile - expected).max() <= 1 / 255 + 1e-9
    probabilities = answer["probabilities"]
    assert len(probabilities) == 10 and sum(probabilities) == pytest.approx(1.0)
    assert "saliency.png" in answer["images"] and answer["label"] == int(digits.y[7])


def test_an_onnx_files_maps_are_onnxruntimes(run_dir: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    path = run_dir / "model.onnx"
    answer = inspect_onnx(path, seed=0)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    spec = session.get_inputs()[0]
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in spec.shape]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        want = _torch_model(run_dir).conv1(torch.from_numpy(x))[0].numpy()
    convs = [e for name, e in answer["layers"].items() if e.get("shape") == [16, 8, 8]]
    assert convs, answer["layers"].keys()
    low, high = convs[0]["ranges"][3]
    assert low == pytest.approx(float(want[3].min()), abs=1e-4)
    assert high == pytest.approx(float(want[3].max()), abs=1e-4)


def test_cli_writes_the_maps_and_refuses_a_non_run(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "maps"
    assert main(["inspect", str(run_dir), "--sample", "3", "-o", str(out)]) == 0
    listing = json.loads((out / "maps.json").read_text())
    assert (out / listing["layers"]["conv2"]["file"]).exists()
    assert main(["inspect", str(tmp_path), "--sample", "0"]) == 2
    assert "not a run folder" in capsys.readouterr().err
