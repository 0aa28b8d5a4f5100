"""`netcanvas convert` to and from ONNX, PyTorch and Keras through the formats table."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from netcanvas import formats
from netcanvas.analysis import analyze
from netcanvas.cli import main
from tests.conftest import need

pytestmark = pytest.mark.oracle

NET = """\
netcanvas: 1
name: tiny
layers:
  - {name: data, type: Input, shape: [1, 3, 16, 16]}
  - {name: conv1, type: Conv2d, out_channels: 4, kernel_size: 3, padding: 1}
  - {name: relu1, type: ReLU}
  - {name: pool, type: AdaptiveAvgPool2d, output_size: 1}
  - {name: flat, type: Flatten}
  - {name: fc, type: Linear, out_features: 3}
"""


@pytest.fixture()
def net(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(NET)
    return path


def test_yaml_to_onnx_and_back(net: Path, tmp_path: Path) -> None:
    need("onnx")
    import onnx

    out = tmp_path / "tiny.onnx"
    assert main(["convert", str(net), "-o", str(out)]) == 0
    onnx.checker.check_model(onnx.load(str(out)), full_check=True)
    back = tmp_path / "back.yaml"
    assert main(["convert", str(out), "-o", str(back)]) == 0
    graph = formats.read(back.read_bytes(), "back.yaml")
    assert [n.type for n in graph.nodes] == [
        "Input", "Conv2d", "ReLU", "AdaptiveAvgPool2d", "Flatten", "Linear",
    ]  # fmt: skip
    original = formats.read(net.read_bytes(), "tiny.yaml")
    assert analyze(graph).params == analyze(original).params


def test_yaml_to_pytorch_and_keras_code(net: Path, tmp_path: Path) -> None:
    torch_out = tmp_path / "model.py"
    assert main(["convert", str(net), "-o", str(torch_out)]) == 0
    assert "class Network(nn.Module)" in torch_out.read_text()
    keras_out = tmp_path / "model_keras.py"
    assert main(["convert", str(net), "-o", str(keras_out), "--to", "keras"]) == 0
    text = keras_out.read_text()
    assert "def build_model() -> keras.Model" in text
    ast.parse(text)


def test_unexportable_graph_exits_1_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(NET + "  - {name: box, type: PriorBox}\n")
    assert main(["convert", str(path), "-o", str(tmp_path / "odd.onnx")]) == 1
    assert "PriorBox" in capsys.readouterr().err
    assert not (tmp_path / "odd.onnx").exists()


def test_corrupt_onnx_exits_2_with_a_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07\x12\xff\xff\xff garbage")
    assert main(["convert", str(bad), "-o", str(tmp_path / "x.yaml")]) == 2
    assert capsys.readouterr().err.startswith(f"{bad}:1:1: ")


def test_converting_an_onnx_file_says_where_its_weights_go(
    net: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ONNX -> Keras writes the architecture with fresh weights: the user is told, not
    left to find the trained weights gone. ONNX -> PyTorch writes them beside the code
    (``again.pt``) and says so; ONNX -> ONNX carries them over (both in
    tests/formats/test_onnx_weights.py), so says nothing."""
    need("onnx")
    source = tmp_path / "tiny.onnx"
    assert main(["convert", str(net), "-o", str(source)]) == 0
    assert "not carried over" not in capsys.readouterr().err  # a YAML holds no weights
    assert main(["convert", str(source), "-o", str(tmp_path / "again.keras.py")]) == 0
    assert "weights in" in capsys.readouterr().err
    assert main(["convert", str(source), "-o", str(tmp_path / "again.py")]) == 0
    said = capsys.readouterr().err
    if importlib.util.find_spec("torch") is not None:
        assert "again.pt" in said and "carried" not in said
        assert (tmp_path / "again.pt").exists()
    else:
        assert "again.npz" in said and (tmp_path / "again.npz").exists()
    assert main(["convert", str(source), "-o", str(tmp_path / "again.onnx")]) == 0
    assert "carried" not in capsys.readouterr().err
    assert main(["convert", str(source), "-o", str(tmp_path / "again.yaml")]) == 0
    assert "not carried over" not in capsys.readouterr().err
