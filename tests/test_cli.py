"""`netcanvas summary` and `convert`: the DESIGN 5 contract (JSON fields, exit codes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from netcanvas.cli import main

GOOD = """\
netcanvas: 1
name: small
layers:
  - {name: data, type: Input, shape: [1, 3, 32, 32]}
  - {name: conv1, type: Conv2d, out_channels: 16, kernel_size: 3, padding: 1}
  - {name: pool, type: AdaptiveAvgPool2d, output_size: 1}
"""


@pytest.fixture()
def good(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(GOOD)
    return path


def test_summary_json_contract(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", str(good), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"name", "nodes", "totals", "errors", "warnings"}
    assert set(out["totals"]) >= {"params", "macs", "activation_bytes"}
    conv = out["nodes"][1]
    assert set(conv) >= {
        "name",
        "type",
        "inputs",
        "output_shapes",
        "params",
        "macs",
        "error",
        "warnings",
    }
    assert conv["name"] == "conv1" and conv["inputs"] == ["data"]
    assert conv["output_shapes"] == [[1, 16, 32, 32]]
    assert conv["params"] == 448 and conv["macs"] == 16 * 32 * 32 * 27
    assert conv["error"] is None
    assert out["totals"]["params"] == 448


def test_summary_table(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", str(good)]) == 0
    out = capsys.readouterr().out
    assert "conv1 (Conv2d)" in out and "1×16×32×32" in out
    assert "Total params:      448" in out and "100.0%" in out


def test_graph_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD + "  - {name: fc, type: Linear, in_features: 5}\n")
    assert main(["summary", str(path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["errors"] and out["errors"][0].startswith("fc: ")
    assert out["nodes"][-1]["error"]


def test_unreadable_input_exits_2_with_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("layers:\n  - {name: a, type: Conv2d, strid: 2}\n")
    assert main(["summary", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{path}:2:29: ") and "unknown setting 'strid'" in err


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "/nonexistent/x.yaml"]) == 2
    assert capsys.readouterr().err.startswith("/nonexistent/x.yaml:1:1: cannot read")


def test_input_shape_sets_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "noshape.yaml"
    path.write_text("layers:\n  - {name: data, type: Input}\n  - {name: fc, type: Linear}\n")
    assert main(["summary", str(path), "--json", "--input-shape", "data=2,7"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["nodes"][1]["output_shapes"] == [[2, 128]]
    assert main(["summary", str(path), "--input-shape", "nope=1,2"]) == 2
    assert "no layer named 'nope'" in capsys.readouterr().err


def test_convert_yaml_to_json_and_back(good: Path, tmp_path: Path) -> None:
    out = tmp_path / "small.json"
    assert main(["convert", str(good), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["layers"][1]["out_channels"] == 16
    back = tmp_path / "back.yaml"
    assert main(["convert", str(out), "-o", str(back)]) == 0
    assert back.read_text() == GOOD


def test_console_script_runs_as_a_process(good: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "netcanvas", "summary", str(good), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["params"] == 448


def test_a_process_ends_itself_with_every_exit_code_and_all_its_output(
    good: Path, tmp_path: Path
) -> None:
    """One-shot commands skip the interpreter's teardown: what they print still arrives
    whole (a large table through a pipe), and the exit codes are DESIGN 5's."""
    layers = "".join(f"  - {{name: fc{i}, type: Linear, out_features: 8}}\n" for i in range(3000))
    big = tmp_path / "big.yaml"
    big.write_text(GOOD + layers)
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD + "  - {name: cat, type: Concat, inputs: [conv1, pool], dim: 3}\n")
    unreadable = tmp_path / "broken.yaml"
    unreadable.write_text("netcanvas: 1\nlayers: [\n")

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "netcanvas", *argv]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    done = run("summary", str(big))
    assert done.returncode == 0, done.stderr
    assert "fc2999 (Linear)" in done.stdout and done.stdout.endswith("MB\n")
    assert run("summary", str(bad)).returncode == 1
    failed = run("render", str(unreadable), "-o", str(tmp_path / "x.svg"))
    assert failed.returncode == 2 and failed.stderr.startswith(str(unreadable))
    assert not (tmp_path / "x.svg").exists()


def test_in_process_calls_leave_the_cycle_collector_as_they_found_it(good: Path) -> None:
    import gc

    assert gc.isenabled()
    assert main(["summary", str(good), "--json"]) == 0
    assert gc.isenabled()


def test_output_format_follows_the_longest_extension(good: Path, tmp_path: Path) -> None:
    keras_out = tmp_path / "model.keras.py"
    torch_out = tmp_path / "model.py"
    assert main(["convert", str(good), "-o", str(keras_out)]) == 0
    assert main(["convert", str(good), "-o", str(torch_out)]) == 0
    assert "keras" in keras_out.read_text() and "import torch" not in keras_out.read_text()
    assert "import torch" in torch_out.read_text()


def test_convert_to_onnx_with_a_dynamic_batch(good: Path, tmp_path: Path) -> None:
    import onnx

    out = tmp_path / "model.onnx"
    assert main(["convert", str(good), "-o", str(out), "--dynamic-batch"]) == 0
    batch = onnx.load(str(out)).graph.input[0].type.tensor_type.shape.dim[0]
    assert batch.dim_param and not batch.dim_value
