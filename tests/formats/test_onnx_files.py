"""ONNX files of any size: local files are mapped, not read (weights stay on disk), and
external data is read from the model's own folder and nowhere else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from netcanvas import formats, service
from netcanvas.analysis import analyze
from netcanvas.formats import FormatError
from tests.conftest import need

pytestmark = pytest.mark.oracle

need("onnx")
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

RNG = np.random.default_rng(11)


def _mlp() -> onnx.ModelProto:
    """Two Gemm layers whose weights are large enough to stay in the file."""
    w1 = numpy_helper.from_array(RNG.standard_normal((256, 64)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(RNG.standard_normal(256).astype(np.float32), "b1")
    w2 = numpy_helper.from_array(RNG.standard_normal((10, 256)).astype(np.float32), "w2")
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1", transB=1),
        helper.make_node("Relu", ["h"], ["r"], name="relu"),
        helper.make_node("Gemm", ["r", "w2"], ["y"], name="fc2", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        [w1, b1, w2],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


PARAMS = 256 * 64 + 256 + 10 * 256


def _summary(path: Path) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "netcanvas", "summary", str(path), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, json.loads(done.stdout) if done.stdout else {"stderr": done.stderr}


def test_a_mapped_file_reads_as_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "mlp.onnx"
    onnx.save(_mlp(), path)
    by_path, analysis = service.open_file(path)
    by_bytes = formats.read(path.read_bytes(), "mlp.onnx")
    assert analysis.params == analyze(by_bytes).params == PARAMS
    assert analysis.complete
    assert [n.params for n in by_path.nodes] == [n.params for n in by_bytes.nodes]


def test_external_data_is_read_beside_the_model(tmp_path: Path) -> None:
    path = tmp_path / "mlp.onnx"
    onnx.save(_mlp(), path, save_as_external_data=True, location="mlp.weights", size_threshold=0)
    assert (tmp_path / "mlp.weights").stat().st_size >= PARAMS * 4
    assert path.stat().st_size < 4096  # the weights are not in the .onnx
    code, out = _summary(path)
    assert code == 0, out
    assert out["totals"]["params"] == PARAMS and out["totals"]["complete"]
    import netcanvas as nc

    assert nc.load(path).summary().to_dict()["totals"] == out["totals"]
    # An upload carries no side file: a clear error, not a wrong total.
    with pytest.raises(FormatError, match="external data file 'mlp.weights'"):
        formats.read(path.read_bytes(), "mlp.onnx")


def test_external_data_outside_the_folder_is_refused(tmp_path: Path) -> None:
    inside = tmp_path / "model"
    inside.mkdir()
    (tmp_path / "secret.bin").write_bytes(b"\0" * PARAMS * 4)
    model = _mlp()
    onnx.save(model, inside / "m.onnx", save_as_external_data=True, location="w.bin")
    model = onnx.load(inside / "m.onnx", load_external_data=False)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = "../secret.bin"
    onnx.save(model, inside / "m.onnx")
    code, out = _summary(inside / "m.onnx")
    assert code == 2
    assert "outside the model's folder" in out["stderr"]


def test_external_data_too_short_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "mlp.onnx"
    onnx.save(_mlp(), path, save_as_external_data=True, location="w.bin", size_threshold=0)
    (tmp_path / "w.bin").write_bytes(b"\0" * 16)
    with pytest.raises(FormatError, match="missing or too short"):
        service.open_file(path)
