"""An ONNX file converted to ONNX keeps its weights and its output names: onnxruntime gives
the same outputs for the original and the copy; converted to PyTorch code, the state_dict
written beside it makes the module give them too. The graphs hold the cases where a
tensor's layout or shape differs between ONNX and the layer it becomes (a square MatMul
weight, stored [in, out] where a 2-D Linear writes [out, in]; Gemm without transB; PReLU's
[C, 1, 1] slope; BatchNorm's statistics; a position table gathered by constant ids;
recurrent gates in ONNX's order)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from netcanvas import service
from netcanvas.cli import main
from tests.conftest import need

pytestmark = pytest.mark.oracle
need("onnx")
need("onnxruntime")
import onnxruntime as ort  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402

from tests.formats.test_onnx_settle import _f  # noqa: E402
from tests.formats.test_onnx_settle import _model as settle_model  # noqa: E402

RNG = np.random.default_rng(3)


def _model(nodes: list[Any], x: list[int], inits: list[Any], output: str) -> bytes:
    return bytes(settle_model(nodes, x, inits, output).SerializeToString())


def _run(data: bytes, feed: Any) -> tuple[list[str], list[Any]]:
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return names, session.run(names, {"x": feed})


def _round_trip(tmp_path: Path, data: bytes, feed: Any) -> list[str]:
    """Convert with the CLI to ONNX and to PyTorch code; outputs (names and values) equal;
    the layers drawn fresh."""
    source, copy = tmp_path / "m.onnx", tmp_path / "copy.onnx"
    source.write_bytes(data)
    assert main(["convert", str(source), "-o", str(copy)]) == 0
    _same_in_pytorch(tmp_path, data, feed)
    names, before = _run(data, feed)
    again, after = _run(copy.read_bytes(), feed)
    assert again == names
    for a, b in zip(before, after, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)
    graph, analysis = service.open_file(source)
    report: dict[str, Any] = {}
    service.export_model(graph, "onnx", {"weights_report": report}, analysis)
    fresh: list[str] = report["fresh"]
    return fresh


def _generated(path: Path) -> ModuleType:
    """Import generated code as a module (its ``__file__`` finds the weights beside it)."""
    spec = importlib.util.spec_from_file_location(f"generated_{path.parent.name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _same_in_pytorch(tmp_path: Path, data: bytes, feed: Any) -> None:
    """``convert m.onnx -o m.py`` writes m.pt beside it; the module with those weights
    gives onnxruntime's outputs on the original."""
    need("torch")
    import torch

    source, code = tmp_path / "m.onnx", tmp_path / "m.py"
    assert main(["convert", str(source), "-o", str(code)]) == 0
    assert (tmp_path / "m.pt").exists()
    model = _generated(code).load_weights(_generated(code).Network()).eval()
    with torch.no_grad():
        got = model(torch.from_numpy(feed))
    _, (want,) = _run(data, feed)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-5)


def test_linear_layers_keep_their_weights_whatever_the_layout(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"], name="square"),
        helper.make_node("Add", ["h", "b1"], ["hb"], name="square_bias"),
        helper.make_node("Relu", ["hb"], ["r"], name="relu"),
        helper.make_node("Gemm", ["r", "w2", "b2"], ["logits"], name="head"),  # transB = 0
    ]
    inits = [_f("w1", 8, 8), _f("b1", 8), _f("w2", 8, 4), _f("b2", 4)]
    data = _model(nodes, [2, 8], inits, "logits")
    assert _round_trip(tmp_path, data, RNG.standard_normal((2, 8)).astype(np.float32)) == []


def test_convolution_batchnorm_and_prelu_keep_theirs(tmp_path: Path) -> None:
    stats = [numpy_helper.from_array(RNG.uniform(0.5, 2, 4).astype(np.float32), "var")]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "g", "beta", "mean", "var"], ["n"], name="bn"),
        helper.make_node("PRelu", ["n", "slope"], ["y"], name="act"),
    ]
    inits = [_f("w", 4, 3, 3, 3), _f("b", 4), _f("g", 4), _f("beta", 4), _f("mean", 4),
             *stats, _f("slope", 4, 1, 1)]  # fmt: skip
    data = _model(nodes, [1, 3, 6, 6], inits, "y")
    assert _round_trip(tmp_path, data, RNG.standard_normal((1, 3, 6, 6)).astype(np.float32)) == []


def test_a_position_table_gathered_by_constant_ids_keeps_its_rows(tmp_path: Path) -> None:
    """The ids pick rows 3..7 of a 10-row table: the copy reads the same rows."""
    nodes = [
        helper.make_node("Gather", ["positions", "ids"], ["pos"]),
        helper.make_node("Add", ["x", "pos"], ["y"], name="embed"),
    ]
    ids = numpy_helper.from_array(np.arange(3, 8, dtype=np.int64), "ids")
    data = _model(nodes, [1, 5, 8], [_f("positions", 10, 8), ids], "y")
    assert _round_trip(tmp_path, data, RNG.standard_normal((1, 5, 8)).astype(np.float32)) == []


def test_tensors_read_from_a_shared_table_keep_their_values(tmp_path: Path) -> None:
    """Two constants each computed from two stored tensors, one of them shared: both read
    their values from one table (lift.share_tables), found again by value."""
    nodes = [
        helper.make_node("Concat", ["a", "b"], ["m1"], axis=0),
        helper.make_node("Concat", ["b", "c"], ["m2"], axis=0),
        helper.make_node("Add", ["x", "m1"], ["h"], name="first"),
        helper.make_node("Add", ["h", "m2"], ["y"], name="second"),
    ]
    data = _model(nodes, [1, 4, 4], [_f("a", 2, 4), _f("b", 2, 4), _f("c", 2, 4)], "y")
    assert _round_trip(tmp_path, data, RNG.standard_normal((1, 4, 4)).astype(np.float32)) == []


@pytest.mark.parametrize(("op", "gates"), [("LSTM", 4), ("GRU", 3), ("RNN", 1)])
def test_recurrent_layers_keep_their_gates(tmp_path: Path, op: str, gates: int) -> None:
    """ONNX stores a recurrent layer's gates in its own order (LSTM i o f c, GRU z r h),
    both directions in one tensor and both biases in one: the ONNX copy takes them as
    they are, the PyTorch module reordered and split."""
    hidden, size = 4, 3
    extra = {"linear_before_reset": 1} if op == "GRU" else {}
    nodes = [
        helper.make_node("MatMul", ["x", "proj"], ["p"], name="proj"),
        helper.make_node(
            op, ["p", "W", "R", "B"], ["y"], name="rnn", hidden_size=hidden,
            direction="bidirectional", **extra,
        ),
    ]  # fmt: skip
    inits = [_f("proj", size, size), _f("W", 2, gates * hidden, size),
             _f("R", 2, gates * hidden, hidden), _f("B", 2, 2 * gates * hidden)]  # fmt: skip
    data = _model(nodes, [5, 1, size], inits, "y")
    assert _round_trip(tmp_path, data, RNG.standard_normal((5, 1, size)).astype(np.float32)) == []


def test_a_layer_whose_weights_cannot_be_matched_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Gemm's bias of one value broadcast over the outputs is not matched (yet) with
    the Linear's [out] bias: the layer is drawn fresh and the note names it."""
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="act"),
        helper.make_node("Gemm", ["r", "w", "b"], ["y"], name="head", transB=1),
    ]
    source = tmp_path / "m.onnx"
    source.write_bytes(_model(nodes, [2, 8], [_f("w", 4, 8), _f("b", 1)], "y"))
    assert main(["convert", str(source), "-o", str(tmp_path / "copy.onnx")]) == 0
    err = capsys.readouterr().err
    assert "carried over except those of 1 layer(s)" in err and err.rstrip().endswith(": head")
    if importlib.util.find_spec("torch") is not None:  # PyTorch code says so too
        assert main(["convert", str(source), "-o", str(tmp_path / "m.py")]) == 0
        err = capsys.readouterr().err
        assert "m.pt" in err and "carried over except those of 1 layer(s)" in err
        assert err.rstrip().endswith(": head")


def test_keras_code_says_the_weights_are_not_carried_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc", transB=1)]
    source = tmp_path / "m.onnx"
    source.write_bytes(_model(nodes, [2, 8], [_f("w", 4, 8), _f("b", 4)], "y"))
    assert main(["convert", str(source), "-o", str(tmp_path / "m.keras.py")]) == 0
    assert "not carried over" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras.py", "m.onnx"]


def test_without_torch_the_weights_are_numpys_and_the_python_api_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without torch the state_dict is a NumPy .npz (found by the same names, reshaped by
    the code's load_weights); ``Document.save`` writes it as convert does, and
    ``Document.to_torch`` builds the module with the file's weights."""
    need("torch")
    import torch

    import netcanvas as nc

    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"], name="proj"),
        helper.make_node("PRelu", ["h", "slope"], ["y"], name="act"),
    ]
    data = _model(nodes, [2, 6], [_f("w", 6, 6), _f("slope", 6)], "y")
    feed = RNG.standard_normal((2, 6)).astype(np.float32)
    _, (want,) = _run(data, feed)
    (tmp_path / "m.onnx").write_bytes(data)
    doc = nc.load(tmp_path / "m.onnx")
    with torch.no_grad():
        np.testing.assert_allclose(doc.to_torch()(torch.from_numpy(feed)), want, rtol=1e-5)
    with monkeypatch.context() as bare:
        bare.setitem(sys.modules, "torch", None)  # import torch raises ImportError
        doc.save(tmp_path / "m.py")
    assert not (tmp_path / "m.pt").exists()
    code = _generated(tmp_path / "m.py")
    assert code.WEIGHTS.name == "m.npz"
    model = code.load_weights(code.Network()).eval()
    with torch.no_grad():
        np.testing.assert_allclose(model(torch.from_numpy(feed)), want, rtol=1e-5, atol=1e-6)
