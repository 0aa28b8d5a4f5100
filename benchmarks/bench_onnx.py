"""`netcanvas summary` of large ONNX files: whole-process time and peak memory, beside the
plain-onnx anchor (`onnx.load` + `onnx.shape_inference.infer_shapes`) on the same file.

Targets (issue 18): peak memory <= 1.5 x the file's size; ResNet-50 <= 0.5 s as a whole
process. Files: ResNet-50 and ViT-B/16 exported by the model zoo's Python (.venv-zoo,
`make zoo`; skipped with a note when it is missing), and a 1 GiB MLP written here.
Run: .venv/bin/python benchmarks/bench_onnx.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZOO = Path(os.environ.get("NETCANVAS_ZOO_PYTHON", ROOT / ".venv-zoo" / "bin" / "python"))

# VmHWM, not ru_maxrss: the latter survives exec and would report this script's own peak.
PEAK = """
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(line.split()[1], file=sys.stderr)
"""
OURS = """
import runpy, sys
sys.argv = ["netcanvas", "summary", sys.argv[1], "--json"]
try:
    runpy.run_module("netcanvas", run_name="__main__")
except SystemExit as done:
    if done.code not in (0, None):
        raise
"""
ANCHOR = """
import onnx, sys
onnx.shape_inference.infer_shapes(onnx.load(sys.argv[1]), data_prop=True)
"""

EXPORT = """
import sys, torch, torchvision.models as tvm
model = getattr(tvm, sys.argv[1])(weights=None).eval()
torch.onnx.export(model, (torch.randn(1, 3, 224, 224),), sys.argv[2], opset_version=17,
                  dynamo=False)
"""


def run(code: str, path: Path) -> tuple[float, float]:
    """Best-of-3 wall time (s) and peak resident memory (MiB) of a script on a file."""
    best, peak = float("inf"), 0.0
    for _ in range(3):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code + "\n" + PEAK, str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        best = min(best, time.perf_counter() - start)
        peak = int(done.stderr.strip().splitlines()[-1]) / 1024
    return best, peak


def big_mlp(path: Path, layers: int = 16, width: int = 4096) -> None:
    """A 1 GiB file: `layers` fully connected layers of width x width float32 weights."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    nodes, inits, previous = [], [], "x"
    for k in range(layers):
        weight = rng.standard_normal((width, width), dtype=np.float32)
        inits.append(numpy_helper.from_array(weight, f"w{k}"))
        nodes.append(helper.make_node("Gemm", [previous, f"w{k}"], [f"h{k}"], transB=1))
        previous = f"h{k}"
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])],
        [helper.make_tensor_value_info(previous, TensorProto.FLOAT, [1, width])],
        inits,
    )
    path.write_bytes(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files: list[Path] = []
        for name in ("resnet50", "vit_b_16"):
            path = Path(tmp) / f"{name}.onnx"
            if not ZOO.exists():
                print(f"{name}: skipped, the model zoo's Python is missing (`make zoo`)")
                continue
            subprocess.run([str(ZOO), "-c", EXPORT, name, str(path)], check=True,
                           capture_output=True)  # fmt: skip
            files.append(path)
        big = Path(tmp) / "mlp_1gib.onnx"
        big_mlp(big)
        files.append(big)
        print(
            f"{'file':>14} {'MiB':>7} | {'netcanvas s':>11} {'peak MiB':>9} {'x size':>7} | "
            f"{'onnx s':>7} {'peak MiB':>9}"
        )
        for path in files:
            size = path.stat().st_size / 2**20
            ours, ours_peak = run(OURS, path)
            anchor, anchor_peak = run(ANCHOR, path)
            print(
                f"{path.stem:>14} {size:>7.0f} | {ours:>11.2f} {ours_peak:>9.0f} "
                f"{ours_peak / size:>7.2f} | {anchor:>7.2f} {anchor_peak:>9.0f}"
            )
        print("targets: peak <= 1.5 x size; resnet50 <= 0.5 s")


if __name__ == "__main__":
    main()
