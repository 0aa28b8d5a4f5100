"""`netcanvas render` starts fast: a figure from the command line never imports the web
stack, the training stack or a format it does not read (issue 17: a whole render process
no slower than `dot`). Checked by the modules a fresh interpreter holds after a render;
the times themselves are benchmarks/bench_render.py's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Never needed to draw a figure of a document or a prototxt.
HEAVY = (
    "fastapi", "starlette", "uvicorn", "sqlalchemy", "torch", "onnx", "onnxruntime",
    "keras", "tensorflow", "numpy", "matplotlib", "cairocffi", "cairosvg", "netcanvas.api",
    "netcanvas.store", "netcanvas.train.runner",
)  # fmt: skip

YAML = (
    "netcanvas: 1\nname: tiny\nlayers:\n"
    "  - {name: data, type: Input, shape: [1, 3, 32, 32]}\n"
    "  - {name: conv1, type: Conv2d, out_channels: 8, kernel_size: 3, padding: 1, scope: a.b}\n"
    "  - {name: relu1, type: ReLU, scope: a.b}\n"
    "  - {name: fc, type: Linear, out_features: 10}\n"
)
PROTOTXT = """name: "tiny"
input: "data"
input_shape { dim: 1 dim: 3 dim: 32 dim: 32 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
"""


def modules_after_render(source: Path, *options: str) -> set[str]:
    """The modules a fresh interpreter has imported after `netcanvas render SOURCE`."""
    out = source.with_suffix(".svg")
    code = (
        "import json, sys\n"
        "from netcanvas.cli import main\n"
        f"code = main(['render', {str(source)!r}, '-o', {str(out)!r}, *{list(options)!r}])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    exit_code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert exit_code == 0, done.stderr
    assert "</svg>" in out.read_text()
    return set(modules)


@pytest.mark.parametrize("options", [(), ("--depth", "1", "--fold")])
def test_render_of_a_document_imports_nothing_heavy(tmp_path: Path, options: tuple[str]) -> None:
    source = tmp_path / "tiny.yaml"
    source.write_text(YAML)
    loaded = modules_after_render(source, *options)
    assert sorted(loaded & set(HEAVY)) == []


def test_render_of_a_prototxt_reads_no_yaml(tmp_path: Path) -> None:
    source = tmp_path / "tiny.prototxt"
    source.write_text(PROTOTXT)
    loaded = modules_after_render(source)
    assert sorted(loaded & {*HEAVY, "yaml", "netcanvas.formats.native.reader"}) == []
